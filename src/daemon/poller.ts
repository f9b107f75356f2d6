import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Snapshot } from '../ipvs/snapshot.js';
import type { Source } from '../ipvs/source.js';
import type { AgentStatus } from '../mib/lvs-mib.js';

/**
 * Reads the source on an interval: the next read is scheduled only when the previous one has finished, so two
 * reads never overlap. A failed read keeps the last snapshot in service (status "stale"), is counted, and is logged
 * once when reads start failing (with what the user can do) and once when they recover. A read and the processing
 * of its snapshot finish before the next read starts.
 */
export interface PollResult {
  readonly snapshot: Snapshot;
  /** Monotonic ms (performance.now()) when the read finished. */
  readonly at: number;
}

/** Takes in a fresh snapshot; the next read starts only after the returned promise settles. */
export type SnapshotConsumer = (result: PollResult) => Promise<void>;

export class Poller extends EventEmitter<{ status: [AgentStatus] }> {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private failing = false;
  private current: AgentStatus;

  constructor(
    private source: Source,
    private intervalMs: number,
    private readonly log: Logger,
    private readonly consume: SnapshotConsumer,
  ) {
    super();
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

  /** Reads from `next` from now on (the previous source is closed); the status keeps its counters. */
  async replaceSource(next: Source): Promise<void> {
    const previous = this.source;
    this.source = next;
    this.current = { ...this.current, source: next.name };
    this.emit('status', this.current);
    await previous.close();
    if (!this.running) await this.poll();
  }

  setInterval(ms: number): void {
    this.intervalMs = ms;
    if (!this.running && !this.stopped) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.poll(), ms);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.source.close();
  }

  private async poll(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    clearTimeout(this.timer);
    const started = performance.now();
    const source = this.source;
    try {
      const snapshot = await source.read();
      const at = performance.now();
      if (this.failing) this.log.info({ source: this.source.name }, 'source readable again; serving fresh data');
      this.failing = false;
      this.current = { ...this.current, status: 'ok', lastReadAt: at, lastReadDurationMs: at - started, lastError: '' };
      try {
        await this.consume({ snapshot, at });
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'could not build the MIB view from a snapshot; serving the previous one');
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
        lastError: message.slice(0, 255),
      };
      this.emit('status', this.current);
    } finally {
      this.running = false;
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.poll(), this.intervalMs);
      }
    }
  }
}
