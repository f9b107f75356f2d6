// The native decoder of the GET_SERVICE dump (src/ipvs/netlink/service-records.c, in the addon scripts/build-native.sh
// builds, which npm test runs) and its reader (service-records.ts), held to the JavaScript path: for the bytes of the
// dump, either exactly the services ReplyCollector + decodeServiceFast() give, each with the GET_DEST request
// buildGetDests() writes for it, or declined where that path would not give them. Host byte order only: the addon
// decodes what this machine's kernel sends.
import { describe, expect, it } from 'vitest';
import { NativeBatchTransport, nativeServiceDecoder } from '../../../../src/ipvs/netlink/batch.js';
import { HOST_BYTE_ORDER } from '../../../../src/ipvs/netlink/bytes.js';
import { NetlinkError } from '../../../../src/ipvs/netlink/errors.js';
import { decodeServiceFast } from '../../../../src/ipvs/netlink/ipvs-service-fast.js';
import type { ServiceEntry } from '../../../../src/ipvs/netlink/ipvs-service.js';
import { buildGetDests, buildGetServices } from '../../../../src/ipvs/netlink/ipvs-request.js';
import { ReplyCollector } from '../../../../src/ipvs/netlink/reply.js';
import { ServiceRecords } from '../../../../src/ipvs/netlink/service-records.js';
import { serviceName } from '../../../../src/ipvs/service-key.js';
import { plainStats } from '../../plain-stats.js';
import { mutated, random } from '../../random.js';
import { fakeNative } from '../fake-batch.js';
import { HUGE, IPVS_FAMILY_ID, SERVICE_CASES, serviceMessage, svcFwmark, svcTcp4StatsOnly, svcUdp6 } from '../ipvs-fixtures.js';
import { attr, concat, hostLength, nlDone, nlmsg, s32, str, u16, u32 } from '../nl.js';

const o = HOST_BYTE_ORDER;
const decode = nativeServiceDecoder();
const SEQ = 91;

function request(seq = SEQ): Uint8Array {
  const m = buildGetServices(IPVS_FAMILY_ID, o);
  new DataView(m.buffer, m.byteOffset).setUint32(8, seq, o === 'little');
  return m;
}

const done = (seq = SEQ, status = 0): Uint8Array => nlDone(o, seq, status);

/** The addon's records for the bytes received for the GET_SERVICE request. */
function native(reply: Uint8Array, req = request()): ServiceRecords {
  if (decode === undefined) throw new Error('the native addon is not built (scripts/build-native.sh)');
  const [records, stats, requests] = decode(req, concat(hostLength(reply.length), reply)) as [Uint8Array, Uint8Array, Uint8Array];
  return new ServiceRecords(records, stats, requests);
}

/** Per message: the service and its GET_DEST request, 'repeat' for one listed before it, or 'declined'. */
type Verdict = 'declined' | 'repeat' | { service: unknown; request: number[] };

/** What the JavaScript path makes of the dump: a verdict per message, or 'declined' where it gives no messages. */
function reference(reply: Uint8Array): Verdict[] | 'declined' {
  let state;
  try {
    state = new ReplyCollector(request(), o, '').feed(reply);
  } catch {
    return 'declined';
  }
  if (state.kind !== 'done') return 'declined';
  const seen = new Set<string>();
  return state.messages.map((m) => {
    const entry = decodeServiceFast(m, o);
    if (entry === undefined) return 'declined';
    const name = serviceName(entry.key);
    if (seen.has(name)) return 'repeat';
    seen.add(name);
    return { service: plainStats(entry), request: [...buildGetDests(IPVS_FAMILY_ID, entry.key, o)] };
  });
}

function verdicts(records: ServiceRecords): Verdict[] | 'declined' {
  if (records.count === undefined) return 'declined';
  const declined = Array.from({ length: records.count }, (_, i) => records.entry(i) === undefined).filter(Boolean).length;
  expect(records.declined).toBe(declined);
  return Array.from({ length: records.count }, (_, i): Verdict => {
    const entry = records.entry(i);
    const req = records.request(i);
    if (records.repeated(i)) {
      expect(entry).toBeDefined();
      expect(req).toBeUndefined();
      return 'repeat';
    }
    if (entry === undefined || req === undefined) {
      expect(entry).toBe(req); // declined: neither
      return 'declined';
    }
    return { service: plainStats(entry), request: [...req] };
  });
}

describe('the native GET_SERVICE decoder (service-records.c) and ServiceRecords', () => {
  it('is in the addon', () => expect(decode).toBeTypeOf('function'));

  for (const [title, attrs] of SERVICE_CASES) {
    it(`decodes ${title} as decodeServiceFast does, with buildGetDests()'s request`, () => {
      const reply = concat(serviceMessage(o, attrs(o), SEQ), done());
      const expected = reference(reply);
      expect(verdicts(native(reply))).toEqual(expected);
      expect(expected).not.toBe('declined');
      expect((expected as Verdict[])[0]).not.toBe('declined');
    });
  }

  it('several services in dump order, counters exact to 2^64 - 1, a declined one in its place, a shared scheduler text', () => {
    const tcp = svcTcp4StatsOnly(o);
    const messages = [
      serviceMessage(o, svcUdp6(o, HUGE), SEQ),
      serviceMessage(o, [...tcp, ...attr(o, 2, u16(o, 99))], SEQ), // protocol 99: no service key the agent knows
      serviceMessage(o, tcp, SEQ),
      serviceMessage(o, svcUdp6(o, HUGE), SEQ),
    ];
    const reply = concat(...messages, done());
    const records = native(reply);
    expect(verdicts(records)).toEqual(reference(reply));
    expect(records.count).toBe(4);
    expect(records.entry(1)).toBeUndefined();
    const first = records.entry(0) as ServiceEntry;
    expect(first.key).toEqual({ kind: 'addr', family: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 53 });
    expect(first.stats.values[first.stats.at + 3]).toBe(HUGE.inBytes);
    expect(records.entry(3)?.scheduler).toBe(first.scheduler);
    expect([0, 1, 2, 3].map((i) => records.repeated(i))).toEqual([false, false, false, true]); // UDP/[2001:db8::1]:53 again
    expect(() => records.entry(4)).toThrow(RangeError);
  });

  it('declines each service decodeServiceFast declines, and only that one', () => {
    const base = svcTcp4StatsOnly(o);
    const bad = [
      [...base, ...attr(o, 1, u16(o, 7))], // unknown family
      [...base, ...attr(o, 2, u16(o, 1))], // unknown protocol
      [...base, ...attr(o, 7, u32(o, 3))], // flags not a struct ip_vs_flags
      svcFwmark(o, 10, 1, u32(o, 129)), // IPv6 prefix above 128
      [...base.slice(0, 8), ...base.slice(16)], // no protocol
      [...base, ...attr(o, 6, str('sch\u00e9d'))], // a scheduler name that is not ASCII
      [...base, ...attr(o, 6, str('s'.repeat(33)))], // nor short
    ];
    for (const attrs of bad) {
      const m = serviceMessage(o, attrs, SEQ);
      expect(decodeServiceFast(m, o)).toBeUndefined();
      const good = serviceMessage(o, base, SEQ);
      const records = native(concat(good, m, good, done()));
      expect(verdicts(records)).toEqual(reference(concat(good, m, good, done())));
      expect([0, 1, 2].map((i) => records.entry(i) === undefined)).toEqual([false, true, false]);
    }
    // The longest name read here, and a prefix of 128, are decoded.
    const edge = serviceMessage(o, [...svcFwmark(o, 10, 1, u32(o, 128)), ...attr(o, 6, str('s'.repeat(32)))], SEQ);
    expect(verdicts(native(concat(edge, done())))).toEqual(reference(concat(edge, done())));
    expect(native(concat(edge, done())).entry(0)).toMatchObject({ netmaskPrefix: 128, scheduler: 's'.repeat(32) });
  });

  it('marks each repeat of an earlier service, over thousands (its table of keys grows), as the JavaScript path finds them by name', () => {
    const next = random(0xd0b1e);
    const messages: Uint8Array[] = [];
    for (let i = 0; i < 5000; i++) {
      const [, attrs] = SERVICE_CASES[next() % SERVICE_CASES.length] as (typeof SERVICE_CASES)[number];
      // Ports 1..1200 in the key: about 6,000 distinct services, each case's address, so repeats come at random.
      const port = 1 + (next() % 1200);
      messages.push(serviceMessage(o, [...attrs(o), ...attr(o, 4, [port >> 8, port & 255])], SEQ));
    }
    const reply = concat(...messages, done());
    const got = verdicts(native(reply));
    expect(got).toEqual(reference(reply));
    expect((got as Verdict[]).filter((v) => v === 'repeat').length).toBeGreaterThan(500);
  });

  it('skips other requests\' messages and NLMSG_NOOP; an empty dump is no services; errors and framing it refuses decline the dump', () => {
    const m = serviceMessage(o, svcTcp4StatsOnly(o), SEQ);
    const other = serviceMessage(o, svcTcp4StatsOnly(o), SEQ + 1);
    const noop = nlmsg(o, { type: 1, seq: SEQ }, []);
    const error = nlmsg(o, { type: 2, seq: SEQ }, [...s32(o, -1), ...request().subarray(0, 16)]); // NLMSG_ERROR EPERM
    const cases = [
      concat(other, noop, m, done()),
      done(),
      concat(m, m.slice()), // no NLMSG_DONE
      concat(m, done(), new Uint8Array([1, 2, 3, 4])), // trailing bytes that are no header
      concat(m, error),
      concat(m, done(SEQ, -4)),
    ];
    const got = cases.map((r) => verdicts(native(r)));
    expect(got).toEqual(cases.map((r) => reference(r)));
    expect(got.map((v) => (v === 'declined' ? v : v.length))).toEqual([1, 0, 'declined', 'declined', 'declined', 'declined']);
  });

  it('over 10,000 mutated dumps: never a service or request the JavaScript path would not give', () => {
    const next = random(0x5e7);
    let accepted = 0;
    let declined = 0;
    for (let n = 0; n < 10000; n++) {
      const [, a] = SERVICE_CASES[next() % SERVICE_CASES.length] as (typeof SERVICE_CASES)[number];
      const [, b] = SERVICE_CASES[next() % SERVICE_CASES.length] as (typeof SERVICE_CASES)[number];
      const reply = mutated(concat(serviceMessage(o, a(o), SEQ), serviceMessage(o, b(o), SEQ), done()), next);
      const expected = reference(reply);
      const got = verdicts(native(reply));
      if (got === 'declined') {
        declined++;
        continue;
      }
      // Where the addon gives messages, the JavaScript path gives the same ones, each decoded or declined alike.
      expect(expected).not.toBe('declined');
      for (let i = 0; i < got.length; i++) {
        const g = got[i];
        if (g === 'declined' || g === 'repeat') {
          expect(g, `case ${n}, service ${i}`).toBe((expected as Verdict[])[i]);
          declined++;
          continue;
        }
        accepted++;
        const e = (expected as Verdict[])[i];
        if (JSON.stringify(g, bigints) !== JSON.stringify(e, bigints)) expect(g, `case ${n}, service ${i}`).toEqual(e);
      }
      expect(got.length, `case ${n}`).toBe((expected as Verdict[]).length);
    }
    expect(accepted).toBeGreaterThan(1000);
    expect(declined).toBeGreaterThan(1000);
  });

  it('NativeBatchTransport.transactServices: the records alone when none was declined, else with the dump\'s messages; without dumpServices, none', async () => {
    const m = serviceMessage(o, svcTcp4StatsOnly(o));
    const plain = fakeNative(o, () => [m, m]);
    /** The fake addon's replies, and the real decoder's records for them: what batch.c's dumpServices() resolves with. */
    const withRecords = (transact: typeof plain.transact) => ({
      transact,
      dumpServices: async (protocol: number, req: Uint8Array, timeoutMs: number) => {
        const replies = await transact(protocol, req, timeoutMs);
        return [replies, ...(decode?.(req, replies) ?? [])];
      },
    });
    const dump = await new NativeBatchTransport(withRecords(plain.transact), 1000, o).transactServices(buildGetServices(IPVS_FAMILY_ID, o), String);
    // Every message decoded: nothing for NetlinkSource to decode, so the messages are not split out.
    expect(dump.reply).toBeUndefined();
    expect(dump.records?.count).toBe(2);
    expect(dump.records?.declined).toBe(0);
    expect(plainStats(dump.records?.entry(1))).toEqual(plainStats(decodeServiceFast(m, o)));
    // One declined (protocol 99): the messages come too, the declined one decoded from its message.
    const odd = serviceMessage(o, [...svcTcp4StatsOnly(o), ...attr(o, 2, u16(o, 99))]);
    const mixed = await new NativeBatchTransport(withRecords(fakeNative(o, () => [m, odd]).transact), 1000, o).transactServices(
      buildGetServices(IPVS_FAMILY_ID, o),
      String,
    );
    expect(mixed.reply).toHaveLength(2);
    expect(mixed.records?.declined).toBe(1);
    expect(mixed.records?.entry(1)).toBeUndefined();
    const without = await new NativeBatchTransport(plain, 1000, o).transactServices(buildGetServices(IPVS_FAMILY_ID, o), String);
    expect(without.reply).toHaveLength(2);
    expect(without.records).toBeUndefined();
    // A refused dump: its error, named as asked, and no records.
    const refusing = fakeNative(o, () => -1);
    const refused = await new NativeBatchTransport(withRecords(refusing.transact), 1000, o)
      .transactServices(buildGetServices(IPVS_FAMILY_ID, o), () => 'IPVS_CMD_GET_SERVICE');
    expect(refused.reply).toBeInstanceOf(NetlinkError);
    expect(refused.reply).toMatchObject({ code: 'EPERM', message: 'netlink: IPVS_CMD_GET_SERVICE: EPERM (Operation not permitted)' });
    expect(refused.records).toBeUndefined();
  });
});

const bigints = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
