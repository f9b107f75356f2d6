import { createRequire } from 'node:module';
import { HOST_BYTE_ORDER, smallBytes } from './bytes.js';
import { NETLINK_GENERIC } from './constants.js';
import { NetlinkError, systemError } from './errors.js';
import { setSequence } from './message.js';
import { ReplyCollector } from './reply.js';

/**
 * The only file of src/ipvs that touches a socket. Node has no AF_NETLINK sockets; the `netlink` npm package
 * (0.3.x, an N-API addon with prebuilt binaries for linux x64/ia32/arm/arm64) supplies RawNetlinkSocket, a
 * datagram socket that sends and receives raw bytes. Everything else — framing, sequence matching, multipart
 * dumps, NLMSG_ERROR and its errno — is our own pure codec (ReplyCollector). The package's higher layer
 * (NetlinkSocket) is not used: it keeps one multipart buffer per socket and drops the errno of NLMSG_ERROR.
 *
 * Requests are serialized: a netlink socket runs one dump at a time (a second dump request on it fails with EBUSY,
 * net/netlink/af_netlink.c __netlink_dump_start()), so further requests wait, in order, and the next is sent from
 * the callback that completed the one before. Replies not from the kernel (port 0) or not carrying the request's
 * sequence number are ignored. A request fails with ETIMEDOUT when it is not answered within timeoutMs, checked by
 * one watchdog timer per socket rather than a timer per request: it fails between timeoutMs and 1.25 × timeoutMs
 * after it was sent. The raw socket never keeps the event loop alive; the watchdog does, while a request is in
 * flight. A socket-level error breaks the socket: every pending and later request fails, the owner opens a new one.
 */

/** The subset of the package's RawNetlinkSocket used here (node_modules/netlink/dist/raw.d.ts). */
export interface RawSocket {
  on(event: 'message', listener: (msg: Uint8Array, rinfo: { port: number }) => void): unknown;
  on(event: 'truncatedMessage', listener: (msg: Uint8Array, rinfo: { port: number }) => void): unknown;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  send(msg: Uint8Array, options: undefined, callback: (err?: unknown) => void): void;
  close(): void;
  ref(): void;
  unref(): void;
}

/** RawNetlinkSocketOptions of the package: without peeking, every recvmsg() reads into a buffer of this size. */
interface RawOptions {
  readonly messagePeeking: boolean;
  readonly msgBufferSize: number;
}

interface RawModule {
  RawNetlinkSocket: new (protocol: number, options: RawOptions | undefined) => RawSocket;
}

function isRawModule(x: unknown): x is RawModule {
  return typeof x === 'object' && x !== null && 'RawNetlinkSocket' in x && typeof x.RawNetlinkSocket === 'function';
}

/**
 * How datagrams are read (GenlSocketOptions.receiveBuffer). By default the package peeks at each datagram for its
 * size (recvmsg() with MSG_PEEK | MSG_TRUNC and a 1-byte buffer), then reads it into a buffer of exactly that size.
 * Since netlink_recvmsg() remembers the largest buffer a reader gave (capped at SKB_WITH_OVERHEAD(32768)) and
 * netlink_dump() fills datagrams that large, a peeking reader gets dump datagrams of NLMSG_GOODSIZE, about 4 KiB.
 * That suits many small dumps (GET_DEST: one datagram of replies and one NLMSG_DONE). For one large dump
 * (GET_SERVICE of 10,000 services) 32 KiB datagrams are far cheaper, since each part of a dump walks the service
 * table again from its start: RECEIVE_BUFFER_LARGE reads straight into a buffer that size. Nothing a dump sends is
 * larger ("User is expected to provide buffer as large as max(min_dump_alloc, 16KiB)", af_netlink.c; generic
 * netlink leaves min_dump_alloc 0), non-dump replies are at most NLMSG_DEFAULT_SIZE, and a larger datagram would come
 * as 'truncatedMessage' and fail the request with EMSGSIZE, never be decoded short.
 */
export const RECEIVE_BUFFER_LARGE = 32768;

/** The netlink package or its native binding could not be loaded (not installed, or no prebuild fits). */
export class NetlinkUnavailableError extends Error {
  override readonly name = 'NetlinkUnavailableError';
}

let rawModule: RawModule | undefined;

function loadRawModule(): RawModule {
  if (rawModule) return rawModule;
  let mod: unknown;
  try {
    // The package is CommonJS and loads its addon through node-gyp-build; only its raw layer is needed.
    mod = createRequire(import.meta.url)('netlink/dist/raw.js');
  } catch (err) {
    throw new NetlinkUnavailableError(
      `netlink: cannot load the "netlink" package's native binding (${(err as Error).message}); run npm ci`,
      { cause: err },
    );
  }
  if (!isRawModule(mod)) throw new NetlinkUnavailableError('netlink: the "netlink" package has no RawNetlinkSocket');
  rawModule = mod;
  return mod;
}

export interface GenlSocketOptions {
  /** How long one request (a whole dump) may take before it fails with ETIMEDOUT. Default 5000 ms. */
  readonly timeoutMs?: number;
  /**
   * Bytes of the buffer every recvmsg() reads into (RECEIVE_BUFFER_LARGE for large dumps); absent: peek at each
   * datagram and read it into a buffer of its size (see RECEIVE_BUFFER_LARGE).
   */
  readonly receiveBuffer?: number;
}

interface Pending {
  readonly message: Uint8Array;
  readonly context: string;
  readonly resolve: (messages: Uint8Array[]) => void;
  readonly reject: (err: Error) => void;
  /** Set when the request is sent. */
  collector: ReplyCollector | undefined;
  /** The watchdog's tick count when the request was sent. */
  sentAtTick: number;
}

/** Watchdog ticks per timeout: a request times out 4 to 5 ticks after it was sent. */
const TICKS_PER_TIMEOUT = 4;

export class GenlSocket {
  private seq = 0;
  /** The request in flight. */
  private pending: Pending | undefined;
  /** Requests waiting their turn, oldest first; `queueHead` is the next one (no shift() per request). */
  private queue: Pending[] = [];
  private queueHead = 0;
  private failure: Error | undefined;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly tickMs: number;
  private tick = 0;
  private watchdog: NodeJS.Timeout | undefined;

  private constructor(
    private readonly raw: RawSocket,
    options: GenlSocketOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.tickMs = Math.max(1, Math.ceil(this.timeoutMs / TICKS_PER_TIMEOUT));
    raw.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo.port));
    raw.on('truncatedMessage', () => this.fail(new NetlinkError(90, 'EMSGSIZE', 'datagram truncated', 'recvmsg')));
    raw.on('error', (err) => this.fail(systemError(err, 'netlink socket')));
    unrefQuietly(raw);
  }

  /** Opens an AF_NETLINK / NETLINK_GENERIC socket bound to a fresh port. */
  static async open(options: GenlSocketOptions = {}): Promise<GenlSocket> {
    const { RawNetlinkSocket } = loadRawModule();
    let raw: RawSocket;
    try {
      const size = options.receiveBuffer;
      raw = new RawNetlinkSocket(
        NETLINK_GENERIC,
        size === undefined ? undefined : { messagePeeking: false, msgBufferSize: size },
      );
    } catch (err) {
      throw systemError(err, 'socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC)');
    }
    return new GenlSocket(raw, options);
  }

  /** Wraps an already open raw socket (tests use a fake one). */
  static fromRaw(raw: RawSocket, options: GenlSocketOptions = {}): GenlSocket {
    return new GenlSocket(raw, options);
  }

  /**
   * Sends one request (a copy, with nlmsg_seq filled in) and resolves with every reply message of it, each a
   * whole netlink message, without the closing NLMSG_DONE or ACK. Rejects with NetlinkError carrying the kernel's
   * errno, with NetlinkDecodeError on malformed replies, or with ETIMEDOUT.
   */
  request(message: Uint8Array, context = 'netlink request'): Promise<Uint8Array[]> {
    if (this.closed) return Promise.reject(new Error('netlink: socket closed'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Uint8Array[]>((resolve, reject) => {
      const p: Pending = { message, context, resolve, reject, collector: undefined, sentAtTick: 0 };
      if (this.pending === undefined) this.start(p);
      else this.queue.push(p);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('netlink: socket closed'));
    this.stopWatchdog();
    this.raw.close();
  }

  private start(p: Pending): void {
    const copy = smallBytes(p.message.length); // the caller's bytes stay as they were
    copy.set(p.message);
    this.seq = (this.seq + 1) >>> 0 || 1;
    setSequence(copy, this.seq, HOST_BYTE_ORDER);
    p.collector = new ReplyCollector(copy, HOST_BYTE_ORDER, p.context);
    p.sentAtTick = this.tick;
    this.pending = p;
    this.startWatchdog();
    // The binding takes any Uint8Array (napi_is_buffer is true for every ArrayBufferView) and, with nothing queued,
    // calls sendmsg() before returning; the kernel runs the first part of a dump inside that call.
    this.raw.send(copy, undefined, (err) => {
      if (err !== undefined && err !== null) this.settle(p, () => p.reject(systemError(err, `sendmsg (${p.context})`)));
    });
  }

  private onDatagram(datagram: Uint8Array, port: number): void {
    const p = this.pending;
    if (p === undefined || p.collector === undefined || port !== 0) return;
    try {
      const state = p.collector.feed(datagram);
      if (state.kind === 'done') {
        const messages = state.messages as Uint8Array[];
        this.settle(p, () => p.resolve(messages));
      } else if (state.kind === 'error') {
        const error = state.error;
        this.settle(p, () => p.reject(error));
      }
    } catch (err) {
      // Malformed framing: this request fails; the socket itself is still usable.
      this.settle(p, () => p.reject(err instanceof Error ? err : new Error(String(err))));
    }
  }

  /**
   * Ends request `p` once (a late callback of a request that timed out meanwhile changes nothing) and sends the
   * next one waiting, if any, before `action` settles the promise.
   */
  private settle(p: Pending, action: () => void): void {
    if (this.pending !== p) return;
    this.pending = undefined;
    const next = this.failure === undefined ? this.dequeue() : undefined;
    if (next !== undefined) this.start(next);
    else this.idleWatchdog();
    action();
  }

  private dequeue(): Pending | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const p = this.queue[this.queueHead++] as Pending;
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    }
    return p;
  }

  /** Fails every request, pending or waiting, with `err`; later requests fail with it too. */
  private fail(err: Error): void {
    this.failure ??= err;
    const p = this.pending;
    if (p !== undefined) this.settle(p, () => p.reject(err));
    for (let q = this.dequeue(); q !== undefined; q = this.dequeue()) q.reject(err);
  }

  // --- the watchdog: one interval per socket, referenced (keeping the process alive) only while a request is out

  private startWatchdog(): void {
    if (this.watchdog === undefined) this.watchdog = setInterval(() => this.onTick(), this.tickMs);
    else this.watchdog.ref();
  }

  /** Nothing in flight: the interval no longer keeps the process alive, and stops at its next tick. */
  private idleWatchdog(): void {
    this.watchdog?.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private onTick(): void {
    this.tick++;
    const p = this.pending;
    if (p === undefined) {
      this.stopWatchdog();
      return;
    }
    // More than TICKS_PER_TIMEOUT whole ticks since it was sent: at least timeoutMs have passed.
    if (this.tick - p.sentAtTick > TICKS_PER_TIMEOUT) {
      this.settle(p, () => p.reject(new NetlinkError(110, 'ETIMEDOUT', `no reply in ${this.timeoutMs} ms`, p.context)));
    }
  }
}

/** The binding throws once it has closed the socket itself after a poll error; the 'error' event reports that. */
function unrefQuietly(raw: RawSocket): void {
  try {
    raw.unref();
  } catch {
    // see above
  }
}
