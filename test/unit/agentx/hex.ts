/**
 * Hand-written AgentX bytes for tests. Text is whitespace-separated tokens, `#` starts a comment. Each token is
 * one wire field written in network byte order: 2 hex digits a byte, 4 a 16-bit integer, 8 a 32-bit integer,
 * 16 a 64-bit integer. Octet string contents are written a byte per token, as they never swap.
 *
 * littleEndianOf() derives the little-endian form without the codec: every multi-byte token reversed, and the
 * NETWORK_BYTE_ORDER bit (0x10) cleared in h.flags, the third byte of the frame.
 */

function tokens(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join(' ')
    .split(/\s+/)
    .filter((t) => t.length > 0);
}

function tokenBytes(token: string): number[] {
  if (!/^[0-9a-fA-F]+$/.test(token) || ![2, 4, 8, 16].includes(token.length)) {
    throw new Error(`bad hex token ${JSON.stringify(token)}`);
  }
  const out: number[] = [];
  for (let i = 0; i < token.length; i += 2) out.push(parseInt(token.slice(i, i + 2), 16));
  return out;
}

/** The bytes exactly as written. */
export function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(tokens(text).flatMap(tokenBytes));
}

/** The same PDU little endian: multi-byte fields reversed, NETWORK_BYTE_ORDER cleared in h.flags. */
export function littleEndianOf(text: string): Uint8Array {
  const out = Uint8Array.from(tokens(text).flatMap((t) => tokenBytes(t).reverse()));
  if (out.length >= 3) out[2] = (out[2] ?? 0) & ~0x10;
  return out;
}

/** Lower-case hex of some bytes, for readable comparisons. */
export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The UTF-8 bytes of a string, as a plain Uint8Array (what the decoder returns). */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
