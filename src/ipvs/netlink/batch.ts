import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ByteOrder, HOST_BYTE_ORDER, readU32, smallBytes, writeU32 } from './bytes.js';
import { NETLINK_GENERIC, NLMSG_HDRLEN } from './constants.js';
import { NetlinkDecodeError, NetlinkError, systemError } from './errors.js';
import { ReplyCollector } from './reply.js';
import { FAMILY_NUMBER } from './ipvs-constants.js';
import { DestRecordReader, type RecordSpan } from './dest-records.js';
import { ServiceRecords } from './service-records.js';
import type { Family, RealServer } from '../snapshot.js';

/**
 * Many requests in one round trip to a worker thread: the I/O layer for the 10,000 GET_DEST dumps of one read.
 *
 * The native part (batch.c, built into build/netlink-batch.node by scripts/build-native.sh) opens a socket, sends the
 * requests one after the other and receives each one's datagrams until it is complete, all on a libuv worker thread,
 * and hands back every byte received in one buffer. Everything is then decoded here with the codecs the `netlink`
 * package's path uses (ReplyCollector: sequence numbers, NLMSG_ERROR and its errno, NLMSG_DONE, framing checks),
 * except the GET_SERVICE dump sent with transactServices() and the GET_DEST dumps sent with transactDests(): the
 * worker decodes those too (service-records.c and dest-records.c, fast paths with the contracts of
 * decodeServiceFast() and decodeDestFast()), and only what it declines is decoded here.
 * The `netlink` package cannot do this: its binding reads one datagram per call into JavaScript, after a peek for its
 * size, and a dump costs a turn of the event loop; in the kernel guest that was half the time of a whole read.
 *
 * The addon is optional: without it (not built, another architecture, or LVS_AGENTX_NATIVE=0 in the environment)
 * loadBatch() answers undefined and NetlinkSource reads through GenlSocket as before.
 */

/** What one request came to: its reply messages (without NLMSG_DONE or the ACK), or why it failed. */
export type BatchReply = Uint8Array[] | NetlinkError | NetlinkDecodeError;

export interface BatchTransport {
  /**
   * Sends every request (copies, with nlmsg_seq filled in) and resolves with the replies of each, in order. A
   * request the kernel refused, or whose replies are malformed, is an error in its place; the promise rejects only
   * when the socket itself fails, with an error naming contextOf(0) (socket(), sendto(), recvfrom(), or no datagram within the timeout: ETIMEDOUT).
   */
  transact(requests: readonly Uint8Array[], contextOf: (index: number) => string): Promise<BatchReply[]>;
  /**
   * transact() for GET_DEST dumps, `families[i]` the address family of request i's service: a request whose
   * replies the addon decoded itself (dest-records.c) comes back as its real servers, the others as transact()
   * answers them, to be decoded here.
   */
  transactDests(requests: readonly Uint8Array[], families: readonly Family[], contextOf: (index: number) => string): Promise<DestReply[]>;
  /**
   * transact() of the one GET_SERVICE dump request: its verdict, and the addon's records of its messages when it
   * decoded them itself (service-records.c), each with its service's GET_DEST request.
   */
  transactServices(request: Uint8Array, contextOf: (index: number) => string): Promise<ServiceDump>;
}

/** What the GET_SERVICE dump came to: its messages or why it failed, and the addon's records of those messages. */
export interface ServiceDump {
  /**
   * The dump's messages, or why it failed; undefined when the addon decoded every message (`records`, none declined).
   * Its walk of the dump (nl_walk_dump() in nl-scan.c) declines wherever ReplyCollector would find an error or a
   * malformed reply, so such a dump has nothing left to check here, and its 10,000 messages are not split out again.
   */
  readonly reply: BatchReply | undefined;
  /** One record per message of the dump; undefined where the addon did not decode it (decode every message). */
  readonly records: ServiceRecords | undefined;
}

/**
 * The real servers of a GET_DEST dump, decoded by the addon on its worker thread; made into objects when asked for
 * (reals()), so that a batch of 256 services is not 2,560 objects in one turn of the event loop.
 */
export class DecodedDests {
  constructor(
    private readonly reader: DestRecordReader,
    private readonly span: RecordSpan,
  ) {}

  reals(): RealServer[] {
    return this.reader.read(this.span);
  }
}

export type DestReply = DecodedDests | BatchReply;

/**
 * The addon's functions (batch.c). With `destFamilies` (one AF_* byte per request) transact() also decodes the
 * replies of GET_DEST dumps and resolves with [replies, records, stats] (dest-records.ts); an addon that does not
 * (the tests' stand-ins) resolves with the replies alone, and everything is decoded here.
 */
interface NativeBatch {
  transact(protocol: number, requests: Uint8Array, timeoutMs: number, destFamilies?: Uint8Array): Promise<Uint8Array | Uint8Array[]>;
  /** What transact() with destFamilies adds, [records, stats], from replies laid out as it lays them out; synchronous. */
  decodeDests?(requests: Uint8Array, replies: Uint8Array, destFamilies: Uint8Array): Uint8Array[];
  /** transact() of one GET_SERVICE dump, resolving with [replies, records, stats, requests] (service-records.ts). */
  dumpServices?(protocol: number, request: Uint8Array, timeoutMs: number): Promise<Uint8Array[]>;
  /** What dumpServices() adds, [records, stats, requests], from replies laid out as it lays them out; synchronous. */
  decodeServices?(request: Uint8Array, replies: Uint8Array): Uint8Array[];
}

/** The addon's decoder of GET_DEST replies alone (dest-records.c), for tests and benchmarks; undefined without the addon. */
export function nativeDestDecoder(): NonNullable<NativeBatch['decodeDests']> | undefined {
  const native = loadNative();
  const decode = native?.decodeDests;
  return decode === undefined ? undefined : decode.bind(native);
}

/** The addon's decoder of a GET_SERVICE dump alone (service-records.c), for tests; undefined without the addon. */
export function nativeServiceDecoder(): NonNullable<NativeBatch['decodeServices']> | undefined {
  const native = loadNative();
  const decode = native?.decodeServices;
  return decode === undefined ? undefined : decode.bind(native);
}

function isNativeBatch(x: unknown): x is NativeBatch {
  return typeof x === 'object' && x !== null && 'transact' in x && typeof x.transact === 'function';
}

/** Where scripts/build-native.sh puts the addon: build/ at the top of the checkout or of the installed package. */
const ADDON = 'build/netlink-batch.node';

let loaded: NativeBatch | null | undefined;
let loadProblem: string | undefined;

/** The addon, or null with the reason in loadProblem. Looked for once. */
function loadNative(): NativeBatch | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.LVS_AGENTX_NATIVE === '0') {
    loadProblem = 'LVS_AGENTX_NATIVE=0';
    return loaded;
  }
  const path = nativeAddonPath();
  if (path === undefined) {
    loadProblem = `${ADDON} not built (scripts/build-native.sh)`;
    return loaded;
  }
  try {
    const mod: unknown = createRequire(import.meta.url)(path);
    if (isNativeBatch(mod)) loaded = mod;
    else loadProblem = `${path} has no transact()`;
  } catch (err) {
    loadProblem = `${path}: ${(err as Error).message}`;
  }
  return loaded;
}

/** Where the addon is (whether it is enabled or not), or undefined when it was not built. */
export function nativeAddonPath(): string | undefined {
  // src/ipvs/netlink (tests) and dist/src/ipvs/netlink (the build) are three and four levels below the top.
  const candidates = ['../../../', '../../../../'].map((up) => fileURLToPath(new URL(up + ADDON, import.meta.url)));
  return candidates.find((p) => existsSync(p));
}

/** Why loadBatch() answers undefined (for a log line), or undefined when it does not. */
export function batchUnavailableReason(): string | undefined {
  loadNative();
  return loadProblem;
}

export interface BatchOptions {
  /** How long the worker waits for any one datagram before the batch fails with ETIMEDOUT. Default 5000 ms. */
  readonly timeoutMs?: number;
  readonly order: ByteOrder;
}

/** A BatchTransport over the native addon, or undefined when it cannot be loaded (see batchUnavailableReason()). */
export function loadBatch(options: BatchOptions): BatchTransport | undefined {
  const native = loadNative();
  if (native === null) return undefined;
  return new NativeBatchTransport(native, options.timeoutMs ?? 5000, options.order);
}

/** Exported for tests: the decoding half over any function with the addon's contract. */
export class NativeBatchTransport implements BatchTransport {
  private seq = 0;

  constructor(
    private readonly native: NativeBatch,
    private readonly timeoutMs: number,
    private readonly order: ByteOrder,
  ) {}

  async transact(requests: readonly Uint8Array[], contextOf: (index: number) => string): Promise<BatchReply[]> {
    const sent = await this.send(requests, contextOf);
    return this.verdicts(bytesOf(sent.out), sent, contextOf);
  }

  async transactDests(requests: readonly Uint8Array[], families: readonly Family[], contextOf: (index: number) => string): Promise<DestReply[]> {
    const codes = new Uint8Array(families.length);
    for (let i = 0; i < families.length; i++) codes[i] = FAMILY_NUMBER[families[i] as Family];
    const sent = await this.send(requests, contextOf, (bytes) => this.native.transact(NETLINK_GENERIC, bytes, this.timeoutMs, codes));
    const { out } = sent;
    if (!Array.isArray(out)) return this.verdicts(out, sent, contextOf);
    const [raw, records, stats] = out as [Uint8Array, Uint8Array, Uint8Array];
    const reader = new DestRecordReader(records, stats);
    const replies: DestReply[] = new Array<DestReply>(requests.length);
    let declined: BatchReply[] | undefined;
    for (let i = 0; i < requests.length; i++) {
      const span = reader.skip();
      if (span !== undefined) replies[i] = new DecodedDests(reader, span);
      else {
        // What the addon left to us is decoded as transact() would: the error, or the replies to decode.
        declined ??= this.verdicts(raw, sent, contextOf);
        replies[i] = declined[i] as BatchReply;
      }
    }
    return replies;
  }

  async transactServices(request: Uint8Array, contextOf: (index: number) => string): Promise<ServiceDump> {
    const native = this.native;
    const dump = native.dumpServices;
    if (dump === undefined) {
      const [reply] = await this.transact([request], contextOf);
      return { reply: reply as BatchReply, records: undefined };
    }
    const sent = await this.send([request], contextOf, (bytes) => dump.call(native, NETLINK_GENERIC, bytes, this.timeoutMs));
    const [raw, records, stats, requests] = sent.out as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const decoded = new ServiceRecords(records, stats, requests);
    if (decoded.count !== undefined && decoded.declined === 0) return { reply: undefined, records: decoded };
    const [reply] = this.verdicts(raw, sent, contextOf) as [BatchReply];
    // The records follow ReplyCollector's rules; should they ever count otherwise, they are not used.
    return { reply, records: Array.isArray(reply) && decoded.count === reply.length ? decoded : undefined };
  }

  /**
   * Sends copies of the requests, numbered, back to back (through `call`, the addon's transact() by default): what
   * the addon resolved with, and what was sent.
   */
  private async send(
    requests: readonly Uint8Array[],
    contextOf: (index: number) => string,
    call: (bytes: Uint8Array) => Promise<Uint8Array | Uint8Array[]> = (bytes) => this.native.transact(NETLINK_GENERIC, bytes, this.timeoutMs),
  ): Promise<Sent> {
    let total = 0;
    for (const r of requests) total += (r.length + 3) & ~3;
    const bytes = smallBytes(total);
    const lengths = new Uint32Array(requests.length);
    let at = 0;
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i] as Uint8Array;
      bytes.set(r, at);
      this.seq = (this.seq + 1) >>> 0 || 1;
      if (r.length < NLMSG_HDRLEN) throw new RangeError(`netlink: ${r.length} byte(s) hold no nlmsghdr`);
      writeU32(bytes, at + 8, this.seq, this.order === 'little'); // nlmsg_seq (setSequence(), without a view per request)
      lengths[i] = r.length;
      at += (r.length + 3) & ~3;
    }
    try {
      return { out: await call(bytes), bytes, lengths };
    } catch (err) {
      // Only a failed system call carries an errno; anything else (bytes the addon refused before sending) is a bug
      // on this side and goes up as it is.
      const errno = typeof err === 'object' && err !== null && 'errno' in err ? err.errno : undefined;
      if (typeof errno !== 'number') throw err;
      const syscall = typeof err === 'object' && err !== null && 'syscall' in err ? String(err.syscall) : 'netlink';
      const count = requests.length > 1 ? ` and ${requests.length - 1} more` : '';
      throw systemError({ errno }, `${syscall} (${contextOf(0)}${count})`);
    }
  }

  /** Every request's verdict from the replies: a collector per request, made only here (transactDests() mostly needs none). */
  private verdicts(out: Uint8Array, sent: Sent, contextOf: (index: number) => string): BatchReply[] {
    const collectors: ReplyCollector[] = [];
    for (let i = 0, at = 0; i < sent.lengths.length; i++) {
      const length = sent.lengths[i] as number;
      // The context is only part of error messages: made for the requests that failed (below), not for each.
      collectors.push(new ReplyCollector(sent.bytes.subarray(at, at + length), this.order, ''));
      at += (length + 3) & ~3;
    }
    const replies = splitReplies(out, collectors);
    for (let i = 0; i < replies.length; i++) {
      const r = replies[i];
      if (r instanceof NetlinkError) replies[i] = new NetlinkError(r.errno, r.code, r.kernelMessage, contextOf(i));
    }
    return replies;
  }
}

/** What send() sent and got: the requests as numbered, each one's length, and what the addon resolved with. */
interface Sent {
  readonly out: Uint8Array | Uint8Array[];
  readonly bytes: Uint8Array;
  readonly lengths: Uint32Array;
}

/** The replies part of what the addon resolved with. */
function bytesOf(out: Uint8Array | Uint8Array[]): Uint8Array {
  return Array.isArray(out) ? (out[0] as Uint8Array) : out;
}

/**
 * The addon's result, one 32-bit length (host byte order) and that many bytes per request, fed to each request's
 * collector. Pure.
 */
export function splitReplies(out: Uint8Array, collectors: readonly ReplyCollector[]): BatchReply[] {
  const little = HOST_BYTE_ORDER === 'little';
  const view = out.constructor === Uint8Array ? out : new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const replies: BatchReply[] = [];
  let at = 0;
  for (const collector of collectors) {
    if (view.length - at < 4) {
      replies.push(new NetlinkDecodeError('batch result', at, `no reply length for request ${replies.length + 1}`));
      continue;
    }
    const length = readU32(view, at, little);
    at += 4;
    if (length > view.length - at) {
      replies.push(new NetlinkDecodeError('batch result', at, `reply of ${length} bytes, ${view.length - at} left`));
      at = view.length;
      continue;
    }
    replies.push(verdict(collector, view.subarray(at, at + length)));
    at += length;
  }
  return replies;
}

function verdict(collector: ReplyCollector, bytes: Uint8Array): BatchReply {
  let state;
  try {
    state = collector.feed(bytes);
  } catch (err) {
    return err instanceof NetlinkDecodeError ? err : new NetlinkDecodeError('reply', 0, String(err));
  }
  if (state.kind === 'done') return state.messages as Uint8Array[];
  if (state.kind === 'error') return state.error;
  return new NetlinkDecodeError('reply', bytes.length, 'the replies ended before NLMSG_DONE');
}
