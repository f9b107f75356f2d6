import { describe, expect, it } from 'vitest';
import { NetlinkDecodeError } from '../../../../src/ipvs/netlink/errors.js';
import { decodeDestMessage, decodeServiceMessage } from '../../../../src/ipvs/netlink/ipvs-service.js';
import {
    dest,
    destMessage, HUGE, LITERAL_SVC_TCP4_STATS_ONLY,
    serviceMessage,
    SMALL,
    stats32,
    svcFwmark,
    svcTcp4StatsOnly,
    svcUdp6,
    truncated
} from '../ipvs-fixtures.js';
import { attr, be32, genl, ip4, ip6, nlmsg, ORDERS, str, toHex, u16, u32, u64 } from '../nl.js';
import { named, plainStats } from '../../plain-stats.js';

describe('IPVS_CMD_NEW_SERVICE', () => {
  it('the builder writes the documented little-endian bytes', () => {
    expect(toHex(serviceMessage('little', svcTcp4StatsOnly('little')))).toBe(toHex(LITERAL_SVC_TCP4_STATS_ONLY));
  });

  it('decodes the literal little-endian fixture', () => {
    expect(plainStats(decodeServiceMessage(LITERAL_SVC_TCP4_STATS_ONLY, 'little'))).toEqual({
      key: { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
      scheduler: 'wlc',
      flags: 0x3,
      timeout: 300,
      netmaskPrefix: 24,
      peName: '',
      stats: SMALL,
    });
  });

  for (const o of ORDERS) {
    describe(`${o} endian`, () => {
      it('STATS only (pre-4.1 kernel): 32-bit counters widened to bigint', () => {
        const s = decodeServiceMessage(serviceMessage(o, svcTcp4StatsOnly(o)), o);
        expect(named(s.stats)).toEqual(SMALL);
        expect(typeof named(s.stats).conns).toBe('bigint');
      });

      it('STATS64 is preferred over STATS: values above 2^32 and near 2^64 exact', () => {
        const s = decodeServiceMessage(serviceMessage(o, svcUdp6(o, HUGE)), o);
        expect(named(s.stats)).toEqual(HUGE);
        expect(named(s.stats).inBytes).toBe(18446744073709551615n);
        expect(named(s.stats).conns).toBe(4294967297n);
      });

      it('IPv6 service: address in RFC 5952 form, netmask is a prefix length in host order', () => {
        const s = decodeServiceMessage(serviceMessage(o, svcUdp6(o)), o);
        expect(s.key).toEqual({ kind: 'addr', family: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 53 });
        expect([s.scheduler, s.flags, s.timeout, s.netmaskPrefix, s.peName]).toEqual(['rr', 0x2, 0, 128, '']);
      });

      it('IPv6 prefix lengths other than 128', () => {
        const attrs = [...svcFwmark(o, 10, 7, u32(o, 64))];
        expect(decodeServiceMessage(serviceMessage(o, attrs), o).netmaskPrefix).toBe(64);
        const bad = svcFwmark(o, 10, 7, u32(o, 129));
        expect(() => decodeServiceMessage(serviceMessage(o, bad), o)).toThrow(/IPVS_SVC_ATTR_NETMASK .*129 > 128/);
      });

      it.each([
        [0xffffffff, 32],
        [0xffffff00, 24],
        [0xffff8000, 17],
        [0x80000000, 1],
        [0x00000000, 0],
      ])('IPv4 netmask %s (__be32, network order on any host) → /%i', (mask, prefix) => {
        const s = decodeServiceMessage(serviceMessage(o, svcFwmark(o, 2, 1, be32(mask))), o);
        expect(s.netmaskPrefix).toBe(prefix);
      });

      it('fwmark services, IPv4 and IPv6, with persistence engine and scheduler flags', () => {
        const v4 = decodeServiceMessage(serviceMessage(o, svcFwmark(o, 2, 7, be32(0xffffffff))), o);
        expect(plainStats(v4)).toEqual({
          key: { kind: 'fwmark', family: 'inet', fwmark: 7 },
          scheduler: 'sh',
          flags: 0x1f,
          timeout: 60,
          netmaskPrefix: 32,
          peName: 'sip',
          stats: SMALL,
        });
        const v6 = decodeServiceMessage(serviceMessage(o, svcFwmark(o, 10, 0xfffffffe, u32(o, 128))), o);
        expect(v6.key).toEqual({ kind: 'fwmark', family: 'inet6', fwmark: 0xfffffffe });
        expect(v6.netmaskPrefix).toBe(128);
      });

      it('flags are flags & mask', () => {
        // A second FLAGS attribute wins (last occurrence, as nla_parse); mask 0x5 keeps 0x5 of 0x7.
        const attrs = [...svcTcp4StatsOnly(o), ...attr(o, 7, [...u32(o, 0x7), ...u32(o, 0x5)])];
        expect(decodeServiceMessage(serviceMessage(o, attrs), o).flags).toBe(0x5);
        const short = [...svcTcp4StatsOnly(o), ...attr(o, 7, u32(o, 0x7))];
        expect(() => decodeServiceMessage(serviceMessage(o, short), o)).toThrow(/IPVS_SVC_ATTR_FLAGS .*expected 8/);
      });

      it('ignores unknown attributes at every level (forward compatible)', () => {
        const withoutStats = svcTcp4StatsOnly(o).slice(0, -(4 + stats32(o, SMALL).length));
        const attrs = [
          ...attr(o, 99, [1, 2, 3]), // a future IPVS_SVC_ATTR_*
          ...withoutStats,
          ...attr(o, 10, [...attr(o, 42, u32(o, 1)), ...stats32(o, SMALL)]), // STATS with a future counter
        ];
        const s = decodeServiceMessage(serviceMessage(o, attrs), o);
        expect(s.key).toMatchObject({ address: '10.0.0.1', port: 80 });
        expect(named(s.stats)).toEqual(SMALL);
        // and at the message level: an unknown IPVS_CMD_ATTR_* next to the SERVICE nest
        const msg = nlmsg(o, { type: 0x1b }, genl(1, 1, attr(o, 77, u32(o, 5)), attr(o, 1, svcTcp4StatsOnly(o))));
        expect(named(decodeServiceMessage(msg, o).stats)).toEqual(SMALL);
      });

      it('an attribute with a bad length is a typed error naming it and its offset', () => {
        // IPVS_SVC_ATTR_PORT with 4 bytes instead of a __be16.
        const attrs = [
          ...attr(o, 1, u16(o, 2)),
          ...attr(o, 2, u16(o, 6)),
          ...attr(o, 3, ip4(10, 0, 0, 1)),
          ...attr(o, 4, [0, 80, 0, 0]),
          ...attr(o, 6, str('rr')),
        ];
        try {
          decodeServiceMessage(serviceMessage(o, attrs), o);
          expect.unreachable();
        } catch (err) {
          expect(err).toBeInstanceOf(NetlinkDecodeError);
          // message 16 + genl 4 + SERVICE header 4 + AF 8 + PROTOCOL 8 + ADDR 20 = 60
          expect(err).toMatchObject({ field: 'IPVS_SVC_ATTR_PORT', offset: 60 });
        }
      });

      it('a nest length running past its parent is a typed error', () => {
        const msg = serviceMessage(o, svcTcp4StatsOnly(o));
        // Grow the SERVICE nest's nla_len (at offset 20) beyond the message.
        msg.set(u16(o, 400), 20);
        expect(() => decodeServiceMessage(msg, o)).toThrow(NetlinkDecodeError);
      });

      it('missing identity is a typed error', () => {
        const attrs = [...attr(o, 1, u16(o, 2)), ...attr(o, 6, str('rr'))];
        expect(() => decodeServiceMessage(serviceMessage(o, attrs), o)).toThrow(/IPVS_SVC_ATTR_PROTOCOL .*missing/);
      });

      it('unknown address family and protocol are typed errors', () => {
        const af = [...attr(o, 1, u16(o, 7)), ...svcTcp4StatsOnly(o).slice(8)];
        expect(() => decodeServiceMessage(serviceMessage(o, af), o)).toThrow(/unknown address family 7/);
        const proto = [...attr(o, 1, u16(o, 2)), ...attr(o, 2, u16(o, 50)), ...svcTcp4StatsOnly(o).slice(16)];
        expect(() => decodeServiceMessage(serviceMessage(o, proto), o)).toThrow(/unsupported protocol 50/);
      });

      it('a STATS64 nest missing a counter is malformed', () => {
        const withoutStats = svcTcp4StatsOnly(o).slice(0, -(4 + stats32(o, SMALL).length));
        const partial = attr(o, 12, attr(o, 1, u64(o, 1n)));
        expect(() => decodeServiceMessage(serviceMessage(o, [...withoutStats, ...partial]), o)).toThrow(
          /IPVS_STATS_ATTR_INPKTS .*missing from IPVS_SVC_ATTR_STATS64/,
        );
      });

      it('rejects another command', () => {
        expect(() => decodeServiceMessage(destMessage(o, []), o)).toThrow(
          /IPVS_CMD_NEW_DEST, expected IPVS_CMD_NEW_SERVICE/,
        );
      });
    });
  }
});

describe('IPVS_CMD_NEW_DEST', () => {
  for (const o of ORDERS) {
    describe(`${o} endian`, () => {
      const base = {
        family: 'inet',
        address: '10.0.0.2',
        port: 80,
        forward: 'masq',
        weight: 1,
        upperThreshold: 1000,
        lowerThreshold: 10,
        activeConns: 3,
        inactiveConns: 4,
        persistentConns: 5,
        tunnelType: undefined,
        tunnelPort: undefined,
        tunnelFlags: undefined,
        stats: SMALL,
      };

      it('IPv4 dest with ADDR_FAMILY', () => {
        const r = decodeDestMessage(
          destMessage(o, dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1, addrFamily: 2 })),
          o,
          'inet',
        );
        expect(plainStats(r)).toEqual(base);
      });

      it('without ADDR_FAMILY (kernel < 3.18) the real has the service family', () => {
        const r4 = decodeDestMessage(
          destMessage(o, dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1 })),
          o,
          'inet',
        );
        expect(plainStats(r4)).toEqual(base);
        const r6 = decodeDestMessage(
          destMessage(o, dest(o, { addr: ip6('2001:db8::2'), port: 8080, fwd: 3, weight: 2 })),
          o,
          'inet6',
        );
        expect(r6).toMatchObject({ family: 'inet6', address: '2001:db8::2', port: 8080, forward: 'route', weight: 2 });
      });

      it('IPv6 dest with 64-bit counters', () => {
        const r = decodeDestMessage(
          destMessage(
            o,
            dest(o, { addr: ip6('2001:db8::2'), port: 80, fwd: 3, weight: 5, addrFamily: 10, stats: HUGE }),
          ),
          o,
          'inet6',
        );
        expect(r).toMatchObject({ family: 'inet6', address: '2001:db8::2', forward: 'route' });
        expect(named(r.stats)).toEqual(HUGE);
      });

      it('mixed family: an IPv4 real under an IPv6 service (tunnel forwarding)', () => {
        const r = decodeDestMessage(
          destMessage(
            o,
            dest(o, {
              addr: ip4(192, 0, 2, 7),
              port: 0,
              fwd: 2,
              weight: 1,
              addrFamily: 2,
              tunnel: { type: 0, port: 0, flags: 0 },
            }),
          ),
          o,
          'inet6',
        );
        expect(r).toMatchObject({ family: 'inet', address: '192.0.2.7', forward: 'tunnel', tunnelType: 'ipip' });
        // IPIP has no port and no checksum flags (the kernel sends zeros anyway).
        expect([r.tunnelPort, r.tunnelFlags]).toEqual([undefined, undefined]);
      });

      it('tunnel fields: GUE port is __be16, flags u16; reported only for tunnel forwarding', () => {
        const gue = decodeDestMessage(
          destMessage(
            o,
            dest(o, {
              addr: ip4(10, 0, 0, 3),
              port: 80,
              fwd: 2,
              weight: 1,
              addrFamily: 2,
              tunnel: { type: 1, port: 6080, flags: 1 },
            }),
          ),
          o,
          'inet',
        );
        expect([gue.tunnelType, gue.tunnelPort, gue.tunnelFlags]).toEqual(['gue', 6080, 1]);
        const masq = decodeDestMessage(
          destMessage(
            o,
            dest(o, { addr: ip4(10, 0, 0, 3), port: 80, fwd: 0, weight: 1, tunnel: { type: 0, port: 0, flags: 0 } }),
          ),
          o,
          'inet',
        );
        expect([masq.tunnelType, masq.tunnelPort, masq.tunnelFlags]).toEqual([undefined, undefined, undefined]);
        const tunnel = (type: number) =>
          decodeDestMessage(
            destMessage(
              o,
              dest(o, { addr: ip4(10, 0, 0, 3), port: 80, fwd: 2, weight: 1, tunnel: { type, port: 7, flags: 2 } }),
            ),
            o,
            'inet',
          );
        const gre = tunnel(2);
        expect([gre.tunnelType, gre.tunnelPort, gre.tunnelFlags]).toEqual(['gre', undefined, 2]);
        const future = tunnel(9);
        expect([future.tunnelType, future.tunnelPort, future.tunnelFlags]).toEqual([undefined, undefined, undefined]);
      });

      it('FWD_METHOD is masked with IP_VS_CONN_F_FWD_MASK; WEIGHT is signed', () => {
        const r = decodeDestMessage(
          destMessage(o, dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0x1003, weight: -1 })),
          o,
          'inet',
        );
        expect([r.forward, r.weight]).toEqual(['route', -1]);
        const local = decodeDestMessage(
          destMessage(o, dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 1, weight: 0 })),
          o,
          'inet',
        );
        expect(local.forward).toBe('local');
        expect(() =>
          decodeDestMessage(
            destMessage(o, dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 5, weight: 0 })),
            o,
            'inet',
          ),
        ).toThrow(/IPVS_DEST_ATTR_FWD_METHOD .*unknown forwarding method 5/);
      });

      it('an IPv6 ADDR shorter than 16 bytes is a typed error', () => {
        const attrs = dest(o, { addr: ip6('2001:db8::2').slice(0, 8), port: 80, fwd: 0, weight: 1, addrFamily: 10 });
        expect(() => decodeDestMessage(destMessage(o, attrs), o, 'inet6')).toThrow(/IPVS_DEST_ATTR_ADDR .*at least 16/);
      });

      it('STATS only: counters widened, bytes whole', () => {
        const attrs = dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1, stats: HUGE });
        // Drop the trailing STATS64 nest: 4 + 10 × 12 bytes.
        const statsOnly = attrs.slice(0, attrs.length - (4 + 10 * 12));
        const r = decodeDestMessage(destMessage(o, statsOnly), o, 'inet');
        expect(named(r.stats)).toEqual(truncated(HUGE));
      });
    });
  }
});
