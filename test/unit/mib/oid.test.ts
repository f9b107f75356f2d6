import { describe, expect, it } from 'vitest';
import { compareOidTail, compareOids, isPrefixOf, oidToString, parseOid } from '../../../src/mib/oid.js';

describe('OID order (RFC 3416 GetNext order)', () => {
  it('compares sub-identifier by sub-identifier, a proper prefix first', () => {
    expect(compareOids([1, 3, 6], [1, 3, 6])).toBe(0);
    expect(compareOids([1, 3], [1, 3, 6])).toBeLessThan(0);
    expect(compareOids([1, 3, 7], [1, 3, 6, 1])).toBeGreaterThan(0);
    expect(compareOids([1, 3, 4294967295], [1, 3, 4294967294])).toBeGreaterThan(0);
    expect(compareOidTail([9, 9, 1, 3, 6], 2, [1, 3, 6])).toBe(0);
    expect(compareOidTail([9, 9, 1, 3], 2, [1, 3, 6])).toBeLessThan(0);
    expect(compareOidTail([9, 1, 4], 1, [1, 3, 6])).toBeGreaterThan(0);
  });

  it('knows prefixes', () => {
    expect(isPrefixOf([1, 3], [1, 3, 6])).toBe(true);
    expect(isPrefixOf([], [1])).toBe(true);
    expect(isPrefixOf([1, 3, 6], [1, 3])).toBe(false);
    expect(isPrefixOf([1, 4], [1, 3, 6])).toBe(false);
  });
});

describe('OID text', () => {
  it('writes and reads dotted sub-identifiers', () => {
    expect(oidToString([1, 3, 6, 1])).toBe('.1.3.6.1');
    expect(oidToString([])).toBe('');
    expect(parseOid('.1.3.6.1')).toEqual([1, 3, 6, 1]);
    expect(parseOid('1.3.4294967295')).toEqual([1, 3, 4294967295]);
    expect(parseOid('')).toEqual([]);
    expect(() => parseOid('1.3.x')).toThrow(/not a number/);
    expect(() => parseOid('1.4294967296')).toThrow(/above 2\^32-1/);
  });
});
