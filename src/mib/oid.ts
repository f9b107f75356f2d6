import type { Oid } from '../agentx/pdu.js';

/**
 * Lexicographic OID order (RFC 2578 section 7.7 / RFC 3416 GetNext order): sub-identifier by sub-identifier,
 * a proper prefix sorts first. Returns <0, 0, >0.
 */
export function compareOids(a: Oid, b: Oid): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Compares the tail of `a` starting at `offset` with `b`, as if `a.slice(offset)` were passed (no copy). */
export function compareOidTail(a: Oid, offset: number, b: Oid): number {
  const la = a.length - offset;
  const n = la < b.length ? la : b.length;
  for (let i = 0; i < n; i++) {
    const x = a[offset + i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return la - b.length;
}

export function isPrefixOf(prefix: Oid, oid: Oid): boolean {
  if (prefix.length > oid.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== oid[i]) return false;
  return true;
}

export function oidToString(oid: Oid): string {
  return oid.length === 0 ? '' : '.' + oid.join('.');
}

/** Parses "1.3.6.1" or ".1.3.6.1"; throws on anything that is not a sequence of 32-bit sub-identifiers. */
export function parseOid(text: string): number[] {
  const body = text.startsWith('.') ? text.slice(1) : text;
  if (body === '') return [];
  return body.split('.').map((part) => {
    if (!/^\d{1,10}$/.test(part)) throw new Error(`oid: "${text}" has a sub-identifier "${part}" that is not a number`);
    const n = Number(part);
    if (n > 0xffffffff) throw new Error(`oid: "${text}" has sub-identifier ${part} above 2^32-1`);
    return n;
  });
}
