import { createRequire } from 'node:module';
import { HOST_BYTE_ORDER } from './bytes.js';
import { NETLINK_GENERIC } from './constants.js';
import { errnoName, NetlinkError } from './errors.js';
import { setSequence } from './message.js';
import { ReplyCollector } from './reply.js';

/**
 * The only file of src/ipvs that touches a socket. Node has no AF_NETLINK sockets; the `netlink` npm package
 * (0.3.x, an N-API addon with prebuilt binaries for linux x64/ia32/arm/arm64) supplies RawNetlinkSocket, a
 * datagram socket that sends and receives raw bytes (it peeks each datagram's size first, so nothing is
 * truncated). Everything else — framing, sequence matching, multipart dumps, NLMSG_ERROR and its errno — is
 * our own pure codec (ReplyCollector). The package's higher layer (NetlinkSocket) is not used: it keeps one
 * multipart buffer per socket and drops the errno of NLMSG_ERROR.
 *
 * Requests are serialized: one in flight per socket, dumps included. Replies not from the kernel (port 0) or
 * not carrying the request's sequence number are ignored. The socket does not keep the event loop alive while
 * idle. A socket-level error breaks the socket: every later request fails, the owner opens a new one.
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

interface RawModule {
  RawNetlinkSocket: new (protocol: number) => RawSocket;
}

function isRawModule(x: unknown): x is RawModule {
  return typeof x === 'object' && x !== null && 'RawNetlinkSocket' in x && typeof x.RawNetlinkSocket === 'function';
}

/** The netlink package or its native binding could not be loaded (not installed, or no prebuild fits). */
export class NetlinkUnavailableError extends Error {
  override readonly name = 'NetlinkUnavailableError';
}

/** An errno from the system (socket(), bind(), sendmsg(), recvmsg()) as a NetlinkError. */
function systemError(err: unknown, context: string): NetlinkError {
  const obj = typeof err === 'object' && err !== null ? err : {};
  const errnoField = 'errno' in obj ? obj.errno : undefined;
  const codeField = 'code' in obj ? obj.code : undefined;
  const messageField = 'message' in obj ? obj.message : undefined;
  const errno = typeof errnoField === 'number' ? Math.abs(errnoField) : 5; /* EIO */
  const code = typeof codeField === 'string' ? codeField : errnoName(errno);
  return new NetlinkError(errno, code, typeof messageField === 'string' ? messageField : undefined, context);
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
}

interface Pending {
  readonly collector: ReplyCollector;
  readonly resolve: (messages: Uint8Array[]) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class GenlSocket {
  private seq = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private pending: Pending | undefined;
  private failure: Error | undefined;
  private closed = false;
  private readonly timeoutMs: number;

  private constructor(
    private readonly raw: RawSocket,
    options: GenlSocketOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    raw.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo.port));
    raw.on('truncatedMessage', () => this.fail(new NetlinkError(90, 'EMSGSIZE', 'datagram truncated', 'recvmsg')));
    raw.on('error', (err) => this.fail(systemError(err, 'netlink socket')));
    this.setRef(false);
  }

  /** Opens an AF_NETLINK / NETLINK_GENERIC socket bound to a fresh port. */
  static async open(options: GenlSocketOptions = {}): Promise<GenlSocket> {
    const { RawNetlinkSocket } = loadRawModule();
    let raw: RawSocket;
    try {
      raw = new RawNetlinkSocket(NETLINK_GENERIC);
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
   * Sends one request (nlmsg_seq is filled in here) and resolves with every reply message of it, each a whole
   * netlink message, without the closing NLMSG_DONE or ACK. Rejects with NetlinkError carrying the kernel's
   * errno, with NetlinkDecodeError on malformed replies, or with ETIMEDOUT.
   */
  request(message: Uint8Array, context = 'netlink request'): Promise<Uint8Array[]> {
    const run = (): Promise<Uint8Array[]> => this.send(message, context);
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('netlink: socket closed'));
    this.raw.close();
  }

  private send(message: Uint8Array, context: string): Promise<Uint8Array[]> {
    if (this.closed) return Promise.reject(new Error('netlink: socket closed'));
    if (this.failure) return Promise.reject(this.failure);
    const copy = message.slice();
    this.seq = (this.seq + 1) >>> 0 || 1;
    setSequence(copy, this.seq, HOST_BYTE_ORDER);
    const collector = new ReplyCollector(copy, HOST_BYTE_ORDER, context);
    return new Promise<Uint8Array[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(entry, () =>
          reject(new NetlinkError(110, 'ETIMEDOUT', `no reply in ${this.timeoutMs} ms`, context)),
        );
      }, this.timeoutMs);
      const entry: Pending = { collector, resolve, reject, timer };
      this.pending = entry;
      this.setRef(true);
      this.raw.send(Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength), undefined, (err) => {
        if (err !== undefined && err !== null) {
          this.settle(entry, () => reject(systemError(err, `sendmsg (${context})`)));
        }
      });
    });
  }

  private onDatagram(datagram: Uint8Array, port: number): void {
    const p = this.pending;
    if (p === undefined || port !== 0) return;
    try {
      const state = p.collector.feed(datagram);
      if (state.kind === 'done') this.settle(p, () => p.resolve([...state.messages]));
      else if (state.kind === 'error') this.settle(p, () => p.reject(state.error));
    } catch (err) {
      // Malformed framing: this request fails; the socket itself is still usable.
      this.settle(p, () => p.reject(err instanceof Error ? err : new Error(String(err))));
    }
  }

  /** Ends request `p` once: a late callback of an earlier request (timed out meanwhile) changes nothing. */
  private settle(p: Pending, action: () => void): void {
    if (this.pending !== p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    this.setRef(false);
    action();
  }

  /** Keeps the event loop alive only while a request is in flight; never throws (used in event handlers). */
  private setRef(on: boolean): void {
    if (this.closed) return;
    try {
      if (on) this.raw.ref();
      else this.raw.unref();
    } catch {
      // The binding closed the socket itself after a poll error; the 'error' event reports that.
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const p = this.pending;
    if (p !== undefined) this.settle(p, () => p.reject(err));
  }
}
