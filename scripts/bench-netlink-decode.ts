/**
 * Benchmark (not a test): what NetlinkSource costs on the host's CPU for a large IPVS table, without a kernel.
 *
 *   npm run build && node dist/scripts/bench-netlink-decode.js [SERVICES] [REALS] [socket|transport|batch|batch-js|snapshot]
 *
 * `socket` (the default): GenlSocket over scripted raw sockets that answer like the kernel does — the first part of
 * a dump queued inside send(), each further part when the previous datagram is read, NLMSG_DONE in a datagram of
 * its own, datagrams of up to 32 KiB on the bulk socket and 4 KiB on the GET_DEST one, delivered a turn of the
 * event loop later — so this measures everything of a read that is ours: framing, sequence matching, decoding and
 * bookkeeping. `transport`: a scripted GenlTransport answering whole replies, for the decoding alone. `batch`: the
 * path the agent takes when the native reader is built (netlink/batch.ts): NativeBatchTransport over a scripted
 * addon that lays the replies out as batch.c does, on a worker thread as batch.c works on one of libuv's, and decodes
 * the GET_SERVICE and GET_DEST replies there with the real addon's decoders (service-records.c, dest-records.c) as
 * batch.c does; `batch-js`: the same without those decoders, everything decoded on the main thread (as for replies
 * the decoders decline).
 * `snapshot`: the `batch` path as `lvs-agentx snapshot` takes it (one read, the event loop never given back), then the
 * table it prints (snapshot-table.ts); for the host's share of the whole-process figure of the kernel guest.
 * The messages are built with the unit tests' fixtures, as Linux 6.1 writes them (STATS and STATS64 nests), in the
 * order the kernel lists them: services by hash bucket, the newest of a bucket first (ip_vs_svc_hashkey() of these
 * addresses depends on their last byte alone, and ip_vs_ctl.c adds at the head), each service's real servers newest first.
 * Except in `snapshot` mode each read is then folded into the table model in slices, as the agent does
 * (daemon/agent.ts), so that the figures are the agent's whole read path. Prints per read the wall time of the read and of the fold, the CPU time, the
 * longest the event loop was held (sampled every millisecond: an upper bound, at most 1 ms above) and the longest
 * garbage-collection pause. The real-kernel figures
 * (syscalls included, in a TCG-emulated guest) come from scripts/kernel/bench-poll.sh.
 */
import { EventEmitter } from 'node:events';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { keepYoungGenerationSmall } from '../src/daemon/heap.js';
import { NetlinkSource, type GenlTransport } from '../src/ipvs/netlink-source.js';
import { TableModel } from '../src/mib/model.js';
import { snapshotTableBytes } from '../src/tools/snapshot-table.js';
import { runCooperatively } from '../src/util/time-slices.js';
import { HOST_BYTE_ORDER, type ByteOrder } from '../src/ipvs/netlink/bytes.js';
import { GenlSocket, RECEIVE_BUFFER_LARGE, type RawSocket } from '../src/ipvs/netlink/socket.js';
import { NativeBatchTransport, nativeAddonPath } from '../src/ipvs/netlink/batch.js';
import {
  configMessage,
  daemonMessage,
  dest,
  destMessage,
  flags,
  HUGE,
  infoMessage,
  serviceMessage,
  stats32,
  stats64,
  truncated,
} from '../test/unit/ipvs/ipvs-fixtures.js';
import { attr, be16, be32, genl, ip4, nlmsg, s32, str, u16, u32 } from '../test/unit/ipvs/nl.js';

// As the daemon runs (main.ts, before anything else; and again once the scripted addon's worker is online, see
// heap.ts): the young generation at 1 MiB a semi-space. Before, the fixtures below grew it first, and the worker's
// start let V8 grow it on to 16 MiB, so that every scavenge of a read copied up to that much (pauses of 13-40 ms on
// the host, which the daemon does not have).
keepYoungGenerationSmall();
const services = Number(process.argv[2] ?? '10000');
const reals = Number(process.argv[3] ?? '10');
const mode = process.argv[4] ?? 'socket';
const o: ByteOrder = HOST_BYTE_ORDER;
const IPVS_ID = 0x1a;

/** Service ids in dump order: by hash bucket (the address's last byte here), the newest of a bucket first. */
const dumpOrder = Array.from({ length: services }, (_, i) => i).sort((a, b) => (a & 255) - (b & 255) || b - a);
/** TCP 10.a.b.c:80 wlc, as ip_vs_genl_fill_service() writes it on Linux 6.1. */
const serviceMessages = dumpOrder.map((i) =>
  withType(
    serviceMessage(o, [
      ...attr(o, 1, u16(o, 2)), // AF_INET
      ...attr(o, 2, u16(o, 6)), // IPPROTO_TCP
      ...attr(o, 3, ip4(10, (i >>> 16) & 255, (i >>> 8) & 255, i & 255)),
      ...attr(o, 4, be16(80)),
      ...attr(o, 6, str('wlc')),
      ...attr(o, 7, flags(o, 0x0002)),
      ...attr(o, 8, u32(o, 0)),
      ...attr(o, 9, be32(0xffffffff)),
      ...attr(o, 10, stats32(o, truncated(HUGE))),
      ...attr(o, 12, stats64(o, HUGE)),
    ]),
  ),
);
/** REALS masq real servers 172.16.b.c:8000+j, with the tunnel and family attributes 6.1 sends for every one. */
const destMessages = Array.from({ length: reals }, (_, k) => reals - 1 - k).map((j) =>
  withType(
    destMessage(
      o,
      dest(o, { addr: ip4(172, 16, 0, j + 1), port: 8000 + j, fwd: 0, weight: j + 1, addrFamily: 2, tunnel: { type: 0, port: 0, flags: 0 } }),
    ),
  ),
);
const familyMessage = nlmsg(o, { type: 0x10, flags: 2 }, genl(1, 2, attr(o, 2, str('IPVS')), attr(o, 1, u16(o, IPVS_ID)), attr(o, 3, u32(o, 1))));

/** The fixtures carry the tests' family id; this "kernel" registered IPVS as IPVS_ID. */
function withType(m: Uint8Array): Uint8Array {
  new DataView(m.buffer, m.byteOffset).setUint16(4, IPVS_ID, o === 'little');
  return m;
}

/** The reply messages of a request, as the kernel would send them (before packing into datagrams). */
function answer(message: Uint8Array): readonly Uint8Array[] {
  const type = new DataView(message.buffer, message.byteOffset).getUint16(4, o === 'little');
  if (type === 0x10) return FAMILY;
  switch (message[16]) {
    case 15: return INFO;
    case 13: return CONFIG;
    case 11: return DAEMONS;
    case 4: return serviceMessages;
    case 8: return destMessages;
    default: throw new Error(`unexpected command ${message[16]}`);
  }
}
const FAMILY = [familyMessage];
const INFO = [withType(infoMessage(o))];
const CONFIG = [withType(configMessage(o))];
const DAEMONS = [withType(daemonMessage(o, 1, 'eth0', 3))];

/** SKB_WITH_OVERHEAD(): what netlink_dump() fills for a reader whose largest buffer was `bytes` (at least a page). */
const skbWithOverhead = (bytes: number): number => bytes - 320;

/** One raw socket of a scripted kernel (see the header). */
class KernelSocket extends EventEmitter implements RawSocket {
  constructor(private readonly datagramBytes: number) {
    super();
  }

  private readonly queue: Uint8Array[] = [];
  private dump: { seq: number; rest: readonly Uint8Array[] } | undefined;
  private reading = false;

  send(msg: Uint8Array, _options: undefined, callback: (err?: unknown) => void): void {
    const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
    const seq = view.getUint32(8, o === 'little');
    const isDump = (view.getUint16(6, o === 'little') & 0x300) === 0x300;
    const replies = answer(msg);
    if (isDump) {
      this.dump = { seq, rest: replies };
      this.nextRound();
    } else {
      const ack = nlmsg(o, { type: 2, seq }, [...s32(o, 0), ...msg.subarray(0, 16)]);
      this.queue.push(numbered(concat([...replies, ack]), seq));
    }
    setImmediate(() => callback());
    this.readable();
  }

  /** One netlink_dump() round: as many messages as fit, or NLMSG_DONE once there are none left. */
  private nextRound(): void {
    const d = this.dump;
    if (d === undefined) return;
    if (d.rest.length === 0) {
      this.queue.push(nlmsg(o, { type: 3, flags: 2, seq: d.seq }, s32(o, 0)));
      this.dump = undefined;
      return;
    }
    let n = 0;
    let size = 0;
    while (n < d.rest.length && size + (d.rest[n] as Uint8Array).length <= this.datagramBytes) size += (d.rest[n++] as Uint8Array).length;
    this.queue.push(numbered(concat(d.rest.slice(0, n)), d.seq));
    d.rest = d.rest.slice(n);
  }

  /** The poll callback: up to 32 datagrams per turn (binding.cc Recvmsg()); reading one lets the dump go on. */
  private readable(): void {
    if (this.reading) return;
    this.reading = true;
    setImmediate(() => {
      this.reading = false;
      for (let i = 0; i < 32 && this.queue.length > 0; i++) {
        const packed = this.queue.shift() as Uint8Array;
        const datagram = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength); // as the binding hands them over
        this.nextRound();
        this.emit('message', datagram, { port: 0 });
      }
      if (this.queue.length > 0) this.readable();
    });
  }

  close(): void {}
  ref(): void {}
  unref(): void {}
}

/** Every message of a packed datagram given sequence number `seq` (the datagram is a fresh copy). */
function numbered(datagram: Uint8Array, seq: number): Uint8Array {
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  for (let at = 0; at < datagram.length; at += (view.getUint32(at, o === 'little') + 3) & ~3) view.setUint32(at + 8, seq, o === 'little');
  return datagram;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `transport` mode: whole replies after a turn of the event loop. */
const transport: GenlTransport = {
  async request(message: Uint8Array): Promise<Uint8Array[]> {
    await nextTurn();
    return [...answer(message)];
  },
  close(): void {},
};

/**
 * `batch` mode: a scripted addon. Like batch.c it does its work on another thread (a worker, given every reply
 * template once) and hands back, per request, a 32-bit length (host order) and the replies with NLMSG_DONE.
 */
const ADDON_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { templates, little, hostLittle, addonPath } = workerData;
const decoder = addonPath ? require(addonPath) : undefined;
parentPort.on('message', ({ id, requests, families, services }) => {
  const view = new DataView(requests.buffer, requests.byteOffset, requests.byteLength);
  const parts = [];
  let size = 0;
  for (let at = 0; at < requests.length; ) {
    const len = view.getUint32(at, little);
    const key = view.getUint16(at + 4, little) === 0x10 ? 'family' : String(requests[at + 16]);
    const t = templates[key];
    if (t === undefined) throw new Error('unexpected request ' + key);
    const replies = Uint8Array.from(t);
    const rv = new DataView(replies.buffer);
    const seq = view.getUint32(at + 8, little);
    for (let p = 0; p < replies.length; p += (rv.getUint32(p, little) + 3) & ~3) rv.setUint32(p + 8, seq, little);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, replies.length, hostLittle);
    parts.push(length, replies);
    size += 4 + replies.length;
    at += (len + 3) & ~3;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  // Handed over, not copied into the main thread (as batch.c hands over its buffers): the decoders' areas are the
  // addon's own memory here, so they are copied once on this thread, and every buffer is transferred.
  const own = (areas) => areas.map((a) => new Uint8Array(a));
  const send = (result) => parentPort.postMessage({ id, out: result }, (Array.isArray(result) ? result : [result]).map((b) => b.buffer));
  if (services && decoder !== undefined) send([out, ...own(decoder.decodeServices(requests, out))]);
  else if (families !== undefined && decoder !== undefined) send([out, ...own(decoder.decodeDests(requests, out, families))]);
  else send(out);
});
`;
function scriptedAddon(addonPath: string | undefined): {
  transact(protocol: number, requests: Uint8Array, timeoutMs: number, families?: Uint8Array): Promise<Uint8Array | Uint8Array[]>;
  dumpServices?(protocol: number, request: Uint8Array, timeoutMs: number): Promise<Uint8Array[]>;
  stop(): Promise<number>;
} {
  const done = nlmsg(o, { type: 3, flags: 2 }, s32(o, 0));
  const templates: Record<string, Uint8Array> = { family: concat([...FAMILY, done]) };
  for (const cmd of [15, 13, 11, 4, 8]) {
    const probe = new Uint8Array(20);
    probe[16] = cmd;
    templates[String(cmd)] = concat([...answer(probe), done]);
  }
  const worker = new Worker(ADDON_WORKER, {
    eval: true,
    workerData: { templates, little: o === 'little', hostLittle: HOST_BYTE_ORDER === 'little', addonPath },
  });
  const waiting = new Map<number, (out: Uint8Array | Uint8Array[]) => void>();
  let next = 0;
  worker.on('message', ({ id, out }: { id: number; out: Uint8Array | Uint8Array[] }) => waiting.get(id)?.(out));
  const ask = (requests: Uint8Array, families: Uint8Array | undefined, services: boolean): Promise<Uint8Array | Uint8Array[]> =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, (out) => {
        waiting.delete(id);
        resolve(out);
      });
      // batch.c copies the requests with one memcpy; a copy here is transferred rather than cloned once more.
      const copy = Uint8Array.from(requests);
      worker.postMessage({ id, requests: copy, families, services }, [copy.buffer]);
    });
  return {
    transact: (_protocol, requests, _timeoutMs, families) => ask(requests, families, false),
    // With the real decoders, the GET_SERVICE dump is decoded on the worker too (service-records.c), as batch.c does.
    ...(addonPath === undefined ? {} : { dumpServices: async (_protocol: number, request: Uint8Array) => (await ask(request, undefined, true)) as Uint8Array[] }),
    stop: () => worker.terminate(),
  };
}
/** `batch`: the worker also decodes the replies with the real addon's decoders (service-records.c, dest-records.c), as batch.c does. */
const oneShot = mode === 'snapshot';
const addon =
  mode === 'batch' || mode === 'batch-js' || oneShot ? scriptedAddon(mode === 'batch-js' ? undefined : nativeAddonPath()) : undefined;

const openSocket =
  mode === 'transport'
    ? async (): Promise<GenlTransport> => transport
    : async (use: 'bulk' | 'dests'): Promise<GenlTransport> =>
        GenlSocket.fromRaw(new KernelSocket(skbWithOverhead(use === 'bulk' ? RECEIVE_BUFFER_LARGE : 4096)));
/** The loop monitor's sampling period: a reported stall is at most this much above the longest the loop was held. */
const RESOLUTION_MS = 1;
const RUNS = Number(process.env.BENCH_RUNS ?? '5');
const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
let gcMaxMs = 0;
const gcWatch = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, e.duration);
});
gcWatch.observe({ entryTypes: ['gc'] });
const source =
  addon !== undefined
    ? new NetlinkSource({ order: o, batch: new NativeBatchTransport(addon, 5000, o), ...(oneShot ? { sliceMs: Number.POSITIVE_INFINITY } : {}) })
    : new NetlinkSource({ order: o, openSocket, batch: null });
const model = new TableModel({ monotonic: false });
for (let run = 0; run < RUNS; run++) {
  loop.reset();
  loop.enable();
  gcMaxMs = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const snapshot = await source.read();
  const t1 = performance.now();
  const gcReadMs = gcMaxMs;
  // What the agent does with a read (daemon/agent.ts): the model folds it in slices; `lvs-agentx snapshot` prints it.
  let rows: { services: number; reals: number };
  if (oneShot) {
    const table = snapshotTableBytes(snapshot);
    rows = { services: snapshot.services.length, reals: table.length };
  } else {
    const update = await runCooperatively(model.updateSteps(snapshot, performance.now()));
    rows = { services: update.rows.services.length, reals: update.rows.reals.length };
  }
  const t2 = performance.now();
  const used = process.cpuUsage(cpu);
  await nextTurn(); // the last slice's turn ends before the monitor stops
  loop.disable();
  console.log(
    JSON.stringify({
      mode,
      run,
      services: rows.services,
      ...(oneShot ? { tableBytes: rows.reals } : { reals: rows.reals }),
      readMs: Math.round(t1 - t0),
      [oneShot ? 'tableMs' : 'foldMs']: Math.round(t2 - t1),
      cpuMs: Math.round((used.user + used.system) / 1000),
      maxEventLoopStallMs: Math.round(loop.max / 1e6),
      p99EventLoopStallMs: Math.round(loop.percentile(99) / 1e6),
      maxGcPauseMs: Math.round(gcMaxMs * 10) / 10,
      maxGcPauseReadMs: Math.round(gcReadMs * 10) / 10,
      ...memory(),
    }),
  );
}
gcWatch.disconnect();

/** The process's memory after a read was folded in, in MiB (as the agent's 'snapshot in service' line reports it). */
function memory(): { rssMiB: number; heapUsedMiB: number; externalMiB: number } {
  const m = process.memoryUsage();
  const mib = (n: number): number => Math.round(n / 1048576);
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), externalMiB: mib(m.external) };
}
await source.close();
await addon?.stop();
