import type { Logger } from 'pino';
import { contextRefusal, contextText, type ContextName } from './context.js';
import { dispatch, type MibReader, type ResponseBody } from './dispatch.js';
import { PduType, ResponseError, ValueType, type ClosePdu, type Header, type Oid, type Pdu, type ResponsePdu } from './pdu.js';

/**
 * Answers the master's requests on one connection (RFC 2741 section 7.2), each from one MIB view, in the order
 * they arrived. The view comes from the reader, called once per request: a synchronous reader is answered at
 * once, on the spot (the per-varbind cost of a bulk walk: no promise, no queue); a reader that returns a Promise
 * holds the request, and every request after it queues, until the Promise settles. An answer is dropped when the
 * session it was asked on is no longer open by then; a rejected reader is answered genErr. A request for another
 * context than the one registered is answered unsupportedContext without asking the reader (context.ts).
 */

/** What the master sends us to answer: every PDU but the Response and Close that the session handles itself. */
export type RequestPdu = Exclude<Pdu, ResponsePdu | ClosePdu>;

/** The MIB view for the next request. */
export type ReadMib = () => MibReader | Promise<MibReader>;

export interface ResponderSession {
  /** The id of the session open for requests on this connection; undefined when none is (not yet, or no more). */
  openSessionId(): number | undefined;
  /** Sends the Response to `to` (never throws). */
  respond(to: Header, body: ResponseBody): void;
  /** Something unexpected was thrown while answering asynchronously: reset the connection. */
  fail(err: unknown): void;
}

/** The answer to a request on a session that is not open (res.error notOpen, RFC 2741 section 6.2.16). */
const NOT_OPEN: ResponseBody = { error: ResponseError.notOpen, index: 0, varbinds: [] };

export class Responder {
  /** Requests that arrived while an earlier one waited for its reader, oldest first. */
  private queue: RequestPdu[] = [];
  /** A request is waiting for its reader's Promise: whatever arrives meanwhile queues behind it. */
  private waiting = false;

  constructor(
    private readonly readMib: ReadMib,
    private readonly session: ResponderSession,
    private readonly log: Logger,
    /** The context our subtree is registered in (undefined: the default context). */
    private readonly context: ContextName = undefined,
  ) {}

  answer(pdu: RequestPdu): void {
    if (this.waiting) this.queue.push(pdu);
    else this.answerNow(pdu);
  }

  private answerNow(pdu: RequestPdu): void {
    const sessionId = this.session.openSessionId();
    if (sessionId === undefined || pdu.sessionId !== sessionId) {
      this.session.respond(pdu, NOT_OPEN);
      return;
    }
    const refused = contextRefusal(pdu, this.context);
    if (refused !== undefined) {
      this.log.debug(
        { packetId: pdu.packetId, context: contextText(pdu.context), served: contextText(this.context) },
        'agentx: request for a context we do not serve answered with unsupportedContext',
      );
      this.session.respond(pdu, refused);
      return;
    }
    const mib = this.readMib();
    if (mib instanceof Promise) {
      this.wait(pdu, sessionId, mib);
      return;
    }
    const body = dispatch(pdu, mib);
    if (body) this.session.respond(pdu, body);
  }

  private wait(pdu: RequestPdu, sessionId: number, mib: Promise<MibReader>): void {
    this.waiting = true;
    mib
      .then(
        (reader) => dispatch(pdu, reader),
        (err: unknown) => {
          this.log.debug({ err, packetId: pdu.packetId }, 'agentx: MIB reader failed; request answered with genErr');
          return readerFailed(pdu);
        },
      )
      .then((body) => {
        this.waiting = false;
        if (this.session.openSessionId() !== sessionId) {
          this.log.debug({ packetId: pdu.packetId }, 'agentx: session gone while the MIB reader was pending; answer dropped');
          this.queue = [];
          return;
        }
        if (body) this.session.respond(pdu, body);
        this.drain();
      })
      .catch((err: unknown) => this.session.fail(err));
  }

  private drain(): void {
    while (!this.waiting) {
      const next = this.queue.shift();
      if (next === undefined) return;
      this.answerNow(next);
    }
  }
}

/**
 * The answer when no MIB view could be had: genErr, the request's varbinds repeated with the index at the first
 * (as dispatch does for a failing varbind, RFC 2741 section 7.2.3); CleanupSet still gets no Response.
 */
function readerFailed(pdu: RequestPdu): ResponseBody | undefined {
  if (pdu.type === PduType.CleanupSet) return undefined;
  const names: readonly Oid[] =
    'ranges' in pdu ? pdu.ranges.map((r) => r.start) : 'varbinds' in pdu ? pdu.varbinds.map((v) => v.name) : [];
  return {
    error: ResponseError.genErr,
    index: names.length > 0 ? 1 : 0,
    varbinds: names.map((name) => ({ name, value: { type: ValueType.Null } })),
  };
}
