import { statsRecord, type Stats } from '../../src/ipvs/snapshot.js';

function isStats(v: unknown): v is Stats {
  return typeof v === 'object' && v !== null && (v as Stats).values instanceof BigUint64Array && typeof (v as Stats).at === 'number';
}

/** What makes an object a window; an entity that is its own window (the simulator's are) has these too. */
const WINDOW_KEYS = new Set(['values', 'words', 'at']);

/**
 * A copy of `value` in which every Stats window (a view into an array shared by many entities) is replaced by its
 * ten values by name, so that expectations compare the numbers and not the arrays the windows happen to live in.
 * An entity that is its own window keeps its fields and loses the window's (values, words, at).
 */
export function plainStats(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainStats);
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    const entity = 'stats' in value;
    if (isStats(value) && !entity) return statsRecord(value);
    const entries = Object.entries(value).filter(([k]) => !(entity && WINDOW_KEYS.has(k)));
    return Object.fromEntries(entries.map(([k, v]) => [k, k === 'stats' && isStats(v) ? statsRecord(v) : plainStats(v)]));
  }
  return value;
}

/** The named values of one Stats window. */
export function named(stats: Stats): ReturnType<typeof statsRecord> {
  return statsRecord(stats);
}
