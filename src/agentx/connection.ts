import type net from 'node:net';
import type { Logger } from 'pino';
import type { TransportAddress } from './transport.js';

/**
 * The subagent's transport connection to its master (RFC 2741 section 8), kept up forever: connect, with a
 * timeout; after any loss (socket closed, connection refused, socket file missing while snmpd restarts, a Ping
 * unanswered, a session dropped by the protocol) connect again after a capped exponential backoff. It knows no
 * PDUs: what runs on each socket is the ConnectionHandler its owner attaches. Nothing thrown inside a socket
 * handler escapes: each failure is one log line and a fresh connection.
 */

/** Opens a stream to the master (transport.ts connectTransport, or a test's own). */
export type Connect = (address: TransportAddress) => net.Socket;

export interface ConnectionOptions {
  readonly address: TransportAddress;
  readonly connect: Connect;
  /** First reconnect delay; each failed attempt doubles it, up to reconnectMaxMs. */
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly pingIntervalMs: number;
  readonly log: Logger;
}

/** What runs on one socket. `closed` is called once, whatever ended the socket. */
export interface ConnectionHandler {
  connected(): void;
  data(chunk: Buffer): void;
  closed(): void;
}

/** A TCP master that drops SYNs would otherwise hold us for the kernel's connect timeout (minutes). */
const CONNECT_TIMEOUT_MS = 5000;

export class MasterConnection {
  private socket: net.Socket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private ping: (() => Promise<unknown>) | undefined;
  private pingIntervalMs: number;
  /** Failed attempts since the last established session: the backoff exponent. */
  private attempt = 0;
  private lastProblem: string | undefined;
  private stopped = false;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly attach: (socket: net.Socket) => ConnectionHandler,
  ) {
    this.pingIntervalMs = options.pingIntervalMs;
  }

  start(): void {
    this.connect();
  }

  /** Whether `socket` is the connection in use (not one closed or stopped since). */
  isCurrent(socket: net.Socket): boolean {
    return socket === this.socket;
  }

  /** A session is up on this connection: the backoff starts from its minimum again, and any problem is news. */
  established(): void {
    this.attempt = 0;
    this.lastProblem = undefined;
  }

  /** Runs `ping` every Ping interval while `socket` lasts (RFC 2741 section 6.2.13); a failed Ping drops it. */
  keepAlive(socket: net.Socket, ping: () => Promise<unknown>): void {
    if (socket !== this.socket) return;
    this.ping = ping;
    this.schedulePings(socket, ping);
  }

  /** Changes the Ping interval; applies at once when Pings are running. */
  setPingInterval(ms: number): void {
    this.pingIntervalMs = ms;
    if (this.socket && this.ping) this.schedulePings(this.socket, this.ping);
  }

  /**
   * Logs a connection problem once at warn while it persists (snmpd down for an hour must not mean 3,600 warnings),
   * and again at warn when it changes; repeats go to debug.
   */
  problem(context: Record<string, unknown>, message: string, key: string): void {
    const repeated = this.lastProblem === key;
    this.lastProblem = key;
    this.options.log[repeated ? 'debug' : 'warn']({ ...context, attempt: this.attempt }, message);
  }

  /** Stops for good: no reconnect, no Pings; runs `farewell` while the connection is up, then ends it. */
  async stop(farewell: () => Promise<void>): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    await farewell();
    // A destroyed socket never calls back from end(): there is nothing left to end.
    if (socket && !socket.destroyed) await new Promise<void>((resolve) => socket.end(resolve));
    socket?.destroy();
    this.socket = undefined;
  }

  private connect(): void {
    const socket = this.options.connect(this.options.address);
    this.socket = socket;
    const handler = this.attach(socket);
    const connectTimer = setTimeout(() => socket.destroy(new Error('connect timed out after 5 s')), CONNECT_TIMEOUT_MS);
    socket.once('close', () => clearTimeout(connectTimer));
    socket.on('connect', () => {
      clearTimeout(connectTimer);
      this.guard('connect', () => handler.connected());
    });
    socket.on('data', (chunk: Buffer) => this.guard('data', () => handler.data(chunk)));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // 'close' follows every 'error'; the reconnect happens there.
      this.problem({ code: err.code, err: err.message }, 'agentx connection error', err.code ?? err.message);
    });
    socket.on('close', () => this.guard('close', () => this.onClose(socket, handler)));
  }

  private onClose(socket: net.Socket, handler: ConnectionHandler): void {
    const current = socket === this.socket;
    if (current) {
      this.socket = undefined;
      clearInterval(this.pingTimer);
      this.ping = undefined;
    }
    handler.closed();
    if (!current || this.stopped) return;
    const { reconnectMinMs: min, reconnectMaxMs: max } = this.options;
    const delay = Math.min(max, min * 2 ** Math.min(this.attempt, 16));
    this.attempt++;
    this.reconnectTimer = setTimeout(() => this.guard('reconnect', () => this.connect()), delay);
  }

  private schedulePings(socket: net.Socket, ping: () => Promise<unknown>): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (socket !== this.socket) return;
      ping().catch((err: Error) => {
        if (socket !== this.socket || this.stopped) return;
        this.options.log.warn({ err: err.message }, 'agentx master did not answer Ping; reconnecting');
        socket.destroy();
      });
    }, this.pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Runs a socket/timer callback; whatever it throws is logged, and the session moves on to a fresh connection. */
  private guard(where: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.log.error({ err, where }, 'agentx: unexpected error in handler; resetting connection');
      this.socket?.destroy();
    }
  }
}
