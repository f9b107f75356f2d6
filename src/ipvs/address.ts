import type { Family } from './snapshot.js';

/**
 * IP address text, both ways. Output is canonical: IPv4 as a dotted quad, IPv6 as RFC 5952 section 4 says
 * (lowercase, no leading zeros, the longest run of two or more zero groups as "::", the first run on a tie, a lone
 * zero group written "0"), with IPv4-mapped addresses in mixed notation ::ffff:a.b.c.d (RFC 5952 section 5).
 * The MIB indexes rows by these strings, so every source must produce addresses through formatAddress().
 */

export class AddressParseError extends Error {
  override readonly name = 'AddressParseError';
  constructor(
    readonly text: string,
    reason: string,
  ) {
    super(`address: ${JSON.stringify(text)} is not an IP address: ${reason}`);
  }
}

/** Bytes of an address family: 4 for AF_INET, 16 for AF_INET6. */
export function addressLength(family: Family): 4 | 16 {
  return family === 'inet' ? 4 : 16;
}

/**
 * Formats the first 4 (inet) or 16 (inet6) bytes of `bytes`; longer input is cut, as the kernel's
 * union nf_inet_addr is always 16 bytes with an IPv4 address in the first 4.
 */
export function formatAddress(family: Family, bytes: Uint8Array): string {
  return formatAddressAt(family, bytes, 0, bytes.length);
}

/**
 * formatAddress() of bytes[at, at + length), without a view of them: the netlink decoder formats one address per real
 * server, 100,000 per read of a large table, straight from the message.
 */
export function formatAddressAt(family: Family, message: Uint8Array, at: number, length: number): string {
  const need = addressLength(family);
  if (length < need || at + need > message.length) {
    throw new RangeError(`address: ${family} needs ${need} bytes, got ${Math.min(length, message.length - at)}`);
  }
  if (family === 'inet') return dottedQuad(message, at);
  const bytes = at === 0 ? message : message.subarray(at, at + need);

  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = ((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number);

  // IPv4-mapped ::ffff:0:0/96 in mixed notation (RFC 5952 section 5).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${dottedQuad(bytes, 12)}`;
  }

  // Longest run of zero groups, length two or more; the first one wins a tie (RFC 5952 section 4.2.3).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

function dottedQuad(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/**
 * Parses IPv4 dotted-quad text (four decimal octets, no leading zeros, as inet_pton(AF_INET) accepts) or any
 * RFC 4291 section 2.2 IPv6 text (with "::" and an optional dotted-quad tail). Zone indexes and brackets are not
 * addresses and are rejected.
 */
export function parseAddress(text: string): { family: Family; bytes: Uint8Array } {
  if (text.includes(':')) return { family: 'inet6', bytes: parseIPv6(text) };
  const v4 = parseIPv4(text);
  if (v4 === undefined) throw new AddressParseError(text, 'expected a dotted quad or IPv6 text');
  return { family: 'inet', bytes: v4 };
}

/** Re-formats any valid address text canonically ("2001:DB8:0::1" → "2001:db8::1"). */
export function canonicalAddress(text: string): string {
  const { family, bytes } = parseAddress(text);
  return formatAddress(family, bytes);
}

const OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!OCTET.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIPv6(text: string): Uint8Array {
  const fail = (reason: string): never => {
    throw new AddressParseError(text, reason);
  };
  const halves = text.split('::');
  if (halves.length > 2) fail('"::" may appear only once');
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] as string).split(':')) : [];

  // A dotted quad may only be the very last piece and stands for two groups.
  const pieces = halves.length === 2 ? tail : head;
  const groupsOf = (list: string[], isLast: boolean): number[] => {
    const out: number[] = [];
    list.forEach((piece, i) => {
      if (isLast && i === list.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (v4 === undefined) fail(`bad embedded IPv4 ${JSON.stringify(piece)}`);
        const b = v4 as Uint8Array;
        out.push(((b[0] as number) << 8) | (b[1] as number), ((b[2] as number) << 8) | (b[3] as number));
        return;
      }
      if (!GROUP.test(piece)) fail(`bad group ${JSON.stringify(piece)}`);
      out.push(parseInt(piece, 16));
    });
    return out;
  };
  const headGroups = groupsOf(head, pieces === head);
  const tailGroups = groupsOf(tail, pieces === tail);

  const explicit = headGroups.length + tailGroups.length;
  if (halves.length === 2) {
    // "::" stands for one or more zero groups (RFC 4291 section 2.2, item 2).
    if (explicit > 7) fail('too many groups around "::"');
  } else if (explicit !== 8) {
    fail(`expected 8 groups, got ${explicit}`);
  }
  const groups = [...headGroups, ...new Array<number>(8 - explicit).fill(0), ...tailGroups];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}
