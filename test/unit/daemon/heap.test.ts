import { execFileSync } from 'node:child_process';
import { getHeapSpaceStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { keepYoungGenerationSmall, SMALL_YOUNG_GENERATION } from '../../../src/daemon/heap.js';

/**
 * A child node sets the flag as the daemon does (after start-up, with v8.setFlagsFromString), then makes 3 million
 * small objects that all survive, as a table read does, and reports the largest size its young generation reached.
 */
function youngGenerationPeakMiB(flag: string | undefined): number {
  const program = `
    const v8 = require('node:v8');
    if (process.argv[1]) v8.setFlagsFromString(process.argv[1]);
    const keep = [];
    let peak = 0;
    for (let i = 0; i < 3e6; i++) {
      keep.push({ a: i, b: [i] });
      if (i % 10000 === 0) peak = Math.max(peak, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
    }
    console.log(peak / 1048576);`;
  return Number(execFileSync(process.execPath, ['-e', program, '--', flag ?? ''], { encoding: 'utf8' }).trim());
}

describe('keepYoungGenerationSmall', () => {
  it('keeps the young generation at its initial size under a burst of surviving objects, where V8 would grow it', () => {
    const grown = youngGenerationPeakMiB(undefined);
    const kept = youngGenerationPeakMiB(SMALL_YOUNG_GENERATION);
    expect(grown).toBeGreaterThanOrEqual(8);
    expect(kept).toBeLessThanOrEqual(2);
  }, 60_000);

  it('keeps it small after a worker thread started (which sets V8\'s flags back to the command line\'s)', async () => {
    // In this test's own process (vitest runs each file in one of its own): the flag, then a worker, as pino's
    // pretty transport starts one on a terminal.
    keepYoungGenerationSmall();
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    await new Promise((resolve) => worker.once('online', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const youngSize = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    // The test runner's own start may have grown it already (the flag stops growth, it does not shrink): no larger.
    const before = youngSize();
    const keep: unknown[] = [];
    let peak = 0;
    for (let i = 0; i < 3e6; i++) {
      keep.push({ a: i, b: [i] });
      if (i % 10000 === 0) peak = Math.max(peak, youngSize());
    }
    await worker.terminate();
    expect(before / 1048576).toBeLessThan(16);
    expect(peak).toBeLessThanOrEqual(before);
  }, 60_000);
});
