import { HOST_BYTE_ORDER, type ByteOrder } from './netlink/bytes.js';
import { NetlinkDecodeError, NetlinkError } from './netlink/errors.js';
import { buildGetFamilyDump, decodeFamily } from './netlink/genl-ctrl.js';
import { IPVS_GENL_NAME } from './netlink/ipvs-constants.js';
import { decodeConfigMessage, decodeDaemonMessage, decodeInfoMessage } from './netlink/ipvs-global.js';
import {
  buildGetConfig,
  buildGetDaemons,
  buildGetDests,
  buildGetInfo,
  buildGetServices,
} from './netlink/ipvs-request.js';
import { DecodedDests, loadBatch, type BatchTransport, type DestReply } from './netlink/batch.js';
import type { ServiceRecords } from './netlink/service-records.js';
import { decodeDestMessage, decodeServiceMessage, type ServiceEntry } from './netlink/ipvs-service.js';
import { GenlSocket, NetlinkUnavailableError, RECEIVE_BUFFER_LARGE } from './netlink/socket.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TimeSlicer } from '../util/time-slices.js';
import { HINT_CAPABILITY, HINT_MODULE, IpvsReadError } from './read-error.js';

import { realName, serviceName } from './service-key.js';
import type { RealServer, Service, Snapshot } from './snapshot.js';
import type { Source } from './source.js';

/** ENOENT (errno-base.h): what a lookup of an unregistered family answers, and what we report for one. */
const ERRNO_ENOENT = 2;

/** GET_DEST replies decoded between two looks at the time slice (see readOnce). */
const DEST_SLICE_CHECK = 32;

/**
 * Sockets the GET_DEST dumps are spread over by default, and how many dumps may be asked for ahead of decoding. In the
 * kernel guest (10,000 services x 10 reals, three rounds on a loaded host) one read took 44.1, 26.8 and 54.9 s with
 * one socket, 40.8, 24.3 and 38.8 s with four, 29.1, 23.7 and 42.0 s with eight.
 */
export const DEST_SOCKETS = 4;
const DEST_WINDOW = 16;

/**
 * With the native batch transport: GET_DEST dumps per batch, and batches out at once (each on its own worker thread
 * and socket), so that the main thread decodes one batch while the next is read.
 */
const BATCH_SERVICES = 256;
const BATCHES_AHEAD = 2;
/** Batches out at once for a one-shot command (see DestBatches). */
const ONE_SHOT_AHEAD = 3;
/**
 * Services decoded from a batch between two turns of the event loop: a turn per few services, as the socket path has
 * one per reply, rather than one per time slice. V8 runs its garbage-collection tasks between turns; with a turn only
 * every slice, scavenges came later and larger (host, bench-netlink-decode batch at 10,000 x 10: longest stall
 * 14-38 ms and GC pause up to 21 ms, against 11-18 ms with a turn every 8 services).
 */
const BATCH_TURN_SERVICES = 8;

/**
 * `--source netlink`: reads the IPVS table from the kernel over generic netlink, as ipvsadm does, but with
 * 64-bit counters everywhere (STATS64 for services and real servers).
 *
 * One read: resolve family "IPVS" (once; again after any error, since the module can be unloaded and loaded
 * again under a new id), GET_INFO, GET_CONFIG, the GET_DAEMON dump, the GET_SERVICE dump, then one GET_DEST
 * dump per service. With the native addon built (netlink/batch.ts), every request goes through it: a worker thread
 * sends and receives, 32 KiB at a time, and the main thread decodes; the GET_DEST dumps, many and small, go
 * BATCH_SERVICES to a call. The worker also decodes the GET_SERVICE dump, writing each service's GET_DEST request,
 * and the GET_DEST dumps (service-records.c, dest-records.c): the main thread then only makes objects of records,
 * and decodes what the addon declined. Without it, through the `netlink` package: the GET_DEST dumps on DEST_SOCKETS that peek
 * at each datagram for its size, several dumps out at once; everything else, the GET_SERVICE dump above all, on one
 * that reads into 32 KiB buffers, so that the kernel sends it in 32 KiB parts rather than 4 KiB ones (see
 * RECEIVE_BUFFER_LARGE in netlink/socket.ts).
 * A dump racing with changes may repeat entries: services and real servers are
 * de-duplicated by their canonical names, first one kept. Nothing is sorted. A service that disappears between
 * the two dumps simply has no real servers (the kernel answers an empty dump).
 *
 * Errors become IpvsReadError with the errno name and a hint; after one, the sockets are closed and the family
 * forgotten, so the next read starts afresh.
 */

/** A service of the dump, once: its entry, and its GET_DEST request when the addon wrote it. */
type ListedService = [entry: ServiceEntry, request: Uint8Array | undefined];

/** What NetlinkSource needs of a socket (GenlSocket, or a fake kernel in tests). */
export interface GenlTransport {
  request(message: Uint8Array, context?: string): Promise<Uint8Array[]>;
  close(): void;
}

/** What a socket is for: `dests` carries the GET_DEST dumps, `bulk` every other request. */
export type SocketUse = 'bulk' | 'dests';

export interface NetlinkSourceOptions {
  /** Per-request timeout (a whole dump counts as one request). Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Opens a transport for `use`; default GenlSocket.open() (with 32 KiB receive buffers for `bulk`). */
  readonly openSocket?: (use: SocketUse) => Promise<GenlTransport>;
  /** Byte order of the messages; the host's unless a test says otherwise. */
  readonly order?: ByteOrder;
  /** Sockets for the GET_DEST dumps (default DEST_SOCKETS). */
  readonly destSockets?: number;
  /**
   * Carries every request, the GET_DEST dumps in batches (netlink/batch.ts). Default: the native addon when it loads
   * and no openSocket was given; null: always GenlSocket.
   */
  readonly batch?: BatchTransport | null;
  /**
   * How long decoding may hold the event loop before giving it back (TimeSlicer; default SLICE_MS). A one-shot
   * command, with nobody else on the loop, passes Infinity.
   */
  readonly sliceMs?: number;
}

export class NetlinkSource implements Source {
  readonly name = 'netlink';
  private readonly order: ByteOrder;
  private readonly openSocket: (use: SocketUse) => Promise<GenlTransport>;
  private sockets: { readonly bulk: GenlTransport; readonly dests: readonly GenlTransport[] } | undefined;
  private readonly destSockets: number;
  private readonly sliceMs: number | undefined;
  /** Every request goes through this when set, else over the `bulk` and `dests` sockets. */
  readonly batch: BatchTransport | undefined;
  private familyId: number | undefined;
  private inFlight: Promise<Snapshot> | undefined;
  private closed = false;

  constructor(options: NetlinkSourceOptions = {}) {
    this.order = options.order ?? HOST_BYTE_ORDER;
    const timeoutMs = options.timeoutMs ?? 5000;
    this.destSockets = Math.max(1, options.destSockets ?? DEST_SOCKETS);
    this.sliceMs = options.sliceMs;
    this.batch =
      options.batch === null
        ? undefined
        : (options.batch ?? (options.openSocket ? undefined : loadBatch({ timeoutMs, order: this.order })));
    this.openSocket =
      options.openSocket ??
      ((use) => GenlSocket.open({ timeoutMs, receiveBuffer: use === 'bulk' ? RECEIVE_BUFFER_LARGE : undefined }));
  }

  /** Concurrent calls share one read. */
  read(): Promise<Snapshot> {
    if (this.closed) return Promise.reject(new Error('ipvs: netlink source is closed'));
    this.inFlight ??= this.readOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reset();
  }

  private reset(): void {
    this.familyId = undefined;
    this.sockets?.bulk.close();
    for (const s of this.sockets?.dests ?? []) s.close();
    this.sockets = undefined;
  }

  private async open(): Promise<{ readonly bulk: GenlTransport; readonly dests: readonly GenlTransport[] }> {
    const opened: GenlTransport[] = [];
    try {
      opened.push(await this.openSocket('bulk'));
      while (opened.length <= this.destSockets) opened.push(await this.openSocket('dests'));
    } catch (err) {
      for (const s of opened) s.close();
      throw err;
    }
    if (this.closed) {
      for (const s of opened) s.close();
      throw new Error('ipvs: netlink source closed during the read');
    }
    const [bulk, ...dests] = opened as [GenlTransport, ...GenlTransport[]];
    return { bulk, dests };
  }

  private async readOnce(): Promise<Snapshot> {
    let step = 'open netlink socket';
    try {
      // With the batch transport every request goes through it, one batch each, and no socket of the netlink
      // package is opened (nor the package loaded).
      const batch = this.batch;
      if (batch === undefined) this.sockets ??= await this.open();
      const dests = this.sockets?.dests ?? [];
      const ask = async (s: string, message: Uint8Array): Promise<Uint8Array[]> => {
        step = s;
        if (this.sockets !== undefined) return this.sockets.bulk.request(message, s);
        const [reply] = await (batch as BatchTransport).transact([message], () => s);
        if (!Array.isArray(reply)) throw reply ?? new NetlinkDecodeError('batch result', 0, 'no reply');
        return reply;
      };

      if (this.familyId === undefined) {
        // A dump, not a lookup by name: a lookup would make the kernel load ip_vs again after `rmmod ip_vs`.
        const step = `resolve family ${IPVS_GENL_NAME}`;
        const families = (await ask(step, buildGetFamilyDump(this.order))).map((m) => decodeFamily(m, this.order));
        const ipvs = families.find((f) => f.name === IPVS_GENL_NAME);
        if (!ipvs) throw new NetlinkError(ERRNO_ENOENT, 'ENOENT', undefined, step);
        this.familyId = ipvs.id;
      }
      const family = this.familyId;

      const info = decodeInfoMessage(
        only(await ask('IPVS_CMD_GET_INFO', buildGetInfo(family, this.order))),
        this.order,
      );
      const config = decodeConfigMessage(
        only(await ask('IPVS_CMD_GET_CONFIG', buildGetConfig(family, this.order))),
        this.order,
      );
      const daemons = (await ask('IPVS_CMD_GET_DAEMON', buildGetDaemons(family, this.order))).map((m) =>
        decodeDaemonMessage(m, this.order),
      );

      // A dump of 10,000 services takes longer to decode than an AgentX request may wait: give the event loop back
      // every few milliseconds.
      const slicer = new TimeSlicer(this.sliceMs);
      const breathe = (): Promise<void> => slicer.breathe();

      // The services in dump order, each once. With the batch transport their GET_DEST dumps are asked for while
      // the rest of the GET_SERVICE dump is still being decoded (destBatches.more()), so that the worker thread reads
      // while this one decodes.
      const list: ListedService[] = [];
      const seen = new Set<string>();
      // The service's name is made only for a message naming it (a failed GET_DEST).
      const destStep = (i: number): string => `IPVS_CMD_GET_DEST ${serviceName((list[i] as ListedService)[0].key)}`;
      const abandoned = (): Error => new Error('ipvs: netlink source closed during the read');
      const destBatches = batch === undefined ? undefined : new DestBatches(this.sliceMs === Number.POSITIVE_INFINITY);
      destBatches?.start((b) => {
        if (this.closed || batch === undefined) return undefined;
        const first = b * BATCH_SERVICES;
        const part = list.slice(first, first + BATCH_SERVICES);
        const requests = part.map(([entry, request]) => request ?? buildGetDests(family, entry.key, this.order));
        const families = part.map(([entry]) => entry.key.family);
        return batch.transactDests(requests, families, (j) => destStep(first + j));
      });
      // A one-shot command has the loop to itself: not even an await per service (each is a microtask turn).
      const slicing = this.sliceMs !== Number.POSITIVE_INFINITY;
      // With the addon the worker thread also decoded the services and wrote their GET_DEST requests
      // (service-records.c); what it declined is decoded here.
      const getServices = buildGetServices(family, this.order);
      // The dump's messages; none when the addon decoded every one of them (its records say how many there were).
      let messages: readonly Uint8Array[] | undefined;
      let records: ServiceRecords | undefined;
      if (batch === undefined) messages = await ask('IPVS_CMD_GET_SERVICE', getServices);
      else {
        step = 'IPVS_CMD_GET_SERVICE';
        const dump = await batch.transactServices(getServices, () => 'IPVS_CMD_GET_SERVICE');
        if (dump.reply !== undefined && !Array.isArray(dump.reply)) throw dump.reply;
        messages = dump.reply;
        records = dump.records;
      }
      const count = messages?.length ?? records?.count ?? 0;
      const message = (k: number): Uint8Array => {
        const m = messages?.[k];
        if (m === undefined) throw new NetlinkDecodeError('service records', k, 'a declined record of a dump without messages');
        return m;
      };
      // Each service once, the first of repeats: the addon marks repeats itself when it decoded every message, and
      // then no name is made here; otherwise they are found by name.
      const byAddon = records !== undefined && records.declined === 0;
      for (let k = 0; k < count; k++) {
        if (slicing) await breathe();
        if (byAddon && (records as ServiceRecords).repeated(k)) continue;
        const entry = records?.entry(k) ?? decodeServiceMessage(message(k), this.order);
        if (!byAddon) {
          const name = serviceName(entry.key);
          if (seen.has(name)) continue;
          seen.add(name);
        }
        list.push([entry, records?.request(k)]);
        if (list.length % BATCH_SERVICES === 0) destBatches?.more(list.length / BATCH_SERVICES);
      }
      const services: Service[] = [];
      const addService = (i: number, replies: readonly Uint8Array[] | DecodedDests): void => {
        const [entry] = list[i] as ListedService;
        // The addon lists each real server once already (dest-records.c); what is decoded here goes through RealList.
        let reals: RealServer[];
        if (replies instanceof DecodedDests) reals = replies.reals();
        else {
          const list = new RealList();
          for (const m of replies) list.add(decodeDestMessage(m, this.order, entry.key.family));
          reals = list.list;
        }
        services.push({ ...entry, reals });
      };

      if (batch !== undefined && destBatches !== undefined) {
        // BATCH_SERVICES dumps per batch, asked for as DestBatches allows; the replies are decoded in service order,
        // and the event loop gets a turn every BATCH_TURN_SERVICES of them (see there), unless nobody else is on it
        // (sliceMs Infinity). The step's text is made only when a batch or a reply failed.
        const count = Math.ceil(list.length / BATCH_SERVICES);
        destBatches.more(count);
        let sinceCheck = 0;
        for (let b = 0; b < count; b++) {
          if (this.closed) throw abandoned();
          let replies: DestReply[];
          try {
            replies = await destBatches.take(b);
          } catch (err) {
            step = destStep(b * BATCH_SERVICES);
            throw err;
          }
          if (this.closed) throw abandoned();
          for (let j = 0; j < replies.length; j++) {
            const i = b * BATCH_SERVICES + j;
            const reply = replies[j] as DestReply;
            if (!Array.isArray(reply) && !(reply instanceof DecodedDests)) {
              step = destStep(i);
              throw reply;
            }
            addService(i, reply);
            if (++sinceCheck === BATCH_TURN_SERVICES) {
              sinceCheck = 0;
              if (slicing) await nextTurn();
            }
          }
        }
        return { info: { ...info, ...config, daemons }, services };
      }

      // The GET_DEST dumps go out on `dests.length` sockets at once, up to DEST_WINDOW requests ahead of the one
      // being decoded, and are taken in service order. A dump is a round trip through the event loop and the binding
      // (sendmsg, its completion callback, poll, recvmsg per datagram); with several sockets ready, one turn of the
      // loop serves them all, where one socket would take a turn per service. Each GET_DEST reply is a turn of its
      // own already, so the slicer is asked only every DEST_SLICE_CHECK services: a clock read where asking after
      // each would cost 10,000 (and a needless extra turn every slice); it still bounds a transport that answers
      // without a turn.
      const window: Promise<Uint8Array[]>[] = new Array<Promise<Uint8Array[]>>(DEST_WINDOW);
      let asked = 0;
      const askDests = (i: number): void => {
        const [entry] = list[i] as ListedService;
        const socket = dests[i % dests.length] as GenlTransport;
        step = destStep(i);
        const reply = socket.request(buildGetDests(family, entry.key, this.order), step);
        // Awaited in its turn below; until then a failure must not count as unhandled (it ends the read then).
        reply.catch(() => undefined);
        window[i % DEST_WINDOW] = reply;
      };
      let sinceCheck = 0;
      for (let i = 0; i < list.length; i++) {
        // Nothing more is asked once close() was called (the poller's stop()): the read is abandoned.
        for (; asked < list.length && asked < i + DEST_WINDOW && !this.closed; asked++) askDests(asked);
        if (this.closed) throw abandoned();
        step = destStep(i);
        addService(i, await (window[i % DEST_WINDOW] as Promise<Uint8Array[]>));
        if (++sinceCheck === DEST_SLICE_CHECK) {
          sinceCheck = 0;
          await breathe();
        }
      }

      return { info: { ...info, ...config, daemons }, services };
    } catch (err) {
      this.reset();
      throw readError(step, err);
    }
  }
}

/**
 * Which GET_DEST batches are out, for the batch transport. Batch b holds the dumps of services [256 b, 256 (b + 1));
 * more(n) says that batches below n can be asked for (their services are decoded), take(b) hands batch b over to be
 * decoded and lets the next ones go.
 *
 * For the agent: BATCHES_AHEAD batches out at once, each on a worker thread and socket of its own, as before. For a
 * one-shot command (`lvs-agentx snapshot`), ONE_SHOT_AHEAD batches are out whatever has been taken: the main thread
 * does not yield while it decodes, so a batch asked for only when another is taken would wait for it, and the
 * worker with it (in the kernel guest, one batch at a time left the main thread idle half of the GET_DEST phase).
 * Not all at once either: the kernel dumps one at a time (__ip_vs_mutex), and the threads waiting for it spin
 * (mutex_spin_on_owner, 2 % of a snapshot's samples in the guest with libuv's four threads all dumping), on the
 * CPU the main thread needs; with three out, five alternating rounds took 4.97-5.21 s against 5.21-6.94 s.
 */
class DestBatches {
  private readonly batches: Promise<DestReply[]>[] = [];
  private ask: ((b: number) => Promise<DestReply[]> | undefined) | undefined;
  /** Batches that can be asked for (their services are decoded). */
  private known = 0;
  private taken = 0;
  private out = 0;
  private failed = false;

  constructor(private readonly oneShot: boolean) {}

  /** Sets what asks for batch b (undefined: nothing more is to be asked) and asks for what is allowed already. */
  start(ask: (b: number) => Promise<DestReply[]> | undefined): void {
    this.ask = ask;
    this.fill();
  }

  more(known: number): void {
    this.known = Math.max(this.known, known);
    this.fill();
  }

  take(b: number): Promise<DestReply[]> {
    this.taken = b + 1;
    this.fill();
    const batch = this.batches[b];
    return batch ?? Promise.reject(new Error(`ipvs: GET_DEST batch ${b} was never asked for`));
  }

  private fill(): void {
    const ask = this.ask;
    if (ask === undefined) return;
    const limit = this.oneShot ? ONE_SHOT_AHEAD : BATCHES_AHEAD;
    while (!this.failed && this.batches.length < this.known && this.out < limit && (this.oneShot || this.batches.length < this.taken + BATCHES_AHEAD)) {
      const b = this.batches.length;
      const replies = ask(b);
      if (replies === undefined) return;
      this.out++;
      const settled = (): void => {
        this.out--;
        this.fill();
      };
      replies.then(settled, () => {
        this.failed = true; // awaited in its turn (take()), which ends the read
        settled();
      });
      this.batches.push(replies);
    }
  }
}

/**
 * The real servers of one service, each kept once (the first of repeats), as a Map by realName() would keep them. A
 * service has a handful of reals, so a repeat is looked for by comparing addresses and ports (no name string, no
 * hashing per real); past SCAN_LIMIT reals the names go into a Map after all.
 */
export class RealList {
  static readonly SCAN_LIMIT = 16;
  readonly list: RealServer[] = [];
  private byName: Set<string> | undefined;

  add(real: RealServer): void {
    if (this.byName === undefined) {
      for (const r of this.list) if (r.port === real.port && r.address === real.address && r.family === real.family) return;
      this.list.push(real);
      if (this.list.length > RealList.SCAN_LIMIT) this.byName = new Set(this.list.map(realName));
      return;
    }
    const name = realName(real);
    if (this.byName.has(name)) return;
    this.byName.add(name);
    this.list.push(real);
  }
}

function only(messages: readonly Uint8Array[]): Uint8Array {
  if (messages.length !== 1) throw new NetlinkDecodeError('reply', 0, `expected one message, got ${messages.length}`);
  return messages[0] as Uint8Array;
}

const RETRY = 'the next read tries again';

/** Turns whatever went wrong into an IpvsReadError with a hint a person can act on. */
export function readError(step: string, err: unknown): IpvsReadError {
  if (err instanceof IpvsReadError) return err;
  if (err instanceof NetlinkUnavailableError) {
    return new IpvsReadError(step, undefined, 'reinstall with npm ci, or use --source ipvsadm', err.message, {
      cause: err,
    });
  }
  if (err instanceof NetlinkError) {
    let hint: string;
    switch (err.code) {
      case 'ENOENT':
        // No family "IPVS"; later in a read it means the module went away meanwhile.
        hint = HINT_MODULE;
        break;
      case 'EPERM':
      case 'EACCES':
        hint = HINT_CAPABILITY;
        break;
      case 'ETIMEDOUT':
        hint = `the kernel did not answer in time; ${RETRY}`;
        break;
      default:
        hint = `unexpected answer from the kernel; ${RETRY}`;
    }
    return new IpvsReadError(step, err.code, hint, err.message, { cause: err });
  }
  if (err instanceof NetlinkDecodeError) {
    return new IpvsReadError(
      step,
      undefined,
      'the kernel sent something this agent cannot decode; please report it with the kernel version',
      err.message,
      { cause: err },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new IpvsReadError(step, undefined, RETRY, message, { cause: err });
}
