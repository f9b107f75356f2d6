import { AgentXEncodeError } from './errors.js';
import type { Oid } from './pdu.js';
import { MAX_SUBIDS } from './reader.js';

const MAX_U64 = (1n << 64n) - 1n;

/**
 * Appends AgentX encodings (RFC 2741 section 5) to a zero-filled buffer that grows geometrically, so a PDU costs
 * a handful of allocations whatever its size. Multi-byte integers follow the byte order given at construction.
 * Every write checks that the value fits its field and throws an AgentXEncodeError naming `field` otherwise:
 * a malformed PDU is never produced. Reserved and padding bytes are left zero.
 */
export class FrameWriter {
  /** Bytes written so far. */
  length = 0;
  private buf: Buffer;
  private view: DataView;
  private readonly littleEndian: boolean;

  constructor(networkByteOrder: boolean, initialCapacity = 256) {
    this.littleEndian = !networkByteOrder;
    this.buf = zeroed(Math.max(64, initialCapacity));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  u8(value: number, field: string): void {
    if (typeof value !== 'number' || (value & 0xff) !== value) throw badField(field, value, 'a byte (0..255)');
    const at = this.claim(1);
    this.view.setUint8(at, value);
  }

  u16(value: number, field: string): void {
    if (typeof value !== 'number' || (value & 0xffff) !== value) {
      throw badField(field, value, 'a 16-bit unsigned integer');
    }
    const at = this.claim(2);
    this.view.setUint16(at, value, this.littleEndian);
  }

  u32(value: number, field: string): void {
    if (typeof value !== 'number' || value >>> 0 !== value) throw badField(field, value, 'a 32-bit unsigned integer');
    const at = this.claim(4);
    this.view.setUint32(at, value, this.littleEndian);
  }

  i32(value: number, field: string): void {
    if (typeof value !== 'number' || (value | 0) !== value) throw badField(field, value, 'a 32-bit signed integer');
    const at = this.claim(4);
    this.view.setInt32(at, value, this.littleEndian);
  }

  /** A 64-bit unsigned integer, entirely in the PDU's byte order (high word first in network order). */
  u64(value: bigint, field: string): void {
    if (typeof value !== 'bigint' || value < 0n || value > MAX_U64) {
      throw badField(field, value, 'a 64-bit unsigned integer');
    }
    const at = this.claim(8);
    this.view.setBigUint64(at, value, this.littleEndian);
  }

  /** `n` zero bytes (reserved fields). */
  zeros(n: number): void {
    this.claim(n);
  }

  /** Octet String, RFC 2741 section 5.3: 4-byte length, the octets, zero padding to a multiple of 4. */
  octetString(value: Uint8Array, field: string): void {
    if (!(value instanceof Uint8Array)) {
      throw new AgentXEncodeError('bad-value', field, `agentx: cannot encode ${field}: not a Uint8Array`);
    }
    const length = value.length;
    this.u32(length, field);
    const at = this.claim(length + ((4 - (length % 4)) % 4));
    this.buf.set(value, at);
  }

  /**
   * Object Identifier, RFC 2741 section 5.1. An OID of 5 or more subids starting 1.3.6.1.p with p in 1..255 is
   * sent with prefix p and the remaining subids (the compression Net-SNMP also applies); others uncompressed.
   */
  oid(oid: Oid, include: boolean, field: string): void {
    const n = oid.length;
    if (n > MAX_SUBIDS) {
      throw new AgentXEncodeError('bad-oid', field, `agentx: cannot encode ${field}: ${n} sub-identifiers exceed 128`);
    }
    let prefix = 0;
    let from = 0;
    if (n >= 5 && oid[0] === 1 && oid[1] === 3 && oid[2] === 6 && oid[3] === 1) {
      const p = oid[4] ?? 0;
      if (p >= 1 && p <= 255 && Number.isInteger(p)) {
        prefix = p;
        from = 5;
      }
    }
    const at = this.claim(4 + 4 * (n - from));
    const view = this.view;
    view.setUint8(at, n - from);
    view.setUint8(at + 1, prefix);
    view.setUint8(at + 2, include ? 1 : 0);
    const le = this.littleEndian;
    for (let i = from, o = at + 4; i < n; i++, o += 4) {
      const subid = oid[i] ?? -1;
      if (typeof subid !== 'number' || subid >>> 0 !== subid) {
        throw new AgentXEncodeError(
          'bad-oid',
          field,
          `agentx: cannot encode ${field}: sub-identifier ${String(oid[i])} at index ${i} is not in 0..4294967295`,
        );
      }
      view.setUint32(o, subid, le);
    }
  }

  /** Overwrites a 32-bit field written earlier (h.payload_length). */
  patchU32(at: number, value: number): void {
    this.view.setUint32(at, value, this.littleEndian);
  }

  /** The bytes written, as a view of the writer's buffer; the writer must not be used afterwards. */
  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Claims `n` bytes at the end, growing the buffer geometrically; returns their offset. */
  private claim(n: number): number {
    const at = this.length;
    const end = at + n;
    if (end > this.buf.length) this.grow(end);
    this.length = end;
    return at;
  }

  private grow(needed: number): void {
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = zeroed(capacity);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}

/**
 * A zero-filled buffer. Buffer.alloc gives every response an ArrayBuffer of its own; allocUnsafe takes small ones
 * from Node's shared pool (one allocation per 8 KiB of responses), and the fill makes it as clean.
 */
function zeroed(size: number): Buffer {
  return Buffer.allocUnsafe(size).fill(0);
}

function badField(field: string, value: unknown, what: string): AgentXEncodeError {
  return new AgentXEncodeError('bad-field', field, `agentx: cannot encode ${field}: ${String(value)} is not ${what}`);
}
