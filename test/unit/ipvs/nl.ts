/**
 * Byte builders for netlink test fixtures, written independently of the codec under test. Each helper returns
 * the bytes of one wire field in the given host byte order (netlink is host-endian except __be16/__be32
 * fields), so every fixture can be built and checked both ways. hex`` reads literal fixtures: whitespace
 * separated hex, `#` starts a comment.
 */
import type { ByteOrder } from '../../../src/ipvs/netlink/bytes.js';

export const ORDERS: readonly ByteOrder[] = ['little', 'big'];

export type Bytes = number[];

export function hex(strings: TemplateStringsArray, ...values: unknown[]): Uint8Array {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const clean = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex fixture: ${clean}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function ordered(o: ByteOrder, bigEndianBytes: Bytes): Bytes {
  return o === 'big' ? bigEndianBytes : [...bigEndianBytes].reverse();
}

export const u8 = (v: number): Bytes => [v & 0xff];
export const u16 = (o: ByteOrder, v: number): Bytes => ordered(o, [(v >>> 8) & 0xff, v & 0xff]);
export const be16 = (v: number): Bytes => [(v >>> 8) & 0xff, v & 0xff];
export const u32 = (o: ByteOrder, v: number): Bytes =>
  ordered(o, [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
export const be32 = (v: number): Bytes => u32('big', v);
export const s32 = (o: ByteOrder, v: number): Bytes => u32(o, v >>> 0);
export function u64(o: ByteOrder, v: bigint): Bytes {
  const be: Bytes = [];
  for (let i = 7; i >= 0; i--) be.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return ordered(o, be);
}
/** NUL-terminated, as nla_put_string(). */
export const str = (s: string): Bytes => [...Buffer.from(s, 'utf8'), 0];
export const ip4 = (...octets: number[]): Bytes => [...octets, ...new Array<number>(12).fill(0)];
export function ip6(text: string): Bytes {
  // Test-side expansion of "a:b::c" (no embedded IPv4), independent of src/ipvs/address.ts.
  const [head = '', tail = ''] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = text.includes('::') ? [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.flatMap((g) => be16(parseInt(g, 16)));
}

const pad = (n: number): Bytes => new Array<number>((4 - (n % 4)) % 4).fill(0);

/** struct nlattr { __u16 nla_len; __u16 nla_type; } + payload + padding to 4. */
export function attr(o: ByteOrder, type: number, payload: Bytes): Bytes {
  return [...u16(o, 4 + payload.length), ...u16(o, type), ...payload, ...pad(payload.length)];
}

/** struct nlmsghdr + payload (+ padding). */
export function nlmsg(
  o: ByteOrder,
  h: { type: number; flags?: number; seq?: number; pid?: number },
  payload: Bytes,
): Uint8Array {
  return Uint8Array.from([
    ...u32(o, 16 + payload.length),
    ...u16(o, h.type),
    ...u16(o, h.flags ?? 0),
    ...u32(o, h.seq ?? 0),
    ...u32(o, h.pid ?? 0),
    ...payload,
    ...pad(payload.length),
  ]);
}

/** NLMSG_DONE (type 3, NLM_F_MULTI) of a dump, with its int status. */
export function nlDone(o: ByteOrder, seq: number, status = 0): Uint8Array {
  return nlmsg(o, { type: 3, flags: 2, seq }, s32(o, status));
}

/** A 32-bit length in this machine's byte order, as batch.c writes it before each request's replies. */
export function hostLength(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, new Uint8Array(new Uint16Array([1]).buffer)[0] === 1);
  return b;
}

/** struct genlmsghdr { __u8 cmd; __u8 version; __u16 reserved; } followed by attributes. */
export function genl(cmd: number, version: number, ...attrs: Bytes[]): Bytes {
  return [cmd, version, 0, 0, ...attrs.flat()];
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
