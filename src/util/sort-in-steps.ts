/**
 * A sort that can be run in slices (time-slices.ts). Array.prototype.sort cannot give the event loop back, and
 * sorting the 10,000 names of a table's first read takes longer than one slice may; this sorts runs of `step`
 * elements with it, then merges the runs bottom-up, yielding after every `step` elements placed. Stable, like
 * Array.prototype.sort, and sorts `items` in place.
 */
export function* sortInSteps<T>(items: T[], compare: (a: T, b: T) => number, step = 1024): Generator<void, T[]> {
  const n = items.length;
  if (n <= step) {
    items.sort(compare);
    return items;
  }
  for (let lo = 0; lo < n; lo += step) {
    const run = items.slice(lo, lo + step).sort(compare);
    for (let k = 0; k < run.length; k++) items[lo + k] = run[k] as T;
    yield;
  }
  let from = items;
  let to = new Array<T>(n);
  let placed = 0;
  for (let width = step; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (k < hi) {
        // The left element on ties: stable.
        to[k++] = j >= hi || (i < mid && compare(from[j] as T, from[i] as T) >= 0) ? (from[i++] as T) : (from[j++] as T);
        if (++placed === step) {
          placed = 0;
          yield;
        }
      }
    }
    [from, to] = [to, from];
  }
  if (from !== items) for (let k = 0; k < n; k++) items[k] = from[k] as T;
  return items;
}
