/**
 * The master's sysUpTime timebase. snmpd ignores res.sysUpTime in our Responses and shows managers its own
 * sysUpTime.0 (net-snmp agent/mibgroup/agentx/master.c: agentx_got_response() never reads the Response's time
 * field), so every TimeStamp we serve (discontinuity times, last read time) and Notify's sysUpTime.0 must be
 * expressed in the master's ticks (test/e2e/walk.test.ts, "serves TimeStamps in snmpd sysUpTime timebase", compares
 * them with a real snmpd's sysUpTime.0). Each Response from the master carries its sysUpTime (RFC 2741 section
 * 6.2.16; snmpd fills in netsnmp_get_agent_uptime(), whole hundredths of a second since it started, on the
 * monotonic clock that performance.now() reads too).
 *
 * What one Response tells: the master read its uptime s somewhere between the moment our request went out
 * (sentAt) and the moment we took the answer in (receivedAt), and s is rounded down, so the master started at a
 * monotonic time in (sentAt − 10·s − 10, receivedAt − 10·s]. The anchor (the start time we convert with) is the
 * latest start the Responses allow, the upper end: served TimeStamps are then never ahead of the master's own
 * sysUpTime (a discontinuity time above sysUpTime.0 would be in the future), only behind it, by the tick the master
 * rounded away plus the time its answer waited for us. That wait is as long as the event loop is busy (a read of a
 * big table in a slow guest: hundreds of ms), so every Response of the session narrows the interval, and Pings
 * right after registering (calibrate() in protocol.ts) make sure some come while the loop is idle.
 *
 * The anchor then stays put while it agrees with what the Responses allow, give or take 15 ms: re-anchoring
 * on each Response would move every served TimeStamp by a tick now and then, and a manager takes any change of a
 * discontinuity time for a discontinuity. It moves only when the Responses prove it more than that wrong, which
 * happens early in a session whose Open was answered while the loop was busy. After a reconnect to the same snmpd
 * (its interval meets the old one) the old anchor stays too; a restarted snmpd has a new sysUpTime and gets a new
 * anchor.
 *
 * Times given to this clock are monotonic milliseconds (performance.now()), never wall-clock time, so a clock
 * step on the host cannot move a TimeStamp.
 */

/** snmpd's sysUpTime counts hundredths of a second. */
const TICK_MS = 10;
/** An interval this narrow (ms) pins the master's start well enough: no more Pings are needed to narrow it. */
export const CALIBRATED_MS = 15;
/**
 * How far outside the interval the Responses allow the anchor may be before it is moved (ms): as wide as a calibrated
 * interval, so that once one is reached the anchor never moves again in the session.
 */
const SLACK_MS = CALIBRATED_MS;

interface Bounds {
  lo: number;
  hi: number;
}

export class MasterClock {
  /** Monotonic ms at which the master's sysUpTime was 0, as served; undefined until the session's first Response. */
  private masterStart: number | undefined;
  /** Where the master's start can be, from this session's Responses. */
  private bounds: Bounds | undefined;
  /** The previous session's anchor and bounds, kept across reset() to recognise the same master. */
  private previous: { start: number; bounds: Bounds } | undefined;

  /**
   * Records the sysUpTime (hundredths of a second) in the master's Response to a request of ours sent at monotonic
   * time `sentAt` and taken in at `receivedAt`.
   */
  observe(sysUpTime: number, sentAt: number, receivedAt: number): void {
    const seen: Bounds = { lo: Math.min(sentAt, receivedAt) - sysUpTime * TICK_MS - TICK_MS, hi: receivedAt - sysUpTime * TICK_MS };
    if (this.bounds === undefined) {
      const previous = this.previous;
      if (previous !== undefined && meet(previous.bounds, seen)) {
        this.bounds = narrowed(previous.bounds, seen);
        this.masterStart = previous.start;
      } else {
        this.bounds = seen;
        this.masterStart = seen.hi;
      }
    } else {
      this.bounds = meet(this.bounds, seen) ? narrowed(this.bounds, seen) : seen;
    }
    const { lo, hi } = this.bounds;
    const start = this.masterStart;
    if (start === undefined || start < lo - SLACK_MS || start > hi + SLACK_MS) this.masterStart = hi;
  }

  /** The session is gone: the next Response anchors again (it may come from a restarted snmpd). */
  reset(): void {
    if (this.masterStart !== undefined && this.bounds !== undefined) this.previous = { start: this.masterStart, bounds: this.bounds };
    this.masterStart = undefined;
    this.bounds = undefined;
  }

  get known(): boolean {
    return this.masterStart !== undefined;
  }

  /** Whether more Responses are wanted to pin the master's start: none yet, or their interval is still wide. */
  get uncertain(): boolean {
    return this.bounds === undefined || this.bounds.hi - this.bounds.lo > CALIBRATED_MS;
  }

  /**
   * TimeStamp (RFC 2579) of an event at monotonic time `at`: the master's sysUpTime then, or 0 when the event
   * happened before the master started (or no master is known yet).
   */
  timeStamp(at: number): number {
    if (this.masterStart === undefined || at <= this.masterStart) return 0;
    return Math.min(0xffffffff, Math.floor((at - this.masterStart) / TICK_MS));
  }

  /** The master's sysUpTime now, in hundredths of a second (0 when unknown). */
  sysUpTime(now: number): number {
    return this.timeStamp(now);
  }
}

/** Whether two intervals for the master's start agree (give or take SLACK_MS): the same master. */
function meet(a: Bounds, b: Bounds): boolean {
  return Math.max(a.lo, b.lo) <= Math.min(a.hi, b.hi) + SLACK_MS;
}

function narrowed(a: Bounds, b: Bounds): Bounds {
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return lo <= hi ? { lo, hi } : { lo: hi, hi: lo };
}
