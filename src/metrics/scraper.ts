import { performance } from 'node:perf_hooks';
import type { AgentStatus } from '../mib/lvs-mib.js';
import type { Rows } from '../mib/rows.js';
import { TimeSlicer } from '../util/time-slices.js';
import type { ExpositionFormat } from './format.js';
import { PageWriter } from './page-writer.js';
import { renderSteps } from './render.js';

/**
 * Scrapes: the page of the snapshot in service, rendered in time slices (TimeSlicer) so that AgentX answers are
 * never held up for long, and streamed to the scraper as it is made (a 10,000 x 10 page is over 100 MB: it is never
 * held whole). The table model changes rows in place when it folds in a read (model.ts puts every row's new values
 * in place at once at the end of an update), so pages and updates exclude each other: the agent runs each update
 * through exclusive(), which waits for the pages being written and holds new ones back until it is done. A page
 * therefore never mixes two reads. A scrape counts as demand for reads, as an SNMP request does.
 */
export interface ScrapeSource {
  /** The rows in service. */
  rows(): Rows;
  status(): AgentStatus;
  /** Poller.demand(): undefined to answer at once, or what to wait for first. */
  demand(): Promise<void> | undefined;
}

/** Where a page goes: write() returns a promise when the reader is behind, to be awaited before writing more. */
export interface PageSink {
  write(chunk: Buffer): Promise<void> | undefined;
  /** Whether the reader went away (the rest of the page is not made). */
  readonly closed: boolean;
}

export class Scraper {
  private pages = 0;
  private updating: Promise<void> | undefined;
  private pagesDone: (() => void) | undefined;

  constructor(
    private readonly source: ScrapeSource,
    private readonly reals: () => boolean,
  ) {}

  /** Writes the page of the view in service to `sink`; resolves when it is all written (or the reader left). */
  async scrape(format: ExpositionFormat, sink: PageSink): Promise<void> {
    const wait = this.source.demand();
    if (wait !== undefined) await wait;
    while (this.updating !== undefined) await this.updating;
    this.pages++;
    try {
      await this.write(format, sink);
    } finally {
      if (--this.pages === 0) this.pagesDone?.();
    }
  }

  /**
   * Runs `update` (which changes the rows in service) when no page is being written, and holds new pages back
   * until it is done.
   */
  async exclusive<T>(update: () => Promise<T>): Promise<T> {
    while (this.updating !== undefined) await this.updating;
    let release = (): void => {};
    this.updating = new Promise<void>((resolve) => (release = resolve));
    try {
      if (this.pages > 0) await new Promise<void>((resolve) => (this.pagesDone = resolve));
      this.pagesDone = undefined;
      return await update();
    } finally {
      this.updating = undefined;
      release();
    }
  }

  private async write(format: ExpositionFormat, sink: PageSink): Promise<void> {
    const out = new PageWriter();
    const steps = renderSteps({ rows: this.source.rows(), status: this.source.status(), now: performance.now(), reals: this.reals() }, format, out);
    const slicer = new TimeSlicer();
    for (;;) {
      const next = steps.next();
      for (const chunk of out.take(next.done === true)) {
        const behind = sink.write(chunk);
        if (behind !== undefined) await behind;
        if (sink.closed) return;
      }
      if (next.done) return;
      await slicer.breathe();
    }
  }
}
