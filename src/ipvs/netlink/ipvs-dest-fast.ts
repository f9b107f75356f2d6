import { formatAddressAt } from '../address.js';
import { allocStats, type Family, type ForwardMethod, type RealServer, type Stats, ZERO_STATS } from '../snapshot.js';
import { HOST_BYTE_ORDER, type ByteOrder } from './bytes.js';
import { GENL_HDRLEN, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN } from './constants.js';
import {
  AF,
  IP_VS_CONN_F_FWD_MASK,
  IPVS_CMD,
  IPVS_CMD_ATTR,
  IPVS_DEST_ATTR,
  IPVS_STATS_ATTR,
} from './ipvs-constants.js';

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

/** Attribute types kept per level: IPVS_DEST_ATTR_* and IPVS_STATS_ATTR_* are below this; others are skipped. */
const SLOTS = 16;
/** Where each attribute's payload starts (byte offset in the message), -1 when absent; and its length. */
const destAt = new Int32Array(SLOTS);
const destLen = new Int32Array(SLOTS);
const statsAt = new Int32Array(SLOTS);
const statsLen = new Int32Array(SLOTS);

const FORWARD: readonly ForwardMethod[] = ['masq', 'local', 'tunnel', 'route', 'bypass'];
/** IP_VS_CONN_F_TUNNEL_TYPE_* (IPIP 0, GUE 1, GRE 2) by number. */
const TUNNEL_TYPES = ['ipip', 'gue', 'gre'] as const;

/** The ten counters' attributes in Stats order (STAT in snapshot.ts), and whether STATS (the 32-bit nest) carries each as u64. */
const STATS_ATTRS = [
  IPVS_STATS_ATTR.CONNS,
  IPVS_STATS_ATTR.INPKTS,
  IPVS_STATS_ATTR.OUTPKTS,
  IPVS_STATS_ATTR.INBYTES,
  IPVS_STATS_ATTR.OUTBYTES,
  IPVS_STATS_ATTR.CPS,
  IPVS_STATS_ATTR.INPPS,
  IPVS_STATS_ATTR.OUTPPS,
  IPVS_STATS_ATTR.INBPS,
  IPVS_STATS_ATTR.OUTBPS,
] as const;
const ALWAYS_64: readonly boolean[] = STATS_ATTRS.map((a) => a === IPVS_STATS_ATTR.INBYTES || a === IPVS_STATS_ATTR.OUTBYTES);

/** Which of a Stats word pair holds the low half: the host's order, since the words view a BigUint64Array. */
const LOW_WORD = HOST_BYTE_ORDER === 'little' ? 0 : 1;

let lastBuffer: ArrayBufferLike | undefined;
let lastView: DataView | undefined;

function viewOf(bytes: Uint8Array): DataView {
  if (bytes.buffer !== lastBuffer || lastView === undefined) {
    lastBuffer = bytes.buffer;
    lastView = new DataView(bytes.buffer);
  }
  return lastView;
}

/**
 * Records the attributes of bytes[from, end) in `at`/`len` by type, a later one of a type replacing an earlier
 * (nla_parse()). False when the area does not split into whole attributes exactly as parseAttrs would accept.
 */
function scan(view: DataView, base: number, from: number, end: number, little: boolean, at: Int32Array, len: Int32Array): boolean {
  at.fill(-1);
  let p = from;
  while (p < end) {
    if (end - p < NLA_HDRLEN) return false;
    const l = view.getUint16(base + p, little);
    if (l < NLA_HDRLEN || l > end - p) return false;
    const type = view.getUint16(base + p + 2, little) & NLA_TYPE_MASK;
    if (type < SLOTS) {
      at[type] = p + NLA_HDRLEN;
      len[type] = l - NLA_HDRLEN;
    }
    p = Math.min(p + ((l + 3) & ~3), end);
  }
  return true;
}

/** A u32 attribute of the dest nest, or -1 when it is absent or not 4 bytes (no closure per message). */
function destU32(view: DataView, base: number, little: boolean, type: number): number {
  const a = destAt[type] as number;
  return a >= 0 && destLen[type] === 4 ? view.getUint32(base + a, little) : -1;
}

export function decodeDestFast(message: Uint8Array, order: ByteOrder, serviceFamily: Family): RealServer | undefined {
  const little = order === 'little';
  const view = viewOf(message);
  const base = message.byteOffset;
  const size = message.length;
  if (size < NLMSG_HDRLEN + GENL_HDRLEN) return undefined;
  const msgLen = view.getUint32(base, little);
  if (msgLen < NLMSG_HDRLEN + GENL_HDRLEN || msgLen > size || ((msgLen + 3) & ~3) < size) return undefined;
  if (message[NLMSG_HDRLEN] !== IPVS_CMD.NEW_DEST) return undefined;

  // First level: only IPVS_CMD_ATTR_DEST matters (the dest scratch table serves for it too, before the nest).
  if (!scan(view, base, NLMSG_HDRLEN + GENL_HDRLEN, msgLen, little, destAt, destLen)) return undefined;
  const nestAt = destAt[IPVS_CMD_ATTR.DEST] as number;
  if (nestAt < 0) return undefined;
  if (!scan(view, base, nestAt, nestAt + (destLen[IPVS_CMD_ATTR.DEST] as number), little, destAt, destLen)) return undefined;

  let family = serviceFamily;
  const afAt = destAt[IPVS_DEST_ATTR.ADDR_FAMILY] as number;
  if (afAt >= 0) {
    if (destLen[IPVS_DEST_ATTR.ADDR_FAMILY] !== 2) return undefined;
    const af = view.getUint16(base + afAt, little);
    if (af === AF.INET) family = 'inet';
    else if (af === AF.INET6) family = 'inet6';
    else return undefined;
  }
  const fwd = destU32(view, base, little, IPVS_DEST_ATTR.FWD_METHOD);
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
  const upper = destU32(view, base, little, IPVS_DEST_ATTR.U_THRESH);
  const lower = destU32(view, base, little, IPVS_DEST_ATTR.L_THRESH);
  const active = destU32(view, base, little, IPVS_DEST_ATTR.ACTIVE_CONNS);
  const inactive = destU32(view, base, little, IPVS_DEST_ATTR.INACT_CONNS);
  const persistent = destU32(view, base, little, IPVS_DEST_ATTR.PERSIST_CONNS);
  if (upper < 0 || lower < 0 || active < 0 || inactive < 0 || persistent < 0) return undefined;

  const stats = decodeStatsFast(view, base, little);
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

/** STATS64, else STATS (u32 counters widened), else zeros: as decodeStats() in ipvs-stats.ts. */
function decodeStatsFast(view: DataView, base: number, little: boolean): Stats | undefined {
  let nest = destAt[IPVS_DEST_ATTR.STATS64] as number;
  let nestLen = destLen[IPVS_DEST_ATTR.STATS64] as number;
  let all64 = true;
  if (nest < 0) {
    nest = destAt[IPVS_DEST_ATTR.STATS] as number;
    nestLen = destLen[IPVS_DEST_ATTR.STATS] as number;
    all64 = false;
    if (nest < 0) return ZERO_STATS;
  }
  if (!scan(view, base, nest, nest + nestLen, little, statsAt, statsLen)) return undefined;
  // Check every field before taking a Stats window, so that a declined message leaves nothing allocated.
  for (let i = 0; i < STATS_ATTRS.length; i++) {
    const attr = STATS_ATTRS[i] as number;
    if ((statsAt[attr] as number) < 0 || statsLen[attr] !== (all64 || ALWAYS_64[i] === true ? 8 : 4)) return undefined;
  }
  const out = allocStats();
  const { words } = out;
  let w = 2 * out.at;
  for (let i = 0; i < STATS_ATTRS.length; i++) {
    const p = base + (statsAt[STATS_ATTRS[i] as number] as number);
    let lo: number;
    let hi: number;
    if (all64 || ALWAYS_64[i] === true) {
      lo = view.getUint32(little ? p : p + 4, little);
      hi = view.getUint32(little ? p + 4 : p, little);
    } else {
      lo = view.getUint32(p, little);
      hi = 0;
    }
    words[w + LOW_WORD] = lo;
    words[w + 1 - LOW_WORD] = hi;
    w += 2;
  }
  return out;
}
