/**
 * IPVS generic netlink messages as ip_vs_ctl.c writes them (ip_vs_genl_fill_service / _fill_dest /
 * _fill_stats / _fill_stats64 / _fill_daemon, ip_vs_genl_get_cmd), built field by field in either byte order.
 * Attribute numbers are spelled out (with their ip_vs.h names) rather than imported, so a wrong constant in
 * src/ is caught. LITERAL_* are the same bytes written out in hex for a little-endian host.
 */
import type { ByteOrder } from '../../../src/ipvs/netlink/bytes.js';
import type { Family } from '../../../src/ipvs/snapshot.js';
import { attr, be16, be32, type Bytes, genl, hex, ip4, ip6, nlmsg, str, u16, u32, u64, u8 } from './nl.js';

export const IPVS_FAMILY_ID = 0x1b; // whatever the controller assigned; tests use this
export const NLM_F_MULTI = 0x02;

export interface StatsValues {
  conns: bigint;
  inPkts: bigint;
  outPkts: bigint;
  inBytes: bigint;
  outBytes: bigint;
  cps: bigint;
  inPps: bigint;
  outPps: bigint;
  inBps: bigint;
  outBps: bigint;
}

/** ip_vs_genl_fill_stats(): u32 counters and rates, u64 bytes (IPVS_STATS_ATTR_* 1..10). */
export function stats32(o: ByteOrder, s: StatsValues): Bytes {
  return [
    ...attr(o, 1, u32(o, Number(s.conns))), //     IPVS_STATS_ATTR_CONNS    u32
    ...attr(o, 2, u32(o, Number(s.inPkts))), //    IPVS_STATS_ATTR_INPKTS   u32
    ...attr(o, 3, u32(o, Number(s.outPkts))), //   IPVS_STATS_ATTR_OUTPKTS  u32
    ...attr(o, 4, u64(o, s.inBytes)), //           IPVS_STATS_ATTR_INBYTES  u64
    ...attr(o, 5, u64(o, s.outBytes)), //          IPVS_STATS_ATTR_OUTBYTES u64
    ...attr(o, 6, u32(o, Number(s.cps))), //       IPVS_STATS_ATTR_CPS      u32
    ...attr(o, 7, u32(o, Number(s.inPps))), //     IPVS_STATS_ATTR_INPPS    u32
    ...attr(o, 8, u32(o, Number(s.outPps))), //    IPVS_STATS_ATTR_OUTPPS   u32
    ...attr(o, 9, u32(o, Number(s.inBps))), //     IPVS_STATS_ATTR_INBPS    u32
    ...attr(o, 10, u32(o, Number(s.outBps))), //   IPVS_STATS_ATTR_OUTBPS   u32
  ];
}

/** ip_vs_genl_fill_stats64(): all u64; `pad` puts an IPVS_STATS_ATTR_PAD (11) before each, as 32-bit arches do. */
export function stats64(o: ByteOrder, s: StatsValues, pad = false): Bytes {
  const field = (type: number, v: bigint): Bytes => [...(pad ? attr(o, 11, []) : []), ...attr(o, type, u64(o, v))];
  return [
    ...field(1, s.conns),
    ...field(2, s.inPkts),
    ...field(3, s.outPkts),
    ...field(4, s.inBytes),
    ...field(5, s.outBytes),
    ...field(6, s.cps),
    ...field(7, s.inPps),
    ...field(8, s.outPps),
    ...field(9, s.inBps),
    ...field(10, s.outBps),
  ];
}

export const SMALL: StatsValues = {
  conns: 12n,
  inPkts: 345n,
  outPkts: 300n,
  inBytes: 23456n,
  outBytes: 345678n,
  cps: 1n,
  inPps: 5n,
  outPps: 4n,
  inBps: 700n,
  outBps: 9000n,
};

/** Values a 32-bit reader would truncate: above 2^32, and near 2^64. */
export const HUGE: StatsValues = {
  conns: 0x1_0000_0001n, // 2^32 + 1
  inPkts: 0xffff_ffff_ffff_fffen, // 2^64 - 2
  outPkts: 0x8000_0000_0000_0000n, // 2^63
  inBytes: 0xffff_ffff_ffff_ffffn, // 2^64 - 1
  outBytes: 0x1_2345_6789_abcdn,
  cps: 0x2_0000_0000n,
  inPps: 4294967296n,
  outPps: 4294967295n,
  inBps: 0xfedc_ba98_7654_3210n,
  outBps: 0n,
};

/** The same counters as the kernel's 32-bit STATS copy carries them: (u32) casts, bytes whole. */
export function truncated(s: StatsValues): StatsValues {
  const t = (v: bigint) => v & 0xffff_ffffn;
  return {
    conns: t(s.conns),
    inPkts: t(s.inPkts),
    outPkts: t(s.outPkts),
    inBytes: s.inBytes,
    outBytes: s.outBytes,
    cps: t(s.cps),
    inPps: t(s.inPps),
    outPps: t(s.outPps),
    inBps: t(s.inBps),
    outBps: t(s.outBps),
  };
}

/** struct ip_vs_flags { __u32 flags; __u32 mask; } with mask ~0, as ip_vs_genl_fill_service() sends it. */
export const flags = (o: ByteOrder, f: number): Bytes => [...u32(o, f), ...u32(o, 0xffffffff)];

/** IPVS_CMD_NEW_SERVICE message around an IPVS_CMD_ATTR_SERVICE (1) nest. */
export function serviceMessage(o: ByteOrder, svcAttrs: Bytes, seq = 0): Uint8Array {
  return nlmsg(
    o,
    { type: IPVS_FAMILY_ID, flags: NLM_F_MULTI, seq },
    genl(1 /* IPVS_CMD_NEW_SERVICE */, 1, attr(o, 1, svcAttrs)),
  );
}

/** IPVS_CMD_NEW_DEST message around an IPVS_CMD_ATTR_DEST (2) nest. */
export function destMessage(o: ByteOrder, destAttrs: Bytes, seq = 0): Uint8Array {
  return nlmsg(
    o,
    { type: IPVS_FAMILY_ID, flags: NLM_F_MULTI, seq },
    genl(5 /* IPVS_CMD_NEW_DEST */, 1, attr(o, 2, destAttrs)),
  );
}

/** TCP 10.0.0.1:80 wlc, persistent 300 s, mask 255.255.255.0, with only the 32-bit STATS nest (pre-4.1 kernel). */
export function svcTcp4StatsOnly(o: ByteOrder): Bytes {
  return [
    ...attr(o, 1, u16(o, 2)), //                       IPVS_SVC_ATTR_AF          AF_INET
    ...attr(o, 2, u16(o, 6)), //                       IPVS_SVC_ATTR_PROTOCOL    IPPROTO_TCP
    ...attr(o, 3, ip4(10, 0, 0, 1)), //                IPVS_SVC_ATTR_ADDR        16 bytes, IPv4 first
    ...attr(o, 4, be16(80)), //                        IPVS_SVC_ATTR_PORT        __be16
    ...attr(o, 6, str('wlc')), //                      IPVS_SVC_ATTR_SCHED_NAME
    ...attr(o, 7, flags(o, 0x0003)), //                IPVS_SVC_ATTR_FLAGS       PERSISTENT | HASHED
    ...attr(o, 8, u32(o, 300)), //                     IPVS_SVC_ATTR_TIMEOUT     seconds
    ...attr(o, 9, be32(0xffffff00)), //                IPVS_SVC_ATTR_NETMASK     __be32 255.255.255.0
    ...attr(o, 10, stats32(o, SMALL)), //              IPVS_SVC_ATTR_STATS
  ];
}

/** The little-endian bytes of serviceMessage('little', svcTcp4StatsOnly('little')), written out. */
export const LITERAL_SVC_TCP4_STATS_ONLY = hex`
  c4000000               # nlmsg_len 196
  1b00                   # nlmsg_type: the IPVS family id (0x1b here)
  0200                   # nlmsg_flags NLM_F_MULTI
  00000000 00000000      # nlmsg_seq, nlmsg_pid
  01 01 0000             # genlmsghdr: IPVS_CMD_NEW_SERVICE, version 1
  b000 0100              # IPVS_CMD_ATTR_SERVICE, len 176, NLA_F_NESTED not set
    0600 0100 0200 0000                      # IPVS_SVC_ATTR_AF u16 2 (AF_INET) + 2 padding
    0600 0200 0600 0000                      # IPVS_SVC_ATTR_PROTOCOL u16 6 (IPPROTO_TCP) + 2 padding
    1400 0300 0a000001 00000000 00000000 00000000   # IPVS_SVC_ATTR_ADDR 10.0.0.1 in a 16-byte union
    0600 0400 0050 0000                      # IPVS_SVC_ATTR_PORT __be16 80 + 2 padding
    0800 0600 776c6300                       # IPVS_SVC_ATTR_SCHED_NAME "wlc\0"
    0c00 0700 03000000 ffffffff              # IPVS_SVC_ATTR_FLAGS { flags 0x3, mask ~0 }
    0800 0800 2c010000                       # IPVS_SVC_ATTR_TIMEOUT 300
    0800 0900 ffffff00                       # IPVS_SVC_ATTR_NETMASK __be32 255.255.255.0
    5c00 0a00                                # IPVS_SVC_ATTR_STATS, len 92
      0800 0100 0c000000                     # CONNS u32 12
      0800 0200 59010000                     # INPKTS u32 345
      0800 0300 2c010000                     # OUTPKTS u32 300
      0c00 0400 a05b000000000000             # INBYTES u64 23456
      0c00 0500 4e46050000000000             # OUTBYTES u64 345678
      0800 0600 01000000                     # CPS u32 1
      0800 0700 05000000                     # INPPS u32 5
      0800 0800 04000000                     # OUTPPS u32 4
      0800 0900 bc020000                     # INBPS u32 700
      0800 0a00 28230000                     # OUTBPS u32 9000
`;

/** UDP [2001:db8::1]:53 rr, not persistent (netmask 128 as ipvsadm sets it), STATS and STATS64. */
export function svcUdp6(o: ByteOrder, s: StatsValues = HUGE): Bytes {
  return [
    ...attr(o, 1, u16(o, 10)), //                      IPVS_SVC_ATTR_AF          AF_INET6
    ...attr(o, 2, u16(o, 17)), //                      IPVS_SVC_ATTR_PROTOCOL    IPPROTO_UDP
    ...attr(o, 3, ip6('2001:db8::1')), //              IPVS_SVC_ATTR_ADDR
    ...attr(o, 4, be16(53)), //                        IPVS_SVC_ATTR_PORT
    ...attr(o, 6, str('rr')), //                       IPVS_SVC_ATTR_SCHED_NAME
    ...attr(o, 7, flags(o, 0x0002)), //                IPVS_SVC_ATTR_FLAGS       HASHED
    ...attr(o, 8, u32(o, 0)), //                       IPVS_SVC_ATTR_TIMEOUT
    ...attr(o, 9, u32(o, 128)), //                     IPVS_SVC_ATTR_NETMASK     prefix length, host order
    ...attr(o, 10, stats32(o, truncated(s))), //       IPVS_SVC_ATTR_STATS       (u32) casts
    ...attr(o, 12, stats64(o, s)), //                  IPVS_SVC_ATTR_STATS64
  ];
}

/** Firewall-mark service: the kernel sends AF + FWMARK instead of PROTOCOL/ADDR/PORT. */
export function svcFwmark(o: ByteOrder, af: 2 | 10, mark: number, netmask: Bytes): Bytes {
  return [
    ...attr(o, 1, u16(o, af)), //                      IPVS_SVC_ATTR_AF
    ...attr(o, 5, u32(o, mark)), //                    IPVS_SVC_ATTR_FWMARK
    ...attr(o, 6, str('sh')), //                       IPVS_SVC_ATTR_SCHED_NAME
    ...attr(o, 11, str('sip')), //                     IPVS_SVC_ATTR_PE_NAME
    ...attr(o, 7, flags(o, 0x0001 | 0x0002 | 0x0004 | 0x0008 | 0x0010)), // PERSISTENT|HASHED|ONEPACKET|SCHED1|SCHED2
    ...attr(o, 8, u32(o, 60)), //                      IPVS_SVC_ATTR_TIMEOUT
    ...attr(o, 9, netmask), //                         IPVS_SVC_ATTR_NETMASK
    ...attr(o, 10, stats32(o, SMALL)), //              IPVS_SVC_ATTR_STATS
    ...attr(o, 12, stats64(o, SMALL, true)), //        IPVS_SVC_ATTR_STATS64 with PAD attributes
  ];
}

export interface DestFields {
  addr: Bytes;
  port: number;
  fwd: number;
  weight: number;
  addrFamily?: number;
  tunnel?: { type: number; port: number; flags: number };
  stats?: StatsValues;
}

/** ip_vs_genl_fill_dest() order; ADDR_FAMILY (3.18+) and TUN_* (5.2+) only when given, STATS64 always. */
export function dest(o: ByteOrder, d: DestFields): Bytes {
  const s = d.stats ?? SMALL;
  return [
    ...attr(o, 1, d.addr), //                          IPVS_DEST_ATTR_ADDR       16 bytes
    ...attr(o, 2, be16(d.port)), //                    IPVS_DEST_ATTR_PORT       __be16
    ...attr(o, 3, u32(o, d.fwd)), //                   IPVS_DEST_ATTR_FWD_METHOD conn_flags & IP_VS_CONN_F_FWD_MASK
    ...attr(o, 4, u32(o, d.weight >>> 0)), //          IPVS_DEST_ATTR_WEIGHT     u32 of an int
    ...(d.tunnel
      ? [
          ...attr(o, 13, u8(d.tunnel.type)), //        IPVS_DEST_ATTR_TUN_TYPE   u8
          ...attr(o, 14, be16(d.tunnel.port)), //      IPVS_DEST_ATTR_TUN_PORT   __be16
          ...attr(o, 15, u16(o, d.tunnel.flags)), //   IPVS_DEST_ATTR_TUN_FLAGS  u16
        ]
      : []),
    ...attr(o, 5, u32(o, 1000)), //                    IPVS_DEST_ATTR_U_THRESH
    ...attr(o, 6, u32(o, 10)), //                      IPVS_DEST_ATTR_L_THRESH
    ...attr(o, 7, u32(o, 3)), //                       IPVS_DEST_ATTR_ACTIVE_CONNS
    ...attr(o, 8, u32(o, 4)), //                       IPVS_DEST_ATTR_INACT_CONNS
    ...attr(o, 9, u32(o, 5)), //                       IPVS_DEST_ATTR_PERSIST_CONNS
    ...(d.addrFamily === undefined ? [] : attr(o, 11, u16(o, d.addrFamily))), // IPVS_DEST_ATTR_ADDR_FAMILY
    ...attr(o, 10, stats32(o, truncated(s))), //       IPVS_DEST_ATTR_STATS
    ...attr(o, 12, stats64(o, s)), //                  IPVS_DEST_ATTR_STATS64
  ];
}

/** Real servers of every shape the decoders must agree on: [title, service family, fields]. */
export const DEST_CASES: readonly [string, Family, DestFields][] = [
  ['IPv4 masq with ADDR_FAMILY', 'inet', { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1, addrFamily: 2 }],
  ['IPv4 without ADDR_FAMILY (pre-3.18)', 'inet', { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1 }],
  ['IPv6 route, counters near 2^64', 'inet6', { addr: ip6('2001:db8::2'), port: 443, fwd: 3, weight: 5, addrFamily: 10, stats: HUGE }],
  ['IPv4 real of an IPv6 service (tunnel)', 'inet6', { addr: ip4(192, 0, 2, 7), port: 80, fwd: 2, weight: 3, addrFamily: 2 }],
  ['GUE tunnel with port and flags', 'inet', { addr: ip4(10, 0, 0, 3), port: 80, fwd: 2, weight: 1, tunnel: { type: 1, port: 6080, flags: 3 } }],
  ['GRE tunnel with flags', 'inet', { addr: ip4(10, 0, 0, 3), port: 80, fwd: 2, weight: 1, tunnel: { type: 2, port: 7, flags: 2 } }],
  ['IPIP tunnel', 'inet', { addr: ip4(10, 0, 0, 3), port: 80, fwd: 2, weight: 1, tunnel: { type: 0, port: 7, flags: 2 } }],
  ['unknown tunnel type', 'inet', { addr: ip4(10, 0, 0, 3), port: 80, fwd: 2, weight: 1, tunnel: { type: 9, port: 7, flags: 2 } }],
  ['tunnel attributes on a masq real', 'inet', { addr: ip4(10, 0, 0, 3), port: 80, fwd: 0, weight: 1, tunnel: { type: 1, port: 7, flags: 2 } }],
  ['negative weight, flags above the forwarding mask', 'inet', { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0x1003, weight: -1 }],
  ['local, weight 0', 'inet', { addr: ip4(127, 0, 0, 1), port: 8080, fwd: 1, weight: 0 }],
  ['bypass', 'inet', { addr: ip4(10, 0, 0, 9), port: 0, fwd: 4, weight: 65535 }],
];

/** IPVS_CMD_SET_INFO reply to GET_INFO: first-level IPVS_INFO_ATTR_VERSION and _CONN_TAB_SIZE. */
export function infoMessage(o: ByteOrder, seq = 0): Uint8Array {
  // IPVS_CMD_SET_INFO (14); IPVS_INFO_ATTR_VERSION (1), IPVS_INFO_ATTR_CONN_TAB_SIZE (2)
  return nlmsg(o, { type: IPVS_FAMILY_ID, seq }, genl(14, 1, attr(o, 1, u32(o, 0x010201)), attr(o, 2, u32(o, 4096))));
}

/** IPVS_CMD_SET_CONFIG reply to GET_CONFIG: timeouts in seconds. */
export function configMessage(o: ByteOrder, seq = 0): Uint8Array {
  return nlmsg(
    o,
    { type: IPVS_FAMILY_ID, seq },
    // IPVS_CMD_SET_CONFIG (12); IPVS_CMD_ATTR_TIMEOUT_TCP (4), _TCP_FIN (5), _UDP (6)
    genl(12, 1, attr(o, 4, u32(o, 900)), attr(o, 5, u32(o, 120)), attr(o, 6, u32(o, 300))),
  );
}

/** IPVS_CMD_NEW_DAEMON in the GET_DAEMON dump (ip_vs_genl_fill_daemon()). */
export function daemonMessage(o: ByteOrder, state: number, ifn: string, syncId: number, seq = 0): Uint8Array {
  return nlmsg(
    o,
    { type: IPVS_FAMILY_ID, flags: NLM_F_MULTI, seq },
    genl(
      9, // IPVS_CMD_NEW_DAEMON
      1,
      attr(o, 3 /* IPVS_CMD_ATTR_DAEMON */, [
        ...attr(o, 1, u32(o, state)), //               IPVS_DAEMON_ATTR_STATE
        ...attr(o, 2, str(ifn)), //                    IPVS_DAEMON_ATTR_MCAST_IFN
        ...attr(o, 3, u32(o, syncId)), //              IPVS_DAEMON_ATTR_SYNC_ID
        ...attr(o, 4, u16(o, 1472)), //                IPVS_DAEMON_ATTR_SYNC_MAXLEN
        ...attr(o, 7, u16(o, 8848)), //                IPVS_DAEMON_ATTR_MCAST_PORT
        ...attr(o, 8, u8(1)), //                       IPVS_DAEMON_ATTR_MCAST_TTL
        ...attr(o, 5, [224, 0, 0, 81]), //             IPVS_DAEMON_ATTR_MCAST_GROUP
      ]),
    ),
  );
}

/** Services of every kind the fast decoders read (ipvs-service-fast.ts, service-records.c), by title. */
export const SERVICE_CASES: readonly [string, (o: ByteOrder) => Bytes][] = [
  ['TCP over IPv4, persistent, a /24 mask, STATS only (pre-4.1 kernel)', svcTcp4StatsOnly],
  ['UDP over IPv6, counters near 2^64', (o) => svcUdp6(o, HUGE)],
  ['an IPv4 fwmark with a persistence engine', (o) => svcFwmark(o, 2, 7, be32(0xffffffff))],
  ['an IPv6 fwmark, prefix 64', (o) => svcFwmark(o, 10, 0xffffffff, u32(o, 64))],
  ['no counters at all', (o) => svcTcp4StatsOnly(o).slice(0, svcTcp4StatsOnly(o).length - 92)],
  ['SCTP, a scheduler name without its NUL', (o) => [...svcTcp4StatsOnly(o), ...attr(o, 2, u16(o, 132)), ...attr(o, 6, [0x6d, 0x68])]],
];
