/**
 * Byte order and bounded integer access for netlink. Netlink headers and most attribute payloads are in the
 * host's byte order (the kernel writes them with plain stores); only values the kernel marks __be16/__be32
 * (ports, IPv4 masks) are big endian whatever the host. Every codec function takes the order explicitly so the
 * tests can run each fixture both ways; HOST_BYTE_ORDER is what a real socket uses.
 */

export type ByteOrder = 'little' | 'big';

export const HOST_BYTE_ORDER: ByteOrder = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big';

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** NLMSG_ALIGN / NLA_ALIGN: round up to a multiple of 4 (NLMSG_ALIGNTO = NLA_ALIGNTO = 4). */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Growable byte sink used by the encoders. */
export class ByteWriter {
  private buf = new Uint8Array(64);
  private view = viewOf(this.buf);
  private len = 0;

  constructor(readonly order: ByteOrder) {}

  get length(): number {
    return this.len;
  }

  /** Makes room for n more bytes and returns where they start. May replace buf and view: call it first. */
  private reserve(n: number): number {
    const at = this.len;
    if (at + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, at + n));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = viewOf(next);
    }
    this.len += n;
    return at;
  }

  u8(v: number): this {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
    return this;
  }

  u16(v: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, v, this.order === 'little');
    return this;
  }

  be16(v: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, v, false);
    return this;
  }

  u32(v: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, v, this.order === 'little');
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.reserve(b.length); // may replace this.buf: reserve before touching it
    this.buf.set(b, at);
    return this;
  }

  /** Zero bytes up to the next multiple of 4. */
  pad(): this {
    const n = align4(this.len) - this.len;
    for (let i = 0; i < n; i++) this.u8(0);
    return this;
  }

  /** Overwrites a u16 already written at `at` (lengths known only after the contents). */
  patchU16(at: number, v: number): void {
    this.view.setUint16(at, v, this.order === 'little');
  }

  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, this.order === 'little');
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
