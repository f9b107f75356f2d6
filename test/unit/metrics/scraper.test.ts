import { describe, expect, it } from 'vitest';
import { simSnapshot } from '../../../src/ipvs/sim-source.js';
import { Scraper, type PageSink, type ScrapeSource } from '../../../src/metrics/scraper.js';
import { TableModel } from '../../../src/mib/model.js';
import type { Rows } from '../../../src/mib/rows.js';
import { smallRows, STATUS } from './small-table.js';

/** 200 services of 2 reals: a page of many steps and several chunks. */
const bigRows = (): Rows => new TableModel({ monotonic: false }).update(simSnapshot({ services: 200, reals: 2, churn: 0, seed: 1 }, 1), 0).rows;

function sourceOf(rows: () => Rows, demand?: () => Promise<void> | undefined): { source: ScrapeSource; calls: { demand: number } } {
  const calls = { demand: 0 };
  return {
    calls,
    source: {
      rows,
      status: () => STATUS,
      demand: () => {
        calls.demand++;
        return demand?.();
      },
    },
  };
}

/** A reader that takes everything, or holds back after its first chunk until release(). */
class Reader implements PageSink {
  readonly chunks: Buffer[] = [];
  closed = false;
  release = (): void => {};
  constructor(private hold = false) {}
  write(chunk: Buffer): Promise<void> | undefined {
    this.chunks.push(chunk);
    if (!this.hold) return undefined;
    this.hold = false;
    return new Promise<void>((r) => (this.release = r));
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

const tick = (ms = 10): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond` holds (a busy machine may take a while), at most 5 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await tick();
  expect(cond()).toBe(true);
}

describe('Scraper', () => {
  it('writes the page of the view in service and counts each scrape as demand', async () => {
    const { source, calls } = sourceOf(smallRows);
    const reader = new Reader();
    await new Scraper(source, () => true).scrape('prometheus', reader);
    expect(reader.text).toContain('lvs_services 4\n');
    expect(reader.text).toContain('lvs_real_weight{service="TCP/10.0.0.1:80",real="10.0.0.2:80"} 100\n');
    expect(calls.demand).toBe(1);
  });

  it('waits for a read that demand started before writing', async () => {
    let release = (): void => {};
    const read = new Promise<void>((r) => (release = r));
    const rows = { current: { services: [], reals: [] } as Rows };
    const { source } = sourceOf(() => rows.current, () => read);
    const reader = new Reader();
    const done = new Scraper(source, () => true).scrape('prometheus', reader);
    await tick();
    expect(reader.chunks).toEqual([]);
    rows.current = smallRows();
    release();
    await done;
    expect(reader.text).toContain('lvs_services 4\n');
  });

  it('never mixes two reads: an update waits for the page being written, a page waits for the update', async () => {
    const first = bigRows();
    const rows = { current: first };
    const { source } = sourceOf(() => rows.current);
    const scraper = new Scraper(source, () => true);
    const slow = new Reader(true);
    const page = scraper.scrape('prometheus', slow);
    await until(() => slow.chunks.length > 0);
    expect(slow.chunks.length).toBe(1);
    let updated = false;
    let finishUpdate = (): void => {};
    const update = scraper.exclusive(async () => {
      rows.current = { services: [], reals: [] };
      updated = true;
      await new Promise<void>((r) => (finishUpdate = r));
    });
    await tick();
    expect(updated).toBe(false);
    slow.release();
    await page;
    // The same page as one written alone from the first read (but for the age of the read, which moves on).
    const withoutAge = (t: string): string => t.replace(/^lvs_agent_last_read_age_seconds .*$/m, '');
    expect(withoutAge(slow.text)).toBe(withoutAge((await pageOf(first)).text));
    await until(() => updated);
    const later = new Reader();
    const second = scraper.scrape('prometheus', later);
    await tick();
    expect(later.chunks).toEqual([]);
    finishUpdate();
    await Promise.all([update, second]);
    expect(later.text).toContain('lvs_services 0\n');
  });

  it('stops making the page when the reader went away', async () => {
    const { source } = sourceOf(bigRows);
    const reader = new Reader();
    reader.write = function (chunk) {
      this.chunks.push(chunk);
      this.closed = true;
      return undefined;
    };
    await new Scraper(source, () => true).scrape('openmetrics', reader);
    expect(reader.chunks.length).toBe(1);
    expect(reader.text).not.toContain('# EOF');
  });

  it('follows the per-real switch at each scrape', async () => {
    let reals = true;
    const { source } = sourceOf(smallRows);
    const scraper = new Scraper(source, () => reals);
    const a = new Reader();
    await scraper.scrape('prometheus', a);
    expect(a.text).toMatch(/^lvs_real_weight/m);
    reals = false;
    const b = new Reader();
    await scraper.scrape('openmetrics', b);
    expect(b.text).not.toMatch(/lvs_real_/);
    expect(b.text.endsWith('# EOF\n')).toBe(true);
  });
});

async function pageOf(rows: Rows): Promise<Reader> {
  const reader = new Reader();
  await new Scraper(sourceOf(() => rows).source, () => true).scrape('prometheus', reader);
  return reader;
}
