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

describe('snapshot JSON follows the kernel', () => {
  const svc = (extra: object = {}, reals: object[] = []) => ({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, ...extra, reals }] });
  const error = (doc: unknown): string => {
    try {
      snapshotFromJson(doc);
    } catch (err) {
      expect(err).toBeInstanceOf(SnapshotFormatError);
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('refuses a negative weight (ip_vs_add_dest: -ERANGE) and one above ipvsadm 65535', () => {
    expect(error(svc({}, [{ address: '10.0.0.2', port: 80, weight: -1 }]))).toBe(
      'snapshot: $.services[0].reals[0].weight: expected an integer 0..65535, got -1',
    );
    expect(error(svc({}, [{ address: '10.0.0.2', port: 80 }, { address: '10.0.0.3', port: 80, weight: 65536 }]))).toBe(
      'snapshot: $.services[0].reals[1].weight: expected an integer 0..65535, got 65536',
    );
    expect(snapshotFromJson(svc({}, [{ address: '10.0.0.2', port: 80, weight: 65535 }])).services[0]?.reals[0]?.weight).toBe(65535);
  });

  it('refuses a service listed twice, naming its canonical key and where it came first', () => {
    const doc = {
      services: [
        { protocol: 'tcp', address: '10.0.0.1', port: 80 },
        { protocol: 'udp', address: '2001:db8::1', port: 53 },
        { protocol: 'udp', address: '2001:0db8:0:0::1', port: 53 },
      ],
    };
    expect(error(doc)).toBe('snapshot: $.services[2]: expected each service once, got UDP/[2001:db8::1]:53 again (first at $.services[1])');
    expect(error({ services: [{ fwmark: 7 }, { fwmark: 7, family: 'inet6' }, { fwmark: 7, family: 'inet' }] })).toMatch(/got FWM\/7 again \(first at \$\.services\[0\]\)$/);
    // The same address and port under another protocol is another service.
    expect(snapshotFromJson({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80 }, { protocol: 'udp', address: '10.0.0.1', port: 80 }] }).services).toHaveLength(2);
  });

  it('refuses a real server listed twice in one service (ip_vs_add_dest: -EEXIST)', () => {
    expect(error(svc({}, [{ address: '10.0.0.2', port: 80 }, { address: '10.0.0.3', port: 80 }, { address: '10.0.0.2', port: 80, weight: 3 }]))).toBe(
      'snapshot: $.services[0].reals[2]: expected each real server of a service once, got 10.0.0.2:80 again (first at $.services[0].reals[0])',
    );
    expect(snapshotFromJson(svc({}, [{ address: '10.0.0.2', port: 80 }, { address: '10.0.0.2', port: 81 }])).services[0]?.reals).toHaveLength(2);
  });

  it('takes a real server of another family only with tunnel forwarding (ip_vs_genl_set_cmd: -EINVAL)', () => {
    expect(error(svc({}, [{ address: '2001:db8::2', port: 80, forward: 'route' }]))).toBe(
      'snapshot: $.services[0].reals[0].address: expected an IPv4 address like its service\'s (other families only with forward "tunnel"), got "2001:db8::2"',
    );
    expect(snapshotFromJson(svc({}, [{ address: '2001:db8::2', port: 80, forward: 'tunnel' }])).services[0]?.reals[0]?.family).toBe('inet6');
  });

  it('checks prefix lengths by family, thresholds, fwmarks and kernel names', () => {
    expect(error(svc({ netmaskPrefix: 33 }))).toBe('snapshot: $.services[0].netmaskPrefix: expected an integer 0..32, got 33');
    expect(error({ services: [{ protocol: 'tcp', address: '2001:db8::1', port: 80, netmaskPrefix: 129 }] })).toMatch(/netmaskPrefix: expected an integer 0\.\.128, got 129$/);
    expect(error(svc({}, [{ address: '10.0.0.2', port: 80, upperThreshold: 10, lowerThreshold: 11 }]))).toMatch(
      /reals\[0\]\.lowerThreshold: expected an integer 0\.\.10, got 11$/,
    );
    expect(error({ services: [{ fwmark: 0 }] })).toBe('snapshot: $.services[0].fwmark: expected an integer 1..4294967295, got 0');
    expect(error({ services: [{ fwmark: 3, address: '10.0.0.1' }] })).toMatch(/services\[0\]\.address: expected nothing beside fwmark/);
    expect(error(svc({ scheduler: 'weighted-least-conn' }))).toMatch(/scheduler: expected a name of 1\.\.15 printable ASCII characters, got "weighted-least-conn"$/);
    expect(error({ info: { version: 'v1' } })).toBe('snapshot: $.info.version: expected a version like 1.2.1, got "v1"');
  });

  it('shows what came bounded: a long string cut with its size, an array or object by its size', () => {
    const long = error(svc({ scheduler: 'a'.repeat(1 << 20) }));
    expect(long).toMatch(/^snapshot: \$\.services\[0\]\.scheduler: expected .*, got "a{64}\.\.\." \(1048576 bytes\)$/);
    expect(long.length).toBeLessThan(300);
    expect(error({ services: { a: 1, b: 2 } })).toBe('snapshot: $.services: expected an array, got an object with 2 keys');
    expect(error({ services: [new Array(100000).fill(1)] })).toBe('snapshot: $.services[0]: expected an object, got an array of 100000');
    expect(error(svc({ port: '\u0000\u001b[2J' }))).toBe('snapshot: $.services[0].port: expected an integer 0..65535, got "\\u0000\\u001b[2J"');
  });
});
