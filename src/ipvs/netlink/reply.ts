import { align4, type ByteOrder, readS32, readU16, readU32 } from './bytes.js';
import { NLM_F, NLMSG, NLMSG_HDRLEN } from './constants.js';
import { NetlinkDecodeError, type NetlinkError } from './errors.js';
import { decodeError, decodeHeader, errorFor, type NlMessage } from './message.js';

/**
 * Collects the replies to one request, datagram by datagram, and says when they are complete. Pure: the socket
 * feeds it whatever arrives and resolves or rejects on its verdict.
 *
 * - Messages whose nlmsg_seq is not the request's are ignored (late answers to an abandoned request).
 * - A dump (NLM_F_DUMP) ends with NLMSG_DONE; a negative status in DONE is an error.
 * - NLMSG_ERROR with a non-zero error ends any request with that errno; with 0 it is the ACK that ends a request
 *   sent with NLM_F_ACK.
 * - A request with neither NLM_F_DUMP nor NLM_F_ACK ends with its first reply (unless that one is NLM_F_MULTI).
 *
 * The messages collected are views into the datagrams fed, not copies: the socket layer hands over a buffer of its
 * own for every datagram (the netlink package allocates one per recvmsg(), binding.cc Recvmsg()), and a 10,000-service
 * dump is millions of bytes that would otherwise be copied once more.
 */
export type ReplyState =
  | { readonly kind: 'pending' }
  | { readonly kind: 'done'; readonly messages: readonly Uint8Array[] }
  | { readonly kind: 'error'; readonly error: NetlinkError };

const PENDING: ReplyState = { kind: 'pending' };

export class ReplyCollector {
  private readonly seq: number;
  private readonly flags: number;
  private readonly little: boolean;
  private readonly messages: Uint8Array[] = [];
  private multipart = false;
  private state: ReplyState = PENDING;

  constructor(
    request: Uint8Array,
    private readonly order: ByteOrder,
    /** Names the request in errors ("IPVS_CMD_GET_SERVICE"). */
    private readonly context: string,
  ) {
    const h = decodeHeader(request, 0, order);
    this.seq = h.seq;
    this.flags = h.flags;
    this.little = order === 'little';
  }

  get result(): ReplyState {
    return this.state;
  }

  /**
   * Feeds one datagram; returns the state after it. Throws NetlinkDecodeError on malformed framing anywhere in the
   * datagram, as splitMessages() would: every message's length is checked, also after the one that ends the request.
   */
  feed(datagram: Uint8Array): ReplyState {
    if (this.state.kind !== 'pending') return this.state;
    // Subarrays of a Buffer are Buffers, slower to make; these are plain views of the same bytes.
    const bytes =
      datagram.constructor === Uint8Array ? datagram : new Uint8Array(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    const end = bytes.length;
    let verdict: ReplyState | undefined;
    for (let at = 0; at < end; ) {
      // NLMSG_OK: a whole header, and a length within what is left
      const left = end - at;
      if (left < NLMSG_HDRLEN) throw new NetlinkDecodeError('nlmsghdr', at, `${left} byte(s), need ${NLMSG_HDRLEN}`);
      const length = readU32(bytes, at, this.little);
      if (length < NLMSG_HDRLEN || length > left) {
        throw new NetlinkDecodeError('nlmsghdr', at, `nlmsg_len ${length}, ${left} byte(s) available`);
      }
      if (verdict === undefined && readU32(bytes, at + 8, this.little) === this.seq) verdict = this.take(bytes, at, length);
      at = Math.min(at + align4(length), end); // NLMSG_NEXT
    }
    if (verdict !== undefined) this.state = verdict;
    return this.state;
  }

  /** One message of this request: kept, or the state that ends the request. */
  private take(bytes: Uint8Array, at: number, length: number): ReplyState | undefined {
    switch (readU16(bytes, at + 4, this.little)) {
      case NLMSG.NOOP:
        return undefined;
      case NLMSG.ERROR: {
        const e = decodeError(messageAt(bytes, at, length, this.order), this.order);
        if (e.errno !== 0) return { kind: 'error', error: errorFor(e.errno, e.kernelMessage, this.context) };
        return { kind: 'done', messages: this.messages };
      }
      case NLMSG.DONE: {
        // decodeDone(), read in place: an int status after the header, if there is one (0 or -errno)
        const status = length - NLMSG_HDRLEN >= 4 ? readS32(bytes, at + NLMSG_HDRLEN, this.little) : 0;
        if (status < 0) return { kind: 'error', error: errorFor(-status, undefined, this.context) };
        return { kind: 'done', messages: this.messages };
      }
      case NLMSG.OVERRUN:
        return { kind: 'error', error: errorFor(105 /* ENOBUFS */, 'NLMSG_OVERRUN', this.context) };
      default:
        this.messages.push(bytes.subarray(at, at + length));
        if (readU16(bytes, at + 6, this.little) & NLM_F.MULTI) this.multipart = true;
        if (!this.multipart && !(this.flags & (NLM_F.DUMP | NLM_F.ACK))) return { kind: 'done', messages: this.messages };
        return undefined;
    }
  }

}

/** The NLMSG_ERROR message at `at` as decodeError() takes it. */
function messageAt(bytes: Uint8Array, at: number, length: number, order: ByteOrder): NlMessage {
  return {
    header: decodeHeader(bytes, at, order),
    payload: bytes.subarray(at + NLMSG_HDRLEN, at + length),
    bytes: bytes.subarray(at, at + length),
    offset: at,
  };
}
