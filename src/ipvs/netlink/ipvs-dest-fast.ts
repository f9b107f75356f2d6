import { formatAddressAt } from '../address.js';
import type { Family, ForwardMethod, RealServer } from '../snapshot.js';
import { scanMessageNest, scanTable, statsAt, u32At, viewOf } from './attr-scan.js';
import type { ByteOrder } from './bytes.js';
import { AF, IP_VS_CONN_F_FWD_MASK, IPVS_CMD, IPVS_CMD_ATTR, IPVS_DEST_ATTR } from './ipvs-constants.js';

/**
 * The common case of an IPVS_CMD_NEW_DEST message, decoded straight from its bytes: a GET_DEST dump of 100,000 real
 * servers is 100,000 of these per read, and the general decoder (AttrSet, ipvs-service.ts decodeDestNest) makes an
 * object for every attribute and a BigInt for every counter: in the kernel guest that was an eighth of a whole
 * `lvs-agentx snapshot` of 10,000 × 10, and most of its garbage. Here attributes are found by offset in two scratch
 * tables (a decode is synchronous, so one pair serves every call), counters are copied into the Stats words as
 * two 32-bit halves, and the only objects made are the real server, its address text and its Stats window.
 *
 * It accepts exactly what the general decoder accepts and returns the same value, or declines (undefined) so that
 * the general decoder runs and says precisely what is wrong: a message it declines is not necessarily malformed
 * (an unknown tunnel type, a kernel without STATS64 is still decoded there). test/unit/ipvs/netlink/ipvs-dest-fast
 * holds it to that over fixtures and mutated messages.
 */

/** The dest nest's attributes (attr-scan.ts). */
const dest = scanTable();

const FORWARD: readonly ForwardMethod[] = ['masq', 'local', 'tunnel', 'route', 'bypass'];
/** IP_VS_CONN_F_TUNNEL_TYPE_* (IPIP 0, GUE 1, GRE 2) by number. */
const TUNNEL_TYPES = ['ipip', 'gue', 'gre'] as const;

export function decodeDestFast(message: Uint8Array, order: ByteOrder, serviceFamily: Family): RealServer | undefined {
  const little = order === 'little';
  const view = viewOf(message);
  const base = message.byteOffset;
  if (!scanMessageNest(view, message, little, IPVS_CMD.NEW_DEST, IPVS_CMD_ATTR.DEST, dest)) return undefined;
  const destAt = dest.at;
  const destLen = dest.len;

  let family = serviceFamily;
  const afAt = destAt[IPVS_DEST_ATTR.ADDR_FAMILY] as number;
  if (afAt >= 0) {
    if (destLen[IPVS_DEST_ATTR.ADDR_FAMILY] !== 2) return undefined;
    const af = view.getUint16(base + afAt, little);
    if (af === AF.INET) family = 'inet';
    else if (af === AF.INET6) family = 'inet6';
    else return undefined;
  }
  const fwd = u32At(view, base, little, dest, IPVS_DEST_ATTR.FWD_METHOD);
  if (fwd < 0) return undefined;
  const forward = FORWARD[fwd & IP_VS_CONN_F_FWD_MASK];
  if (forward === undefined) return undefined;

  let tunnelType: RealServer['tunnelType'];
  let tunnelPort: number | undefined;
  let tunnelFlags: number | undefined;
  if (forward === 'tunnel') {
    const t = destAt[IPVS_DEST_ATTR.TUN_TYPE] as number;
    if (t >= 0) {
      if (destLen[IPVS_DEST_ATTR.TUN_TYPE] !== 1) return undefined;
      tunnelType = TUNNEL_TYPES[message[t] as number];
    }
    const p = destAt[IPVS_DEST_ATTR.TUN_PORT] as number;
    const f = destAt[IPVS_DEST_ATTR.TUN_FLAGS] as number;
    if (tunnelType === 'gue' && p >= 0) {
      if (destLen[IPVS_DEST_ATTR.TUN_PORT] !== 2) return undefined;
      tunnelPort = view.getUint16(base + p, false);
    }
    if ((tunnelType === 'gue' || tunnelType === 'gre') && f >= 0) {
      if (destLen[IPVS_DEST_ATTR.TUN_FLAGS] !== 2) return undefined;
      tunnelFlags = view.getUint16(base + f, little);
    }
  }

  const addrAt = destAt[IPVS_DEST_ATTR.ADDR] as number;
  const addrLen = destLen[IPVS_DEST_ATTR.ADDR] as number;
  if (addrAt < 0 || addrLen < (family === 'inet' ? 4 : 16)) return undefined;
  const portAt = destAt[IPVS_DEST_ATTR.PORT] as number;
  if (portAt < 0 || destLen[IPVS_DEST_ATTR.PORT] !== 2) return undefined;
  const weightAt = destAt[IPVS_DEST_ATTR.WEIGHT] as number;
  if (weightAt < 0 || destLen[IPVS_DEST_ATTR.WEIGHT] !== 4) return undefined;
  const upper = u32At(view, base, little, dest, IPVS_DEST_ATTR.U_THRESH);
  const lower = u32At(view, base, little, dest, IPVS_DEST_ATTR.L_THRESH);
  const active = u32At(view, base, little, dest, IPVS_DEST_ATTR.ACTIVE_CONNS);
  const inactive = u32At(view, base, little, dest, IPVS_DEST_ATTR.INACT_CONNS);
  const persistent = u32At(view, base, little, dest, IPVS_DEST_ATTR.PERSIST_CONNS);
  if (upper < 0 || lower < 0 || active < 0 || inactive < 0 || persistent < 0) return undefined;

  const stats = statsAt(view, base, little, dest, IPVS_DEST_ATTR.STATS, IPVS_DEST_ATTR.STATS64);
  if (stats === undefined) return undefined;
  return {
    family,
    address: formatAddressAt(family, message, addrAt, addrLen),
    port: view.getUint16(base + portAt, false),
    forward,
    weight: view.getInt32(base + weightAt, little),
    upperThreshold: upper,
    lowerThreshold: lower,
    activeConns: active,
    inactiveConns: inactive,
    persistentConns: persistent,
    tunnelType,
    tunnelPort,
    tunnelFlags,
    stats,
  };
}

