import { statSync } from 'node:fs';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { classifyConnectError, type PathKind } from './connect-hint.js';
import type { TransportAddress } from './transport.js';

/**
 * The subagent's transport connection to its master (RFC 2741 section 8), kept up forever: connect, with a
 * timeout; after any loss (socket closed, connection refused, socket file missing while snmpd restarts, a Ping
 * unanswered, a session dropped by the protocol) connect again after a capped exponential backoff. It knows no
 * PDUs: what runs on each socket is the ConnectionHandler its owner attaches. Nothing thrown inside a socket
 * handler escapes: each failure is a fresh connection.
 *
 * What the operator sees of an outage (from a lost session or a failed first connect to the next session open):
 * one warning per cause, with a hint (connect-hint.ts); repeats at debug; a reminder while it lasts, 1 min after
 * the outage began and then at gaps doubling to 10 min (snmpd down for a day is a dozen lines, not 86,400); and one
 * info line when a session is open again, saying how long it was down.
 */

/**
 * Opens a stream to the master (transport.ts connectTransport, or a test's own). What arrives is handed to
 * `onData`, whose chunk may be reused once it returns (the framer copies what it keeps).
 */
export type Connect = (address: TransportAddress, onData: (chunk: Uint8Array) => void) => net.Socket;

export interface ConnectionOptions {
  readonly address: TransportAddress;
  readonly connect: Connect;
  /** First reconnect delay; each failed attempt doubles it, up to reconnectMaxMs. */
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly pingIntervalMs: number;
  readonly log: Logger;
  /** Monotonic milliseconds, for outage durations and reminders (performance.now unless a test brings its own). */
  readonly now?: () => number;
}

/** What runs on one socket. `closed` is called once, whatever ended the socket. */
export interface ConnectionHandler {
  connected(): void;
  data(chunk: Uint8Array): void;
  closed(): void;
}

/** A TCP master that drops SYNs would otherwise hold us for the kernel's connect timeout (minutes). */
const CONNECT_TIMEOUT_MS = 5000;

/** The first reminder of an outage comes this long after it began; each gap doubles up to REMINDER_MAX_MS. */
const REMINDER_FIRST_MS = 60_000;
const REMINDER_MAX_MS = 600_000;

/** From a lost session or a failed first connect to the next session open. */
interface Outage {
  readonly since: number;
  /** Problem keys already warned about in this outage: a cause that comes back is not news. */
  readonly warned: Set<string>;
  failures: number;
  nextReminderAt: number;
  reminderGapMs: number;
}

export class MasterConnection {
  private socket: net.Socket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private ping: (() => Promise<unknown>) | undefined;
  private pingIntervalMs: number;
  /** Failed attempts since the last established session: the backoff exponent. */
  private attempt = 0;
  private outage: Outage | undefined;
  /** Whether the current connection carries an established session (its loss starts an outage). */
  private sessionUp = false;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly attach: (socket: net.Socket) => ConnectionHandler,
  ) {
    this.pingIntervalMs = options.pingIntervalMs;
    this.now = options.now ?? (() => performance.now());
  }

  start(): void {
    this.connect();
  }

  /** Whether `socket` is the connection in use (not one closed or stopped since). */
  isCurrent(socket: net.Socket): boolean {
    return socket === this.socket;
  }

  /**
   * A session is up on this connection: the backoff starts from its minimum again, an outage ends with one info line,
   * and any problem after this is news.
   */
  established(): void {
    this.attempt = 0;
    this.sessionUp = true;
    const outage = this.outage;
    this.outage = undefined;
    if (outage === undefined) return;
    this.options.log.info(
      { downMs: Math.round(this.now() - outage.since), failedAttempts: outage.failures, causes: [...outage.warned] },
      'agentx connection to master restored',
    );
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
   * Logs a connection problem: at warn the first time `key` is seen in this outage, at debug when it repeats, and as
   * a reminder at warn when one is due (see the top of this file).
   */
  problem(context: Record<string, unknown>, message: string, key: string): void {
    const now = this.now();
    const outage = this.beginOutage(now);
    outage.failures++;
    const line = { ...context, attempt: this.attempt };
    if (!outage.warned.has(key)) {
      outage.warned.add(key);
      this.options.log.warn(line, message);
    } else if (now >= outage.nextReminderAt) {
      outage.nextReminderAt = now + outage.reminderGapMs;
      outage.reminderGapMs = Math.min(REMINDER_MAX_MS, outage.reminderGapMs * 2);
      this.options.log.warn({ ...line, downMs: Math.round(now - outage.since), failedAttempts: outage.failures }, 'agentx still no session with master');
    } else {
      this.options.log.debug(line, message);
    }
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
    let handler: ConnectionHandler | undefined;
    const socket = this.options.connect(this.options.address, (chunk) => {
      const h = handler;
      if (h !== undefined) this.guard('data', () => h.data(chunk));
    });
    this.socket = socket;
    handler = this.attach(socket);
    const connectTimer = setTimeout(
      () => socket.destroy(Object.assign(new Error('connect timed out after 5 s'), { code: 'ETIMEDOUT' })),
      CONNECT_TIMEOUT_MS,
    );
    socket.once('close', () => clearTimeout(connectTimer));
    socket.on('connect', () => {
      clearTimeout(connectTimer);
      this.guard('connect', () => handler.connected());
    });
    // 'close' follows every 'error'; the reconnect happens there.
    socket.on('error', (err: NodeJS.ErrnoException) => this.guard('error', () => this.connectError(err)));
    socket.on('close', () => this.guard('close', () => this.onClose(socket, handler)));
  }

  /** One log line for a failed connect or a broken connection, with its cause and a hint when there is one. */
  private connectError(err: NodeJS.ErrnoException): void {
    const { address } = this.options;
    const code = err.code;
    // ECONNREFUSED means a stale socket or a file that is no socket; EACCES the socket's mode or its directory's.
    const looked = address.kind === 'unix' && (code === 'ECONNREFUSED' || code === 'ENOTSOCK' || code === 'EACCES');
    const { cause, hint } = classifyConnectError(address, code, looked ? statPathKind(address.path) : 'unknown');
    const context = { code, err: err.message, cause, ...(hint === undefined ? {} : { hint }) };
    this.problem(context, 'agentx connection error', cause === 'other' ? (code ?? err.message) : cause);
  }

  /** The outage in progress, or a new one from `now`. */
  private beginOutage(now: number): Outage {
    this.outage ??= { since: now, warned: new Set(), failures: 0, nextReminderAt: now + REMINDER_FIRST_MS, reminderGapMs: REMINDER_FIRST_MS * 2 };
    return this.outage;
  }

  private onClose(socket: net.Socket, handler: ConnectionHandler): void {
    const current = socket === this.socket;
    if (current) {
      if (this.sessionUp) this.beginOutage(this.now());
      this.sessionUp = false;
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

/** What stat(2) finds at a Unix socket path; never throws. */
function statPathKind(path: string): PathKind {
  try {
    const stat = statSync(path);
    if (stat.isSocket()) return 'socket';
    if (stat.isFile()) return 'file';
    if (stat.isDirectory()) return 'directory';
    return 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    if (code === 'EACCES') return 'no-access';
    return 'unknown';
  }
}
