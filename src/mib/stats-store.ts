import { STAT_COUNT, type Stats } from '../ipvs/snapshot.js';

/**
 * The model's own copies of counters (and a row's times): one slot of `width` 64-bit values per row, in one typed
 * array that the garbage collector never has to walk. Sources may rewrite their Stats windows from one read to the next (the simulator
 * does), and a read's objects can die young: what is served lives here.
 *
 * A slot belongs to an owner object (a row), whose `values`, `words`, `doubles` and `slot` the store sets: the row is its own
 * window onto the slot, with no object per slot. Growing copies the values and points every owner at the new
 * arrays, so a value never changes by it.
 */

/** What owns a slot: the store keeps its arrays and offset current. */
export interface SlotOwner {
  values: BigUint64Array;
  words: Uint32Array;
  /** The same memory as doubles: for times an owner keeps in its slot (a double field would be boxed, 16 bytes). */
  doubles: Float64Array;
  /** Where the owner's slot starts in the arrays (the owner's own layout within it is its own). */
  slot: number;
}

const INITIAL_SLOTS = 1024;

export class StatsStore {
  private values: BigUint64Array;
  private words: Uint32Array;
  private doubles: Float64Array;
  /** Owner of each slot, by slot; undefined where free. */
  private readonly owners: (SlotOwner | undefined)[] = [];
  private readonly free: number[] = [];

  constructor(private readonly width = STAT_COUNT) {
    this.values = new BigUint64Array(INITIAL_SLOTS * width);
    this.words = new Uint32Array(this.values.buffer);
    this.doubles = new Float64Array(this.values.buffer);
  }

  /** Slots in use. */
  get size(): number {
    return this.owners.length - this.free.length;
  }

  /** Gives `owner` a zeroed slot. */
  alloc(owner: SlotOwner): void {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.owners.length;
      if ((slot + 1) * this.width > this.values.length) this.grow();
    } else {
      this.values.fill(0n, slot * this.width, (slot + 1) * this.width);
    }
    owner.values = this.values;
    owner.words = this.words;
    owner.doubles = this.doubles;
    owner.slot = slot * this.width;
    this.owners[slot] = owner;
  }

  /** Gives a slot back; its owner must not use it any more. */
  release(owner: SlotOwner): void {
    const slot = owner.slot / this.width;
    if (this.owners[slot] !== owner) throw new Error(`stats-store: slot ${slot} is not this owner's`);
    this.owners[slot] = undefined;
    this.free.push(slot);
  }

  /**
   * Makes room for `slots` slots in all (those in use count) in one step, when there is less: a table read for the
   * first time would otherwise grow through a dozen copies, each garbage that only a full collection frees.
   */
  reserve(slots: number): void {
    if (slots * this.width > this.values.length) this.resize(slots);
  }

  private grow(): void {
    // By half again: a table's final size is rarely far above what it has grown to.
    this.resize(Math.ceil((this.values.length * 1.5) / this.width));
  }

  private resize(slots: number): void {
    const values = new BigUint64Array(slots * this.width);
    values.set(this.values);
    const words = new Uint32Array(values.buffer);
    const doubles = new Float64Array(values.buffer);
    this.values = values;
    this.words = words;
    this.doubles = doubles;
    for (const o of this.owners) {
      if (o === undefined) continue;
      o.values = values;
      o.words = words;
      o.doubles = doubles;
    }
  }
}

/** Copies `count` values (default all STAT_COUNT) from one window to another, word by word (no bigints). */
export function copyStats(from: Stats, to: Stats, count = STAT_COUNT): void {
  const a = from.words;
  const b = to.words;
  const i = 2 * from.at;
  const j = 2 * to.at;
  for (let k = 0; k < 2 * count; k++) b[j + k] = a[i + k] as number;
}
