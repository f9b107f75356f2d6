import type { ByteOrder } from './bytes.js';
import { NLM_F, NLMSG } from './constants.js';
import type { NetlinkError } from './errors.js';
import { decodeDone, decodeError, decodeHeader, errorFor, splitMessages } from './message.js';

/**
 * Collects the replies to one request, datagram by datagram, and says when they are complete. Pure: the socket
 * feeds it whatever arrives and resolves or rejects on its verdict.
 *
 * - Messages whose nlmsg_seq is not the request's are ignored (late answers to an abandoned request).
 * - A dump (NLM_F_DUMP) ends with NLMSG_DONE; a negative status in DONE is an error.
 * - NLMSG_ERROR with a non-zero error ends any request with that errno; with 0 it is the ACK that ends a request
 *   sent with NLM_F_ACK.
 * - A request with neither NLM_F_DUMP nor NLM_F_ACK ends with its first reply (unless that one is NLM_F_MULTI).
 */
export type ReplyState =
  | { readonly kind: 'pending' }
  | { readonly kind: 'done'; readonly messages: readonly Uint8Array[] }
  | { readonly kind: 'error'; readonly error: NetlinkError };

export class ReplyCollector {
  private readonly seq: number;
  private readonly flags: number;
  private readonly messages: Uint8Array[] = [];
  private multipart = false;
  private state: ReplyState = { kind: 'pending' };

  constructor(
    request: Uint8Array,
    private readonly order: ByteOrder,
    /** Names the request in errors ("IPVS_CMD_GET_SERVICE"). */
    private readonly context: string,
  ) {
    const h = decodeHeader(request, 0, order);
    this.seq = h.seq;
    this.flags = h.flags;
  }

  get result(): ReplyState {
    return this.state;
  }

  /** Feeds one datagram; returns the state after it. Throws NetlinkDecodeError on malformed framing. */
  feed(datagram: Uint8Array): ReplyState {
    if (this.state.kind !== 'pending') return this.state;
    for (const m of splitMessages(datagram, this.order)) {
      if (m.header.seq !== this.seq) continue;
      switch (m.header.type) {
        case NLMSG.NOOP:
          continue;
        case NLMSG.ERROR: {
          const e = decodeError(m, this.order);
          if (e.errno !== 0)
            return this.finish({ kind: 'error', error: errorFor(e.errno, e.kernelMessage, this.context) });
          return this.finish({ kind: 'done', messages: this.messages });
        }
        case NLMSG.DONE: {
          const errno = decodeDone(m, this.order);
          if (errno !== 0) return this.finish({ kind: 'error', error: errorFor(errno, undefined, this.context) });
          return this.finish({ kind: 'done', messages: this.messages });
        }
        case NLMSG.OVERRUN:
          return this.finish({ kind: 'error', error: errorFor(105 /* ENOBUFS */, 'NLMSG_OVERRUN', this.context) });
        default:
          // Copy: the datagram's buffer belongs to the socket layer.
          this.messages.push(m.bytes.slice());
          if (m.header.flags & NLM_F.MULTI) this.multipart = true;
          if (!this.multipart && !(this.flags & (NLM_F.DUMP | NLM_F.ACK))) {
            return this.finish({ kind: 'done', messages: this.messages });
          }
      }
    }
    return this.state;
  }

  private finish(state: ReplyState): ReplyState {
    this.state = state;
    return state;
  }
}
