import { describe, expect, it } from 'vitest';
import { type GenlTransport, NetlinkSource, type SocketUse } from '../../../src/ipvs/netlink-source.js';
import type { ByteOrder } from '../../../src/ipvs/netlink/bytes.js';
import { NetlinkDecodeError, NetlinkError } from '../../../src/ipvs/netlink/errors.js';
import { decodeGenl, decodeHeader, decodeMessage } from '../../../src/ipvs/netlink/message.js';
import { IpvsReadError } from '../../../src/ipvs/read-error.js';
import {
  configMessage,
  daemonMessage,
  dest,
  destMessage,
  HUGE,
  infoMessage,
  IPVS_FAMILY_ID,
  serviceMessage,
  SMALL,
  svcFwmark,
  svcTcp4StatsOnly,
  svcUdp6,
} from './ipvs-fixtures.js';
import { attr, be32, genl, ip4, ip6, nlmsg, ORDERS, str, u16, u32 } from './nl.js';
import { named, plainStats } from '../plain-stats.js';
import { turnsDuring } from '../loop-turns.js';
import { NativeBatchTransport, nativeDestDecoder, nativeServiceDecoder, type BatchTransport } from '../../../src/ipvs/netlink/batch.js';
import { ServiceRecords } from '../../../src/ipvs/netlink/service-records.js';
import { DestRecordReader } from '../../../src/ipvs/netlink/dest-records.js';
import { HOST_BYTE_ORDER } from '../../../src/ipvs/netlink/bytes.js';
import { fakeNative, type FakeAnswer } from './fake-batch.js';

type Handler = (req: { type: number; cmd: number; flags: number; message: Uint8Array }) => Uint8Array[] | Error;

/** A scripted kernel: answers each request with messages (or an error), and records what was asked. */
class FakeKernel implements GenlTransport {
  readonly asked: string[] = [];
  closed = 0;
  constructor(
    private readonly order: ByteOrder,
    private readonly handler: Handler,
  ) {}
  async request(message: Uint8Array, context?: string): Promise<Uint8Array[]> {
    const m = decodeMessage(message, this.order);
    const g = decodeGenl(m);
    this.asked.push(context ?? '?');
    const r = this.handler({
      type: decodeHeader(message, 0, this.order).type,
      cmd: g.cmd,
      flags: m.header.flags,
      message,
    });
    if (r instanceof Error) throw r;
    return r;
  }
  close(): void {
    this.closed++;
  }
}

/** CTRL_CMD_NEWFAMILY for every registered family: nlctrl, and IPVS while the module is loaded. */
function familiesDump(o: ByteOrder, ipvsLoaded: boolean): Uint8Array[] {
  const family = (name: string, id: number) =>
    nlmsg(o, { type: 0x10 }, genl(1, 2, attr(o, 2, str(name)), attr(o, 1, u16(o, id)), attr(o, 3, u32(o, 1))));
  return [family('nlctrl', 0x10), ...(ipvsLoaded ? [family('IPVS', IPVS_FAMILY_ID)] : []), family('devlink', 0x14)];
}

function ipvsKernel(o: ByteOrder, overrides: Partial<Record<number, Handler>> = {}): Handler {
  return (req) => {
    if (req.type === 0x10) {
      // CTRL_CMD_GETFAMILY must be a dump (NLM_F_DUMP) without a name: a lookup by name would autoload ip_vs.
      expect(req.flags & 0x300).toBe(0x300);
      return familiesDump(o, true);
    }
    expect(req.type).toBe(IPVS_FAMILY_ID);
    const own = overrides[req.cmd];
    if (own) return own(req);
    switch (req.cmd) {
      case 15: // GET_INFO
        return [infoMessage(o)];
      case 13: // GET_CONFIG
        return [configMessage(o)];
      case 11: // GET_DAEMON
        return [daemonMessage(o, 1, 'eth0', 3), daemonMessage(o, 2, 'eth1', 4)];
      case 4: // GET_SERVICE dump: the IPv4 service is repeated (a dump racing with changes)
        return [
          serviceMessage(o, svcTcp4StatsOnly(o)),
          serviceMessage(o, svcUdp6(o, HUGE)),
          serviceMessage(o, svcTcp4StatsOnly(o)),
          serviceMessage(o, svcFwmark(o, 10, 7, u32(o, 128))),
        ];
      case 8: {
        // GET_DEST: answer by the selector's AF / FWMARK
        const msg = req.message;
        const text = Buffer.from(msg).toString('hex');
        if (text.includes(Buffer.from(ip4(10, 0, 0, 1)).toString('hex'))) {
          return [
            destMessage(o, dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1, addrFamily: 2 })),
            destMessage(o, dest(o, { addr: ip4(10, 0, 0, 3), port: 80, fwd: 0, weight: 2 })),
            destMessage(o, dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1, addrFamily: 2 })),
          ];
        }
        if (text.includes(Buffer.from(ip6('2001:db8::1')).toString('hex'))) {
          return [
            destMessage(
              o,
              dest(o, { addr: ip6('2001:db8::2'), port: 53, fwd: 3, weight: 1, addrFamily: 10, stats: HUGE }),
            ),
            destMessage(
              o,
              dest(o, {
                addr: ip4(192, 0, 2, 9),
                port: 0,
                fwd: 2,
                weight: 1,
                addrFamily: 2,
                tunnel: { type: 2, port: 0, flags: 1 },
              }),
            ),
          ];
        }
        return []; // the fwmark service: no reals (or it vanished meanwhile)
      }
      default:
        return new NetlinkError(22, 'EINVAL', undefined, 'unexpected');
    }
  };
}

describe('NetlinkSource with a scripted kernel', () => {
  for (const o of ORDERS) {
    it(`reads a whole snapshot, de-duplicating repeated services and reals (${o} endian)`, async () => {
      // One socket for everything but the GET_DEST dumps, which go round-robin over their own (two here).
      const bulk = new FakeKernel(o, ipvsKernel(o));
      const dests = [new FakeKernel(o, ipvsKernel(o)), new FakeKernel(o, ipvsKernel(o))];
      const opened: SocketUse[] = [];
      const source = new NetlinkSource({
        order: o,
        destSockets: 2,
        openSocket: async (use) => {
          opened.push(use);
          return use === 'bulk' ? bulk : (dests[opened.filter((u) => u === 'dests').length - 1] as FakeKernel);
        },
      });
      const snap = await source.read();

      expect(opened).toEqual(['bulk', 'dests', 'dests']);
      expect(bulk.asked).toEqual([
        'resolve family IPVS',
        'IPVS_CMD_GET_INFO',
        'IPVS_CMD_GET_CONFIG',
        'IPVS_CMD_GET_DAEMON',
        'IPVS_CMD_GET_SERVICE',
      ]);
      expect(dests.map((d) => d.asked)).toEqual([
        ['IPVS_CMD_GET_DEST TCP/10.0.0.1:80', 'IPVS_CMD_GET_DEST FWM6/7'],
        ['IPVS_CMD_GET_DEST UDP/[2001:db8::1]:53'],
      ]);
      expect(snap.info).toEqual({
        version: '1.2.1',
        connTableSize: 4096,
        tcpTimeout: 900,
        tcpFinTimeout: 120,
        udpTimeout: 300,
        daemons: [
          { state: 'master', interface: 'eth0', syncId: 3 },
          { state: 'backup', interface: 'eth1', syncId: 4 },
        ],
      });
      expect(snap.services.map((s) => [s.key, s.reals.length])).toEqual([
        [{ kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 }, 2],
        [{ kind: 'addr', family: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 53 }, 2],
        [{ kind: 'fwmark', family: 'inet6', fwmark: 7 }, 0],
      ]);
      const [tcp, udp] = snap.services;
      expect(named(tcp!.stats)).toEqual(SMALL);
      expect(tcp?.reals.map((r) => [r.family, r.address, r.weight])).toEqual([
        ['inet', '10.0.0.2', 1],
        ['inet', '10.0.0.3', 2], // no ADDR_FAMILY: the service's
      ]);
      expect(named(udp!.stats)).toEqual(HUGE);
      expect(named(udp!.reals[0]!.stats)).toEqual(HUGE);
      expect(udp?.reals[1]).toMatchObject({
        family: 'inet',
        address: '192.0.2.9',
        forward: 'tunnel',
        tunnelType: 'gre',
        tunnelFlags: 1,
      });

      // The family is resolved once, the sockets opened once.
      await source.read();
      expect(bulk.asked.filter((a) => a === 'resolve family IPVS')).toHaveLength(1);
      expect(opened).toHaveLength(3);
      await source.close();
      expect([bulk.closed, ...dests.map((d) => d.closed)]).toEqual([1, 1, 1]);
      await expect(source.read()).rejects.toThrow(/closed/);
    });
  }

  it('an empty table is a normal, empty snapshot', async () => {
    const o: ByteOrder = 'little';
    const kernel = new FakeKernel(o, ipvsKernel(o, { 4: () => [], 11: () => [] }));
    const snap = await new NetlinkSource({ order: o, openSocket: async () => kernel }).read();
    expect(snap.services).toEqual([]);
    expect(snap.info.daemons).toEqual([]);
  });

  it('family "IPVS" missing (ENOENT) → IpvsReadError with the modprobe hint; resolved again on the next read', async () => {
    const o: ByteOrder = 'little';
    let loaded = false;
    const handler = ipvsKernel(o);
    const kernels: FakeKernel[] = [];
    const source = new NetlinkSource({
      order: o,
      destSockets: 1,
      openSocket: async () => {
        const k = new FakeKernel(o, (req) => (req.type === 0x10 && !loaded ? familiesDump(o, false) : handler(req)));
        kernels.push(k);
        return k;
      },
    });
    const err = await source.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpvsReadError);
    expect(err).toMatchObject({
      step: 'resolve family IPVS',
      errno: 'ENOENT',
      hint: 'IPVS kernel module not loaded: modprobe ip_vs',
    });
    expect((err as Error).message).toContain('modprobe ip_vs');
    expect(kernels.map((k) => k.closed)).toEqual([1, 1]); // both sockets of the failed read

    loaded = true; // modprobe ip_vs
    const snap = await source.read();
    expect(snap.services).toHaveLength(3);
    expect(kernels).toHaveLength(4); // opened afresh
  });

  it('EPERM → IpvsReadError with the CAP_NET_ADMIN hint', async () => {
    const o: ByteOrder = 'little';
    const kernel = new FakeKernel(
      o,
      ipvsKernel(o, { 15: () => new NetlinkError(1, 'EPERM', undefined, 'IPVS_CMD_GET_INFO') }),
    );
    const err = await new NetlinkSource({ order: o, openSocket: async () => kernel }).read().catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'IpvsReadError',
      step: 'IPVS_CMD_GET_INFO',
      errno: 'EPERM',
      hint: 'needs CAP_NET_ADMIN: run as root or grant AmbientCapabilities=CAP_NET_ADMIN',
    });
  });

  it('after any error the family is resolved again (the module may have been reloaded under a new id)', async () => {
    const o: ByteOrder = 'little';
    let fail = true;
    const base = ipvsKernel(o);
    const kernel = new FakeKernel(o, (req) =>
      req.cmd === 4 && req.type !== 0x10 && fail ? new NetlinkError(2, 'ENOENT', undefined, 'x') : base(req),
    );
    const source = new NetlinkSource({ order: o, openSocket: async () => kernel });
    await expect(source.read()).rejects.toMatchObject({ step: 'IPVS_CMD_GET_SERVICE', errno: 'ENOENT' });
    fail = false;
    await source.read();
    expect(kernel.asked.filter((a) => a === 'resolve family IPVS')).toHaveLength(2);
  });

  it('a malformed reply → IpvsReadError naming the step, with the decode error as cause', async () => {
    const o: ByteOrder = 'little';
    const broken = serviceMessage(o, [...attr(o, 1, u16(o, 2)), ...attr(o, 4, be32(80))]);
    const kernel = new FakeKernel(o, ipvsKernel(o, { 4: () => [broken] }));
    const err = await new NetlinkSource({ order: o, openSocket: async () => kernel }).read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpvsReadError);
    expect((err as IpvsReadError).step).toBe('IPVS_CMD_GET_SERVICE');
    expect((err as IpvsReadError).cause).toBeInstanceOf(NetlinkDecodeError);
  });

  it('a failing socket open → IpvsReadError', async () => {
    const source = new NetlinkSource({
      openSocket: async () => {
        throw new NetlinkError(93, 'EPROTONOSUPPORT', undefined, 'socket');
      },
    });
    await expect(source.read()).rejects.toMatchObject({ step: 'open netlink socket', errno: 'EPROTONOSUPPORT' });
  });

  it('concurrent reads share one read', async () => {
    const o: ByteOrder = 'little';
    const kernel = new FakeKernel(o, ipvsKernel(o));
    const source = new NetlinkSource({ order: o, openSocket: async () => kernel });
    const [a, b] = await Promise.all([source.read(), source.read()]);
    expect(a).toBe(b);
    expect(kernel.asked.filter((x) => x === 'IPVS_CMD_GET_INFO')).toHaveLength(1);
  });

  it('a failure opening the second socket closes the first; the read fails naming the open', async () => {
    const o: ByteOrder = 'little';
    const bulk = new FakeKernel(o, ipvsKernel(o));
    const source = new NetlinkSource({
      order: o,
      openSocket: async (use) => {
        if (use === 'dests') throw new NetlinkError(24, 'EMFILE', undefined, 'socket');
        return bulk;
      },
    });
    await expect(source.read()).rejects.toMatchObject({ name: 'IpvsReadError', step: 'open netlink socket' });
    expect(bulk.closed).toBe(1);
  });

  it('a GET_DEST dump failing while earlier ones are still out fails the read naming its service, nothing unhandled', async () => {
    const o: ByteOrder = 'little';
    const handler = ipvsKernel(o);
    // Replies of the first service come late; the third's fails at once, before the first is decoded.
    const slow = new FakeKernel(o, handler);
    const late: (() => void)[] = [];
    const slowRequest = slow.request.bind(slow);
    slow.request = (message, context) =>
      context === 'IPVS_CMD_GET_DEST TCP/10.0.0.1:80'
        ? new Promise((resolve, reject) => late.push(() => slowRequest(message, context).then(resolve, reject)))
        : slowRequest(message, context);
    const failing = new FakeKernel(o, (req) =>
      req.cmd === 8 ? new NetlinkError(22, 'EINVAL', undefined, 'IPVS_CMD_GET_DEST') : handler(req),
    );
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let opened = 0;
      const source = new NetlinkSource({
        order: o,
        destSockets: 2,
        openSocket: async (use) => (use === 'bulk' ? new FakeKernel(o, handler) : opened++ === 0 ? slow : failing),
      });
      const reading = source.read().catch((e: unknown) => e);
      // The first service's dump is held until it has been asked for (whenever that is on a loaded machine).
      while (late.length === 0) await new Promise((r) => setTimeout(r, 5));
      for (const answer of late) answer();
      const err = await reading;
      expect(err).toMatchObject({ name: 'IpvsReadError', step: 'IPVS_CMD_GET_DEST UDP/[2001:db8::1]:53', errno: 'EINVAL' });
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('close() during a read abandons it: the read fails, both sockets are closed, no closed socket is asked', async () => {
    const o: ByteOrder = 'little';
    let source: NetlinkSource | undefined;
    const handler = ipvsKernel(o);
    const kernels: FakeKernel[] = [];
    let askedWhenClosed = 0;
    source = new NetlinkSource({
      order: o,
      destSockets: 1,
      openSocket: async () => {
        const k: FakeKernel = new FakeKernel(o, (req) => {
          // A closed GenlSocket refuses requests; this one counts any that come.
          if (k.closed > 0) askedWhenClosed++;
          // The second GET_DEST: the source is closed under the read, as the poller's stop() does.
          if (req.cmd === 8 && k.asked.filter((a) => a.startsWith('IPVS_CMD_GET_DEST')).length === 2) {
            void source?.close();
            return new Error('netlink: socket closed');
          }
          return handler(req);
        });
        kernels.push(k);
        return k;
      },
    });
    const err = await source.read().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'IpvsReadError', step: 'IPVS_CMD_GET_DEST UDP/[2001:db8::1]:53' });
    expect(kernels.map((k) => k.closed)).toEqual([1, 1]);
    // The dumps of a read are asked ahead of decoding (a window), but none after the close.
    expect(askedWhenClosed).toBe(0);
    await expect(source.read()).rejects.toThrow(/closed/);
  });

  it('gives the event loop back during the GET_DEST dumps even when the transport answers without a turn', async () => {
    const o: ByteOrder = 'little';
    const many = Array.from({ length: 200 }, (_, i) => serviceMessage(o, svcFwmark(o, 2, i + 1, be32(0xffffffff))));
    const kernel = new FakeKernel(
      o,
      ipvsKernel(o, {
        4: () => many,
        8: () => {
          const until = performance.now() + 1; // 1 ms of work per service, answered in a microtask
          while (performance.now() < until);
          return [];
        },
      }),
    );
    const sliced = await turnsDuring(() => new NetlinkSource({ order: o, openSocket: async () => kernel }).read());
    expect(sliced.result.services).toHaveLength(200);
    expect(sliced.turns).toBeGreaterThanOrEqual(3); // 200 ms of work, a turn at least every 32 services once 10 ms passed

    // A one-shot command's source (sliceMs Infinity) keeps the loop: nobody else waits on it.
    const once = await turnsDuring(() =>
      new NetlinkSource({ order: o, openSocket: async () => kernel, sliceMs: Number.POSITIVE_INFINITY }).read(),
    );
    expect(once.result.services).toHaveLength(200);
    expect(once.turns).toBe(0);
  });

  it('de-duplicates the reals of a big service too, first one kept, in dump order', async () => {
    const o: ByteOrder = 'little';
    const real = (i: number, weight: number) => destMessage(o, dest(o, { addr: ip4(10, 1, 0, i), port: 80, fwd: 0, weight }));
    // 30 reals, then the dump repeats 1..30 (racing with a change) with other weights, then one more real; and
    // one real that differs only in its port.
    const answer = [
      ...Array.from({ length: 30 }, (_, i) => real(i + 1, 1)),
      ...Array.from({ length: 30 }, (_, i) => real(i + 1, 2)),
      real(31, 1),
      destMessage(o, dest(o, { addr: ip4(10, 1, 0, 1), port: 81, fwd: 0, weight: 1 })),
    ];
    const kernel = new FakeKernel(o, ipvsKernel(o, { 4: () => [serviceMessage(o, svcTcp4StatsOnly(o))], 8: () => answer }));
    const snap = await new NetlinkSource({ order: o, openSocket: async () => kernel }).read();
    const reals = snap.services[0]?.reals ?? [];
    expect(reals.map((r) => `${r.address}:${r.port}`)).toEqual([
      ...Array.from({ length: 31 }, (_, i) => `10.1.0.${i + 1}:80`),
      '10.1.0.1:81',
    ]);
    expect(reals.every((r) => r.weight === 1)).toBe(true);

    // A small one: the same address on two ports is two reals; the repeat of either is dropped.
    const small = [real(1, 1), destMessage(o, dest(o, { addr: ip4(10, 1, 0, 1), port: 81, fwd: 0, weight: 1 })), real(1, 2)];
    const k2 = new FakeKernel(o, ipvsKernel(o, { 4: () => [serviceMessage(o, svcTcp4StatsOnly(o))], 8: () => small }));
    const snap2 = await new NetlinkSource({ order: o, openSocket: async () => k2 }).read();
    expect(snap2.services[0]?.reals.map((r) => [r.port, r.weight])).toEqual([
      [80, 1],
      [81, 1],
    ]);
  });

  describe('with the batch transport (the native addon, here a fake at its byte level)', () => {
    /** The scripted kernel behind the fake addon: its answers, stamped and framed as batch.c frames them. */
    const batchOf = (o: ByteOrder, handler: Handler) => {
      const native = fakeNative(o, (message): FakeAnswer | Error => {
        const m = decodeMessage(message, o);
        const r = handler({ type: m.header.type, cmd: decodeGenl(m).cmd, flags: m.header.flags, message });
        return r instanceof NetlinkError ? -r.errno : r;
      });
      return { native, batch: new NativeBatchTransport(native, 1000, o) };
    };

    for (const o of ORDERS) {
      it(`reads the same snapshot; every request goes through it, no socket is opened (${o} endian)`, async () => {
        const opened: SocketUse[] = [];
        const viaSockets = await new NetlinkSource({ order: o, batch: null, openSocket: async () => new FakeKernel(o, ipvsKernel(o)) }).read();
        const { native, batch } = batchOf(o, ipvsKernel(o));
        const source = new NetlinkSource({ order: o, batch, openSocket: async (use) => (opened.push(use), new FakeKernel(o, ipvsKernel(o))) });
        const snap = await source.read();
        expect(opened).toEqual([]);
        // family dump, GET_INFO, GET_CONFIG, GET_DAEMON, GET_SERVICE one at a time, then the three GET_DESTs at once
        expect(native.calls.map((c) => c.length)).toEqual([1, 1, 1, 1, 1, 3]);
        // Stats are views into shared columns, placed in the order they were decoded: compared by their values.
        const plain = (x: typeof snap) => ({
          info: x.info,
          services: x.services.map((v) => ({ ...v, stats: named(v.stats), reals: v.reals.map((r) => ({ ...r, stats: named(r.stats) })) })),
        });
        expect(plain(snap)).toEqual(plain(viaSockets));
        expect(snap.services.flatMap((v) => v.reals)).toHaveLength(4);
      });
    }

    it('with the addon\'s own decoders (service-records.c, dest-records.c): the same snapshot, no reply decoded here', async () => {
      const o = HOST_BYTE_ORDER;
      const decode = nativeDestDecoder();
      const decodeServices = nativeServiceDecoder();
      if (decode === undefined || decodeServices === undefined) throw new Error('the native addon is not built (scripts/build-native.sh)');
      const viaSockets = await new NetlinkSource({ order: o, batch: null, openSocket: async () => new FakeKernel(o, ipvsKernel(o)) }).read();
      const { native } = batchOf(o, ipvsKernel(o));
      let decodedByAddon = 0;
      const withDecoder = {
        transact: async (protocol: number, requests: Uint8Array, timeoutMs: number, families?: Uint8Array) => {
          const replies = await native.transact(protocol, requests, timeoutMs);
          if (families === undefined) return replies;
          const [records, stats] = decode(requests, replies, families) as [Uint8Array, Uint8Array];
          const reader = new DestRecordReader(records, stats);
          for (let i = 0; i < families.length; i++) if (reader.next() !== undefined) decodedByAddon++;
          return [replies, records, stats];
        },
        dumpServices: async (protocol: number, request: Uint8Array, timeoutMs: number) => {
          const replies = await native.transact(protocol, request, timeoutMs);
          const areas = decodeServices(request, replies) as [Uint8Array, Uint8Array, Uint8Array];
          statsArea = areas[1].buffer;
          const records = new ServiceRecords(...areas);
          for (let i = 0; i < (records.count ?? 0); i++) if (records.entry(i) !== undefined) servicesByAddon++;
          return [replies, ...areas];
        },
      };
      let servicesByAddon = 0;
      let statsArea: ArrayBufferLike | undefined;
      const snap = await new NetlinkSource({ order: o, batch: new NativeBatchTransport(withDecoder, 1000, o) }).read();
      // The addon's real servers are their own Stats windows: compared by their values, as plainStats() gives them.
      const plain = (x: typeof snap) => plainStats(x);
      expect(plain(snap)).toEqual(plain(viaSockets));
      expect(snap.services.flatMap((v) => v.reals)).toHaveLength(4);
      expect(decodedByAddon).toBe(3); // every service's GET_DEST dump: none left to the JavaScript decoders
      expect(servicesByAddon).toBe(4); // every message of the GET_SERVICE dump (one service is there twice)
      // What is served is the addon's decoding: each service's counters are a window of the stats it handed over.
      expect(snap.services.map((v) => v.stats.values.buffer === statsArea)).toEqual([true, true, true]);
    });

    it('1,100 services: batches of 256, at most two out at once (three for a one-shot command), taken in service order', async () => {
      const o: ByteOrder = 'little';
      const many = Array.from({ length: 1100 }, (_, i) => serviceMessage(o, svcFwmark(o, 2, i + 1, be32(0xffffffff))));
      const { native, batch } = batchOf(o, ipvsKernel(o, { 4: () => many }));
      let out = 0;
      let most = 0;
      const counted = async <T>(call: () => Promise<T>): Promise<T> => {
        most = Math.max(most, ++out);
        await new Promise((r) => setTimeout(r, 5));
        out--;
        return call();
      };
      const counting: BatchTransport = {
        transact: (requests, contextOf) => counted(() => batch.transact(requests, contextOf)),
        transactDests: (requests, families, contextOf) => counted(() => batch.transactDests(requests, families, contextOf)),
        transactServices: (request, contextOf) => counted(() => batch.transactServices(request, contextOf)),
      };
      const snap = await new NetlinkSource({ order: o, batch: counting, openSocket: async () => new FakeKernel(o, ipvsKernel(o, { 4: () => many })) }).read();
      expect(native.calls.map((c) => c.length)).toEqual([1, 1, 1, 1, 1, 256, 256, 256, 256, 76]);
      expect(most).toBe(2);
      expect(snap.services.map((s) => (s.key.kind === 'fwmark' ? s.key.fwmark : 0))).toEqual(many.map((_, i) => i + 1));

      // A one-shot command: three batches out whatever has been taken (not all five: see DestBatches).
      most = 0;
      const oneShot = await new NetlinkSource({ order: o, batch: counting, sliceMs: Number.POSITIVE_INFINITY }).read();
      expect(native.calls.slice(10).map((c) => c.length)).toEqual([1, 1, 1, 1, 1, 256, 256, 256, 256, 76]);
      expect(most).toBe(3);
      expect(oneShot.services).toHaveLength(1100);
    });

    it('a GET_DEST refused in a batch fails the read naming its service; a failing batch socket names the first one', async () => {
      const o: ByteOrder = 'little';
      const handler = ipvsKernel(o);
      const refusing: Handler = (req) =>
        req.cmd === 8 && Buffer.from(req.message).includes(Buffer.from(ip6('2001:db8::1')))
          ? new NetlinkError(22, 'EINVAL', undefined, 'x')
          : handler(req);
      const { batch } = batchOf(o, refusing);
      const err = await new NetlinkSource({ order: o, batch, openSocket: async () => new FakeKernel(o, handler) })
        .read()
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'IpvsReadError', step: 'IPVS_CMD_GET_DEST UDP/[2001:db8::1]:53', errno: 'EINVAL' });

      // The batch of GET_DESTs times out; single requests are answered.
      const working = batchOf(o, handler).native;
      let calls = 0;
      const timingOut = {
        transact: async (protocol: number, requests: Uint8Array, timeoutMs: number) => {
          if (++calls === 6) throw Object.assign(new Error('Connection timed out'), { errno: 110, syscall: 'recvfrom' });
          return working.transact(protocol, requests, timeoutMs);
        },
      };
      const source = new NetlinkSource({ order: o, batch: new NativeBatchTransport(timingOut, 1000, o) });
      const err2 = await source.read().catch((e: unknown) => e);
      expect(err2).toBeInstanceOf(IpvsReadError);
      expect(err2).toMatchObject({ step: 'IPVS_CMD_GET_DEST TCP/10.0.0.1:80', errno: 'ETIMEDOUT' });
      expect((err2 as Error).message).toMatch(/recvfrom \(IPVS_CMD_GET_DEST TCP\/10\.0\.0\.1:80 and 2 more\)/);
      // After an error the next read starts afresh: the family is resolved again.
      await source.read().catch(() => undefined);
      expect(working.calls[5]?.length).toBe(1);
      const familyDump = working.calls[5]?.[0] as Uint8Array;
      expect(decodeHeader(familyDump, 0, o).type).toBe(0x10);
    });

    it('gives the event loop a turn every 8 services decoded, except for a one-shot command (sliceMs Infinity)', async () => {
      const o: ByteOrder = 'little';
      const many = Array.from({ length: 200 }, (_, i) => serviceMessage(o, svcFwmark(o, 2, i + 1, be32(0xffffffff))));
      const { batch } = batchOf(o, ipvsKernel(o, { 4: () => many }));
      const turnsFor = async (options: { sliceMs?: number }): Promise<number> => {
        const { result, turns } = await turnsDuring(() => new NetlinkSource({ order: o, batch, ...options }).read());
        expect(result.services).toHaveLength(200);
        return turns;
      };
      // The fake answers in microtasks: every turn the others get comes from the decoding loop.
      expect(await turnsFor({})).toBeGreaterThanOrEqual(200 / 8);
      expect(await turnsFor({ sliceMs: Number.POSITIVE_INFINITY })).toBe(0);
    });

    it('close() while a batch is out abandons the read; no further batch is asked', async () => {
      const o: ByteOrder = 'little';
      const many = Array.from({ length: 600 }, (_, i) => serviceMessage(o, svcFwmark(o, 2, i + 1, be32(0xffffffff))));
      const kernel = ipvsKernel(o, { 4: () => many });
      const { native, batch } = batchOf(o, kernel);
      let source: NetlinkSource | undefined;
      let callsAtClose = 0;
      const closing: BatchTransport = {
        transact: (requests, contextOf) => batch.transact(requests, contextOf),
        transactServices: (request, contextOf) => batch.transactServices(request, contextOf),
        transactDests: async (requests, families, contextOf) => {
          const replies = await batch.transactDests(requests, families, contextOf);
          callsAtClose = native.calls.length;
          void source?.close(); // once the first batch of GET_DESTs is in
          return replies;
        },
      };
      source = new NetlinkSource({ order: o, batch: closing, openSocket: async () => new FakeKernel(o, kernel) });
      const err = await source.read().catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/closed during the read/);
      // The single requests, the batches asked before the close (one or two: the second goes out while the services
      // are still being decoded, if they are not done by then), none after.
      expect(callsAtClose).toBeGreaterThanOrEqual(5 + 1);
      expect(native.calls.length).toBe(callsAtClose);
    });
  });
});
