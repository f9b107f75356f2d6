import { describe, expect, it } from 'vitest';
import { Scraper, type ScrapeSource } from '../../../src/metrics/scraper.js';
import { simSnapshot } from '../../../src/ipvs/sim-source.js';
import { TableModel } from '../../../src/mib/model.js';
import type { Rows } from '../../../src/mib/rows.js';
import { smallRows, STATUS } from './small-table.js';

const EMPTY: Rows = { services: [], reals: [] };

/** A source whose view changes after `changeAfter` looks at it (undefined: never). */
function sourceOf(changeAfter: number | undefined, demand?: () => Promise<void> | undefined, first = smallRows()) {
  let looks = 0;
  const calls = { demand: 0 };
  const source: ScrapeSource = {
    current: () => {
      looks++;
      return changeAfter !== undefined && looks > changeAfter ? { rows: EMPTY, generation: 2 } : { rows: first, generation: 1 };
    },
    status: () => STATUS,
    demand: () => {
      calls.demand++;
      return demand?.();
    },
  };
  return { source, calls };
}

const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('utf8');

describe('Scraper', () => {
  it('renders the view in service and counts each scrape as demand', async () => {
    const { source, calls } = sourceOf(undefined);
    const page = text(await new Scraper(source, () => true).page('prometheus'));
    expect(page).toContain('lvs_services 4\n');
    expect(page).toContain('lvs_real_weight{service="TCP/10.0.0.1:80",real="10.0.0.2:80"} 100\n');
    expect(calls.demand).toBe(1);
  });

  it('waits for a read that demand started before rendering', async () => {
    let release = (): void => {};
    const read = new Promise<void>((r) => (release = r));
    const { source } = sourceOf(undefined, () => read);
    let done = false;
    const page = new Scraper(source, () => true).page('prometheus').then((p) => ((done = true), p));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    release();
    expect(text(await page)).toContain('lvs_services 4\n');
  });

  it('starts again on the new view when another read went into service mid-page: never two reads in one page', async () => {
    // 200 services: the render yields every 64 rows. Looks 1 and 2: the key and the first render's start; the
    // third, after its first step, sees the change.
    const big = new TableModel({ monotonic: false }).update(simSnapshot({ services: 200, reals: 2, churn: 0, seed: 1 }, 1), 0).rows;
    const { source } = sourceOf(2, undefined, big);
    const page = text(await new Scraper(source, () => true).page('prometheus'));
    expect(page).toContain('lvs_services 0\n');
    expect(page).not.toMatch(/TCP\/10\.0\.0\.1:80/);
  });

  it('follows the per-real switch at each scrape', async () => {
    let reals = true;
    const { source } = sourceOf(undefined);
    const scraper = new Scraper(source, () => reals);
    expect(text(await scraper.page('prometheus'))).toMatch(/^lvs_real_weight/m);
    reals = false;
    expect(text(await scraper.page('prometheus'))).not.toMatch(/lvs_real_/);
  });

  it('shares one page between concurrent scrapes of the same read and format, and settles when none renders', async () => {
    const { source } = sourceOf(undefined);
    const scraper = new Scraper(source, () => true);
    await expect(scraper.settled()).resolves.toBeUndefined();
    const a = scraper.page('openmetrics');
    const b = scraper.page('openmetrics');
    const c = scraper.page('prometheus');
    const [pa, pb, pc] = await Promise.all([a, b, c]);
    expect(pa).toBe(pb);
    expect(pc).not.toBe(pa);
    expect(text(pa).endsWith('# EOF\n')).toBe(true);
    await scraper.settled();
  });
});
