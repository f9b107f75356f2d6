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

/*
 * Integer reads straight from the bytes, for the hot paths (every message header of a 100,000-real dump): cheaper
 * than making a DataView per message. The caller has checked that the bytes are there.
 */

export function readU16(b: Uint8Array, at: number, little: boolean): number {
  const x = b[at] as number;
  const y = b[at + 1] as number;
  return little ? x | (y << 8) : (x << 8) | y;
}

export function readU32(b: Uint8Array, at: number, little: boolean): number {
  const b0 = b[at] as number;
  const b1 = b[at + 1] as number;
  const b2 = b[at + 2] as number;
  const b3 = b[at + 3] as number;
  return (little ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24) : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}

export function readS32(b: Uint8Array, at: number, little: boolean): number {
  return readU32(b, at, little) | 0;
}

export function writeU32(b: Uint8Array, at: number, v: number, little: boolean): void {
  if (little) {
    b[at] = v & 0xff;
    b[at + 1] = (v >>> 8) & 0xff;
    b[at + 2] = (v >>> 16) & 0xff;
    b[at + 3] = v >>> 24;
  } else {
    b[at] = v >>> 24;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
  }
}

export function writeU16(b: Uint8Array, at: number, v: number, little: boolean): void {
  if (little) {
    b[at] = v & 0xff;
    b[at + 1] = (v >>> 8) & 0xff;
  } else {
    b[at] = (v >>> 8) & 0xff;
    b[at + 1] = v & 0xff;
  }
}

/**
 * Zeroed byte arrays for small messages (requests), carved out of shared 16 KiB slabs. A typed array of its own
 * costs an allocation outside the JS heap once it is over 64 bytes (a GET_DEST request is 68); a view of a slab
 * does not. Regions are never handed out twice, so a message stays intact as long as anyone holds it; a slab goes
 * when its last view does.
 */
const SLAB_BYTES = 16384;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

export function smallBytes(n: number): Uint8Array {
  if (n > SLAB_BYTES / 8) return new Uint8Array(n);
  if (slabUsed + n > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += (n + 7) & ~7;
  return out;
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

/**
 * `bytes` itself when it starts and ends at a multiple of `to` bytes, else a copy that does: for typed-array views
 * of wider elements over an area a native addon handed over (a runtime may give it at any offset).
 */
export function aligned(bytes: Uint8Array, to: number): Uint8Array {
  if (bytes.byteOffset % to === 0 && bytes.byteLength % to === 0) return bytes;
  const copy = new Uint8Array(new ArrayBuffer(Math.ceil(bytes.byteLength / to) * to), 0, bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/** The records and stats areas of the native decoders (dest-records.ts, service-records.ts), viewed as they are read. */
export interface RecordAreas {
  /** The records as 32-bit words, and as bytes (addresses and names lie in them). */
  readonly words: Uint32Array;
  readonly bytes: Uint8Array;
  /** The stats: u64 counters, and the same memory as 32-bit words (Stats windows, snapshot.ts). */
  readonly values: BigUint64Array;
  readonly statWords: Uint32Array;
}

export function recordAreas(records: Uint8Array, stats: Uint8Array): RecordAreas {
  const r = aligned(records, 4);
  const s = aligned(stats, 8);
  return {
    words: new Uint32Array(r.buffer, r.byteOffset, r.byteLength >>> 2),
    bytes: r,
    values: new BigUint64Array(s.buffer, s.byteOffset, s.byteLength >>> 3),
    statWords: new Uint32Array(s.buffer, s.byteOffset, s.byteLength >>> 2),
  };
}
