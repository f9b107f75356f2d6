import { describe, expect, it } from 'vitest';
import { TimeSlicer } from '../../../src/util/time-slices.js';
import { turnsDuring } from '../loop-turns.js';

/** Busy work for `ms`, then a breathe(), `steps` times; the event-loop turns other work got meanwhile. */
async function turnsWhile(slicer: TimeSlicer, steps: number, ms: number): Promise<number> {
  const { turns } = await turnsDuring(async () => {
    for (let i = 0; i < steps; i++) {
      const until = performance.now() + ms;
      while (performance.now() < until);
      await slicer.breathe();
    }
  });
  return turns;
}

describe('TimeSlicer', () => {
  it('gives the event loop back once a slice is used up', async () => {
    // 40 steps of 1 ms in 5 ms slices: about 8 turns for the others.
    expect(await turnsWhile(new TimeSlicer(5), 40, 1)).toBeGreaterThanOrEqual(4);
  });

  it('an endless slice (one-shot commands) never gives it back', async () => {
    expect(await turnsWhile(new TimeSlicer(Number.POSITIVE_INFINITY), 40, 1)).toBe(0);
  });
});
