import { describe, expect, it } from 'vitest';
import { appendStringIndex, compareOidTail, compareTailWithNames } from '../../../src/mib/oid.js';
import { encodeStringIndex } from '../../../src/mib/string-index.js';
import { mulberry32 } from '../seeded-random.js';

const sign = (n: number): number => Math.sign(n);

describe('compareTailWithNames: string indexes compared without building them', () => {
  it('orders like compareOidTail over the encoded indexes (one and two names, prefixes, longer and shorter OIDs)', () => {
    const r = mulberry32(7);
    const alphabet = 'TCPUDSFWM6/[]:.0123456789abcdef';
    const word = (): string => Array.from({ length: Math.floor(r() * 6) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    for (let n = 0; n < 20000; n++) {
      const first = word();
      const second = r() < 0.5 ? undefined : word();
      const suffix = [...encodeStringIndex(first), ...(second === undefined ? [] : encodeStringIndex(second))];
      // Names near the suffix: equal, a prefix, extended, one sub-identifier changed, or unrelated.
      const prefix = [1, 3, 6];
      let tail: number[];
      const k = r();
      if (k < 0.2) tail = [...suffix];
      else if (k < 0.4) tail = suffix.slice(0, Math.floor(r() * suffix.length));
      else if (k < 0.6) tail = [...suffix, Math.floor(r() * 300)];
      else if (k < 0.85) {
        tail = [...suffix];
        const at = Math.floor(r() * tail.length);
        tail[at] = (tail[at] as number) + (r() < 0.5 ? -1 : 1);
      } else tail = Array.from({ length: Math.floor(r() * 8) }, () => Math.floor(r() * 120));
      const name = [...prefix, ...tail];
      expect(sign(compareTailWithNames(name, prefix.length, first, second)), `${JSON.stringify(tail)} vs ${JSON.stringify([first, second])}`).toBe(
        sign(compareOidTail(name, prefix.length, suffix)),
      );
    }
  });

  it('examples: equal, shorter name first, octet order, a longer OID after', () => {
    const svc = 'TCP/10.0.0.1:80';
    const idx = encodeStringIndex(svc);
    expect(compareTailWithNames(idx, 0, svc)).toBe(0);
    expect(compareTailWithNames([...idx, 5], 0, svc)).toBe(1);
    expect(compareTailWithNames(idx.slice(0, 3), 0, svc)).toBe(-1);
    expect(compareTailWithNames([14], 0, svc)).toBe(-1); // a 14-character name sorts before a 15-character one
    expect(compareTailWithNames([15, 84, 67, 81], 0, svc)).toBe(1); // "TCQ" > "TCP"
    expect(compareTailWithNames([], 0, svc)).toBe(-1);
    const real = '10.0.0.2:80';
    expect(compareTailWithNames([...idx, ...encodeStringIndex(real)], 0, svc, real)).toBe(0);
    expect(compareTailWithNames(idx, 0, svc, real)).toBe(-1);
  });

  it('appendStringIndex writes what encodeStringIndex returns', () => {
    const out = [9];
    appendStringIndex(out, 'FWM6/7');
    expect(out).toEqual([9, ...encodeStringIndex('FWM6/7')]);
  });
});
