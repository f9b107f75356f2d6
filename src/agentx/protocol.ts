import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { ContextName } from './context.js';
import { decodePdu } from './decode.js';
import type { ResponseBody } from './dispatch.js';
import { encodePdu } from './encode.js';
import { AgentXDecodeError } from './errors.js';
import { Framer } from './framer.js';
import type { MasterClock } from './master-clock.js';
import { CloseReason, PduType, ResponseError, type Header, type Oid, type Pdu, type ResponsePdu, type VarBind } from './pdu.js';
import { PendingResponses, SessionLostError, pduName, type PacketIds } from './pending-responses.js';
import { Responder, type ReadMib } from './responder.js';

/**
 * The AgentX session on one connection, as the subagent plays it (RFC 2741 section 7.1): Open, Register, then
 * answer the master's requests (through responder.ts and dispatch.ts) until the connection ends. Bytes come in
 * through receive() and go out through the link. It never reconnects: the connection lifecycle (connection.ts)
 * does, and each new connection gets a new SessionProtocol.
 *
 * What cannot be read (decoders throw, this layer decides):
 *  - a PDU whose header is readable but whose body is not: a parseError Response (RFC 2741 section 7.2.2);
 *  - a stream that cannot be cut into frames any more: Close(parseError), then drop the connection;
 *  - a Close from the master: drop the connection. Dropping it makes the lifecycle reconnect.
 */

/** What the protocol needs of its connection; a net.Socket is one. */
export interface Link {
  readonly destroyed: boolean;
  write(bytes: Uint8Array): unknown;
  /** Sends what is queued, then ends the connection. */
  end(): unknown;
  /** Drops the connection at once, queued bytes and all (the lifecycle then reconnects). */
  destroy(): void;
}

export interface ProtocolOptions {
  readonly description: string;
  /** o.id of the Open PDU: the subagent's identity. */
  readonly id: Oid;
  readonly subtree: Oid;
  /**
   * The context the subtree is registered in (RFC 2741 section 6.2.3); undefined is the default context. Register,
   * Notify and Ping carry it; requests for any other context are answered unsupportedContext.
   */
  readonly context?: ContextName;
  readonly priority: number;
  /** o.timeout in seconds (0 = master default). */
  readonly timeoutSeconds: number;
  /** How long we wait for the master's Response to our own PDUs. */
  readonly responseTimeoutMs: number;
  readonly clock: MasterClock;
  /**
   * Pings sent at most right after registering, while the master's clock is still uncertain (its Responses so far
   * came back slowly: master-clock.ts), 100 ms after registering and then at doubling gaps.
   */
  readonly calibrationPings: number;
  readonly reader: ReadMib;
  readonly packetIds: PacketIds;
  readonly log: Logger;
}

/**
 * 'opening' until the master answers our Open; 'open' from then on (RFC 2741 section 7.1.1: the session exists
 * once the Open is answered), registered or not — the master's first request can arrive in the same read as its
 * Response to our Register, before the handshake has seen that Response; 'closed' once we said Close or the
 * connection ended: requests get notOpen.
 */
type Phase = 'opening' | 'open' | 'closed';

/** The first gap between calibration Pings (ms); each next one is twice as long. */
const CALIBRATION_GAP_MS = 100;

/** How long stop() waits for the master to answer our Close(shutdown). */
const CLOSE_WAIT_MS = 500;

/**
 * How long the connection may take to end after a Close of ours for a stream we could not read (hangUp): time for a
 * master that is slow to read to take the answers queued before it, as long as it would wait for one answer.
 */
const HANG_UP_WAIT_MS = 5000;

export class SessionProtocol {
  private phase: Phase = 'opening';
  private registered = false;
  /** Set while the connection ends after a Close of ours (hangUp): the timer that cuts it off. */
  private hangingUp: ReturnType<typeof setTimeout> | undefined;
  /** The wait before the next calibration Ping, while one is due. */
  private calibrating: ReturnType<typeof setTimeout> | undefined;
  /** h.sessionID the master gave us; 0 until it answers Open. */
  private sessionId = 0;
  private readonly framer = new Framer();
  private readonly pending = new PendingResponses();
  private readonly responder: Responder;

  constructor(
    private readonly link: Link,
    private readonly options: ProtocolOptions,
  ) {
    this.responder = new Responder(
      options.reader,
      {
        openSessionId: () => (this.isOpen ? this.sessionId : undefined),
        respond: (to, body) => this.respond(to, body),
        fail: (err) => {
          options.log.error({ err, where: 'answer' }, 'agentx: unexpected error in handler; resetting connection');
          link.destroy();
        },
      },
      options.log,
      options.context,
    );
  }

  /** A session is open: the master's requests on it are answered. */
  get isOpen(): boolean {
    return this.phase === 'open';
  }

  /** The session is open and our subtree registered: Pings and Notify may go out. */
  get isRegistered(): boolean {
    return this.isOpen && this.registered;
  }

  /** Opens the session and registers our subtree (RFC 2741 sections 6.2.1, 6.2.3); resolves with the session id. */
  async open(): Promise<number> {
    const { options } = this;
    const opened = await this.request({
      type: PduType.Open,
      sessionId: 0,
      transactionId: 0,
      packetId: options.packetIds.take(),
      timeout: options.timeoutSeconds,
      id: options.id,
      description: options.description,
    });
    if (opened.error !== ResponseError.noAgentXError) {
      throw new Error(`master refused Open: ${errorName(opened.error)} (${opened.error})`);
    }
    if (this.phase !== 'opening') throw new SessionLostError('agentx: session closed while opening');
    this.sessionId = opened.sessionId;
    this.phase = 'open';
    const registered = await this.request({
      type: PduType.Register,
      ...this.ids(),
      ...this.inContext(),
      timeout: 0,
      priority: options.priority,
      rangeSubid: 0,
      subtree: options.subtree,
    });
    if (registered.error !== ResponseError.noAgentXError) {
      throw new Error(
        `master refused Register of ${options.subtree.join('.')}: ${errorName(registered.error)} (${registered.error})` +
          (registered.error === ResponseError.duplicateRegistration
            ? '; another agent (or a stale session of ours) serves this subtree at the same priority'
            : ''),
      );
    }
    if (!this.isOpen) throw new SessionLostError('agentx: session closed while registering');
    this.registered = true;
    this.calibrate(0, CALIBRATION_GAP_MS);
    return this.sessionId;
  }

  /**
   * Pings the master while its clock is uncertain, up to calibrationPings times: each Response narrows where the
   * master's sysUpTime started (master-clock.ts), so TimeStamps are right from the first seconds of a session, not
   * only after the first keep-alive Ping.
   */
  private calibrate(sent: number, gapMs: number): void {
    if (sent >= this.options.calibrationPings || !this.options.clock.uncertain) return;
    this.calibrating = setTimeout(() => {
      this.calibrating = undefined;
      if (!this.isRegistered || !this.options.clock.uncertain) return;
      this.ping().then(
        () => this.calibrate(sent + 1, gapMs * 2),
        (err: unknown) => this.options.log.debug({ err: (err as Error).message }, 'agentx: calibration Ping not answered'),
      );
    }, gapMs);
  }

  ping(): Promise<ResponsePdu> {
    return this.request({ type: PduType.Ping, ...this.ids(), ...this.inContext() });
  }

  notify(varbinds: readonly VarBind[]): Promise<ResponsePdu> {
    return this.request({ type: PduType.Notify, varbinds, ...this.ids(), ...this.inContext() });
  }

  /** We stop: Close(shutdown) if registered, waiting up to 500 ms for its Response; every other wait fails. */
  async shutdown(): Promise<void> {
    clearTimeout(this.calibrating);
    const wasRegistered = this.isRegistered;
    this.phase = 'closed';
    if (wasRegistered && !this.link.destroyed) {
      try {
        await this.request({ type: PduType.Close, reason: CloseReason.shutdown, ...this.ids() }, CLOSE_WAIT_MS);
      } catch (err) {
        this.options.log.debug({ err }, 'no response to Close; ending the connection anyway');
      }
    }
    this.pending.failAll(new SessionLostError('agentx: session stopped'));
  }

  /**
   * Ends the connection after what is queued on it: the answers to earlier requests, then our Close, which a
   * destroy() would throw away when the master reads slowly. A master that has not taken them within
   * HANG_UP_WAIT_MS is cut off.
   */
  private hangUp(): void {
    this.link.end();
    this.hangingUp = setTimeout(() => this.link.destroy(), HANG_UP_WAIT_MS);
  }

  /** The connection ended: every wait fails, and the master's clock must anchor again on the next session. */
  connectionClosed(): void {
    clearTimeout(this.hangingUp);
    clearTimeout(this.calibrating);
    this.phase = 'closed';
    this.pending.failAll(new SessionLostError('agentx: connection closed'));
    this.options.clock.reset();
  }

  /** Bytes from the master: every whole PDU in them, in order. */
  receive(chunk: Uint8Array): void {
    let frames: Uint8Array[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      // The stream lost its framing: nothing after this point can be trusted. Tell the master, start over.
      if (this.hangingUp !== undefined) return; // the rest of a stream already given up on
      this.options.log.error({ err: (err as Error).message }, 'agentx stream unreadable; closing session and reconnecting');
      this.send({ type: PduType.Close, reason: CloseReason.parseError, ...this.ids() });
      this.hangUp();
      return;
    }
    for (const frame of frames) this.onFrame(frame);
  }

  private onFrame(frame: Uint8Array): void {
    let pdu: Pdu;
    try {
      pdu = decodePdu(frame);
    } catch (err) {
      if (err instanceof AgentXDecodeError && err.header) {
        // RFC 2741 section 7.2.2: a PDU that cannot be parsed is answered with parseError.
        this.options.log.warn(
          { err: err.message, code: err.code, packetId: err.header.packetId },
          'agentx: malformed PDU answered with parseError',
        );
        if (err.header.type !== PduType.Response) {
          this.respond(err.header, { error: ResponseError.parseError, index: 0, varbinds: [] });
        }
        return;
      }
      this.options.log.error({ err: (err as Error).message }, 'agentx: undecodable PDU; reconnecting');
      this.link.destroy();
      return;
    }
    this.onPdu(pdu);
  }

  private onPdu(pdu: Pdu): void {
    switch (pdu.type) {
      case PduType.Response: {
        const receivedAt = performance.now();
        const sentAt = this.pending.settle(pdu);
        if (sentAt === undefined) {
          // Without the time of its request it does not bound the master's clock (master-clock.ts).
          this.options.log.debug({ packetId: pdu.packetId }, 'agentx: response to nothing we are waiting for');
        } else {
          this.options.clock.observe(pdu.sysUpTime, sentAt, receivedAt);
        }
        return;
      }
      case PduType.Close:
        this.options.log.warn({ reason: pdu.reason }, 'agentx master closed the session; reconnecting');
        this.link.destroy();
        return;
      default:
        this.responder.answer(pdu);
    }
  }

  private request(pdu: Pdu, timeoutMs = this.options.responseTimeoutMs): Promise<ResponsePdu> {
    if (this.link.destroyed || this.hangingUp !== undefined) return Promise.reject(new SessionLostError('agentx: not connected'));
    return this.pending.expect(pdu.packetId, pdu.type, timeoutMs, () => this.link.write(encodePdu(pdu)));
  }

  /** A Response to `to` (its ids copied, RFC 2741 section 6.2.16), stamped with the master's sysUpTime. */
  private respond(to: Pick<Header, 'sessionId' | 'transactionId' | 'packetId'>, body: ResponseBody): void {
    this.send({
      type: PduType.Response,
      sessionId: to.sessionId,
      transactionId: to.transactionId,
      packetId: to.packetId,
      sysUpTime: this.options.clock.sysUpTime(performance.now()),
      ...body,
    });
  }

  private send(pdu: Pdu): void {
    try {
      if (!this.link.destroyed && this.hangingUp === undefined) this.link.write(encodePdu(pdu));
    } catch (err) {
      this.options.log.error({ err: (err as Error).message, type: pduName(pdu.type) }, 'agentx: could not encode a PDU; not sent');
    }
  }

  /** The context field of the PDUs that name ours (none for the default context: no NON_DEFAULT_CONTEXT flag). */
  private inContext(): { context?: Uint8Array } {
    const context = this.options.context;
    return context !== undefined && context.length > 0 ? { context } : {};
  }

  private ids(): { sessionId: number; transactionId: number; packetId: number } {
    return { sessionId: this.sessionId, transactionId: 0, packetId: this.options.packetIds.take() };
  }
}

function errorName(code: number): string {
  for (const [name, value] of Object.entries(ResponseError)) if (value === code) return name;
  return 'unknown';
}
