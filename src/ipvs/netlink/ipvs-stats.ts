import { allocStats, STAT, type Stats, ZERO_STATS } from '../snapshot.js';
import type { AttrSet } from './attr.js';
import { IPVS_STATS_ATTR, IPVS_STATS_ATTR_NAMES } from './ipvs-constants.js';

/**
 * The counters nest of a service or destination. ip_vs_ctl.c writes two:
 *   ip_vs_genl_fill_stats():   CONNS, INPKTS, OUTPKTS as nla_put_u32((u32)…), INBYTES, OUTBYTES as
 *                              nla_put_u64_64bit(), CPS … OUTBPS as nla_put_u32((u32)…)   (truncated copies)
 *   ip_vs_genl_fill_stats64(): all ten as nla_put_u64_64bit()                             (Linux 4.1+)
 * STATS64 is preferred; STATS is the fallback for older kernels, widened to bigint. IPVS_STATS_ATTR_PAD (the
 * 64-bit alignment filler) and unknown attributes are skipped. A nest missing one of the ten is malformed.
 */

/** Where each IPVS_STATS_ATTR_* goes in a Stats window. */
const FIELDS: readonly (readonly [attr: number, at: number, always64: boolean])[] = [
  [IPVS_STATS_ATTR.CONNS, STAT.conns, false],
  [IPVS_STATS_ATTR.INPKTS, STAT.inPkts, false],
  [IPVS_STATS_ATTR.OUTPKTS, STAT.outPkts, false],
  [IPVS_STATS_ATTR.INBYTES, STAT.inBytes, true],
  [IPVS_STATS_ATTR.OUTBYTES, STAT.outBytes, true],
  [IPVS_STATS_ATTR.CPS, STAT.cps, false],
  [IPVS_STATS_ATTR.INPPS, STAT.inPps, false],
  [IPVS_STATS_ATTR.OUTPPS, STAT.outPps, false],
  [IPVS_STATS_ATTR.INBPS, STAT.inBps, false],
  [IPVS_STATS_ATTR.OUTBPS, STAT.outBps, false],
];

function decodeNest(nest: AttrSet, all64: boolean): Stats {
  const out = allocStats();
  const { values, at } = out;
  for (const [attr, i, always64] of FIELDS) {
    const a = nest.require(attr);
    // Counters and rates that STATS carries as u32 and STATS64 as u64.
    values[at + i] = all64 || always64 ? nest.u64(a) : BigInt(nest.u32(a));
  }
  return out;
}

/**
 * Stats of the entity whose attributes are `parent`: the STATS64 nest (type `stats64Type`) when present, else the
 * STATS nest (`statsType`), else zeros (a kernel that sent neither has nothing to count).
 */
export function decodeStats(parent: AttrSet, statsType: number, stats64Type: number): Stats {
  const a64 = parent.get(stats64Type);
  if (a64 !== undefined) return decodeNest(parent.nest(a64, IPVS_STATS_ATTR_NAMES), true);
  const a32 = parent.get(statsType);
  if (a32 !== undefined) return decodeNest(parent.nest(a32, IPVS_STATS_ATTR_NAMES), false);
  return ZERO_STATS;
}
