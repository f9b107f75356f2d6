import type { Oid } from '../agentx/pdu.js';

/**
 * A non-IMPLIED string index (RFC 2578 section 7.7, "octet string of variable length"): the length, then one
 * sub-identifier per octet. Our names are ASCII (service and real server names), so octets are characters.
 */
export function encodeStringIndex(text: string): number[] {
  const bytes = Buffer.from(text, 'utf8');
  const out = new Array<number>(bytes.length + 1);
  out[0] = bytes.length;
  for (let i = 0; i < bytes.length; i++) out[i + 1] = bytes[i] as number;
  return out;
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
