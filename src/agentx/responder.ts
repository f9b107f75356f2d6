import { dispatch, type MibReader, type ResponseBody } from './dispatch.js';
import { ResponseError, type ClosePdu, type Header, type Pdu, type ResponsePdu } from './pdu.js';

/**
 * Answers the master's requests on one connection (RFC 2741 section 7.2), each from one MIB view: the reader is
 * called once per request and dispatch.ts turns the request into its Response body.
 */

/** What the master sends us to answer: every PDU but the Response and Close that the session handles itself. */
export type RequestPdu = Exclude<Pdu, ResponsePdu | ClosePdu>;

/** The MIB view for the next request. */
export type ReadMib = () => MibReader;

export interface ResponderSession {
  /** The id of the session open for requests on this connection; undefined when none is (not yet, or no more). */
  openSessionId(): number | undefined;
  /** Sends the Response to `to` (never throws). */
  respond(to: Header, body: ResponseBody): void;
}

/** The answer to a request on a session that is not open (res.error notOpen, RFC 2741 section 6.2.16). */
const NOT_OPEN: ResponseBody = { error: ResponseError.notOpen, index: 0, varbinds: [] };

export class Responder {
  constructor(
    private readonly readMib: ReadMib,
    private readonly session: ResponderSession,
  ) {}

  answer(pdu: RequestPdu): void {
    const sessionId = this.session.openSessionId();
    if (sessionId === undefined || pdu.sessionId !== sessionId) {
      this.session.respond(pdu, NOT_OPEN);
      return;
    }
    const body = dispatch(pdu, this.readMib());
    if (body) this.session.respond(pdu, body);
  }
}
