import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { decodePdu } from './decode.js';
import { dispatch, type MibReader } from './dispatch.js';
import { encodePdu } from './encode.js';
import { AgentXDecodeError } from './errors.js';
import { Framer } from './framer.js';
import type { MasterClock } from './master-clock.js';
import {
  CloseReason,
  PduType,
  ResponseError,
  type Oid,
  type Pdu,
  type ResponsePdu,
  type VarBind,
} from './pdu.js';
import { connectTransport, formatTransportAddress, type TransportAddress } from './transport.js';

/**
 * One AgentX subagent session with its master (RFC 2741 section 7.1), kept alive forever: connect, Open,
 * Register, answer requests, Ping; after any loss (socket closed, connection refused, socket file missing while
 * snmpd restarts, Ping timeout, master Close) reconnect with capped exponential backoff, open a new session and
 * register again. Nothing thrown inside a socket handler escapes: each failure is one log line and a reaction.
 */

export interface SessionOptions {
  readonly address: TransportAddress;
  readonly description: string;
  /** o.id of the Open PDU: the subagent's identity. */
  readonly id: Oid;
  readonly subtree: Oid;
  readonly priority?: number;
  /** o.timeout in seconds (0 = master default). One byte. */
  readonly timeoutSeconds?: number;
  readonly pingIntervalMs?: number;
  /** How long we wait for the master's Response to our own PDUs. */
  readonly responseTimeoutMs?: number;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly logger: Logger;
  readonly clock: MasterClock;
  /** The MIB view to answer the next request from; called once per request. */
  readonly reader: () => MibReader;
}

type State = 'idle' | 'connecting' | 'opening' | 'registering' | 'ready' | 'stopped';

interface Pending {
  readonly resolve: (pdu: ResponsePdu) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class SessionLostError extends Error {
  override readonly name = 'SessionLostError';
}

export class AgentXSession extends EventEmitter<{ ready: [sessionId: number]; down: [reason: string] }> {
  private state: State = 'idle';
  private socket: net.Socket | undefined;
  private framer = new Framer();
  private sessionId = 0;
  private nextPacketId = 1;
  private readonly pending = new Map<number, Pending>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private readonly log: Logger;
  private pingIntervalMs: number;
  private lastProblem: string | undefined;

  constructor(private readonly options: SessionOptions) {
    super();
    this.pingIntervalMs = options.pingIntervalMs ?? 15_000;
    this.log = options.logger.child({ component: 'agentx', socket: formatTransportAddress(options.address) });
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  /** Sends Close(shutdown) when a session is open, then ends the connection; no reconnect afterwards. */
  async stop(): Promise<void> {
    const wasReady = this.state === 'ready';
    this.state = 'stopped';
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    if (wasReady && socket && !socket.destroyed) {
      try {
        await this.request({ type: PduType.Close, reason: CloseReason.shutdown, ...this.ids() }, 500);
      } catch (err) {
        this.log.debug({ err }, 'no response to Close; ending the connection anyway');
      }
    }
    this.failPending(new SessionLostError('agentx: session stopped'));
    if (socket) await new Promise<void>((resolve) => socket.end(resolve));
    socket?.destroy();
    this.socket = undefined;
  }

  /** Changes the Ping interval; applies at once when a session is open. */
  setPingInterval(ms: number): void {
    this.pingIntervalMs = ms;
    if (this.state === 'ready' && this.socket) this.startPings(this.socket);
  }

  /** Sends a Notify (RFC 2741 section 6.2.10) and waits for the master's Response. */
  async notify(varbinds: readonly VarBind[]): Promise<ResponsePdu> {
    if (this.state !== 'ready') throw new SessionLostError('agentx: no open session to send a Notify on');
    return this.request({ type: PduType.Notify, varbinds, ...this.ids() });
  }

  private connect(): void {
    this.state = 'connecting';
    this.framer = new Framer();
    const socket = connectTransport(this.options.address);
    this.socket = socket;
    // A TCP master that drops SYNs would otherwise hold us for the kernel's connect timeout (minutes).
    const connectTimer = setTimeout(() => socket.destroy(new Error('connect timed out after 5 s')), 5000);
    socket.once('close', () => clearTimeout(connectTimer));
    socket.on('connect', () => {
      clearTimeout(connectTimer);
      this.guard('connect', () => void this.handshake(socket));
    });
    socket.on('data', (chunk: Buffer) => this.guard('data', () => this.onData(socket, chunk)));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // 'close' follows every 'error'; the reconnect happens there.
      this.problem({ code: err.code, err: err.message }, 'agentx connection error', err.code ?? err.message);
    });
    socket.on('close', () => this.guard('close', () => this.onClose(socket)));
  }

  private async handshake(socket: net.Socket): Promise<void> {
    try {
      this.state = 'opening';
      const opened = await this.request({
        type: PduType.Open,
        sessionId: 0,
        transactionId: 0,
        packetId: this.packetId(),
        timeout: this.options.timeoutSeconds ?? 0,
        id: this.options.id,
        description: this.options.description,
      });
      if (opened.error !== ResponseError.noAgentXError) {
        throw new Error(`master refused Open: ${errorName(opened.error)} (${opened.error})`);
      }
      this.sessionId = opened.sessionId;
      this.state = 'registering';
      const registered = await this.request({
        type: PduType.Register,
        ...this.ids(),
        timeout: 0,
        priority: this.options.priority ?? 127,
        rangeSubid: 0,
        subtree: this.options.subtree,
      });
      if (registered.error !== ResponseError.noAgentXError) {
        throw new Error(
          `master refused Register of ${this.options.subtree.join('.')}: ${errorName(registered.error)} (${registered.error})` +
            (registered.error === ResponseError.duplicateRegistration
              ? '; another agent (or a stale session of ours) serves this subtree at the same priority'
              : ''),
        );
      }
      this.state = 'ready';
      this.attempt = 0;
      this.lastProblem = undefined;
      this.startPings(socket);
      this.log.info({ sessionId: this.sessionId }, 'agentx session open, LVS-MIB registered');
      this.emit('ready', this.sessionId);
    } catch (err) {
      if (socket !== this.socket || this.state === 'stopped') return;
      this.problem({ err: (err as Error).message }, 'agentx handshake failed; will reconnect', (err as Error).message);
      socket.destroy();
    }
  }

  private startPings(socket: net.Socket): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (socket !== this.socket || this.state !== 'ready') return;
      this.request({ type: PduType.Ping, ...this.ids() }).catch((err: Error) => {
        if (socket !== this.socket || this.state !== 'ready') return;
        this.log.warn({ err: err.message }, 'agentx master did not answer Ping; reconnecting');
        socket.destroy();
      });
    }, this.pingIntervalMs);
    this.pingTimer.unref();
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    let frames: Uint8Array[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      // The stream lost its framing: nothing after this point can be trusted. Tell the master, start over.
      this.log.error({ err: (err as Error).message }, 'agentx stream unreadable; closing session and reconnecting');
      this.sendQuietly(socket, { type: PduType.Close, reason: CloseReason.parseError, ...this.ids() });
      socket.destroy();
      return;
    }
    for (const frame of frames) this.onFrame(socket, frame);
  }

  private onFrame(socket: net.Socket, frame: Uint8Array): void {
    let pdu: Pdu;
    try {
      pdu = decodePdu(frame);
    } catch (err) {
      if (err instanceof AgentXDecodeError && err.header) {
        // RFC 2741 section 7.2.2: a PDU that cannot be parsed is answered with parseError.
        this.log.warn({ err: err.message, code: err.code, packetId: err.header.packetId }, 'agentx: malformed PDU answered with parseError');
        if (err.header.type !== PduType.Response) {
          this.sendQuietly(socket, {
            type: PduType.Response,
            sessionId: err.header.sessionId,
            transactionId: err.header.transactionId,
            packetId: err.header.packetId,
            sysUpTime: this.options.clock.sysUpTime(performance.now()),
            error: ResponseError.parseError,
            index: 0,
            varbinds: [],
          });
        }
        return;
      }
      this.log.error({ err: (err as Error).message }, 'agentx: undecodable PDU; reconnecting');
      socket.destroy();
      return;
    }
    this.onPdu(socket, pdu);
  }

  private onPdu(socket: net.Socket, pdu: Pdu): void {
    switch (pdu.type) {
      case PduType.Response: {
        this.options.clock.observe(pdu.sysUpTime, performance.now());
        const waiting = this.pending.get(pdu.packetId);
        if (!waiting) {
          this.log.debug({ packetId: pdu.packetId }, 'agentx: response to nothing we are waiting for');
          return;
        }
        this.pending.delete(pdu.packetId);
        clearTimeout(waiting.timer);
        waiting.resolve(pdu);
        return;
      }
      case PduType.Close:
        this.log.warn({ reason: pdu.reason }, 'agentx master closed the session; reconnecting');
        socket.destroy();
        return;
      default:
        this.answer(socket, pdu);
    }
  }

  private answer(socket: net.Socket, pdu: Pdu): void {
    let body: ReturnType<typeof dispatch>;
    // 'registering' counts as open: the master's first request can arrive in the same read as its Response to our
    // Register, before the handshake's continuation has marked the session ready.
    const open = this.state === 'ready' || this.state === 'registering';
    if (!open || pdu.sessionId !== this.sessionId) {
      body = { error: ResponseError.notOpen, index: 0, varbinds: [] };
    } else {
      body = dispatch(pdu, this.options.reader());
      if (!body) return;
    }
    this.sendQuietly(socket, {
      type: PduType.Response,
      sessionId: pdu.sessionId,
      transactionId: pdu.transactionId,
      packetId: pdu.packetId,
      sysUpTime: this.options.clock.sysUpTime(performance.now()),
      ...body,
    });
  }

  private onClose(socket: net.Socket): void {
    if (socket !== this.socket) return;
    const wasReady = this.state === 'ready';
    this.socket = undefined;
    clearInterval(this.pingTimer);
    this.failPending(new SessionLostError('agentx: connection closed'));
    this.options.clock.reset();
    if (this.state === 'stopped') return;
    if (wasReady) {
      this.log.warn('agentx connection to master lost; reconnecting');
      this.emit('down', 'connection lost');
    }
    this.state = 'idle';
    const min = this.options.reconnectMinMs ?? 50;
    const max = this.options.reconnectMaxMs ?? 1000;
    const delay = Math.min(max, min * 2 ** Math.min(this.attempt, 16));
    this.attempt++;
    this.reconnectTimer = setTimeout(() => this.guard('reconnect', () => this.connect()), delay);
  }

  private request(pdu: Pdu, timeoutMs = this.options.responseTimeoutMs ?? 5000): Promise<ResponsePdu> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(new SessionLostError('agentx: not connected'));
    return new Promise<ResponsePdu>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(pdu.packetId);
        reject(new Error(`agentx: no response to ${pduName(pdu.type)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(pdu.packetId, { resolve, reject, timer });
      try {
        socket.write(encodePdu(pdu));
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(pdu.packetId);
        reject(err as Error);
      }
    });
  }

  private sendQuietly(socket: net.Socket, pdu: Pdu): void {
    try {
      if (!socket.destroyed) socket.write(encodePdu(pdu));
    } catch (err) {
      this.log.error({ err: (err as Error).message, type: pduName(pdu.type) }, 'agentx: could not encode a PDU; not sent');
    }
  }

  private failPending(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }

  private ids(): { sessionId: number; transactionId: number; packetId: number } {
    return { sessionId: this.sessionId, transactionId: 0, packetId: this.packetId() };
  }

  private packetId(): number {
    const id = this.nextPacketId;
    this.nextPacketId = this.nextPacketId >= 0x7fffffff ? 1 : this.nextPacketId + 1;
    return id;
  }

  /**
   * Logs a connection problem once at warn while it persists (snmpd down for an hour must not mean 3,600 warnings),
   * and again at warn when it changes; repeats go to debug.
   */
  private problem(context: Record<string, unknown>, message: string, key: string): void {
    const repeated = this.lastProblem === key;
    this.lastProblem = key;
    this.log[repeated ? 'debug' : 'warn']({ ...context, attempt: this.attempt }, message);
  }

  /** Runs a socket/timer callback; whatever it throws is logged, and the session moves on to a fresh connection. */
  private guard(where: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, where }, 'agentx: unexpected error in handler; resetting connection');
      this.socket?.destroy();
    }
  }
}

function errorName(code: number): string {
  for (const [name, value] of Object.entries(ResponseError)) if (value === code) return name;
  return 'unknown';
}

function pduName(type: number): string {
  for (const [name, value] of Object.entries(PduType)) if (value === type) return name;
  return `type ${type}`;
}
