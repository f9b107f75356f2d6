import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simSnapshot } from '../../../src/ipvs/sim-source.js';
import { snapshotFromJson, snapshotToJson, SnapshotFormatError } from '../../../src/ipvs/snapshot-json.js';
import { named, plainStats } from '../plain-stats.js';

const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'all-kinds.json');

describe('snapshot JSON', () => {
  it('reads the fixture with exact 64-bit counters and canonical addresses', () => {
    const s = snapshotFromJson(JSON.parse(readFileSync(FIXTURE, 'utf8')));
    const udp = s.services[0];
    expect(udp?.key).toEqual({ kind: 'addr', family: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 53 });
    const tcp = s.services[1];
    expect(named(tcp!.stats).outBytes).toBe(2n ** 64n - 1n);
    expect(named(tcp!.stats).inBytes).toBe(2n ** 63n);
    expect(s.services[3]?.key).toEqual({ kind: 'fwmark', family: 'inet', fwmark: 7 });
    expect(s.info.daemons).toHaveLength(2);
  });

  it('round trips through snapshotToJson', () => {
    const s = simSnapshot({ services: 20, reals: 3, churn: 0, seed: 5 }, 4);
    expect(plainStats(snapshotFromJson(JSON.parse(JSON.stringify(snapshotToJson(s)))))).toEqual(plainStats(s));
  });

  it('round trips every forwarding method, bypass included', () => {
    const s = simSnapshot({ services: 1, reals: 5, churn: 0, seed: 5 }, 0);
    const forwards = ['masq', 'local', 'tunnel', 'route', 'bypass'] as const;
    const reals = s.services[0]!.reals.map((r, i) => ({ ...r, forward: forwards[i]! }));
    const withAll = { ...s, services: [{ ...s.services[0]!, reals }] };
    const back = snapshotFromJson(JSON.parse(JSON.stringify(snapshotToJson(withAll))));
    expect(back.services[0]!.reals.map((r) => r.forward)).toEqual(forwards);
    expect(plainStats(back)).toEqual(plainStats(withAll));
  });

  it('names the JSON path and the expectation in errors', () => {
    const bad = (doc: unknown) => () => snapshotFromJson(doc);
    expect(bad({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 70000 }] })).toThrow(
      'snapshot: $.services[0].port: expected an integer 0..65535, got 70000',
    );
    expect(bad({ services: [{ protocol: 'icmp', address: '10.0.0.1', port: 1 }] })).toThrow(/\$\.services\[0\]\.protocol: expected one of tcp, udp, sctp/);
    expect(bad({ services: [{ protocol: 'tcp', address: '10.0.0.300', port: 1 }] })).toThrow(/address: expected an IPv4 or IPv6 address/);
    expect(bad({ services: [{ fwmark: 1, stats: { inBytes: '18446744073709551616' } }] })).toThrow(/stats\.inBytes: expected an unsigned 64-bit/);
    expect(bad({ services: [{ fwmark: 1, stats: { inBytes: 2 ** 60 } }] })).toThrow(SnapshotFormatError);
    expect(bad([])).toThrow('snapshot: $: expected an object, got []');
  });
});
