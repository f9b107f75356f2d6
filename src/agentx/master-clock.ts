/**
 * The master's sysUpTime timebase. snmpd ignores res.sysUpTime in our Responses and shows managers its own
 * sysUpTime.0 (net-snmp agent/mibgroup/agentx/master.c: agentx_got_response() never reads the Response's time
 * field), so every TimeStamp we serve (discontinuity times, last read time) and Notify's sysUpTime.0 must be
 * expressed in the master's ticks (test/e2e/walk.test.ts, "serves TimeStamps in snmpd sysUpTime timebase", compares
 * them with a real snmpd's sysUpTime.0). Each Response from the master carries its sysUpTime (RFC 2741 section 6.2.16; snmpd
 * fills in netsnmp_get_agent_uptime() in agentx/master_admin.c); we anchor it to our monotonic clock.
 *
 * The anchor is taken once per session and then kept: every Response carries its own delay and its own position
 * within snmpd's 10 ms tick, so re-anchoring on each one would move every served TimeStamp by a tick now and then,
 * and a manager takes any change of a discontinuity time for a discontinuity. After a reconnect to the same snmpd
 * (its clock agrees with the old anchor to within a few ticks) the old anchor stays too; a restarted snmpd has a
 * new sysUpTime and gets a new anchor.
 *
 * Times given to this clock are monotonic milliseconds (performance.now()), never wall-clock time, so a clock
 * step on the host cannot move a TimeStamp.
 */

/** How far a new session's anchor may be from the previous one and still be the same master (ms). */
const SAME_MASTER_MS = 50;

export class MasterClock {
  /** Monotonic ms at which the master's sysUpTime was 0; undefined until the session's first Response. */
  private masterStart: number | undefined;
  /** The anchor of the previous session, kept across reset() to recognise the same master. */
  private previousStart: number | undefined;

  /** Records a sysUpTime (hundredths of a second) the master sent at monotonic time `now`. */
  observe(sysUpTime: number, now: number): void {
    if (this.masterStart !== undefined) return;
    const start = now - sysUpTime * 10;
    const same = this.previousStart !== undefined && Math.abs(start - this.previousStart) <= SAME_MASTER_MS;
    this.masterStart = same ? this.previousStart : start;
  }

  /** The session is gone: the next Response anchors again (it may come from a restarted snmpd). */
  reset(): void {
    if (this.masterStart !== undefined) this.previousStart = this.masterStart;
    this.masterStart = undefined;
  }

  get known(): boolean {
    return this.masterStart !== undefined;
  }

  /**
   * TimeStamp (RFC 2579) of an event at monotonic time `at`: the master's sysUpTime then, or 0 when the event
   * happened before the master started (or no master is known yet).
   */
  timeStamp(at: number): number {
    if (this.masterStart === undefined || at <= this.masterStart) return 0;
    return Math.min(0xffffffff, Math.floor((at - this.masterStart) / 10));
  }

  /** The master's sysUpTime now, in hundredths of a second (0 when unknown). */
  sysUpTime(now: number): number {
    return this.timeStamp(now);
  }
}
