import { describe, expect, it } from 'vitest';
import { allocStats, STAT, STAT_COUNT, statText } from '../../../src/ipvs/snapshot.js';
import { mulberry32 } from '../seeded-random.js';

describe('statText', () => {
  it('prints every u64 exactly: zero, both sides of 2^32 and 2^53, 2^64 - 1, and random values of every width', () => {
    const random = mulberry32(5);
    const values = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n];
    for (let bits = 1n; bits <= 64n; bits++) {
      const word = (): bigint => BigInt(Math.floor(random() * 2 ** 32));
      values.push(((word() << 32n) | word()) & ((1n << bits) - 1n));
    }
    for (const v of values) {
      const s = allocStats();
      s.values[s.at + STAT.inBytes] = v;
      expect(statText(s, STAT.inBytes)).toBe(v.toString());
    }
  });

  it('reads the value of its own window, not a neighbour sharing the array', () => {
    const a = allocStats();
    const b = allocStats();
    for (let k = 0; k < STAT_COUNT; k++) {
      a.values[a.at + k] = BigInt(k + 1);
      b.values[b.at + k] = 2n ** 60n + BigInt(k);
    }
    expect(Array.from({ length: STAT_COUNT }, (_, k) => statText(a, k))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(statText(b, STAT.outBps)).toBe((2n ** 60n + 9n).toString());
  });
});
