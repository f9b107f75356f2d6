/**
 * The master's sysUpTime timebase. snmpd ignores res.sysUpTime in our Responses and shows managers its own
 * sysUpTime.0 (FACTS.md; net-snmp agentx/master.c), so every TimeStamp we serve (discontinuity times, last read
 * time) and Notify's sysUpTime.0 must be expressed in the master's ticks. Each Response from the master carries
 * its sysUpTime (RFC 2741 section 6.2.16); we anchor it to our monotonic clock.
 *
 * Times given to this clock are monotonic milliseconds (performance.now()), never wall-clock time, so a clock
 * step on the host cannot move a TimeStamp.
 */
export class MasterClock {
  /** Monotonic ms at which the master's sysUpTime was 0; undefined until the first Response. */
  private masterStart: number | undefined;

  /** Records a sysUpTime (hundredths of a second) the master sent at monotonic time `now`. */
  observe(sysUpTime: number, now: number): void {
    this.masterStart = now - sysUpTime * 10;
  }

  /** Forgets the timebase (session lost: the next master may be a restarted snmpd with a new sysUpTime). */
  reset(): void {
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
