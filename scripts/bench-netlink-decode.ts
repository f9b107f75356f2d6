/**
 * Benchmark (not a test): what NetlinkSource costs on the host's CPU for a large IPVS table, without a kernel:
 * a scripted transport answers with the same messages the kernel sends (built with the unit tests' fixtures),
 * so this measures our decoding and bookkeeping alone, and the longest the event loop was blocked meanwhile.
 *   npm run build && node dist/scripts/bench-netlink-decode.js [SERVICES] [REALS]
 * The real-kernel figures (syscalls included, in a TCG-emulated guest) come from scripts/kernel/bench-poll.sh.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { HOST_BYTE_ORDER, type ByteOrder } from '../src/ipvs/netlink/bytes.js';
import { NetlinkSource } from '../src/ipvs/netlink-source.js';
import { configMessage, daemonMessage, dest, destMessage, infoMessage, serviceMessage, svcTcp4StatsOnly } from '../test/unit/ipvs/ipvs-fixtures.js';
import { attr, genl, nlmsg, str, u16, u32 } from '../test/unit/ipvs/nl.js';

const services = Number(process.argv[2] ?? '10000');
const reals = Number(process.argv[3] ?? '10');
const o: ByteOrder = HOST_BYTE_ORDER;
const IPVS_ID = 0x1a;

/** The template service message with its IPv4 address (10.0.0.1, first found) replaced for service i. */
const template = serviceMessage(o, svcTcp4StatsOnly(o));
const addrAt = template.findIndex((_, i) => template[i] === 10 && template[i + 1] === 0 && template[i + 2] === 0 && template[i + 3] === 1);
const serviceMessages = Array.from({ length: services }, (_, i) => {
  const m = Uint8Array.from(template);
  m[addrAt + 1] = (i >>> 16) & 255;
  m[addrAt + 2] = (i >>> 8) & 255;
  m[addrAt + 3] = i & 255;
  return m;
});
const destTemplate = (j: number) =>
  destMessage(o, dest(o, { addr: [192, 0, (j >>> 8) & 255, j & 255, ...new Array<number>(12).fill(0)], port: 80, fwd: 0, weight: 1 }));
const destMessages = Array.from({ length: reals }, (_, j) => destTemplate(j + 1));
const familyDump = [nlmsg(o, { type: 0x10 }, genl(1, 2, attr(o, 2, str('IPVS')), attr(o, 1, u16(o, IPVS_ID)), attr(o, 3, u32(o, 1))))];

/** Answers like the kernel, one reply batch per request, after a turn of the event loop (as a socket would). */
const transport = {
  async request(message: Uint8Array): Promise<Uint8Array[]> {
    await nextTurn();
    const type = message[4]! | (message[5]! << 8);
    const cmd = message[16]!;
    if (type === 0x10) return familyDump;
    switch (cmd) {
      case 15: return [infoMessage(o)];
      case 13: return [configMessage(o)];
      case 11: return [daemonMessage(o, 1, 'eth0', 3)];
      case 4: return serviceMessages;
      case 8: return destMessages;
      default: throw new Error(`unexpected command ${cmd}`);
    }
  },
  close(): void {},
};

const loop = monitorEventLoopDelay({ resolution: 5 });
const source = new NetlinkSource({ order: o, openSocket: async () => transport });
for (let run = 0; run < 3; run++) {
  loop.reset();
  loop.enable();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const snapshot = await source.read();
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  loop.disable();
  console.log(
    JSON.stringify({
      services: snapshot.services.length,
      reals: snapshot.services.reduce((n, s) => n + s.reals.length, 0),
      wallMs: Math.round(wall),
      cpuMs: Math.round((used.user + used.system) / 1000),
      maxEventLoopStallMs: Math.round(loop.max / 1e6),
    }),
  );
}
