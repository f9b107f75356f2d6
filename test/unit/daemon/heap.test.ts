import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SMALL_YOUNG_GENERATION } from '../../../src/daemon/heap.js';

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
});
