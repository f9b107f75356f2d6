import { describe, expect, it } from 'vitest';
import { sortInSteps } from '../../../src/util/sort-in-steps.js';
import { mulberry32 } from '../seeded-random.js';

interface Item {
  readonly key: number;
  readonly at: number;
}

const byKey = (a: Item, b: Item): number => a.key - b.key;

function items(n: number, keys: number, seed: number): Item[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, (_, at) => ({ key: Math.floor(random() * keys), at }));
}

/** Runs the sort to its end; how many elements were placed at most between two yields is `longestStep`. */
function run(list: Item[], step: number): { sorted: Item[]; yields: number; longestStep: number } {
  let compares = 0;
  let longestStep = 0;
  let yields = 0;
  const steps = sortInSteps(
    list,
    (a, b) => {
      compares++;
      return byKey(a, b);
    },
    step,
  );
  for (;;) {
    const next = steps.next();
    longestStep = Math.max(longestStep, compares);
    compares = 0;
    if (next.done) return { sorted: next.value, yields, longestStep };
    yields++;
  }
}

describe('sortInSteps', () => {
  it('sorts as Array.prototype.sort does, stable, in place, at every size around the step', () => {
    for (const n of [0, 1, 2, 15, 16, 17, 31, 32, 33, 100, 1000, 4097]) {
      for (const keys of [3, 1_000_000]) {
        const list = items(n, keys, n * 7 + keys);
        const expected = [...list].sort(byKey);
        const { sorted } = run(list, 16);
        expect(sorted).toBe(list);
        expect(sorted.map((i) => [i.key, i.at])).toEqual(expected.map((i) => [i.key, i.at]));
      }
    }
  });

  it('gives the loop back: no more than about a step of work between two yields', () => {
    const step = 1024;
    const { yields, longestStep } = run(items(20_000, 1_000_000, 1), step);
    // 20 runs sorted, then 5 merge passes of 20,000 elements each.
    expect(yields).toBeGreaterThanOrEqual(20 + 5 * Math.floor(20_000 / step));
    // A run of `step` elements sorted takes about step·log2(step) comparisons; a merge step at most `step`.
    expect(longestStep).toBeLessThanOrEqual(step * Math.log2(step));
  });

  it('sorts a list no longer than a step in one go', () => {
    const { yields, sorted } = run(items(1024, 50, 2), 1024);
    expect(yields).toBe(0);
    expect(sorted.map((i) => i.key)).toEqual([...sorted].map((i) => i.key).sort((a, b) => a - b));
  });
});
