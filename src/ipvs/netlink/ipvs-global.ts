import type { SyncDaemon } from '../snapshot.js';
import type { ByteOrder } from './bytes.js';
import { NetlinkDecodeError } from './errors.js';
import {
  IP_VS_STATE,
  IPVS_CMD,
  IPVS_CMD_ATTR,
  IPVS_DAEMON_ATTR,
  IPVS_DAEMON_ATTR_NAMES,
  IPVS_INFO_ATTR,
  IPVS_INFO_ATTR_NAMES,
} from './ipvs-constants.js';
import { decodeIpvsMessage } from './ipvs-service.js';

/**
 * Replies about IPVS as a whole (ip_vs_genl_get_cmd() and ip_vs_genl_dump_daemons() in ip_vs_ctl.c):
 * GET_INFO → IPVS_CMD_SET_INFO with IPVS_INFO_ATTR_VERSION and _CONN_TAB_SIZE (u32) at the first level;
 * GET_CONFIG → IPVS_CMD_SET_CONFIG with IPVS_CMD_ATTR_TIMEOUT_TCP, _TCP_FIN (only with CONFIG_IP_VS_PROTO_TCP)
 * and _UDP (only with CONFIG_IP_VS_PROTO_UDP), u32 seconds; GET_DAEMON → one IPVS_CMD_NEW_DAEMON per daemon.
 */

export interface InfoReply {
  /** "major.minor.patch" from IP_VS_VERSION_CODE (NVERSION in ip_vs.h): 0x010201 → "1.2.1". */
  readonly version: string;
  readonly connTableSize: number;
}

export function formatVersion(code: number): string {
  return `${(code >>> 16) & 0xff}.${(code >>> 8) & 0xff}.${code & 0xff}`;
}

export function decodeInfoMessage(message: Uint8Array, order: ByteOrder): InfoReply {
  const info = decodeIpvsMessage(message, order, IPVS_CMD.SET_INFO, IPVS_INFO_ATTR_NAMES);
  return {
    version: formatVersion(info.u32(info.require(IPVS_INFO_ATTR.VERSION))),
    connTableSize: info.u32(info.require(IPVS_INFO_ATTR.CONN_TAB_SIZE)),
  };
}

export interface ConfigReply {
  readonly tcpTimeout: number;
  readonly tcpFinTimeout: number;
  readonly udpTimeout: number;
}

export function decodeConfigMessage(message: Uint8Array, order: ByteOrder): ConfigReply {
  const top = decodeIpvsMessage(message, order, IPVS_CMD.SET_CONFIG);
  const seconds = (type: number): number => {
    const a = top.get(type);
    return a === undefined ? 0 : top.u32(a);
  };
  return {
    tcpTimeout: seconds(IPVS_CMD_ATTR.TIMEOUT_TCP),
    tcpFinTimeout: seconds(IPVS_CMD_ATTR.TIMEOUT_TCP_FIN),
    udpTimeout: seconds(IPVS_CMD_ATTR.TIMEOUT_UDP),
  };
}

export function decodeDaemonMessage(message: Uint8Array, order: ByteOrder): SyncDaemon {
  const top = decodeIpvsMessage(message, order, IPVS_CMD.NEW_DAEMON);
  const d = top.nest(top.require(IPVS_CMD_ATTR.DAEMON), IPVS_DAEMON_ATTR_NAMES);
  const stateAttr = d.require(IPVS_DAEMON_ATTR.STATE);
  const state = d.u32(stateAttr);
  if (state !== IP_VS_STATE.MASTER && state !== IP_VS_STATE.BACKUP) {
    throw new NetlinkDecodeError(d.name(stateAttr.type), stateAttr.offset, `unknown daemon state ${state}`);
  }
  return {
    state: state === IP_VS_STATE.MASTER ? 'master' : 'backup',
    interface: d.string(d.require(IPVS_DAEMON_ATTR.MCAST_IFN)),
    syncId: d.u32(d.require(IPVS_DAEMON_ATTR.SYNC_ID)),
  };
}
