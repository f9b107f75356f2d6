import { AgentXDecodeError, type DecodeErrorCode, type HeaderIds } from './errors.js';

/** Most sub-identifiers in one encoded OID: n_subid is 0..128 (RFC 2741 section 5.1). */
export const MAX_SUBIDS = 128;

/** An encoded OID as read: its sub-identifiers (prefix expanded) and its include byte. */
export interface OidField {
  readonly oid: number[];
  readonly include: boolean;
}

/**
 * A cursor over one frame. Every read is checked against the frame end and throws an AgentXDecodeError
 * ('truncated') instead of reading past it. Multi-byte integers follow the byte order given at construction:
 * the PDU's own NETWORK_BYTE_ORDER flag (RFC 2741 section 6.1). Once `header` is set, every error carries it.
 */
export class FrameReader {
  /** Offset of the next unread byte, from the start of the frame. */
  offset = 0;
  readonly end: number;
  header: HeaderIds | undefined;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly littleEndian: boolean;

  constructor(frame: Uint8Array, networkByteOrder: boolean) {
    this.bytes = frame;
    this.view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    this.end = frame.length;
    this.littleEndian = !networkByteOrder;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** An error at `offset` carrying the header IDs when known. Callers `throw reader.fail(...)`. */
  fail(code: DecodeErrorCode, message: string, offset: number): AgentXDecodeError {
    return new AgentXDecodeError(code, message, offset, this.header);
  }

  u8(what: string): number {
    return this.view.getUint8(this.take(1, what));
  }

  u16(what: string): number {
    return this.view.getUint16(this.take(2, what), this.littleEndian);
  }

  u32(what: string): number {
    return this.view.getUint32(this.take(4, what), this.littleEndian);
  }

  i32(what: string): number {
    return this.view.getInt32(this.take(4, what), this.littleEndian);
  }

  /** A 64-bit unsigned integer, entirely in the PDU's byte order (high word first in network order). */
  u64(what: string): bigint {
    return this.view.getBigUint64(this.take(8, what), this.littleEndian);
  }

  skip(n: number, what: string): void {
    this.take(n, what);
  }

  /** Octet String, RFC 2741 section 5.3: a 4-byte length, the octets, padding to a multiple of 4. A copy. */
  octetString(what: string): Uint8Array {
    const at = this.offset;
    const length = this.u32(`${what} length`);
    const padded = length + ((4 - (length % 4)) % 4);
    if (padded > this.end - this.offset) {
      throw this.fail('bad-length', `agentx: ${what} length ${length} exceeds frame at offset ${at}`, at);
    }
    const start = this.offset;
    this.offset += padded;
    const copy = new Uint8Array(length);
    copy.set(this.bytes.subarray(start, start + length));
    return copy;
  }

  /**
   * Object Identifier, RFC 2741 section 5.1: n_subid, prefix, include, reserved, then n_subid 32-bit subids.
   * A non-zero prefix p stands for 1.3.6.1.p before them; n_subid 0 with prefix 0 is the null OID ([]).
   */
  oid(what: string): OidField {
    const at = this.take(4, what);
    const nSubid = this.view.getUint8(at);
    const prefix = this.view.getUint8(at + 1);
    const include = this.view.getUint8(at + 2) !== 0;
    if (nSubid > MAX_SUBIDS) {
      throw this.fail('bad-oid', `agentx: ${what} n_subid ${nSubid} exceeds ${MAX_SUBIDS} at offset ${at}`, at);
    }
    // The context of a truncation is made only when there is one: an OID is read per varbind of every request.
    if (4 * nSubid > this.end - this.offset) this.take(4 * nSubid, `${what} (n_subid ${nSubid} at offset ${at})`);
    const start = this.take(4 * nSubid, what);
    const oid: number[] = prefix !== 0 ? [1, 3, 6, 1, prefix] : [];
    const le = this.littleEndian;
    for (let i = 0, o = start; i < nSubid; i++, o += 4) oid.push(this.view.getUint32(o, le));
    return { oid, include };
  }

  /** Claims `n` bytes at the cursor and returns their offset; throws 'truncated' when the frame is shorter. */
  private take(n: number, what: string): number {
    const at = this.offset;
    if (n > this.end - at) {
      throw this.fail(
        'truncated',
        `agentx: truncated ${what}: needs ${n} bytes at offset ${at}, frame has ${this.end - at}`,
        at,
      );
    }
    this.offset = at + n;
    return at;
  }
}
