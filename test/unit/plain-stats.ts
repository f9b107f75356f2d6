import { statsRecord, type Stats } from '../../src/ipvs/snapshot.js';

function isStats(v: unknown): v is Stats {
  return typeof v === 'object' && v !== null && (v as Stats).values instanceof BigUint64Array && typeof (v as Stats).at === 'number';
}

/**
 * A copy of `value` in which every Stats window (a view into an array shared by many entities) is replaced by its
 * ten values by name, so that expectations compare the numbers and not the arrays the windows happen to live in.
 */
export function plainStats(value: unknown): unknown {
  if (isStats(value)) return statsRecord(value);
  if (Array.isArray(value)) return value.map(plainStats);
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainStats(v)]));
  }
  return value;
}

/** The named values of one Stats window. */
export function named(stats: Stats): ReturnType<typeof statsRecord> {
  return statsRecord(stats);
}
