import { align4, ByteWriter, type ByteOrder, readU16 } from './bytes.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { NetlinkDecodeError } from './errors.js';

/**
 * Netlink attributes (struct nlattr, netlink.h): { __u16 nla_len; __u16 nla_type; } then the payload, padded to
 * NLA_ALIGNTO (4). nla_len counts header and payload, not the padding. Every read is bounded by the enclosing
 * message or nest; the padding of the last attribute may be missing (the kernel tolerates it, so do we), any
 * other leftover is an error.
 */

export interface NlAttr {
  /** nla_type with NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off. */
  readonly type: number;
  /** The flag bits that were set (NLA_F_NESTED | NLA_F_NET_BYTEORDER); IPVS never sets NLA_F_NESTED. */
  readonly flags: number;
  /** Payload, a view into the message (no copy). */
  readonly value: Uint8Array;
  /** Offset of the attribute header, relative to the `base` given to parseAttrs (for error messages). */
  readonly offset: number;
  /** The bytes given to parseAttrs, where the payload starts in them, and its length (value.length). */
  readonly source: Uint8Array;
  readonly start: number;
  readonly length: number;
}

/**
 * An attribute as parseAttrs finds it. The payload view is made on first use: most attributes are integers, which
 * AttrSet reads straight from its level's DataView, and a 100,000-real dump has millions of them.
 */
class ParsedAttr implements NlAttr {
  private view: Uint8Array | undefined;

  constructor(
    readonly type: number,
    readonly flags: number,
    readonly offset: number,
    readonly start: number,
    readonly length: number,
    readonly source: Uint8Array,
  ) {}

  get value(): Uint8Array {
    return (this.view ??= this.source.subarray(this.start, this.start + this.length));
  }
}

/** Splits `bytes` into attributes. `base` is the offset of `bytes[0]` in the message, for error messages. */
export function parseAttrs(bytes: Uint8Array, base: number, order: ByteOrder, where: string): NlAttr[] {
  const out: NlAttr[] = [];
  parseAttrsInto(out, false, bytes, 0, bytes.length, base, order === 'little', where);
  return out;
}

/**
 * parseAttrs over bytes[from, end) of `bytes`; `base` is the message offset of bytes[from].
 * Appends each attribute to `out`, or with `byType` stores it at out[type] (a later one replacing an earlier one,
 * as nla_parse() does) — what AttrSet keeps, without a list in between.
 */
function parseAttrsInto(
  out: NlAttr[],
  byType: boolean,
  bytes: Uint8Array,
  from: number,
  end: number,
  base: number,
  little: boolean,
  where: string,
): void {
  let at = from;
  while (at < end) {
    const left = end - at;
    if (left < NLA_HDRLEN) {
      throw new NetlinkDecodeError(where, base + at - from, `${left} byte(s) left over after the last attribute`);
    }
    const len = readU16(bytes, at, little);
    const rawType = readU16(bytes, at + 2, little);
    if (len < NLA_HDRLEN || len > left) {
      throw new NetlinkDecodeError(
        where,
        base + at - from,
        `attribute type ${rawType & NLA_TYPE_MASK} has nla_len ${len}, ${left} byte(s) available`,
      );
    }
    const type = rawType & NLA_TYPE_MASK;
    const flags = rawType & (NLA_F_NESTED | NLA_F_NET_BYTEORDER);
    const a = new ParsedAttr(type, flags, base + at - from, at + NLA_HDRLEN, len - NLA_HDRLEN, bytes);
    if (byType) out[type] = a;
    else out.push(a);
    at = Math.min(at + align4(len), end);
  }
}

/**
 * The attributes of one level (a message body or a nest), looked up by type. As the kernel's nla_parse() does,
 * a repeated type keeps its last occurrence; unknown types are kept but never looked at (forward compatible).
 * The getters check the payload length against the type the kernel writes and name the attribute in errors.
 */
export class AttrSet {
  private readonly little: boolean;

  private constructor(
    /** By type (nla_type is below 2^14; IPVS's are small, so this stays a small array). */
    private readonly byType: readonly (NlAttr | undefined)[],
    /** The bytes of this level, which every attribute's `start` indexes. */
    private readonly bytes: Uint8Array,
    /** A view of the whole buffer under `bytes` (shared by every message of a datagram), and where bytes[0] is in it. */
    private readonly view: DataView,
    private readonly viewAt: number,
    private readonly names: ReadonlyMap<number, string>,
    readonly order: ByteOrder,
    /** What this level is ("IPVS_CMD_ATTR_SERVICE", "IPVS_CMD_NEW_SERVICE message") and where it starts. */
    readonly where: string,
    readonly base: number,
  ) {
    this.little = order === 'little';
  }

  static parse(
    bytes: Uint8Array,
    base: number,
    order: ByteOrder,
    names: ReadonlyMap<number, string>,
    where: string,
  ): AttrSet {
    const byType: NlAttr[] = [];
    parseAttrsInto(byType, true, bytes, 0, bytes.length, base, order === 'little', where);
    return new AttrSet(byType, bytes, bufferView(bytes), bytes.byteOffset, names, order, where, base);
  }

  has(type: number): boolean {
    return this.byType[type] !== undefined;
  }

  name(type: number): string {
    return this.names.get(type) ?? `attribute ${type}`;
  }

  /** The attribute, or an error naming it (at the offset of the enclosing level) when it is missing. */
  require(type: number): NlAttr {
    const a = this.byType[type];
    if (a === undefined) throw new NetlinkDecodeError(this.name(type), this.base, `missing from ${this.where}`);
    return a;
  }

  get(type: number): NlAttr | undefined {
    return this.byType[type];
  }

  /** Where the payload of `a`, which must be `size` bytes long, starts in this level's view. */
  private sized(a: NlAttr, size: number, what: string): number {
    if (a.source !== this.bytes) throw new Error(`${this.name(a.type)} read through the AttrSet of another level (${this.where})`);
    if (a.length !== size) {
      throw new NetlinkDecodeError(this.name(a.type), a.offset, `length ${a.length}, expected ${size} (${what})`);
    }
    return this.viewAt + a.start;
  }

  u8(a: NlAttr): number {
    return this.view.getUint8(this.sized(a, 1, 'u8'));
  }

  u16(a: NlAttr): number {
    return this.view.getUint16(this.sized(a, 2, 'u16'), this.little);
  }

  /** __be16 whatever the host (nla_put_be16): ports. */
  be16(a: NlAttr): number {
    return this.view.getUint16(this.sized(a, 2, '__be16'), false);
  }

  u32(a: NlAttr): number {
    return this.view.getUint32(this.sized(a, 4, 'u32'), this.little);
  }

  /** __be32 whatever the host (nla_put_be32). */
  be32(a: NlAttr): number {
    return this.view.getUint32(this.sized(a, 4, '__be32'), false);
  }

  s32(a: NlAttr): number {
    return this.view.getInt32(this.sized(a, 4, 's32'), this.little);
  }

  u64(a: NlAttr): bigint {
    return this.view.getBigUint64(this.sized(a, 8, 'u64'), this.little);
  }

  /** NUL-terminated string (nla_put_string); text up to the first NUL, the whole payload if there is none. */
  string(a: NlAttr): string {
    const nul = a.value.indexOf(0);
    const bytes = nul < 0 ? a.value : a.value.subarray(0, nul);
    return utf8(bytes);
  }

  /** At least `min` bytes of binary payload. */
  binary(a: NlAttr, min: number): Uint8Array {
    if (a.value.length < min) {
      throw new NetlinkDecodeError(this.name(a.type), a.offset, `length ${a.value.length}, expected at least ${min}`);
    }
    return a.value;
  }

  /**
   * The attributes nested in `a`. IPVS starts its nests with nla_nest_start_noflag(), so NLA_F_NESTED is not
   * set: the caller knows which types are nests, the flag is not consulted.
   */
  nest(a: NlAttr, names: ReadonlyMap<number, string>): AttrSet {
    if (a.source !== this.bytes) throw new Error(`${this.name(a.type)} nested through the AttrSet of another level (${this.where})`);
    // The nest shares this level's bytes and view: its attributes' `start`s index the same bytes.
    const where = this.name(a.type);
    const base = a.offset + NLA_HDRLEN;
    const byType: NlAttr[] = [];
    parseAttrsInto(byType, true, this.bytes, a.start, a.start + a.length, base, this.little, where);
    return new AttrSet(byType, this.bytes, this.view, this.viewAt, names, this.order, where, base);
  }
}

/**
 * A DataView of the whole buffer under `bytes`. The messages of a datagram are views of one buffer, so the last
 * view is kept and reused while the buffer is the same (one DataView per datagram rather than per message; the
 * buffer of the last datagram decoded stays referenced until the next one).
 */
let lastBuffer: ArrayBufferLike | undefined;
let lastView: DataView | undefined;

function bufferView(bytes: Uint8Array): DataView {
  if (bytes.buffer !== lastBuffer || lastView === undefined) {
    lastBuffer = bytes.buffer;
    lastView = new DataView(bytes.buffer);
  }
  return lastView;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 text; the short ASCII names of schedulers and interfaces without a call into the decoder. */
function utf8(bytes: Uint8Array): string {
  if (bytes.length <= 32) {
    let text = '';
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i] as number;
      if (c >= 0x80) return decoder.decode(bytes);
      text += String.fromCharCode(c);
    }
    return text;
  }
  return decoder.decode(bytes);
}

/** Builds attributes for requests. Nests are written without NLA_F_NESTED, as ipvsadm and the kernel do. */
export class AttrBuilder {
  private readonly w: ByteWriter;

  constructor(order: ByteOrder) {
    this.w = new ByteWriter(order);
  }

  private attr(type: number, write: (w: ByteWriter) => void): this {
    const start = this.w.length;
    this.w.u16(0).u16(type);
    write(this.w);
    this.w.patchU16(start, this.w.length - start);
    this.w.pad();
    return this;
  }

  u16(type: number, v: number): this {
    return this.attr(type, (w) => w.u16(v));
  }

  be16(type: number, v: number): this {
    return this.attr(type, (w) => w.be16(v));
  }

  u32(type: number, v: number): this {
    return this.attr(type, (w) => w.u32(v));
  }

  binary(type: number, b: Uint8Array): this {
    return this.attr(type, (w) => w.bytes(b));
  }

  /** NUL-terminated, as nla_put_string(). */
  string(type: number, s: string): this {
    const b = new TextEncoder().encode(s);
    return this.attr(type, (w) => w.bytes(b).u8(0));
  }

  nest(type: number, build: (inner: AttrBuilder) => void): this {
    const inner = new AttrBuilder(this.w.order);
    build(inner);
    return this.binary(type, inner.finish());
  }

  finish(): Uint8Array {
    return this.w.finish();
  }
}
