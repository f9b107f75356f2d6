import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { MasterClock } from '../agentx/master-clock.js';
import type { AgentXSession } from '../agentx/session.js';
import type { Change } from '../mib/changes.js';
import { notificationVarBinds } from '../mib/notifications.js';

/**
 * Sends LVS-MIB notifications through the AgentX session (snmpd turns them into traps or informs for its
 * configured sinks). Switchable, and rate-limited: at most `perMinute` in any rolling minute; what is over the
 * limit is dropped. Drops come in episodes too (a churning table): the first drop is one warning, the counts go to
 * debug once a minute, and the first read with changes a whole minute after the last drop ends the episode with
 * one info line of how many were dropped in all. Nothing is queued while snmpd is away: a notification reports a
 * change as it is seen, and the table itself stays walkable.
 *
 * Delivery failures come in episodes (snmpd frozen or restarting: every Notify of every read times out): the first
 * failure of an episode is one warning, the rest are counted at debug, and the first delivery after them is one
 * info line saying how many were lost.
 */
export interface NotifierOptions {
  readonly enabled: boolean;
  readonly perMinute: number;
}

export class Notifier {
  private sent: number[] = [];
  /** The rate-limit episode: drops since it began (0: none going on), not yet logged, and when. */
  private dropped = 0;
  private droppedUnlogged = 0;
  private lastDropAt = -Infinity;
  private lastDropLog = -Infinity;
  /** Notifies not delivered since the last one that was: nonzero during an episode. */
  private undelivered = 0;

  constructor(
    private options: NotifierOptions,
    private readonly clock: MasterClock,
    private readonly log: Logger,
  ) {}

  configure(options: NotifierOptions): void {
    this.options = options;
  }

  /** Sends each change (in order) unless disabled, over the limit or without a session. */
  send(changes: readonly Change[], session: AgentXSession): void {
    if (!this.options.enabled || changes.length === 0) return;
    const now = performance.now();
    const dropsBefore = this.dropped;
    this.sent = this.sent.filter((t) => now - t < 60_000);
    for (const change of changes) {
      if (!session.isReady) {
        this.log.debug({ kind: change.kind }, 'no AgentX session: notification not sent');
        continue;
      }
      if (this.sent.length >= this.options.perMinute) {
        this.dropped++;
        continue;
      }
      this.sent.push(now);
      const varbinds = notificationVarBinds(change, this.clock.sysUpTime(now), (at) => this.clock.timeStamp(at));
      session.notify(varbinds).then(
        (response) => {
          this.delivered();
          if (response.error !== 0) this.log.warn({ kind: change.kind, error: response.error }, 'snmpd refused a notification');
        },
        (err: unknown) => this.notDelivered(change, err),
      );
    }
    this.logDrops(now, dropsBefore);
  }

  private logDrops(now: number, dropsBefore: number): void {
    const newDrops = this.dropped - dropsBefore;
    if (newDrops > 0) {
      this.lastDropAt = now;
      this.droppedUnlogged += newDrops;
      if (dropsBefore === 0) {
        this.log.warn({ dropped: newDrops, perMinute: this.options.perMinute }, 'notification rate limit reached; changes not notified');
        this.droppedUnlogged = 0;
        this.lastDropLog = now;
      } else if (now - this.lastDropLog >= 60_000) {
        this.log.debug({ dropped: this.droppedUnlogged, perMinute: this.options.perMinute }, 'notification rate limit: more changes not notified');
        this.droppedUnlogged = 0;
        this.lastDropLog = now;
      }
    } else if (this.dropped > 0 && now - this.lastDropAt >= 60_000) {
      this.log.info({ dropped: this.dropped, perMinute: this.options.perMinute }, 'notifications within the rate limit again');
      this.dropped = 0;
      this.droppedUnlogged = 0;
    }
  }

  /** snmpd answered a Notify (even with an error: it is there); ends an episode of failures. */
  private delivered(): void {
    if (this.undelivered === 0) return;
    this.log.info({ lost: this.undelivered }, 'notifications delivered to snmpd again');
    this.undelivered = 0;
  }

  private notDelivered(change: Change, err: unknown): void {
    this.undelivered++;
    const level = this.undelivered === 1 ? 'warn' : 'debug';
    this.log[level]({ kind: change.kind, err: (err as Error).message, count: this.undelivered }, 'notification not delivered to snmpd');
  }
}
