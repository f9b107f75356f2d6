import { describe, expect, it } from 'vitest';
import { LIST, RATE, STATS, TUN_INFO } from '../../../../src/ipvs/ipvsadm/formats.js';
import { parseListing } from '../../../../src/ipvs/ipvsadm/listing.js';
import { realName, serviceName } from '../../../../src/ipvs/service-key.js';
import { ALL, fixture, parseErrorOf } from './fixtures.js';

describe('ipvsadm -L -n listing', () => {
  it('reads header, services with their options, and real servers', () => {
    const l = parseListing(ALL.list, LIST);
    expect([l.version, l.connTableSize]).toEqual(['1.2.1', 4096]);
    expect(l.services.map((s) => serviceName(s.key))).toEqual([
      'TCP/10.0.0.1:80',
      'UDP/[2001:db8::1]:53',
      'SCTP/10.0.0.1:9000',
      'FWM/1',
      'FWM6/7',
    ]);
    const [tcp, udp, sctp, fwm, fwm6] = l.services;
    // IP_VS_SVC_F_PERSISTENT 0x1 | HASHED 0x2; mask 255.255.255.0 → /24
    expect(tcp?.values).toEqual({ scheduler: 'wlc', flags: 0x3, timeout: 300, netmaskPrefix: 24, peName: '' });
    expect(udp?.values).toEqual({ scheduler: 'rr', flags: 0x2, timeout: 0, netmaskPrefix: 128, peName: '' });
    // sh-fallback SCHED1 0x8, sh-port SCHED2 0x10, ops ONEPACKET 0x4
    expect(sctp?.values).toEqual({
      scheduler: 'sh',
      flags: 0x2 | 0x4 | 0x8 | 0x10,
      timeout: 0,
      netmaskPrefix: 32,
      peName: '',
    });
    expect(fwm?.key).toEqual({ kind: 'fwmark', family: 'inet', fwmark: 1 });
    expect(fwm6?.key).toEqual({ kind: 'fwmark', family: 'inet6', fwmark: 7 });
    expect(fwm6?.values).toEqual({ scheduler: 'wrr', flags: 0x3, timeout: 60, netmaskPrefix: 64, peName: 'sip' });
    expect(udp?.reals.map((r) => [realName(r), r.family, r.values])).toEqual([
      ['[2001:db8::2]:53', 'inet6', { forward: 'route', weight: 1, activeConns: 0, inactiveConns: 9 }],
      ['192.0.2.9:53', 'inet', { forward: 'tunnel', weight: 2, activeConns: 0, inactiveConns: 1 }],
    ]);
    expect(sctp?.reals).toEqual([]);
  });

  it('an empty table is header and titles only', () => {
    expect(parseListing(fixture('empty'), LIST)).toEqual({ version: '1.2.1', connTableSize: 4096, services: [] });
  });

  it('--stats and --rate: exact counters as bigint, 64-bit values whole', () => {
    const s = parseListing(ALL.stats, STATS);
    expect(s.services[0]?.values).toEqual([
      4294967301n,
      123456789012n,
      98765432109n,
      18446744073709551615n,
      1234567890123n,
    ]);
    expect(s.services[0]?.reals[0]?.values).toEqual([5n, 4294967295n, 7n, 4294967296000n, 8n]);
    const r = parseListing(ALL.rate, RATE);
    expect(r.services[0]?.reals[0]?.values).toEqual([1n, 2n, 3n, 4294967296n, 5n]);
    expect(serviceName(r.services[4]!.key)).toBe('FWM6/7');
  });

  it('--tun-info: ipip, gue:PORT:FLAGS, gre:FLAGS, n/a', () => {
    const t = parseListing(ALL.tunInfo, TUN_INFO);
    expect(t.services[1]?.reals[1]?.values).toEqual({ tunnelType: 'gue', tunnelPort: 6080, tunnelFlags: 1 });
    expect(t.services[3]?.reals.map((r) => r.values)).toEqual([
      { tunnelType: undefined, tunnelPort: undefined, tunnelFlags: undefined },
      { tunnelType: 'gre', tunnelPort: undefined, tunnelFlags: 2 },
      { tunnelType: 'ipip', tunnelPort: undefined, tunnelFlags: undefined },
    ]);
  });

  it('older ipvsadm layout ("TCP  addr" for every protocol width) parses the same', () => {
    const old = ALL.list.replace('SCTP 10.0.0.1:9000', 'SCTP  10.0.0.1:9000');
    expect(parseListing(old, LIST).services[2]?.key).toMatchObject({ protocol: 'sctp', port: 9000 });
  });

  describe('errors name the line number and its text', () => {
    const lines = ALL.list.split('\n');
    const withLine = (n: number, text: string) => [...lines.slice(0, n - 1), text, ...lines.slice(n)].join('\n');

    it.each([
      [1, 'IP Virtual Server version 1.2 (size=4096)', /expected "IP Virtual Server version/],
      [
        2,
        'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
        /title columns .*wrong listing option/,
      ],
      [4, 'ICMP 10.0.0.1:80 wlc', /unknown service type "ICMP"/],
      [4, 'TCP  10.0.0.1 wlc', /expected ADDRESS:PORT/],
      [4, 'TCP  10.0.0.256:80 wlc', /not an IP address/],
      [4, 'TCP  2001:db8::1:80 wlc', /expected ADDRESS:PORT/],
      [4, 'TCP  [10.0.0.1]:80 wlc', /brackets only around IPv6/],
      [4, 'TCP  10.0.0.1:70000 wlc', /port 70000 out of range/],
      [4, 'TCP  10.0.0.1:80', /missing scheduler/],
      [4, 'TCP  10.0.0.1:80 wlc persistent', /persistent timeout/],
      [4, 'TCP  10.0.0.1:80 wlc persistent 300 mask banana', /mask: expected a dotted quad/],
      [4, 'TCP  10.0.0.1:80 wlc sticky', /unexpected "sticky"/],
      [4, 'TCP  10.0.0.1:80 sh (sh-sideways)', /unknown scheduler flag "sh-sideways"/],
      [5, '  -> 10.0.0.2:80                  NAT     1      3          4', /unknown forwarding method "NAT"/],
      [5, '  -> 10.0.0.2:80                  Masq    1      3', /expected 4 columns, got 3/],
      [5, '  -> 10.0.0.2:80                  Masq    x      3          4', /Weight: expected a signed 32-bit number/],
      [5, 'garbage', /unknown service type "garbage"/],
    ])('line %i %j', (n, text, reason) => {
      const err = parseErrorOf(() => parseListing(withLine(n, text), LIST));
      expect(err.line).toBe(n);
      expect(err.text).toBe(text);
      expect(err.message).toMatch(reason);
      expect(err.message).toContain(`line ${n} ${JSON.stringify(text)}`);
    });

    it('a real server before any service', () => {
      const err = parseErrorOf(() => parseListing(withLine(4, '  -> 10.0.0.2:80 Masq 1 0 0'), LIST));
      expect(err).toMatchObject({ line: 4 });
      expect(err.message).toMatch(/before any service/);
    });

    it('rounded (non --exact) counters are refused with a hint', () => {
      const rounded = ALL.stats.replace('123456789012', '123456M');
      const err = parseErrorOf(() => parseListing(rounded, STATS));
      expect(err.line).toBe(4);
      expect(err.message).toMatch(
        /InPkts: expected an exact counter, got "123456M" \(rounded: run ipvsadm with --exact\)/,
      );
    });
  });
});
