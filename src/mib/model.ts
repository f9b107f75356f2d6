import { parseAddress } from '../ipvs/address.js';
import { realName, sameRealKey, sameServiceKey, serviceName } from '../ipvs/service-key.js';
import {
  COUNTER_COUNT,
  countersBelow,
  STAT_COUNT,
  type IpvsInfo,
  type RealServer,
  type Service,
  type ServiceKey,
  type Snapshot,
  type Stats,
} from '../ipvs/snapshot.js';
import { runToEnd } from '../util/time-slices.js';
import { sortInSteps } from '../util/sort-in-steps.js';
import type { Change } from './changes.js';
import type { AgentStatus, TimeStampOf } from './lvs-mib.js';
import { realRowKey, type RealRow, type Rows, type ServiceRow } from './rows.js';
import { compareNames } from './string-index.js';
import { StatsStore } from './stats-store.js';
import { MibView } from './view.js';

/**
 * The table model: the one stage between a source's snapshot and what the agent serves. Each read is folded in
 * with update(): it yields the view to serve, the changes to notify and the rows whose counters restarted.
 *
 * Rows live as long as their identity (service name, or service and real server name): the row object is made
 * once, when its key first appears, with its canonical name (the table index) and its address bytes, and its place
 * in the sorted order is found once. A later read with the same key only replaces the row's values. An update
 * works in slices (the daemon answers AgentX requests between them) on values held aside, and puts them in place
 * for every row at once at its very end, in one turn of the event loop: a request never sees two reads mixed.
 * The order is merged again only when keys come or go.
 *
 * Counter continuity (RFC 2579 TimeStamp semantics for lvs*DiscontinuityTime): a row's counters start when the row
 * first appears and start again when any of them goes backwards (service re-created, `ipvsadm -Z`). In monotonic
 * mode the model instead adds what the counters had reached before each reset, so served counters keep rising for
 * the agent's lifetime (also across a service being deleted and re-added within forgetAfterMs); a row's
 * discontinuity time is then only its first appearance.
 */

export interface ModelOptions {
  readonly monotonic: boolean;
  /** How long a vanished row's counter state is kept in monotonic mode (offsets across delete/re-add). */
  readonly forgetAfterMs?: number;
  /** The agent's status for the lvsAgent* scalars of the views; "noData" when not given. */
  readonly status?: () => AgentStatus;
  /** Monotonic ms to a TimeStamp in the master's timebase; whole ms / 10 when not given. */
  readonly timeStamp?: TimeStampOf;
}

const NO_STATUS: AgentStatus = { source: '', status: 'noData', lastReadAt: undefined, lastReadDurationMs: 0, readErrors: 0, lastError: '' };

export interface ModelUpdate {
  /** What the agent serves from now on: every request is answered from one view. */
  readonly view: MibView;
  readonly info: IpvsInfo;
  readonly rows: Rows;
  /** What changed since the previous read; empty for the first read (there is nothing to compare with). */
  readonly changes: readonly Change[];
  /** Rows (service names, realRowKey()) whose discontinuity time moved in this read; new rows excluded. */
  readonly resets: readonly string[];
}

/**
 * Which half of every row's slot is served. Each row's slot holds two copies of what it serves (counters and
 * discontinuity time): an update writes the half not in service, in slices, and its last step flips this one
 * number for every row at once.
 */
class Halves {
  served: 0 | 1 = 0;
}

/** A row's counter continuity, and the values of the read being folded in until they are put in place. */
abstract class Tracked {
  /** Monotonic mode: what is added to the raw counters (COUNTER_COUNT values), once a reset happened. */
  offset: bigint[] | undefined = undefined;
  /** Whether `last` holds the raw counters of a read (false for a new row, or after restartCounters). */
  hasLast = false;
  /** Read number the row was last in (-1: never). */
  seenIn = -1;
  /** Read number of the update that found the row's key (a key a source repeats keeps its first entity). */
  foundIn = -1;
  /** Read number in which the counters last went backwards (not monotonic mode). */
  resetIn = -1;
  /** Whether its slots were given back (the row has left the model for good). */
  released = false;

  // The row's slot in the model's store (see StatsStore), from `slot`: two halves of STAT_COUNT served values (the
  // one in service is the row's Stats window, `at`), the raw counters of the last read the row was in, copied (the
  // source may rewrite its own), then the row's times. Set by the store.
  values: BigUint64Array = EMPTY_VALUES;
  words: Uint32Array = EMPTY_WORDS;
  doubles: Float64Array = EMPTY_DOUBLES;
  slot = 0;

  constructor(
    readonly name: string,
    /** Address bytes (4 or 16) of the row's own address; empty for fwmark services. */
    readonly addressBytes: Uint8Array,
    store: StatsStore,
    private readonly halves: Halves,
  ) {
    store.alloc(this);
  }

  /** Served: the counters, as read or with the monotonic offset added. The row is its own window on its slot. */
  get stats(): Stats {
    return this;
  }

  /** Whether this read may still give the row an entity: not found by it yet, and its slot not given back. */
  free(read: number): boolean {
    return this.foundIn !== read && !this.released;
  }

  /** Where the served half starts (the Stats window). */
  get at(): number {
    return this.slot + (this.halves.served === 0 ? 0 : STAT_COUNT);
  }

  /** Where the half an update writes starts. */
  get nextAt(): number {
    return this.slot + (this.halves.served === 0 ? STAT_COUNT : 0);
  }

  // Times (performance.now() ms) live in the slot: as fields they would be a boxed double each, 16 bytes a row.

  /** When the row was last in a read. */
  get seenAt(): number {
    return this.doubles[this.slot + SEEN_AT] as number;
  }
  set seenAt(ms: number) {
    this.doubles[this.slot + SEEN_AT] = ms;
  }

  /** Served: when the row's counters last started. */
  get discontinuityAt(): number {
    return this.doubles[this.slot + SERVED_DISCONTINUITY_AT + this.halves.served] as number;
  }

  /** The discontinuity time of the read being folded, served once the update flips the halves. */
  set nextDiscontinuityAt(ms: number) {
    this.doubles[this.slot + SERVED_DISCONTINUITY_AT + 1 - this.halves.served] = ms;
  }

  /**
   * A row that leaves in this update: what it served stays in place across the flip (notifications show it), and
   * both halves hold it while the row is away: so the served half is always the row's last read, also for a row
   * that comes back (monotonic mode), which observe() relies on.
   */
  keepServed(): void {
    const w = this.words;
    const from = 2 * this.at;
    const to = 2 * this.nextAt;
    for (let k = 0; k < 2 * STAT_COUNT; k++) w[to + k] = w[from + k] as number;
    this.nextDiscontinuityAt = this.discontinuityAt;
  }
}

class ServiceIdentity extends Tracked implements ServiceRow {
  readonly reals = new Map<string, RealIdentity>();
  /** The reals of the last read, in index order. */
  order: RealIdentity[] = [];
  /**
   * The reals of the last read by their position in the service's list: the same entity again, or one with the
   * same key, is matched without making its name.
   */
  readonly seq: (RealIdentity | undefined)[] = [];
  nextActive = 0;
  nextInactive = 0;
  nextPersistent = 0;
  /** Served. */
  service: Service;
  activeConns = 0;
  inactiveConns = 0;
  persistentConns = 0;
  /** This read's entity while an update runs. */
  entity: Service | undefined = undefined;

  constructor(name: string, addressBytes: Uint8Array, service: Service, store: StatsStore, halves: Halves) {
    super(name, addressBytes, store, halves);
    this.service = service;
  }
}

class RealIdentity extends Tracked implements RealRow {
  /** Served. */
  real: RealServer;
  entity: RealServer | undefined = undefined;

  constructor(
    readonly service: ServiceIdentity,
    name: string,
    addressBytes: Uint8Array,
    real: RealServer,
    store: StatsStore,
    halves: Halves,
  ) {
    super(name, addressBytes, store, halves);
    this.real = real;
  }
}

const EMPTY_VALUES = new BigUint64Array(0);
const EMPTY_WORDS = new Uint32Array(0);
const EMPTY_DOUBLES = new Float64Array(0);
/** Where a row's copy of the raw counters (COUNTER_COUNT) of its last read starts in its slot (after two halves). */
const LAST = 2 * STAT_COUNT;
/** Then the row's times, one double each: when last seen, and the discontinuity time of each half. */
const SEEN_AT = LAST + COUNTER_COUNT;
const SERVED_DISCONTINUITY_AT = SEEN_AT + 1;
const SLOT_WIDTH = SERVED_DISCONTINUITY_AT + 2;

/**
 * Entities handled between two yields of updateSteps. With the kernel's order (services by hash bucket, each one's
 * reals newest first) a first read's 1,024 new entities took 10-12 ms on the development VM, above the slice and,
 * with a scavenge in the same turn, above 20 ms; 256 keep a step to a few milliseconds.
 */
const STEP = 256;
const NO_BYTES = new Uint8Array(0);
const FORGET_AFTER_MS = 3_600_000;
const EMPTY_INFO: IpvsInfo = { version: '', connTableSize: 0, tcpTimeout: 0, tcpFinTimeout: 0, udpTimeout: 0, daemons: [] };

export class TableModel {
  private readonly services = new Map<string, ServiceIdentity>();
  /** The services of the last read, in index order. */
  private order: ServiceIdentity[] = [];
  /** The services of the last read by their position in the snapshot's list (see ServiceIdentity.seq). */
  private readonly seq: (ServiceIdentity | undefined)[] = [];
  /** All real servers of the last read, in index order (services in order, each one's reals in order). */
  private reals: RealIdentity[] = [];
  /** Monotonic mode: rows that vanished, kept for their offsets until forgetAfterMs has passed. */
  private vanished: { readonly from: Map<string, Tracked>; readonly id: Tracked }[] = [];
  /** Every row's slot: what it serves, then the raw counters of its last read. */
  private readonly store = new StatsStore(SLOT_WIDTH);
  private readonly halves = new Halves();
  /** Rows that left the table in this update: their slots are given back once it is done. */
  private leaving: Tracked[] = [];
  private reads = 0;
  private lastRows: Rows = { services: [], reals: [] };
  private lastInfo: IpvsInfo = EMPTY_INFO;
  private monotonic: boolean;

  constructor(private readonly options: ModelOptions) {
    this.monotonic = options.monotonic;
  }

  /** The rows of the last read (empty before the first). */
  get rows(): Rows {
    return this.lastRows;
  }

  /** A view of the last read (an empty table before the first). */
  view(): MibView {
    return new MibView({
      info: this.lastInfo,
      rows: this.lastRows,
      status: this.options.status ?? (() => NO_STATUS),
      timeStamp: this.options.timeStamp ?? ((at) => Math.floor(at / 10)),
    });
  }

  /**
   * Starts every row's counters afresh from the next read (their discontinuity time moves to it), in plain or
   * monotonic mode: switching modes changes what the served counters mean.
   */
  restartCounters(monotonic: boolean): void {
    this.monotonic = monotonic;
    for (const id of this.services.values()) {
      clearTrack(id);
      for (const r of id.reals.values()) clearTrack(r);
    }
  }

  /** Folds one read in at monotonic time `now` (ms, performance.now()), straight through (tests, tools). */
  update(snapshot: Snapshot, now: number): ModelUpdate {
    return runToEnd(this.updateSteps(snapshot, now));
  }

  /**
   * The same, yielding every thousand entities or so, so that the daemon can run it in slices between AgentX
   * answers (util/time-slices.ts). Nothing served changes until its last step, which puts every new value in place.
   */
  *updateSteps(snapshot: Snapshot, now: number): Generator<void, ModelUpdate> {
    const read = ++this.reads;
    const notify = read > 1;
    const changes: Change[] = [];
    const resets: string[] = [];
    let work = 0;
    // One allocation for a table's first read (or a jump in size), not a run of growing copies left to the GC.
    let rows = snapshot.services.length;
    for (const service of snapshot.services) rows += service.reals.length;
    this.store.reserve(rows);

    // 1. Find each entity's identity (made once per key); a key a source repeated keeps its first entity. Keys new
    //    since the last read are merged into the order; keys gone from it are taken out.
    const added: ServiceIdentity[] = [];
    let stayed = 0;
    let reordered = false;
    const seq = this.seq;
    const list = snapshot.services;
    for (let i = 0; i < list.length; i++) {
      const service = list[i] as Service;
      // The service at this place in the last read, if it is the same entity (the simulator hands them out again)
      // or has the same key (a new entity each read, from the kernel), is matched without making its name.
      let id = seq[i];
      if (id === undefined || !id.free(read) || (id.service !== service && !sameServiceKey(id.service.key, service.key))) {
        const name = serviceName(service.key);
        id = this.kept(this.services.get(name), read, now);
        if (id === undefined) {
          id = new ServiceIdentity(name, service.key.kind === 'addr' ? serviceAddressBytes(service.key) : NO_BYTES, service, this.store, this.halves);
          this.services.set(name, id);
        }
      }
      if (id.foundIn === read) {
        seq[i] = undefined;
        continue;
      }
      seq[i] = id;
      id.foundIn = read;
      id.entity = service;
      const wasThere = id.seenIn === read - 1;
      if (wasThere) stayed++;
      else {
        added.push(id);
        id.order = []; // a service back after a gap (monotonic mode) starts its order afresh
      }
      if (this.findReals(id, service, read, now, wasThere && notify ? changes : undefined)) reordered = true;
      if ((work += 1 + service.reals.length) >= STEP) {
        work = 0;
        yield;
      }
    }
    seq.length = list.length;
    let order = this.order;
    if (added.length > 0 || stayed < order.length) {
      for (const id of order) {
        if (id.foundIn === read) continue;
        if (notify) changes.push({ kind: 'serviceRemoved', service: id });
        this.drop(this.services, id);
      }
      // Sorted in steps: a table's first read brings 10,000 new names, more than one slice may sort.
      order = mergeOrder(order, yield* sortInSteps(added, byName, STEP), read);
      reordered = true;
    }

    // 2. This read's values for every row, into the half of its slot not in service; what changed.
    for (const id of order) {
      const service = id.entity as Service;
      const isNew = id.seenIn !== read - 1;
      this.observe(id, service.stats, read, now);
      serve(id, service.stats);
      if (id.resetIn === read) resets.push(id.name);
      if (notify && isNew) changes.push({ kind: 'serviceAdded', service: id });
      let active = 0;
      let inactive = 0;
      let persistent = 0;
      for (const r of id.order) {
        const real = r.entity as RealServer;
        active += real.activeConns;
        inactive += real.inactiveConns;
        persistent += real.persistentConns;
        this.observe(r, real.stats, read, now);
        serve(r, real.stats);
        if (r.resetIn === read) resets.push(realRowKey(id.name, r.name));
        if (notify && !isNew) {
          if (r.seenIn !== read - 1) changes.push({ kind: 'realAdded', real: r });
          else if (r.real.weight !== real.weight) changes.push({ kind: 'weightChanged', real: r, previousWeight: r.real.weight });
        }
        r.seenIn = read;
      }
      id.seenIn = read;
      id.nextActive = active;
      id.nextInactive = inactive;
      id.nextPersistent = persistent;
      if ((work += 1 + id.order.length) >= STEP) {
        work = 0;
        yield;
      }
    }
    let reals = this.reals;
    if (reordered) {
      reals = [];
      for (const id of order) {
        for (const r of id.order) reals.push(r);
        if ((work += 1 + id.order.length) >= STEP) {
          work = 0;
          yield;
        }
      }
    }
    const sorted = yield* sortChanges(changes);
    yield;

    // 3. Everything in place at once (no yield from here on): one turn, so no request sees two reads mixed. The
    //    counters and discontinuity times flip with one number; each row's entity is a pointer to set.
    this.halves.served = this.halves.served === 0 ? 1 : 0;
    for (const id of order) {
      id.service = id.entity as Service;
      id.activeConns = id.nextActive;
      id.inactiveConns = id.nextInactive;
      id.persistentConns = id.nextPersistent;
    }
    for (const r of reals) r.real = r.entity as RealServer;
    this.order = order;
    this.reals = reals;
    this.forgetVanished(now);
    for (const row of this.leaving) this.releaseSlots(row);
    this.leaving = [];
    this.lastRows = { services: order, reals };
    this.lastInfo = snapshot.info;
    return { view: this.view(), info: snapshot.info, rows: this.lastRows, changes: sorted, resets };
  }

  /**
   * Marks the service's reals of this read and keeps its order of reals: new keys merged in, vanished ones taken
   * out (and reported in `changes` when given: a service that was in the last read too). True when the order changed.
   */
  private findReals(id: ServiceIdentity, service: Service, read: number, now: number, changes: Change[] | undefined): boolean {
    let added: RealIdentity[] | undefined;
    let stayed = 0;
    const seq = id.seq;
    const list = service.reals;
    for (let j = 0; j < list.length; j++) {
      const real = list[j] as RealServer;
      let r = seq[j];
      if (r === undefined || !r.free(read) || (r.real !== real && !sameRealKey(r.real, real))) {
        const name = realName(real);
        r = this.kept(id.reals.get(name), read, now);
        if (r === undefined) {
          r = new RealIdentity(id, name, realAddressBytes(real.address), real, this.store, this.halves);
          id.reals.set(name, r);
        }
      }
      if (r.foundIn === read) {
        seq[j] = undefined; // repeated by the source: the first is kept
        continue;
      }
      seq[j] = r;
      r.foundIn = read;
      r.entity = real;
      if (r.seenIn === read - 1) stayed++;
      else (added ??= []).push(r);
    }
    seq.length = list.length;
    if (added === undefined && stayed === id.order.length) return false;
    for (const r of id.order) {
      if (r.foundIn === read) continue;
      if (changes) changes.push({ kind: 'realRemoved', real: r });
      this.drop(id.reals, r);
    }
    id.order = mergeOrder(id.order, added === undefined ? [] : added.sort(byName), read);
    return true;
  }

  /** Folds this read's raw counters into the row's track (copied into `last`); served values follow in serve(). */
  private observe(row: Tracked, stats: Stats, read: number, now: number): void {
    let discontinuityAt = row.discontinuityAt;
    if (!row.hasLast) {
      discontinuityAt = now;
    } else {
      // Only monotonic mode keeps vanished rows; one that was missing from the previous read was re-created.
      const recreated = row.seenIn !== read - 1;
      if (recreated || wentBackwards(row, stats)) {
        if (this.monotonic) {
          const offset = (row.offset ??= new Array<bigint>(COUNTER_COUNT).fill(0n));
          for (let k = 0; k < COUNTER_COUNT; k++) offset[k] = (offset[k] as bigint) + (row.values[row.slot + LAST + k] as bigint);
        } else {
          discontinuityAt = now;
          row.resetIn = read;
        }
      }
    }
    // This read's raw counters into the row's slot, after the served values (which serve() writes).
    const w = row.words;
    const from = stats.words;
    const i = 2 * stats.at;
    const j = 2 * (row.slot + LAST);
    for (let k = 0; k < 2 * COUNTER_COUNT; k++) w[j + k] = from[i + k] as number;
    row.hasLast = true;
    row.seenAt = now;
    row.nextDiscontinuityAt = discontinuityAt;
  }

  /**
   * A key's row, if it is to go on: undefined when the key has none, or when its row has been gone long enough to
   * be forgotten (not found by this read, not in the last one), and a new row is made.
   */
  private kept<T extends Tracked>(row: T | undefined, read: number, now: number): T | undefined {
    if (row === undefined || (row.foundIn !== read && row.seenIn !== read - 1 && this.expired(row, now))) return undefined;
    return row;
  }

  /** Whether a row that is not in the last read has been gone long enough to be forgotten. */
  private expired(row: Tracked, now: number): boolean {
    const keepMs = this.monotonic ? (this.options.forgetAfterMs ?? FORGET_AFTER_MS) : 0;
    return now - row.seenAt >= keepMs;
  }

  /** A row left the table: forgotten at once, or in monotonic mode kept (for its offsets) until it expires. */
  private drop<T extends Tracked>(from: Map<string, T>, id: T): void {
    id.keepServed();
    if (this.monotonic) {
      this.vanished.push({ from, id });
    } else {
      from.delete(id.name);
      this.leaving.push(id);
    }
  }

  /** Gives back a row's slots, and those of a service's real servers. */
  private releaseSlots(row: Tracked): void {
    if (row.released) return;
    row.released = true;
    this.store.release(row);
    if (row instanceof ServiceIdentity) for (const r of row.reals.values()) this.releaseSlots(r);
  }

  /** Monotonic mode: forgets rows that have been gone for forgetAfterMs (those back meanwhile stay). */
  private forgetVanished(now: number): void {
    if (this.vanished.length === 0) return;
    this.vanished = this.vanished.filter(({ from, id }) => {
      if (id.seenIn === this.reads && from.get(id.name) === id) return false; // back in the table
      if (from.get(id.name) !== id) {
        this.releaseSlots(id); // replaced by a new row with the same key, after it had expired
        return false;
      }
      if (!this.expired(id, now)) return true;
      from.delete(id.name);
      this.releaseSlots(id);
      return false;
    });
  }
}

/** Rows of one snapshot in one go, counters as read (tools: `lvs-agentx mrtg`, `snapshot`). */
export function buildRows(snapshot: Snapshot): Rows {
  return new TableModel({ monotonic: false }).update(snapshot, 0).rows;
}

/** Forgets a row's counter history but not that it was in the last read. */
function clearTrack(t: Tracked): void {
  t.hasLast = false;
  t.offset = undefined;
}

/**
 * Puts this read's values (plus the monotonic offset) in the served part of the row's slot. `read` is the source's
 * window, still valid: it is rewritten at the source's next read at the earliest, and this runs before the update
 * that folded it in ends.
 */
function serve(row: Tracked, read: Stats): void {
  const w = row.words;
  const from = read.words;
  const at = row.nextAt;
  const i = 2 * read.at;
  const j = 2 * at;
  for (let k = 0; k < 2 * STAT_COUNT; k++) w[j + k] = from[i + k] as number;
  const offset = row.offset;
  if (offset === undefined) return;
  const values = row.values;
  // Modulo 2^64 (a BigUint64Array store wraps), as a Counter64 would.
  for (let k = 0; k < COUNTER_COUNT; k++) values[at + k] = (values[at + k] as bigint) + (offset[k] as bigint);
}

/** Whether any of the five counters of `now` is below the row's copy of its last read (as u64, high word first). */
function wentBackwards(row: Tracked, now: Stats): boolean {
  return countersBelow(row.words, row.slot + LAST, now);
}

function serviceAddressBytes(key: ServiceKey & { kind: 'addr' }): Uint8Array {
  return parseAddress(key.address).bytes;
}

/**
 * Address bytes by address text, shared by the real-server rows with the same address (a real server often serves
 * several services). Bounded: cleared when it holds far more than any table (rows keep theirs).
 */
const sharedBytes = new Map<string, Uint8Array>();
const SHARED_BYTES_MAX = 1 << 18;

function realAddressBytes(address: string): Uint8Array {
  let bytes = sharedBytes.get(address);
  if (bytes === undefined) {
    if (sharedBytes.size >= SHARED_BYTES_MAX) sharedBytes.clear();
    bytes = parseAddress(address).bytes;
    sharedBytes.set(address, bytes);
  }
  return bytes;
}

/**
 * The identities present in this read in index order: those of the previous order that are still present, merged
 * with the new ones (sorted here, once). Present means found by this read.
 */
const byName = (a: { readonly name: string }, b: { readonly name: string }): number => compareNames(a.name, b.name);

/** The rows of `previous` still found in `read`, with `added` (sorted by name) merged in, in index order. */
function mergeOrder<T extends { readonly name: string; readonly foundIn: number }>(previous: readonly T[], added: readonly T[], read: number): T[] {
  const out: T[] = [];
  let j = 0;
  for (const p of previous) {
    if (p.foundIn !== read) continue;
    while (j < added.length && compareNames((added[j] as T).name, p.name) < 0) out.push(added[j++] as T);
    out.push(p);
  }
  while (j < added.length) out.push(added[j++] as T);
  return out;
}

const CHANGE_ORDER: Readonly<Record<Change['kind'], number>> = { serviceRemoved: 0, serviceAdded: 0, realRemoved: 1, realAdded: 1, weightChanged: 1 };

/** Services first, then real servers, each in index order (what the notifications have always been sent in). */
function sortChanges(changes: Change[]): Generator<void, Change[]> {
  const name = (c: Change): [string, string] => ('service' in c ? [c.service.name, ''] : [c.real.service.name, c.real.name]);
  return sortInSteps(changes, (a, b) => {
    const byKind = CHANGE_ORDER[a.kind] - CHANGE_ORDER[b.kind];
    if (byKind !== 0) return byKind;
    const [a1, a2] = name(a);
    const [b1, b2] = name(b);
    return compareNames(a1, b1) || compareNames(a2, b2);
  }, STEP);
}
