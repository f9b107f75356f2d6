// The native decoder of GET_DEST replies (src/ipvs/netlink/dest-records.c, in the addon scripts/build-native.sh
// builds, which npm test runs) and its reader (dest-records.ts), held to the JavaScript path: for the bytes of a
// request, either exactly the real servers ReplyCollector + decodeDestFast() give, or declined where that path would
// not give them (an error, framing it refuses, a message the fast decoder declines). Host byte order only: the
// addon decodes what this machine's kernel sends.
import { describe, expect, it } from 'vitest';
import { DecodedDests, NativeBatchTransport, nativeDestDecoder } from '../../../../src/ipvs/netlink/batch.js';
import { HOST_BYTE_ORDER } from '../../../../src/ipvs/netlink/bytes.js';
import { NetlinkError } from '../../../../src/ipvs/netlink/errors.js';
import { DestRecordReader } from '../../../../src/ipvs/netlink/dest-records.js';
import { decodeDestFast } from '../../../../src/ipvs/netlink/ipvs-dest-fast.js';
import { buildGetDests } from '../../../../src/ipvs/netlink/ipvs-request.js';
import { ReplyCollector } from '../../../../src/ipvs/netlink/reply.js';
import { RealList } from '../../../../src/ipvs/netlink-source.js';
import type { Family, RealServer } from '../../../../src/ipvs/snapshot.js';
import { plainStats } from '../../plain-stats.js';
import { mutated, random } from '../../random.js';
import { fakeNative } from '../fake-batch.js';
import { DEST_CASES, dest, destMessage, HUGE } from '../ipvs-fixtures.js';
import { concat, hostLength, ip4, ip6, nlDone, nlmsg, s32 } from '../nl.js';

const o = HOST_BYTE_ORDER;
const decode = nativeDestDecoder();
const AF_NUMBER: Record<Family, number> = { inet: 2, inet6: 10 };
const SEQ = 77;

function request(family: Family, seq = SEQ): Uint8Array {
  const key = family === 'inet'
    ? { kind: 'addr' as const, protocol: 'tcp' as const, family, address: '10.0.0.1', port: 80 }
    : { kind: 'addr' as const, protocol: 'tcp' as const, family, address: '2001:db8::1', port: 80 };
  const m = buildGetDests(0x1b, key, o);
  new DataView(m.buffer, m.byteOffset).setUint32(8, seq, o === 'little');
  return m;
}

const done = (seq = SEQ, status = 0): Uint8Array => nlDone(o, seq, status);

/** The addon's records for requests and their replies (each the bytes received for one request). */
function native(requests: readonly Uint8Array[], replies: readonly Uint8Array[], families: readonly Family[]): DestRecordReader {
  if (decode === undefined) throw new Error('the native addon is not built (scripts/build-native.sh)');
  const [records, stats] = decode(
    concat(...requests.map((r) => concat(r, new Uint8Array(((r.length + 3) & ~3) - r.length)))),
    concat(...replies.flatMap((r) => [hostLength(r.length), r])),
    Uint8Array.from(families.map((f) => AF_NUMBER[f])),
  ) as [Uint8Array, Uint8Array];
  return new DestRecordReader(records, stats);
}

/** What the JavaScript path makes of one request's bytes: its real servers, or 'declined' where it gives none. */
function reference(req: Uint8Array, reply: Uint8Array, family: Family): unknown {
  let state;
  try {
    state = new ReplyCollector(req, o, '').feed(reply);
  } catch {
    return 'declined';
  }
  if (state.kind !== 'done') return 'declined';
  const reals = state.messages.map((m) => decodeDestFast(m, o, family));
  if (!reals.every((r) => r !== undefined)) return 'declined';
  // Each real server once, the first of repeats: as NetlinkSource keeps what it decodes itself.
  const once = new RealList();
  for (const r of reals) once.add(r);
  return plainStats(once.list);
}

const verdict = (reals: RealServer[] | undefined): unknown => (reals === undefined ? 'declined' : plainStats(reals));

describe('the native GET_DEST decoder (dest-records.c) and DestRecordReader', () => {
  it('is in the addon', () => expect(decode).toBeTypeOf('function'));

  for (const [title, family, fields] of DEST_CASES) {
    it(`decodes ${title} as decodeDestFast does`, () => {
      const reply = concat(destMessage(o, dest(o, fields), SEQ), done());
      const expected = reference(request(family), reply, family);
      expect(verdict(native([request(family)], [reply], [family]).next())).toEqual(expected);
      expect(expected).not.toBe('declined');
    });
  }

  it('several requests: each its own reals in order, counters exact to 2^64 - 1, declined ones in their places', () => {
    const a = [
      destMessage(o, dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1, stats: HUGE }), SEQ),
      destMessage(o, dest(o, { addr: ip4(10, 0, 0, 3), port: 81, fwd: 3, weight: 2, addrFamily: 2 }), SEQ),
    ];
    const b = (seq: number) =>
      destMessage(o, dest(o, { addr: ip6('2001:db8::2'), port: 443, fwd: 2, weight: 5, tunnel: { type: 1, port: 6080, flags: 3 } }), seq);
    const replies = [
      concat(...a, done()),
      nlmsg(o, { type: 2, seq: 78 }, [...s32(o, -22), ...request('inet', 78).subarray(0, 16)]), // NLMSG_ERROR EINVAL
      concat(b(79), done(79)),
      concat(b(80), done(80, -4)), // NLMSG_DONE with an error status (EINTR)
    ];
    const requests = [request('inet'), request('inet', 78), request('inet6', 79), request('inet6', 80)];
    const families: Family[] = ['inet', 'inet', 'inet6', 'inet6'];
    const reader = native(requests, replies, families);
    const first = reader.next();
    expect(verdict(first)).toEqual(reference(requests[0] as Uint8Array, replies[0] as Uint8Array, 'inet'));
    expect(first?.[0]?.stats.values[(first[0]?.stats.at ?? 0) + 3]).toBe(HUGE.inBytes);
    expect(reader.next()).toBeUndefined();
    const third = reader.next();
    expect(verdict(third)).toEqual(reference(requests[2] as Uint8Array, replies[2] as Uint8Array, 'inet6'));
    expect(third?.[0]).toMatchObject({ family: 'inet6', address: '2001:db8::2', tunnelType: 'gue', tunnelPort: 6080, tunnelFlags: 3 });
    expect(reader.next()).toBeUndefined();
    expect(() => reader.next()).toThrow(RangeError);
  });

  it('skips messages of other requests and NLMSG_NOOP and repeated reals; an empty dump is no reals; no NLMSG_DONE is declined', () => {
    const m = destMessage(o, dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1 }), SEQ);
    const other = destMessage(o, dest(o, { addr: ip4(10, 0, 0, 9), port: 80, fwd: 0, weight: 1 }), SEQ + 1);
    const noop = nlmsg(o, { type: 1, seq: SEQ }, []);
    // A real server listed twice (a dump racing with changes), with other counters the second time: the first kept.
    const again = destMessage(o, dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 7, stats: HUGE }), SEQ);
    const v6 = (port: number) => destMessage(o, dest(o, { addr: ip6('2001:db8::2'), port, fwd: 0, weight: 1, addrFamily: 10 }), SEQ);
    const cases = [
      concat(other, noop, m, done()),
      done(),
      concat(m, m.slice()),
      concat(m, done(), new Uint8Array([1, 2, 3, 4])),
      concat(m, v6(80), again, v6(81), v6(80), done()),
    ];
    const got = cases.map((r) => verdict(native([request('inet')], [r], ['inet']).next()));
    expect(got).toEqual(cases.map((r) => reference(request('inet'), r, 'inet')));
    expect(got.map((v) => (v === 'declined' ? v : (v as unknown[]).length))).toEqual([1, 0, 'declined', 'declined', 3]);
    expect((got[4] as { weight: number }[]).map((r) => r.weight)).toEqual([1, 1, 1]);
  });

  it('over 10,000 mutated replies: never a value the JavaScript path would not give; declined where it gives none', () => {
    const next = random(0x5eed);
    let accepted = 0;
    let declined = 0;
    // Replies the JavaScript path accepts but the addon leaves to it: allowed (it then decodes them), and rare: an
    // NLMSG_ERROR 0 (an ACK, which a dump is not sent with) ends the request there, and the addon declines it.
    let leftToJavaScript = 0;
    for (let n = 0; n < 10000; n++) {
      const [, family, fields] = DEST_CASES[next() % DEST_CASES.length] as (typeof DEST_CASES)[number];
      const [, , other] = DEST_CASES[next() % DEST_CASES.length] as (typeof DEST_CASES)[number];
      const bytes = concat(destMessage(o, dest(o, fields), SEQ), destMessage(o, dest(o, other), SEQ), done());
      const reply = mutated(bytes, next);
      const expected = reference(request(family), reply, family);
      const got = verdict(native([request(family)], [reply], [family]).next());
      if (got === 'declined') {
        declined++;
        if (expected !== 'declined') leftToJavaScript++;
        continue;
      }
      accepted++;
      if (JSON.stringify(got, bigints) !== JSON.stringify(expected, bigints)) expect(got, `case ${n}`).toEqual(expected);
    }
    expect(accepted).toBeGreaterThan(500);
    expect(declined).toBeGreaterThan(500);
    expect(leftToJavaScript).toBeLessThan(50);
  });

  it('NativeBatchTransport.transactDests: decoded requests as DecodedDests, the others as transact() answers them', async () => {
    const real = destMessage(o, dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1 }));
    const plain = fakeNative(o, (r) => (new DataView(r.buffer).getUint32(8, o === 'little') % 2 === 0 ? -2 : [real]));
    // The fake addon's replies, and the real decoder's records for them: what batch.c resolves with.
    const withRecords = {
      transact: async (protocol: number, requests: Uint8Array, timeoutMs: number, families?: Uint8Array) => {
        const replies = await plain.transact(protocol, requests, timeoutMs);
        return families === undefined || decode === undefined ? replies : [replies, ...decode(requests, replies, families)];
      },
    };
    const transport = new NativeBatchTransport(withRecords, 1000, o);
    const requests = [request('inet', 0), request('inet', 0), request('inet', 0)];
    const replies = await transport.transactDests(requests, ['inet', 'inet', 'inet'], (i) => `request ${i + 1}`);
    expect(replies[0]).toBeInstanceOf(DecodedDests);
    expect(plainStats((replies[0] as DecodedDests).reals())).toEqual(plainStats([decodeDestFast(real, o, 'inet')]));
    expect(replies[1]).toBeInstanceOf(NetlinkError);
    expect(replies[1]).toMatchObject({ code: 'ENOENT', message: 'netlink: request 2: ENOENT (No such file or directory)' });
    expect(replies[2]).toBeInstanceOf(DecodedDests);
    // As batch.c hands them over: a decoded request's bytes dropped (length 0), only the declined one's kept.
    const dropping = {
      transact: async (protocol: number, requests: Uint8Array, timeoutMs: number, families?: Uint8Array) => {
        const [all, records, stats] = (await withRecords.transact(protocol, requests, timeoutMs, families)) as [Uint8Array, Uint8Array, Uint8Array];
        const reader = new DestRecordReader(records, stats);
        const parts: Uint8Array[] = [];
        const view = new DataView(all.buffer, all.byteOffset, all.byteLength);
        for (let at = 0; at < all.length; ) {
          const n = view.getUint32(at, HOST_BYTE_ORDER === 'little');
          const kept = reader.skip() === undefined;
          parts.push(hostLength(kept ? n : 0), kept ? all.subarray(at + 4, at + 4 + n) : new Uint8Array(0));
          at += 4 + n;
        }
        return [concat(...parts), records, stats];
      },
    };
    const fromDropped = await new NativeBatchTransport(dropping, 1000, o).transactDests(requests, ['inet', 'inet', 'inet'], (i) => `request ${i + 1}`);
    expect(fromDropped.map((r) => r.constructor)).toEqual([DecodedDests, NetlinkError, DecodedDests]);
    expect(fromDropped[1]).toMatchObject({ code: 'ENOENT', message: 'netlink: request 2: ENOENT (No such file or directory)' });
    expect(plainStats((fromDropped[2] as DecodedDests).reals())).toEqual(plainStats([decodeDestFast(real, o, 'inet')]));
    // An addon without the decoder (the tests' stand-in): everything comes back to be decoded here.
    const undecoded = await new NativeBatchTransport(plain, 1000, o).transactDests(requests, ['inet', 'inet', 'inet'], String);
    expect(undecoded[0]).toHaveLength(1);
    expect((undecoded[0] as Uint8Array[])[0]?.subarray(16)).toEqual(real.subarray(16));
    expect(undecoded[1]).toBeInstanceOf(NetlinkError);
  });
});

const bigints = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
