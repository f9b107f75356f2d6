import { performance } from 'node:perf_hooks';
import type { AgentStatus } from '../mib/lvs-mib.js';
import type { Rows } from '../mib/rows.js';
import { TimeSlicer } from '../util/time-slices.js';
import type { ExpositionFormat } from './format.js';
import { renderSteps } from './render.js';

/**
 * One scrape: the page of the snapshot in service, rendered in time slices (TimeSlicer) so that AgentX answers are
 * never held up for long. The table model updates rows in place when a new read goes into service (model.ts flips
 * every row's values at once): a render that sees the view change between two of its slices starts again on the
 * new one, so a page never mixes two reads. The agent lets renders in progress finish before it folds in the next
 * read (settled()), so a render starts again at most once. A scrape counts as demand, as an SNMP request does.
 */
export interface ScrapeSource {
  /** The rows in service and a number that changes whenever another read goes into service. */
  current(): { readonly rows: Rows; readonly generation: number };
  status(): AgentStatus;
  /** Poller.demand(): undefined to answer at once, or what to wait for first. */
  demand(): Promise<void> | undefined;
}

export class Scraper {
  private active = 0;
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Concurrent scrapes of the same format and read share one page (two Prometheus servers, one 100 MB page). */
  private readonly inflight = new Map<string, Promise<Buffer[]>>();

  constructor(
    private readonly source: ScrapeSource,
    private readonly reals: () => boolean,
  ) {}

  async page(format: ExpositionFormat): Promise<Buffer[]> {
    const wait = this.source.demand();
    if (wait !== undefined) await wait;
    const key = `${format} ${this.source.current().generation} ${this.reals()}`;
    const shared = this.inflight.get(key);
    if (shared !== undefined) return shared;
    const page = this.render(format).finally(() => this.inflight.delete(key));
    this.inflight.set(key, page);
    return page;
  }

  /** Settles when no render is in progress (at once when none is). */
  settled(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    if (this.idle === undefined) {
      let resolve = (): void => {};
      const promise = new Promise<void>((r) => (resolve = r));
      this.idle = { promise, resolve };
    }
    return this.idle.promise;
  }

  private async render(format: ExpositionFormat): Promise<Buffer[]> {
    this.active++;
    try {
      for (;;) {
        const page = await this.renderOnce(format);
        if (page !== undefined) return page;
      }
    } finally {
      if (--this.active === 0 && this.idle !== undefined) {
        this.idle.resolve();
        this.idle = undefined;
      }
    }
  }

  /** The page of the view in service, or undefined when another one went into service before it was done. */
  private async renderOnce(format: ExpositionFormat): Promise<Buffer[] | undefined> {
    const { rows, generation } = this.source.current();
    const steps = renderSteps({ rows, status: this.source.status(), now: performance.now(), reals: this.reals() }, format);
    const slicer = new TimeSlicer();
    for (;;) {
      const next = steps.next();
      if (next.done) return next.value;
      await slicer.breathe();
      if (this.source.current().generation !== generation) return undefined;
    }
  }
}
