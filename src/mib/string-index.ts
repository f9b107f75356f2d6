import type { Oid } from '../agentx/pdu.js';

/**
 * String indexes (RFC 2578 section 7.7, a non-IMPLIED OCTET STRING index): the length, then one sub-identifier per
 * octet, the octets being the UTF-8 bytes of the text. This file is the one place that rule is written: building,
 * appending, comparing and reading indexes all follow it. Canonical row names are ASCII, where each UTF-16 code
 * unit is one octet; the functions take that as their fast path and go by the UTF-8 bytes for any other text.
 */

const utf8 = new TextEncoder();

function isAscii(text: string, from = 0): boolean {
  for (let i = from; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Appends the string index of `text` (its octet count, then its octets) to `out`. */
export function appendStringIndex(out: number[], text: string): void {
  const start = out.length;
  out.push(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) {
      out.length = start;
      const octets = utf8.encode(text);
      out.push(octets.length);
      for (const o of octets) out.push(o);
      return;
    }
    out.push(c);
  }
}

export function encodeStringIndex(text: string): number[] {
  const out: number[] = [];
  appendStringIndex(out, text);
  return out;
}

/**
 * Compares the tail of `a` from `offset` with the string indexes of `first` and then `second`, as compareOidTail
 * would with [...encodeStringIndex(first), ...encodeStringIndex(second)], without building them. Returns <0, 0, >0.
 */
export function compareTailWithIndexes(a: Oid, offset: number, first: string, second?: string): number {
  let p = offset;
  for (let part = 0; part < 2; part++) {
    const text = part === 0 ? first : second;
    if (text === undefined) break;
    if (p >= a.length) return -1;
    const len = a[p++] as number;
    // A text has at least as many octets as code units, and as many only when it is ASCII.
    if (len < text.length) return -1;
    if (len > text.length) {
      if (isAscii(text)) return 1;
      const octets = utf8.encode(text);
      if (len !== octets.length) return len < octets.length ? -1 : 1;
      for (const y of octets) {
        if (p >= a.length) return -1;
        const x = a[p++] as number;
        if (x !== y) return x < y ? -1 : 1;
      }
      continue;
    }
    // As many code units as `len`: the text's index is longer unless the text is ASCII.
    for (let i = 0; i < text.length; i++) {
      const y = text.charCodeAt(i);
      if (y > 0x7f) return -1;
      if (p >= a.length) return -1;
      const x = a[p++] as number;
      if (x !== y) return x > y && isAscii(text, i + 1) ? 1 : -1;
    }
  }
  return p < a.length ? 1 : 0;
}

/** The SNMP order of two texts as string indexes: fewer octets first, then octet by octet. Returns <0, 0, >0. */
export function compareNames(a: string, b: string): number {
  if (isAscii(a) && isAscii(b)) {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  if (x.length !== y.length) return x.length - y.length;
  return Buffer.compare(x, y);
}

/**
 * Reads one string index from `oid` at `offset`. Returns the text and the offset after it, or undefined when the
 * sub-identifiers there cannot be a string index (length runs past the OID, or a sub-identifier is not an octet).
 */
export function decodeStringIndex(oid: Oid, offset: number): { text: string; next: number } | undefined {
  const len = oid[offset];
  if (len === undefined || offset + 1 + len > oid.length) return undefined;
  const bytes = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) {
    const b = oid[offset + 1 + i] as number;
    if (b > 255) return undefined;
    bytes[i] = b;
  }
  return { text: bytes.toString('utf8'), next: offset + 1 + len };
}
