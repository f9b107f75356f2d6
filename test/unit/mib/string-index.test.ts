import { describe, expect, it } from 'vitest';
import { compareOidTail, compareOids } from '../../../src/mib/oid.js';
import { appendStringIndex, compareNames, compareTailWithIndexes, decodeStringIndex, encodeStringIndex } from '../../../src/mib/string-index.js';
import { mulberry32 } from '../seeded-random.js';

const sign = (n: number): number => Math.sign(n);

/** Random texts from canonical-name characters, with some that are not ASCII (2, 3 and 4 UTF-8 bytes). */
function words(seed: number): () => string {
  const r = mulberry32(seed);
  const alphabet = [...'TCPUDSFWM6/[]:.0123456789abcdef', 'é', '€', '😀', '\u{ff}'];
  return () => Array.from({ length: Math.floor(r() * 6) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
}

describe('string index (RFC 2578 section 7.7, non-IMPLIED OCTET STRING)', () => {
  it('is the number of octets followed by the octets, the UTF-8 bytes of the text', () => {
    expect(encodeStringIndex('FWM/7')).toEqual([5, 70, 87, 77, 47, 55]);
    expect(encodeStringIndex('TCP/10.0.0.1:80')).toEqual([15, 84, 67, 80, 47, 49, 48, 46, 48, 46, 48, 46, 49, 58, 56, 48]);
    expect(encodeStringIndex('')).toEqual([0]);
    expect(encodeStringIndex('aé€😀')).toEqual([10, 0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
  });

  it('appendStringIndex writes what encodeStringIndex returns, after what is there', () => {
    for (const text of ['FWM6/7', 'x€y', '']) {
      const out = [9];
      appendStringIndex(out, text);
      expect(out).toEqual([9, ...encodeStringIndex(text)]);
    }
  });

  it('decodes what it encodes and refuses what cannot be a string index', () => {
    for (const text of ['UDP/[2001:db8::1]:53', 'é😀']) {
      const oid = [9, ...encodeStringIndex(text), 7];
      expect(decodeStringIndex(oid, 1)).toEqual({ text, next: oid.length - 1 });
    }
    expect(decodeStringIndex([5, 65, 66], 0)).toBeUndefined(); // length runs past the OID
    expect(decodeStringIndex([1, 256], 0)).toBeUndefined(); // not an octet
  });
});

describe('compareNames: the SNMP order of string indexes', () => {
  it('orders fewer octets first, then octet by octet', () => {
    const names = ['TCP/10.0.0.1:80', 'FWM/10', 'FWM/7', 'TCP/10.0.0.1:8', 'é', 'ab', '\u{ffff}', '😀'];
    expect([...names].sort(compareNames)).toEqual(['ab', 'é', '\u{ffff}', '😀', 'FWM/7', 'FWM/10', 'TCP/10.0.0.1:8', 'TCP/10.0.0.1:80']);
  });

  it('agrees with compareOids over the encoded indexes', () => {
    const word = words(3);
    for (let n = 0; n < 20000; n++) {
      const a = word();
      const b = n % 5 === 0 ? a : word();
      expect(sign(compareNames(a, b)), JSON.stringify([a, b])).toBe(sign(compareOids(encodeStringIndex(a), encodeStringIndex(b))));
    }
  });
});

describe('compareTailWithIndexes: string indexes compared without building them', () => {
  it('orders like compareOidTail over the encoded indexes (one and two texts, prefixes, longer and shorter OIDs)', () => {
    const r = mulberry32(7);
    const word = words(11);
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
      } else tail = Array.from({ length: Math.floor(r() * 8) }, () => Math.floor(r() * 250));
      const name = [...prefix, ...tail];
      expect(sign(compareTailWithIndexes(name, prefix.length, first, second)), `${JSON.stringify(tail)} vs ${JSON.stringify([first, second])}`).toBe(
        sign(compareOidTail(name, prefix.length, suffix)),
      );
    }
  });

  it('examples: equal, shorter name first, octet order, a longer OID after', () => {
    const svc = 'TCP/10.0.0.1:80';
    const idx = encodeStringIndex(svc);
    expect(compareTailWithIndexes(idx, 0, svc)).toBe(0);
    expect(compareTailWithIndexes([...idx, 5], 0, svc)).toBe(1);
    expect(compareTailWithIndexes(idx.slice(0, 3), 0, svc)).toBe(-1);
    expect(compareTailWithIndexes([14], 0, svc)).toBe(-1); // a 14-octet index sorts before a 15-octet one
    expect(compareTailWithIndexes([15, 84, 67, 81], 0, svc)).toBe(1); // "TCQ" > "TCP"
    expect(compareTailWithIndexes([], 0, svc)).toBe(-1);
    const real = '10.0.0.2:80';
    expect(compareTailWithIndexes([...idx, ...encodeStringIndex(real)], 0, svc, real)).toBe(0);
    expect(compareTailWithIndexes(idx, 0, svc, real)).toBe(-1);
    expect(compareTailWithIndexes([2, 0xc3, 0xa9], 0, 'é')).toBe(0); // two octets for one code unit
    expect(compareTailWithIndexes([1, 0xe9], 0, 'é')).toBe(-1); // not its UTF-16 code unit
    expect(compareTailWithIndexes([5, 120], 0, 'WÿM62')).toBe(-1); // 6 octets, though 5 code units
  });
});
