/**
 * Values shown in error messages, bounded and printable. An error line quotes what it refused, and what it refused
 * may be a 1 MB flag, a binary file or a terminal escape: a message carries at most a short, printable-ASCII
 * excerpt and says how large the whole was. lvsAgentLastError (a DisplayString, RFC 2579: printable ASCII, at
 * most 255 characters) takes its text through asciiLine().
 */

/** Characters of a value a message quotes before it is cut. */
export const QUOTE_MAX = 64;

const PRINTABLE = /^[\x20-\x7e]*$/;

/** One character as printable ASCII: itself, or a JSON-style escape (\n, \u0000, \u00e9, …). */
function escapeChar(c: string): string {
  switch (c) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
  }
  const code = c.charCodeAt(0);
  return code >= 0x20 && code <= 0x7e ? c : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` as a double-quoted string of printable ASCII, other characters escaped as in JSON. Past `max` characters
 * of that form it is cut and its size is said: `"aaaa..." (1048576 bytes)`.
 */
export function quoted(text: string, max = QUOTE_MAX): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const e = escapeChar(text[i] as string);
    if (out.length + e.length > max) return `"${out}..." (${Buffer.byteLength(text, 'utf8')} bytes)`;
    out += e;
  }
  return `"${out}"`;
}

/** `text` itself when it is short printable ASCII (a path, a name), else quoted(). */
export function shown(text: string, max = QUOTE_MAX): string {
  return text.length <= max && PRINTABLE.test(text) ? text : quoted(text, max);
}

/**
 * A value of any JSON type as a message shows it: strings quoted(), numbers and literals as written, arrays and
 * objects by their size (never serialized whole: one may be the size of the file).
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return quoted(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `an array of ${v.length}`;
  if (typeof v === 'object') {
    const n = Object.keys(v).length;
    return n === 0 ? '{}' : `an object with ${n} ${n === 1 ? 'key' : 'keys'}`;
  }
  return typeof v;
}

/**
 * A message as one line of printable ASCII of at most `max` characters: control and non-ASCII characters
 * escaped, cut with "..." at the end when longer.
 */
export function asciiLine(text: string, max: number): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const code = c.charCodeAt(0);
    const e = code >= 0x20 && code <= 0x7e ? c : escapeChar(c);
    if (out.length + e.length > max) return `${out.slice(0, Math.max(0, max - 3))}...`;
    out += e;
  }
  return out;
}
