import type { Oid, Value } from '../agentx/pdu.js';
import { IP_VS_SVC_F_COUNT, IP_VS_TUNNEL_ENCAP_FLAG } from '../ipvs/netlink/ipvs-constants.js';
import { protocolNumber } from '../ipvs/protocol.js';
import { STAT, type IpvsInfo, type Stats } from '../ipvs/snapshot.js';
import type { RealRow, ServiceRow } from './rows.js';
import {
  bits,
  counter32,
  counter32Low,
  counter64,
  displayString,
  gauge32,
  integer,
  ipAddress,
  octets,
  timeTicks,
  unsigned32,
} from './values.js';

/**
 * LVS-MIB (mibs/LVS-MIB.txt) as the agent serves it: every object's OID and how its value comes from a row.
 * Column numbers 2-19 / 3-16 are those of the 2001 module; everything after them is new. A unit test checks each
 * name and number here against `snmptranslate` on the MIB text, so the two cannot drift apart.
 */

/** enterprises.8225.4711 */
export const LVS_MIB_ROOT: Oid = Object.freeze([1, 3, 6, 1, 4, 1, 8225, 4711]);
export const LVS_SERVICE_ENTRY: Oid = Object.freeze([...LVS_MIB_ROOT, 17, 1]);
export const LVS_REAL_ENTRY: Oid = Object.freeze([...LVS_MIB_ROOT, 18, 1]);

/** What the agent knows about its own reads, served as lvsAgent* scalars. */
export interface AgentStatus {
  readonly source: string;
  readonly status: 'ok' | 'stale' | 'noData';
  /** Monotonic ms (performance.now()) when the last successful read ended; undefined before the first. */
  readonly lastReadAt: number | undefined;
  readonly lastReadDurationMs: number;
  readonly readErrors: number;
  readonly lastError: string;
}

/** Converts monotonic ms (performance.now()) to a TimeStamp in the master's sysUpTime timebase (0 when before its start). */
export type TimeStampOf = (wallMs: number) => number;

export interface ScalarContext {
  readonly info: IpvsInfo;
  readonly numServices: number;
  readonly numReals: number;
  readonly agent: AgentStatus;
  readonly timeStamp: TimeStampOf;
}

export interface ScalarDef {
  readonly name: string;
  readonly subid: number;
  readonly value: (ctx: ScalarContext) => Value;
}

export interface ColumnDef<Row> {
  readonly name: string;
  readonly subid: number;
  readonly value: (row: Row, timeStamp: TimeStampOf) => Value;
}

const AGENT_STATUS = { ok: 1, stale: 2, noData: 3 } as const;
const DAEMON_STATE = { master: 1, backup: 2 } as const;

export const SCALARS: readonly ScalarDef[] = [
  { name: 'lvsVersion', subid: 1, value: (c) => displayString(c.info.version) },
  { name: 'lvsNumServices', subid: 2, value: (c) => gauge32(c.numServices) },
  { name: 'lvsHashTableSize', subid: 3, value: (c) => unsigned32(c.info.connTableSize) },
  { name: 'lvsTcpTimeOut', subid: 4, value: (c) => unsigned32(c.info.tcpTimeout) },
  { name: 'lvsTcpFinTimeOut', subid: 5, value: (c) => unsigned32(c.info.tcpFinTimeout) },
  { name: 'lvsUdpTimeOut', subid: 6, value: (c) => unsigned32(c.info.udpTimeout) },
  {
    name: 'lvsDaemonState',
    subid: 7,
    value: (c) => integer(c.info.daemons.reduce((acc, d) => acc | DAEMON_STATE[d.state], 0)),
  },
  { name: 'lvsAgentSource', subid: 8, value: (c) => displayString(c.agent.source) },
  { name: 'lvsAgentStatus', subid: 9, value: (c) => integer(AGENT_STATUS[c.agent.status]) },
  {
    name: 'lvsAgentLastReadTime',
    subid: 10,
    value: (c) => timeTicks(c.agent.lastReadAt === undefined ? 0 : c.timeStamp(c.agent.lastReadAt)),
  },
  { name: 'lvsAgentLastReadDuration', subid: 11, value: (c) => unsigned32(Math.round(c.agent.lastReadDurationMs)) },
  { name: 'lvsAgentReadErrors', subid: 12, value: (c) => counter32(c.agent.readErrors) },
  { name: 'lvsAgentLastError', subid: 13, value: (c) => displayString(c.agent.lastError) },
  { name: 'lvsNumReals', subid: 14, value: (c) => gauge32(c.numReals) },
];

const FORWARD_METHOD = { masq: 0, local: 1, tunnel: 2, route: 3, bypass: 4 } as const;
const TUNNEL_TYPE = { ipip: 0, gue: 1, gre: 2 } as const;
/** InetAddressType (RFC 4001): unknown(0), ipv4(1), ipv6(2). */
const INET_ADDRESS_TYPE = { inet: 1, inet6: 2 } as const;
const ZERO_IPV4 = new Uint8Array(4);

function ipv4Or0(family: string, bytes: Uint8Array): Value {
  return ipAddress(family === 'inet' ? bytes : ZERO_IPV4);
}

/** IPv4 netmask from a prefix length (0..32). */
function netmaskBytes(prefix: number): Uint8Array {
  const mask = prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffff : (0xffffffff << (32 - prefix)) >>> 0;
  return new Uint8Array([mask >>> 24, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff]);
}

/**
 * lvsRealTunnelFlags BITS { noChecksum(0), checksum(1), remoteChecksum(2) } from IP_VS_TUNNEL_ENCAP_FLAG_*:
 * noChecksum when neither CSUM nor REMCSUM is set (NOCSUM is 0).
 */
function tunnelFlagBits(flags: number): number {
  const csum = flags & IP_VS_TUNNEL_ENCAP_FLAG.CSUM ? 0b010 : 0;
  const remcsum = flags & IP_VS_TUNNEL_ENCAP_FLAG.REMCSUM ? 0b100 : 0;
  return csum | remcsum ? csum | remcsum : 0b001;
}

/** The five legacy + HC columns shared by both tables, parameterised by where each statistic sits. */
/** One value of a row's Stats window: a bigint made only here, as the varbind is encoded. */
function v(stats: Stats, at: number): bigint {
  return stats.values[stats.at + at] as bigint;
}

function statsColumns<Row>(
  stats: (row: Row) => Stats,
  prefix: string,
  legacy: { conns: number; rateCps: number },
  hc: { conns: number; rateCps: number },
): ColumnDef<Row>[] {
  const s = stats;
  return [
    { name: `${prefix}StatsConns`, subid: legacy.conns, value: (r) => counter32Low(v(s(r), STAT.conns)) },
    { name: `${prefix}StatsInPkts`, subid: legacy.conns + 1, value: (r) => counter32Low(v(s(r), STAT.inPkts)) },
    { name: `${prefix}StatsOutPkts`, subid: legacy.conns + 2, value: (r) => counter32Low(v(s(r), STAT.outPkts)) },
    { name: `${prefix}StatsInBytes`, subid: legacy.conns + 3, value: (r) => counter64(v(s(r), STAT.inBytes)) },
    { name: `${prefix}StatsOutBytes`, subid: legacy.conns + 4, value: (r) => counter64(v(s(r), STAT.outBytes)) },
    { name: `${prefix}RateCps`, subid: legacy.rateCps, value: (r) => gauge32(v(s(r), STAT.cps)) },
    { name: `${prefix}RateInPPS`, subid: legacy.rateCps + 1, value: (r) => gauge32(v(s(r), STAT.inPps)) },
    { name: `${prefix}RateOutPPS`, subid: legacy.rateCps + 2, value: (r) => gauge32(v(s(r), STAT.outPps)) },
    { name: `${prefix}RateInBPS`, subid: legacy.rateCps + 3, value: (r) => gauge32(v(s(r), STAT.inBps)) },
    { name: `${prefix}RateOutBPS`, subid: legacy.rateCps + 4, value: (r) => gauge32(v(s(r), STAT.outBps)) },
    { name: `${prefix}HCStatsConns`, subid: hc.conns, value: (r) => counter64(v(s(r), STAT.conns)) },
    { name: `${prefix}HCStatsInPkts`, subid: hc.conns + 1, value: (r) => counter64(v(s(r), STAT.inPkts)) },
    { name: `${prefix}HCStatsOutPkts`, subid: hc.conns + 2, value: (r) => counter64(v(s(r), STAT.outPkts)) },
    { name: `${prefix}HCRateCps`, subid: hc.rateCps, value: (r) => counter64(v(s(r), STAT.cps)) },
    { name: `${prefix}HCRateInPPS`, subid: hc.rateCps + 1, value: (r) => counter64(v(s(r), STAT.inPps)) },
    { name: `${prefix}HCRateOutPPS`, subid: hc.rateCps + 2, value: (r) => counter64(v(s(r), STAT.outPps)) },
    { name: `${prefix}HCRateInBPS`, subid: hc.rateCps + 3, value: (r) => counter64(v(s(r), STAT.inBps)) },
    { name: `${prefix}HCRateOutBPS`, subid: hc.rateCps + 4, value: (r) => counter64(v(s(r), STAT.outBps)) },
  ];
}

/**
 * lvsRealDisplayName: "TCP/10.0.0.1:80 -> 10.0.1.1:80", as `ipvsadm -Ln` lists a real under its service. Both
 * names, since a real server's name is unique only within its service; neither contains " -> ".
 */
export function realDisplayName(service: string, real: string): string {
  return `${service} -> ${real}`;
}

function bySubid<Row>(columns: ColumnDef<Row>[]): readonly ColumnDef<Row>[] {
  return columns.sort((a, b) => a.subid - b.subid);
}

/** lvsServiceTable columns (lvsServiceEntry), ascending. Column 20, lvsServiceName, is the not-accessible index. */
export const SERVICE_COLUMNS: readonly ColumnDef<ServiceRow>[] = bySubid<ServiceRow>([
  { name: 'lvsServiceSchedType', subid: 2, value: (r) => displayString(r.service.scheduler) },
  {
    name: 'lvsServiceProto',
    subid: 3,
    value: (r) => integer(r.service.key.kind === 'addr' ? protocolNumber(r.service.key.protocol) : 0),
  },
  { name: 'lvsServiceAddr', subid: 4, value: (r) => ipv4Or0(r.service.key.kind === 'addr' ? r.service.key.family : '', r.addressBytes) },
  { name: 'lvsServicePort', subid: 5, value: (r) => unsigned32(r.service.key.kind === 'addr' ? r.service.key.port : 0) },
  { name: 'lvsServiceFwMark', subid: 6, value: (r) => unsigned32(r.service.key.kind === 'fwmark' ? r.service.key.fwmark : 0) },
  { name: 'lvsServicePersistTimeout', subid: 7, value: (r) => unsigned32(r.service.timeout) },
  {
    name: 'lvsServicePersistNetmask',
    subid: 8,
    value: (r) => ipAddress(r.service.key.family === 'inet' ? netmaskBytes(r.service.netmaskPrefix) : ZERO_IPV4),
  },
  { name: 'lvsServiceNumDests', subid: 9, value: (r) => gauge32(r.service.reals.length) },
  ...statsColumns<ServiceRow>((r) => r.stats, 'lvsService', { conns: 10, rateCps: 15 }, { conns: 29, rateCps: 32 }),
  {
    name: 'lvsServiceAddrType',
    subid: 21,
    value: (r) => integer(r.service.key.kind === 'addr' ? INET_ADDRESS_TYPE[r.service.key.family] : 0),
  },
  { name: 'lvsServiceAddress', subid: 22, value: (r) => octets(r.addressBytes) },
  { name: 'lvsServiceFlags', subid: 23, value: (r) => bits(r.service.flags, IP_VS_SVC_F_COUNT) },
  { name: 'lvsServicePersistPrefixLen', subid: 24, value: (r) => unsigned32(r.service.netmaskPrefix) },
  { name: 'lvsServicePeName', subid: 25, value: (r) => displayString(r.service.peName) },
  { name: 'lvsServiceActiveConns', subid: 26, value: (r) => gauge32(r.activeConns) },
  { name: 'lvsServiceInactiveConns', subid: 27, value: (r) => gauge32(r.inactiveConns) },
  { name: 'lvsServicePersistConns', subid: 28, value: (r) => gauge32(r.persistentConns) },
  { name: 'lvsServiceDiscontinuityTime', subid: 37, value: (r, ts) => timeTicks(ts(r.discontinuityAt)) },
  { name: 'lvsServiceDisplayName', subid: 38, value: (r) => displayString(r.name) },
]);

/** lvsRealTable columns (lvsRealEntry), ascending. Column 17, lvsRealName, is the not-accessible index. */
export const REAL_COLUMNS: readonly ColumnDef<RealRow>[] = bySubid<RealRow>([
  { name: 'lvsRealAddr', subid: 3, value: (r) => ipv4Or0(r.real.family, r.addressBytes) },
  { name: 'lvsRealPort', subid: 4, value: (r) => unsigned32(r.real.port) },
  { name: 'lvsRealFlags', subid: 5, value: (r) => integer(FORWARD_METHOD[r.real.forward]) },
  { name: 'lvsRealWeight', subid: 6, value: (r) => integer(r.real.weight) },
  ...statsColumns<RealRow>((r) => r.stats, 'lvsReal', { conns: 7, rateCps: 12 }, { conns: 28, rateCps: 31 }),
  { name: 'lvsRealAddrType', subid: 18, value: (r) => integer(INET_ADDRESS_TYPE[r.real.family]) },
  { name: 'lvsRealAddress', subid: 19, value: (r) => octets(r.addressBytes) },
  { name: 'lvsRealUpperThreshold', subid: 20, value: (r) => unsigned32(r.real.upperThreshold) },
  { name: 'lvsRealLowerThreshold', subid: 21, value: (r) => unsigned32(r.real.lowerThreshold) },
  { name: 'lvsRealActiveConns', subid: 22, value: (r) => gauge32(r.real.activeConns) },
  { name: 'lvsRealInactiveConns', subid: 23, value: (r) => gauge32(r.real.inactiveConns) },
  { name: 'lvsRealPersistConns', subid: 24, value: (r) => gauge32(r.real.persistentConns) },
  { name: 'lvsRealTunnelType', subid: 25, value: (r) => integer(TUNNEL_TYPE[r.real.tunnelType ?? 'ipip']) },
  { name: 'lvsRealTunnelPort', subid: 26, value: (r) => unsigned32(r.real.tunnelPort ?? 0) },
  { name: 'lvsRealTunnelFlags', subid: 27, value: (r) => bits(tunnelFlagBits(r.real.tunnelFlags ?? 0), 3) },
  { name: 'lvsRealDiscontinuityTime', subid: 36, value: (r, ts) => timeTicks(ts(r.discontinuityAt)) },
  { name: 'lvsRealDisplayName', subid: 37, value: (r) => displayString(realDisplayName(r.service.name, r.name)) },
]);
