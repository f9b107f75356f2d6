import { describe, expect, it } from 'vitest';
import { makeStats, STAT_COUNT, type Stats } from '../../../src/ipvs/snapshot.js';
import { copyStats, StatsStore, type SlotOwner } from '../../../src/mib/stats-store.js';
import { named } from '../plain-stats.js';

/** An owner whose slot is also its Stats window (a row lays out more than one window in its slot). */
const owner = (store: StatsStore): SlotOwner & Stats => {
  const o = {
    values: new BigUint64Array(0),
    words: new Uint32Array(0),
    doubles: new Float64Array(0),
    slot: 0,
    get at(): number {
      return this.slot;
    },
  };
  store.alloc(o);
  return o;
};

describe('StatsStore', () => {
  it('keeps the doubles an owner stores in its slot when the store grows, at the same place as its values', () => {
    const store = new StatsStore(STAT_COUNT + 2);
    const first = owner(store);
    first.doubles[first.at + STAT_COUNT] = 1234.5678;
    first.doubles[first.at + STAT_COUNT + 1] = -0.25;
    first.values[first.at] = 2n ** 63n;
    const before = first.doubles;
    Array.from({ length: 3000 }, () => owner(store));
    expect(first.doubles).not.toBe(before);
    expect(first.doubles.buffer).toBe(first.values.buffer);
    expect([first.doubles[first.at + STAT_COUNT], first.doubles[first.at + STAT_COUNT + 1], first.values[first.at]]).toEqual([1234.5678, -0.25, 2n ** 63n]);
  });

  it('hands out zeroed slots whose windows keep their values when the store grows', () => {
    const store = new StatsStore();
    const first = owner(store);
    copyStats(makeStats({ conns: 2n ** 64n - 1n, outBps: 7n }), first);
    const arrayBefore = first.values;
    const more = Array.from({ length: 5000 }, () => owner(store)); // several doublings
    expect(first.values).not.toBe(arrayBefore);
    expect(named(first)).toMatchObject({ conns: 2n ** 64n - 1n, outBps: 7n, inBytes: 0n });
    expect(more.every((w) => w.values === first.values)).toBe(true);
    expect(store.size).toBe(5001);
  });

  it('makes room for a whole table in one step when asked to, keeping what is there', () => {
    const store = new StatsStore();
    const first = owner(store);
    first.values[first.at + 3] = 42n;
    store.reserve(5000);
    const reserved = first.values;
    expect(reserved.length).toBe(5000 * STAT_COUNT);
    const rest = Array.from({ length: 4999 }, () => owner(store));
    expect(rest.every((o) => o.values === reserved) && first.values === reserved).toBe(true);
    expect(first.values[first.at + 3]).toBe(42n);
    store.reserve(10); // never shrinks
    expect(first.values).toBe(reserved);
  });

  it('reuses a released slot, zeroed, and refuses to release a slot twice', () => {
    const store = new StatsStore();
    const a = owner(store);
    copyStats(makeStats({ inBytes: 5n }), a);
    store.release(a);
    const b = owner(store);
    expect(b.at).toBe(a.at);
    expect(named(b).inBytes).toBe(0n);
    expect(() => store.release(a)).toThrow('stats-store');
  });

  it('copies every value exactly, word by word', () => {
    const src = makeStats({ conns: 1n, inPkts: 2n ** 32n, outPkts: 2n ** 53n + 1n, inBytes: 2n ** 63n, outBytes: 2n ** 64n - 1n, cps: 3n, outBps: 2n ** 40n });
    const to = owner(new StatsStore());
    copyStats(src, to);
    expect(named(to)).toEqual(named(src));
    expect(to.values.subarray(to.at, to.at + STAT_COUNT)).toEqual(src.values.subarray(src.at, src.at + STAT_COUNT));
  });
});
