import { STAT_COUNT, type Stats } from '../ipvs/snapshot.js';

/**
 * The model's own copies of counters: one slot of STAT_COUNT u64 per row, in one typed array that the garbage
 * collector never has to walk. Sources may rewrite their Stats windows from one read to the next (the simulator
 * does), and a read's objects can die young: what is served lives here.
 *
 * A slot is handed out with a window (a Stats) that stays valid for the slot's life, also when the store grows:
 * growing copies the values and points every window at the new arrays, so a value never changes by it.
 */

/** A window whose arrays the store can move when it grows. */
interface SlotWindow {
  values: BigUint64Array;
  words: Uint32Array;
  readonly at: number;
}

const INITIAL_SLOTS = 1024;

export class StatsStore {
  private values = new BigUint64Array(INITIAL_SLOTS * STAT_COUNT);
  private words = new Uint32Array(this.values.buffer);
  /** Window of each slot in use, by slot; undefined where free. */
  private readonly windows: (SlotWindow | undefined)[] = [];
  private readonly free: number[] = [];

  /** Slots in use. */
  get size(): number {
    return this.windows.length - this.free.length;
  }

  /** A zeroed slot and its window. */
  alloc(): Stats {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.windows.length;
      if ((slot + 1) * STAT_COUNT > this.values.length) this.grow();
    } else {
      this.values.fill(0n, slot * STAT_COUNT, (slot + 1) * STAT_COUNT);
    }
    const window: SlotWindow = { values: this.values, words: this.words, at: slot * STAT_COUNT };
    this.windows[slot] = window;
    return window;
  }

  /** Gives a slot back; its window must not be used any more. */
  release(stats: Stats): void {
    const slot = stats.at / STAT_COUNT;
    if (this.windows[slot] !== stats) throw new Error(`stats-store: slot ${slot} is not this window's`);
    this.windows[slot] = undefined;
    this.free.push(slot);
  }

  private grow(): void {
    const values = new BigUint64Array(this.values.length * 2);
    values.set(this.values);
    const words = new Uint32Array(values.buffer);
    this.values = values;
    this.words = words;
    for (const w of this.windows) {
      if (w === undefined) continue;
      w.values = values;
      w.words = words;
    }
  }
}

/** Copies all STAT_COUNT values of one window into another, word by word (no bigints). */
export function copyStats(from: Stats, to: Stats): void {
  const a = from.words;
  const b = to.words;
  const i = 2 * from.at;
  const j = 2 * to.at;
  for (let k = 0; k < 2 * STAT_COUNT; k++) b[j + k] = a[i + k] as number;
}
