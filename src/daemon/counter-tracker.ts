import { realName, serviceName } from '../ipvs/service-key.js';
import type { RealServer, Service, Snapshot, Stats } from '../ipvs/snapshot.js';
import { realRowKey } from '../mib/rows.js';
import { runToEnd } from '../util/time-slices.js';

/**
 * Counter continuity between reads. A row's counters start when the row first appears, and start again when any
 * of its counters goes backwards (service deleted and re-created, `ipvsadm -Z`): that moment is the row's
 * discontinuity time (lvs*DiscontinuityTime, RFC 2579 TimeStamp semantics).
 *
 * In monotonic mode the agent instead adds what the counters had reached before each reset, so served counters
 * keep rising for the agent's lifetime (also across a service being deleted and re-added); a row's discontinuity
 * time is then only its first appearance.
 */

const COUNTERS = ['conns', 'inPkts', 'outPkts', 'inBytes', 'outBytes'] as const;
type CounterName = (typeof COUNTERS)[number];
type Counters = Record<CounterName, bigint>;

interface RowState {
  /** Raw kernel counters at the last read. */
  last: Counters;
  /** Added to raw counters in monotonic mode. */
  offset: Counters;
  discontinuityAt: number;
  seenAt: number;
}

export interface TrackerOptions {
  readonly monotonic: boolean;
  /** How long a vanished row's state is kept (monotonic offsets across delete/re-add). */
  readonly forgetAfterMs?: number;
}

export interface TrackedSnapshot {
  /** The snapshot to serve: counters adjusted in monotonic mode, the same object otherwise. */
  readonly snapshot: Snapshot;
  readonly discontinuityAt: (rowKey: string) => number;
  /** Row keys whose discontinuity time changed in this read (new rows excluded). */
  readonly resets: readonly string[];
}

const ZERO: Counters = { conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n };

export class CounterTracker {
  private readonly rows = new Map<string, RowState>();

  constructor(private readonly options: TrackerOptions) {}

  /** Folds one read in at monotonic time `now`. */
  track(snapshot: Snapshot, now: number): TrackedSnapshot {
    return runToEnd(this.trackSteps(snapshot, now));
  }

  /** The same, yielding every few hundred rows so that the daemon can run it in slices (util/time-slices.ts). */
  *trackSteps(snapshot: Snapshot, now: number): Generator<void, TrackedSnapshot> {
    const resets: string[] = [];
    const monotonic = this.options.monotonic;
    const services: Service[] = [];
    let work = 0;
    for (const service of snapshot.services) {
      const sName = serviceName(service.key);
      const sStats = this.observe(sName, service.stats, now, resets);
      const reals: RealServer[] = [];
      for (const real of service.reals) {
        const rStats = this.observe(realRowKey(sName, realName(real)), real.stats, now, resets);
        reals.push(monotonic && rStats !== real.stats ? { ...real, stats: rStats } : real);
        if (++work % 512 === 0) yield;
      }
      services.push(monotonic ? { ...service, stats: sStats, reals } : service);
    }
    this.forget(now);
    const rows = this.rows;
    return {
      snapshot: monotonic ? { info: snapshot.info, services } : snapshot,
      discontinuityAt: (key) => rows.get(key)?.discontinuityAt ?? now,
      resets,
    };
  }

  private observe(key: string, stats: Stats, now: number, resets: string[]): Stats {
    const state = this.rows.get(key);
    if (!state) {
      this.rows.set(key, { last: pick(stats), offset: { ...ZERO }, discontinuityAt: now, seenAt: now });
      return stats;
    }
    // Only monotonic mode keeps vanished rows; one that was missing from the previous read was re-created.
    const recreated = state.seenAt !== this.previousReadAt;
    if (recreated || COUNTERS.some((c) => stats[c] < state.last[c])) {
      if (this.options.monotonic) {
        for (const c of COUNTERS) state.offset[c] += state.last[c];
      } else {
        state.discontinuityAt = now;
        resets.push(key);
      }
    }
    state.last = pick(stats);
    state.seenAt = now;
    if (COUNTERS.every((c) => state.offset[c] === 0n)) return stats;
    return {
      ...stats,
      conns: stats.conns + state.offset.conns,
      inPkts: stats.inPkts + state.offset.inPkts,
      outPkts: stats.outPkts + state.offset.outPkts,
      inBytes: stats.inBytes + state.offset.inBytes,
      outBytes: stats.outBytes + state.offset.outBytes,
    };
  }

  private previousReadAt = Number.NaN;

  /** Drops rows missing from this read (monotonic mode: missing for longer than forgetAfterMs). */
  private forget(now: number): void {
    this.previousReadAt = now;
    const keepMs = this.options.monotonic ? (this.options.forgetAfterMs ?? 3_600_000) : 0;
    for (const [key, state] of this.rows) {
      if (state.seenAt !== now && now - state.seenAt >= keepMs) this.rows.delete(key);
    }
  }
}

function pick(stats: Stats): Counters {
  return { conns: stats.conns, inPkts: stats.inPkts, outPkts: stats.outPkts, inBytes: stats.inBytes, outBytes: stats.outBytes };
}
