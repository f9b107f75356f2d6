import { AgentXDecodeError, type HeaderIds } from './errors.js';
import { HeaderFlag } from './pdu.js';

/** The fixed AgentX header: version, type, flags, reserved, sessionID, transactionID, packetID, payload_length
 * (RFC 2741 section 6.1). */
export const HEADER_LENGTH = 20;

/** h.version of this protocol (RFC 2741 section 6.1). */
export const AGENTX_VERSION = 1;

/** Offset of h.payload_length in the header. */
const PAYLOAD_LENGTH_OFFSET = 16;

/**
 * Largest h.payload_length the framer accepts. snmpd itself refuses AgentX packets over 65536 bytes
 * (agentx_parse in Net-SNMP 5.9.3); 1 MiB leaves room while bounding what a broken peer can make us buffer.
 */
export const MAX_PAYLOAD = 1024 * 1024;

const EMPTY = new Uint8Array(0);

/**
 * Cuts a byte stream into whole AgentX frames (20-byte header plus h.payload_length bytes). Each header's own
 * NETWORK_BYTE_ORDER flag decides how its payload_length is read. Frames are returned as fresh copies the caller
 * may keep; the framer holds at most one incomplete frame, by offset, and copies each byte at most twice.
 *
 * A header whose payload_length is absurd (over MAX_PAYLOAD) or not a multiple of 4 makes push() throw an
 * AgentXDecodeError ('frame-too-large' / 'length-not-multiple-of-4'). Frame boundaries are then lost, so the
 * stream is unusable: the framer stays failed and every later push() throws the same error. Complete frames that
 * preceded the bad header in the same chunk are not returned. The session closes the connection.
 */
export class Framer {
  /** Storage for the incomplete frame: HEADER_LENGTH bytes until its header is in, then the whole frame. */
  private pending: Uint8Array = EMPTY;
  /** Bytes of the incomplete frame received so far. */
  private pendingLength = 0;
  /** Total length of the incomplete frame once its header is in; 0 before. */
  private frameLength = 0;
  private failure: AgentXDecodeError | undefined;

  /** Bytes received that do not yet form a whole frame. */
  get buffered(): number {
    return this.pendingLength;
  }

  /** Every complete frame contained in what has arrived so far, in stream order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failure !== undefined) throw this.failure;
    try {
      return this.cut(chunk);
    } catch (err) {
      if (err instanceof AgentXDecodeError) this.failure = err;
      throw err;
    }
  }

  private cut(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    const n = chunk.length;
    let at = 0;

    if (this.pendingLength > 0) {
      if (this.frameLength === 0) {
        at = this.fill(chunk, 0, HEADER_LENGTH);
        if (this.pendingLength < HEADER_LENGTH) return frames;
        this.frameLength = frameLength(this.pending, 0);
        if (this.frameLength > this.pending.length) {
          const whole = new Uint8Array(this.frameLength);
          whole.set(this.pending.subarray(0, this.pendingLength));
          this.pending = whole;
        }
      }
      at = this.fill(chunk, at, this.frameLength);
      if (this.pendingLength < this.frameLength) return frames;
      // pending was allocated at exactly frameLength bytes: hand it over without copying.
      frames.push(this.pending);
      this.pending = EMPTY;
      this.pendingLength = 0;
      this.frameLength = 0;
    }

    let nextLength = 0;
    while (n - at >= HEADER_LENGTH) {
      nextLength = frameLength(chunk, at);
      if (n - at < nextLength) break;
      const frame = new Uint8Array(nextLength); // a copy: Buffer#slice would be a view
      frame.set(chunk.subarray(at, at + nextLength));
      frames.push(frame);
      at += nextLength;
      nextLength = 0;
    }

    if (at < n) {
      // Keep the remainder: sized for the whole frame when its header is in, else for the header.
      this.frameLength = nextLength;
      this.pending = new Uint8Array(nextLength > 0 ? nextLength : HEADER_LENGTH);
      this.pending.set(chunk.subarray(at));
      this.pendingLength = n - at;
    }
    return frames;
  }

  /** Copies from chunk[at..] into pending until it holds `upTo` bytes or chunk ends; returns the new `at`. */
  private fill(chunk: Uint8Array, at: number, upTo: number): number {
    const take = Math.min(upTo - this.pendingLength, chunk.length - at);
    this.pending.set(chunk.subarray(at, at + take), this.pendingLength);
    this.pendingLength += take;
    return at + take;
  }
}

/** Total length (header + payload) of the frame whose header starts at `at`; checks payload_length. */
function frameLength(bytes: Uint8Array, at: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, HEADER_LENGTH);
  const networkByteOrder = (view.getUint8(2) & HeaderFlag.NetworkByteOrder) !== 0;
  const payloadLength = view.getUint32(PAYLOAD_LENGTH_OFFSET, !networkByteOrder);
  if (payloadLength > MAX_PAYLOAD) {
    throw new AgentXDecodeError(
      'frame-too-large',
      `agentx: payload length ${payloadLength} exceeds ${MAX_PAYLOAD} at offset ${PAYLOAD_LENGTH_OFFSET}`,
      PAYLOAD_LENGTH_OFFSET,
      headerIds(view, networkByteOrder),
    );
  }
  if (payloadLength % 4 !== 0) {
    throw new AgentXDecodeError(
      'length-not-multiple-of-4',
      `agentx: payload length ${payloadLength} is not a multiple of 4 at offset ${PAYLOAD_LENGTH_OFFSET}`,
      PAYLOAD_LENGTH_OFFSET,
      headerIds(view, networkByteOrder),
    );
  }
  return HEADER_LENGTH + payloadLength;
}

function headerIds(view: DataView, networkByteOrder: boolean): HeaderIds {
  const le = !networkByteOrder;
  return {
    type: view.getUint8(1),
    sessionId: view.getUint32(4, le),
    transactionId: view.getUint32(8, le),
    packetId: view.getUint32(12, le),
    networkByteOrder,
  };
}
