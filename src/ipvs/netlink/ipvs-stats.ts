import { type Stats, ZERO_STATS } from '../snapshot.js';
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

function decodeNest(nest: AttrSet, all64: boolean): Stats {
  const u64 = (type: number): bigint => nest.u64(nest.require(type));
  // Counters and rates that STATS carries as u32 and STATS64 as u64.
  const narrow = (type: number): bigint => (all64 ? u64(type) : BigInt(nest.u32(nest.require(type))));
  return {
    conns: narrow(IPVS_STATS_ATTR.CONNS),
    inPkts: narrow(IPVS_STATS_ATTR.INPKTS),
    outPkts: narrow(IPVS_STATS_ATTR.OUTPKTS),
    inBytes: u64(IPVS_STATS_ATTR.INBYTES),
    outBytes: u64(IPVS_STATS_ATTR.OUTBYTES),
    cps: narrow(IPVS_STATS_ATTR.CPS),
    inPps: narrow(IPVS_STATS_ATTR.INPPS),
    outPps: narrow(IPVS_STATS_ATTR.OUTPPS),
    inBps: narrow(IPVS_STATS_ATTR.INBPS),
    outBps: narrow(IPVS_STATS_ATTR.OUTBPS),
  };
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
