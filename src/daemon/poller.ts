import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Snapshot } from '../ipvs/snapshot.js';
import type { Source } from '../ipvs/source.js';
import type { AgentStatus } from '../mib/lvs-mib.js';
import { asciiLine } from '../util/bounded-text.js';

/**
 * Reads the source as demand asks. While SNMP requests keep coming (demand()), served data is at most `intervalMs`
 * old plus one read: a request that finds older data starts a read. While nobody asks, the source is read every
 * `idleIntervalMs` (an agent nobody queries costs next to nothing; notifications wait at most that long). Two reads
 * never overlap: a read and the processing of its snapshot finish before the next one starts.
 *
 * A failed read keeps the last snapshot in service (status "stale"), is counted, and is logged once when reads start
 * failing (with what the user can do) and once when they recover; a failing source is retried at the same cadence.
 */
export interface PollResult {
  readonly snapshot: Snapshot;
  /** Monotonic ms (performance.now()) when the read finished. */
  readonly at: number;
  /** How long the read took (the status says so only once its view serves). */
  readonly durationMs: number;
}

/** Takes in a fresh snapshot; the next read starts only after the returned promise settles. */
export type SnapshotConsumer = (result: PollResult) => Promise<void>;

/** How long a request may wait for a read in progress, from that read's start: snmpd's timeout is 1 s. */
export const DEMAND_WAIT_MS = 100;

export interface Cadence {
  /** Freshness while requests come. */
  readonly intervalMs: number;
  /** Reads while nobody asks; at least intervalMs. */
  readonly idleIntervalMs: number;
}

export class Poller extends EventEmitter<{ status: [AgentStatus] }> {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private failing = false;
  private current: AgentStatus;
  /** performance.now() when the last read attempt ended (success or failure); -Infinity before the first. */
  private lastAttemptAt = -Infinity;
  /** Settles when the read in progress is in service, or DEMAND_WAIT_MS after it started, whichever is first. */
  private grace: Promise<void> | undefined;
  private graceUntil = 0;
  private cadence: Cadence;

  constructor(
    private source: Source,
    cadence: Cadence | number,
    private readonly log: Logger,
    private readonly consume: SnapshotConsumer,
  ) {
    super();
    this.cadence = typeof cadence === 'number' ? { intervalMs: cadence, idleIntervalMs: cadence } : cadence;
    this.current = { source: source.name, status: 'noData', lastReadAt: undefined, lastReadDurationMs: 0, readErrors: 0, lastError: '' };
  }

  get status(): AgentStatus {
    return this.current;
  }

  start(): void {
    void this.poll();
  }

  /** Reads now unless a read is under way. */
  async pollNow(): Promise<void> {
    if (!this.running) await this.poll();
  }

  /**
   * A request has come. Starts a read when the data is older than the interval; returns what the request should
   * wait for before it is answered (a read in progress, for at most DEMAND_WAIT_MS from that read's start), or
   * undefined to answer at once. Cheap: called for every AgentX request of a walk.
   */
  demand(): Promise<void> | undefined {
    if (this.stopped) return undefined;
    const now = performance.now();
    if (!this.running && now - this.lastAttemptAt >= this.cadence.intervalMs) void this.poll();
    return this.running && now < this.graceUntil ? this.grace : undefined;
  }

  /** Reads from `next` from now on (the previous source is closed); the status keeps its counters. */
  async replaceSource(next: Source): Promise<void> {
    const previous = this.source;
    this.source = next;
    this.current = { ...this.current, source: next.name };
    this.emit('status', this.current);
    await previous.close();
    if (!this.running) await this.poll();
  }

  setCadence(cadence: Cadence): void {
    this.cadence = cadence;
    if (!this.running && !this.stopped) this.schedule();
  }

  /** The next idle read, idleIntervalMs after the last attempt ended. */
  private schedule(): void {
    clearTimeout(this.timer);
    const wait = Math.max(0, this.lastAttemptAt + this.cadence.idleIntervalMs - performance.now());
    this.timer = setTimeout(() => void this.poll(), Number.isFinite(wait) ? wait : 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.source.close();
  }

  private poll(): Promise<void> {
    if (this.running || this.stopped) return Promise.resolve();
    this.running = true;
    clearTimeout(this.timer);
    const started = performance.now();
    const done = this.readOnce(started);
    let timer: NodeJS.Timeout | undefined;
    this.graceUntil = started + DEMAND_WAIT_MS;
    this.grace = Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, DEMAND_WAIT_MS)))]).finally(() => clearTimeout(timer));
    return done;
  }

  private async readOnce(started: number): Promise<void> {
    const source = this.source;
    try {
      const snapshot = await source.read();
      const at = performance.now();
      if (this.failing) this.log.info({ source: this.source.name }, 'source readable again; serving fresh data');
      this.failing = false;
      // The status describes the data in service: it says "ok" (and this read's time) only once the view made of
      // this snapshot serves. Until then the previous view is answered with the previous status; a first read of
      // 10,000 services otherwise showed lvsAgentStatus ok beside an empty table for a second.
      try {
        await this.consume({ snapshot, at, durationMs: at - started });
        this.current = { ...this.current, status: 'ok', lastReadAt: at, lastReadDurationMs: at - started, lastError: '' };
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        this.log.error({ err: message }, 'could not build the MIB view from a snapshot; serving the previous one');
        this.current = {
          ...this.current,
          status: this.current.lastReadAt === undefined ? 'noData' : 'stale',
          lastError: asciiLine(`building the view: ${message}`, 255),
        };
        this.emit('status', this.current);
      }
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      if (this.stopped || source !== this.source) {
        // stop() or replaceSource() closed this source under the read: nothing failed, the read was abandoned.
        this.log.debug({ source: source.name, err: message }, 'read abandoned: its source was closed');
        return;
      }
      const hint = (err as { hint?: unknown }).hint;
      if (!this.failing) {
        this.log.error(
          { source: this.source.name, err: message, ...(typeof hint === 'string' ? { hint } : {}) },
          'source read failed; serving the last snapshot (lvsAgentStatus stale) and retrying every interval',
        );
      } else {
        this.log.debug({ source: this.source.name, err: message }, 'source read still failing');
      }
      this.failing = true;
      this.current = {
        ...this.current,
        status: this.current.lastReadAt === undefined ? 'noData' : 'stale',
        readErrors: (this.current.readErrors + 1) >>> 0,
        // lvsAgentLastError is a DisplayString: printable ASCII, at most 255 characters (RFC 2579).
        lastError: asciiLine(message, 255),
      };
      this.emit('status', this.current);
    } finally {
      this.running = false;
      this.grace = undefined;
      this.lastAttemptAt = performance.now();
      if (!this.stopped) this.schedule();
    }
  }
}
