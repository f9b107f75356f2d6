import type { Family } from '../snapshot.js';
import { attrNames } from './constants.js';

/**
 * IPVS generic netlink constants, from include/uapi/linux/ip_vs.h ("IPVS Generic Netlink interface
 * definitions"). Enum members are numbered from 0 in the header; the values below are those positions.
 */

/** #define IPVS_GENL_NAME "IPVS", #define IPVS_GENL_VERSION 0x1 */
export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 0x1;

/** enum { IPVS_CMD_UNSPEC = 0, IPVS_CMD_NEW_SERVICE, … } */
export const IPVS_CMD = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  /** Dump only (ip_vs_genl_ops has .dumpit and no .doit); needs an IPVS_CMD_ATTR_SERVICE selector. */
  GET_DEST: 8,
  NEW_DAEMON: 9,
  DEL_DAEMON: 10,
  /** Dump only. */
  GET_DAEMON: 11,
  SET_CONFIG: 12,
  GET_CONFIG: 13,
  /** "only used in GET_INFO reply" */
  SET_INFO: 14,
  GET_INFO: 15,
  ZERO: 16,
  FLUSH: 17,
} as const;
export type IpvsCmd = (typeof IPVS_CMD)[keyof typeof IPVS_CMD];

/** enum { IPVS_CMD_ATTR_UNSPEC = 0, IPVS_CMD_ATTR_SERVICE, … }: first level of every message. */
export const IPVS_CMD_ATTR = {
  /** nested service attribute */
  SERVICE: 1,
  /** nested destination attribute */
  DEST: 2,
  /** nested sync daemon attribute */
  DAEMON: 3,
  /** TCP connection timeout (u32 seconds) */
  TIMEOUT_TCP: 4,
  /** TCP FIN wait timeout (u32 seconds) */
  TIMEOUT_TCP_FIN: 5,
  /** UDP timeout (u32 seconds) */
  TIMEOUT_UDP: 6,
} as const;

/** enum { IPVS_SVC_ATTR_UNSPEC = 0, … }: inside IPVS_CMD_ATTR_SERVICE. */
export const IPVS_SVC_ATTR = {
  /** address family (u16) */
  AF: 1,
  /** virtual service protocol (u16) */
  PROTOCOL: 2,
  /** virtual service address (union nf_inet_addr, 16 bytes) */
  ADDR: 3,
  /** virtual service port (__be16) */
  PORT: 4,
  /** firewall mark of service (u32) */
  FWMARK: 5,
  /** name of scheduler (string) */
  SCHED_NAME: 6,
  /** virtual service flags (struct ip_vs_flags { __u32 flags; __u32 mask; }) */
  FLAGS: 7,
  /** persistent timeout (u32 seconds) */
  TIMEOUT: 8,
  /** persistent netmask (nla_put_be32 of svc->netmask: an IPv4 mask, or an IPv6 prefix length) */
  NETMASK: 9,
  /** nested attribute for service stats (32-bit counters, 64-bit bytes) */
  STATS: 10,
  /** name of ct retriever (persistence engine, string) */
  PE_NAME: 11,
  /** nested attribute for service stats (all 64-bit; Linux 4.1+) */
  STATS64: 12,
} as const;

/** enum { IPVS_DEST_ATTR_UNSPEC = 0, … }: inside IPVS_CMD_ATTR_DEST. */
export const IPVS_DEST_ATTR = {
  /** real server address (16 bytes) */
  ADDR: 1,
  /** real server port (__be16) */
  PORT: 2,
  /** forwarding method (u32, conn_flags & IP_VS_CONN_F_FWD_MASK) */
  FWD_METHOD: 3,
  /** destination weight (u32 on the wire, int in the kernel) */
  WEIGHT: 4,
  /** upper threshold (u32) */
  U_THRESH: 5,
  /** lower threshold (u32) */
  L_THRESH: 6,
  /** active connections (u32) */
  ACTIVE_CONNS: 7,
  /** inactive connections (u32) */
  INACT_CONNS: 8,
  /** persistent connections (u32) */
  PERSIST_CONNS: 9,
  /** nested attribute for dest stats */
  STATS: 10,
  /** Address family of address (u16; Linux 3.18+) */
  ADDR_FAMILY: 11,
  /** nested attribute for dest stats (64-bit) */
  STATS64: 12,
  /** tunnel type (u8) */
  TUN_TYPE: 13,
  /** tunnel port (__be16) */
  TUN_PORT: 14,
  /** tunnel flags (u16) */
  TUN_FLAGS: 15,
} as const;

/** enum { IPVS_DAEMON_ATTR_UNSPEC = 0, … }: inside IPVS_CMD_ATTR_DAEMON. */
export const IPVS_DAEMON_ATTR = {
  /** sync daemon state (master/backup) (u32) */
  STATE: 1,
  /** multicast interface name (string) */
  MCAST_IFN: 2,
  /** SyncID we belong to (u32) */
  SYNC_ID: 3,
  /** UDP Payload Size (u16) */
  SYNC_MAXLEN: 4,
  /** IPv4 Multicast Address */
  MCAST_GROUP: 5,
  /** IPv6 Multicast Address */
  MCAST_GROUP6: 6,
  /** Multicast Port (base) (u16) */
  MCAST_PORT: 7,
  /** Multicast TTL (u8) */
  MCAST_TTL: 8,
} as const;

/** enum { IPVS_STATS_ATTR_UNSPEC = 0, … }: inside the STATS and STATS64 nests. */
export const IPVS_STATS_ATTR = {
  CONNS: 1,
  INPKTS: 2,
  OUTPKTS: 3,
  INBYTES: 4,
  OUTBYTES: 5,
  CPS: 6,
  INPPS: 7,
  OUTPPS: 8,
  INBPS: 9,
  OUTBPS: 10,
  /** alignment padding of nla_put_u64_64bit(); carries nothing */
  PAD: 11,
} as const;

/** enum { IPVS_INFO_ATTR_UNSPEC = 0, … }: first level of the GET_INFO reply. */
export const IPVS_INFO_ATTR = {
  /** IPVS version number (u32, IP_VS_VERSION_CODE 0x010201) */
  VERSION: 1,
  /** size of connection hash table (u32) */
  CONN_TAB_SIZE: 2,
} as const;

/** #define IP_VS_SVC_F_* (ip_vs.h): every service flag there is, bit n being 2 to the power n. */
export const IP_VS_SVC_F = {
  PERSISTENT: 0x0001,
  HASHED: 0x0002,
  ONEPACKET: 0x0004,
  SCHED1: 0x0008,
  SCHED2: 0x0010,
  SCHED3: 0x0020,
} as const;

/** How many IP_VS_SVC_F_* bits there are (LVS-MIB's lvsServiceFlags names one for each). */
export const IP_VS_SVC_F_COUNT = Object.keys(IP_VS_SVC_F).length;

/** #define IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM (0), _CSUM (1 << 0), _REMCSUM (1 << 1) (ip_vs.h) */
export const IP_VS_TUNNEL_ENCAP_FLAG = {
  NOCSUM: 0,
  CSUM: 1 << 0,
  REMCSUM: 1 << 1,
} as const;

/** #define IP_VS_CONN_F_FWD_MASK 0x0007 and the methods under it (ip_vs.h). */
export const IP_VS_CONN_F_FWD_MASK = 0x0007;
export const IP_VS_CONN_F = {
  MASQ: 0x0000,
  LOCALNODE: 0x0001,
  TUNNEL: 0x0002,
  DROUTE: 0x0003,
  BYPASS: 0x0004,
} as const;

/** enum { IP_VS_CONN_F_TUNNEL_TYPE_IPIP = 0, _GUE, _GRE } (ip_vs.h) */
export const IP_VS_CONN_F_TUNNEL_TYPE = {
  IPIP: 0,
  GUE: 1,
  GRE: 2,
} as const;

/** #define IP_VS_STATE_MASTER 0x0001, IP_VS_STATE_BACKUP 0x0002 (ip_vs.h) */
export const IP_VS_STATE = {
  MASTER: 0x0001,
  BACKUP: 0x0002,
} as const;

/** Address families as the kernel numbers them (include/linux/socket.h): AF_INET 2, AF_INET6 10. */
export const AF = {
  INET: 2,
  INET6: 10,
} as const;

/** Each address family's AF_* number. */
export const FAMILY_NUMBER: Readonly<Record<Family, number>> = { inet: AF.INET, inet6: AF.INET6 };

/** The address family with AF_* number `n`, or undefined for one IPVS does not serve. */
export function familyOfNumber(n: number): Family | undefined {
  return n === AF.INET ? 'inet' : n === AF.INET6 ? 'inet6' : undefined;
}

export const IPVS_CMD_NAMES = attrNames('IPVS_CMD_', IPVS_CMD);
export const IPVS_CMD_ATTR_NAMES = attrNames('IPVS_CMD_ATTR_', IPVS_CMD_ATTR);
export const IPVS_SVC_ATTR_NAMES = attrNames('IPVS_SVC_ATTR_', IPVS_SVC_ATTR);
export const IPVS_DEST_ATTR_NAMES = attrNames('IPVS_DEST_ATTR_', IPVS_DEST_ATTR);
export const IPVS_DAEMON_ATTR_NAMES = attrNames('IPVS_DAEMON_ATTR_', IPVS_DAEMON_ATTR);
export const IPVS_STATS_ATTR_NAMES = attrNames('IPVS_STATS_ATTR_', IPVS_STATS_ATTR);
export const IPVS_INFO_ATTR_NAMES = attrNames('IPVS_INFO_ATTR_', IPVS_INFO_ATTR);
