import { allocStats, type Stats, ZERO_STATS } from '../snapshot.js';
import { HOST_BYTE_ORDER } from './bytes.js';
import { GENL_HDRLEN, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN } from './constants.js';
import { IPVS_STATS_ATTR } from './ipvs-constants.js';

/**
 * Attributes found by offset, for the fast decoders of the messages a read has many of (ipvs-dest-fast.ts,
 * ipvs-service-fast.ts): scan() records where each attribute of a level starts in a scratch table instead of making
 * an object per attribute (AttrSet, attr.ts), and accepts exactly the levels parseAttrs() accepts. A table is
 * reused by every message (a decode is synchronous).
 */

/** Attribute types kept per level: the IPVS_*_ATTR_* a fast decoder reads are below this; others are skipped. */
export const SLOTS = 16;

/** Where each attribute's payload starts (byte offset in the message, -1 when absent), and its length. */
export interface ScanTable {
  readonly at: Int32Array;
  readonly len: Int32Array;
}

export function scanTable(): ScanTable {
  return { at: new Int32Array(SLOTS), len: new Int32Array(SLOTS) };
}

let lastBuffer: ArrayBufferLike | undefined;
let lastView: DataView | undefined;

/** A DataView of the whole buffer under `bytes`, kept while messages come from the same buffer. */
export function viewOf(bytes: Uint8Array): DataView {
  if (bytes.buffer !== lastBuffer || lastView === undefined) {
    lastBuffer = bytes.buffer;
    lastView = new DataView(bytes.buffer);
  }
  return lastView;
}

/**
 * Records the attributes of bytes[from, end) (offsets in the message at `base` of the view) in `t` by type, a later
 * one of a type replacing an earlier (nla_parse()). False when the area does not split into whole attributes
 * exactly as parseAttrs would accept.
 */
export function scan(view: DataView, base: number, from: number, end: number, little: boolean, t: ScanTable): boolean {
  const { at, len } = t;
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

/**
 * The nest `nestType` of a generic netlink message whose command is `cmd`, scanned into `t`; false where
 * decodeMessage(), decodeGenl() or the first level's parse would refuse the message, or the nest is missing.
 */
export function scanMessageNest(view: DataView, message: Uint8Array, little: boolean, cmd: number, nestType: number, t: ScanTable): boolean {
  const base = message.byteOffset;
  const size = message.length;
  if (size < NLMSG_HDRLEN + GENL_HDRLEN) return false;
  const msgLen = view.getUint32(base, little);
  if (msgLen < NLMSG_HDRLEN + GENL_HDRLEN || msgLen > size || ((msgLen + 3) & ~3) < size) return false;
  if (message[NLMSG_HDRLEN] !== cmd) return false;
  // First level: only the nest matters (the same table serves for it, before the nest).
  if (!scan(view, base, NLMSG_HDRLEN + GENL_HDRLEN, msgLen, little, t)) return false;
  const nestAt = t.at[nestType] as number;
  if (nestAt < 0) return false;
  return scan(view, base, nestAt, nestAt + (t.len[nestType] as number), little, t);
}

/** A u32 attribute of the level in `t`, or -1 when it is absent or not 4 bytes. */
export function u32At(view: DataView, base: number, little: boolean, t: ScanTable, type: number): number {
  const a = t.at[type] as number;
  return a >= 0 && t.len[type] === 4 ? view.getUint32(base + a, little) : -1;
}

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

const statsTable = scanTable();

/**
 * The STATS64 nest (type `stats64Type` in `t`), else STATS (`statsType`, u32 counters widened), else zeros: as
 * decodeStats() in ipvs-stats.ts; undefined where it would throw. Counters are copied as two 32-bit halves into
 * the Stats words: no bigint.
 */
export function statsAt(view: DataView, base: number, little: boolean, t: ScanTable, statsType: number, stats64Type: number): Stats | undefined {
  let nest = t.at[stats64Type] as number;
  let nestLen = t.len[stats64Type] as number;
  let all64 = true;
  if (nest < 0) {
    nest = t.at[statsType] as number;
    nestLen = t.len[statsType] as number;
    all64 = false;
    if (nest < 0) return ZERO_STATS;
  }
  if (!scan(view, base, nest, nest + nestLen, little, statsTable)) return undefined;
  const { at, len } = statsTable;
  // Check every field before taking a Stats window, so that a declined message leaves nothing allocated.
  for (let i = 0; i < STATS_ATTRS.length; i++) {
    const attr = STATS_ATTRS[i] as number;
    if ((at[attr] as number) < 0 || len[attr] !== (all64 || ALWAYS_64[i] === true ? 8 : 4)) return undefined;
  }
  const out = allocStats();
  const { words } = out;
  let w = 2 * out.at;
  for (let i = 0; i < STATS_ATTRS.length; i++) {
    const p = base + (at[STATS_ATTRS[i] as number] as number);
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
