/** A small deterministic generator (xorshift32), so a failure names a reproducible case. */
export function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/**
 * A message the way the mutation tests damage one: a quarter cut short at a random length, the rest with one to three
 * bytes replaced (any value, a small one where length and type fields branch, or one bit flipped), in place.
 */
export function mutated(m: Uint8Array, next: () => number): Uint8Array {
  const kind = next() % 4;
  if (kind === 0) return m.subarray(0, next() % m.length);
  for (let k = 1 + (next() % 3); k > 0; k--) {
    const at = next() % m.length;
    m[at] = kind === 1 ? next() & 0xff : kind === 2 ? next() % 24 : (m[at] as number) ^ (1 << (next() % 8));
  }
  return m;
}
