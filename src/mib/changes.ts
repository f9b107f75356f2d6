import type { RealRow, Rows, ServiceRow } from './rows.js';
import { compareNames } from './rows.js';

/**
 * What changed between two reads, as the LVS-MIB notifications report it. A service that appears or disappears
 * is one change (its real servers go with it); real servers added to or removed from a service that exists in both
 * reads, and weight changes (including quiescing to 0), are one change each. Both row lists are sorted, so this is
 * one merge pass.
 */
export type Change =
  | { readonly kind: 'serviceAdded' | 'serviceRemoved'; readonly service: ServiceRow }
  | { readonly kind: 'realAdded' | 'realRemoved'; readonly real: RealRow }
  | { readonly kind: 'weightChanged'; readonly real: RealRow; readonly previousWeight: number };

export function diffRows(before: Rows, after: Rows): Change[] {
  const changes: Change[] = [];
  const kept = new Set<string>();
  merge(before.services, after.services, (s) => s.name, {
    removed: (s) => changes.push({ kind: 'serviceRemoved', service: s }),
    added: (s) => changes.push({ kind: 'serviceAdded', service: s }),
    both: (s) => kept.add(s.name),
  });
  const realKey = (r: RealRow): [string, string] => [r.service.name, r.name];
  const beforeReals = before.reals.filter((r) => kept.has(r.service.name));
  const afterReals = after.reals.filter((r) => kept.has(r.service.name));
  mergePairs(beforeReals, afterReals, realKey, {
    removed: (r) => changes.push({ kind: 'realRemoved', real: r }),
    added: (r) => changes.push({ kind: 'realAdded', real: r }),
    both: (old, now) => {
      if (old.real.weight !== now.real.weight) changes.push({ kind: 'weightChanged', real: now, previousWeight: old.real.weight });
    },
  });
  return changes;
}

interface MergeHandlers<T> {
  removed(item: T): void;
  added(item: T): void;
  both(before: T, after: T): void;
}

function merge<T>(a: readonly T[], b: readonly T[], name: (t: T) => string, on: MergeHandlers<T>): void {
  mergePairs(a, b, (t) => [name(t), ''], on);
}

/** Merge of two lists sorted by (first, second) name in SNMP order. */
function mergePairs<T>(a: readonly T[], b: readonly T[], key: (t: T) => [string, string], on: MergeHandlers<T>): void {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length) {
      on.removed(a[i++] as T);
      continue;
    }
    if (i >= a.length) {
      on.added(b[j++] as T);
      continue;
    }
    const [a1, a2] = key(a[i] as T);
    const [b1, b2] = key(b[j] as T);
    const cmp = compareNames(a1, b1) || compareNames(a2, b2);
    if (cmp < 0) on.removed(a[i++] as T);
    else if (cmp > 0) on.added(b[j++] as T);
    else on.both(a[i++] as T, b[j++] as T);
  }
}
