import { allocStats, setStatNumber, STAT, STAT_COUNT, type Family, type ForwardMethod, type IpvsInfo, type RealServer, type Service, type ServiceKey, type Snapshot, type Stats } from './snapshot.js';
import { runCooperatively, runToEnd } from '../util/time-slices.js';
import type { Source } from './source.js';

/**
 * `sim`: a deterministic simulated director for the demo, tests and benchmarks. Read n returns the same snapshot
 * on every run with the same options. Its first services cover every kind of row (TCP/UDP/SCTP over IPv4 and
 * IPv6, fwmark v4 and v6, mixed-family tunnel reals); the first service's in-bytes counter crosses 2^32 on the
 * third read and its out-bytes counter starts just below 2^64 and wraps after a few reads, like a u64 does. The
 * rest of the table churns: each read retires the oldest `churn` services and adds as many new ones.
 */

export interface SimOptions {
  readonly services: number;
  readonly reals: number;
  /** Services replaced per read (beyond the first ten, which never go away). */
  readonly churn: number;
  readonly seed: number;
}

export const DEFAULT_SIM: SimOptions = { services: 12, reals: 3, churn: 1, seed: 1 };

/** Parses "sim" or "sim:services=1000,reals=10,churn=2,seed=7". */
export function parseSimSpec(spec: string): SimOptions {
  const out: Record<keyof SimOptions, number> = { ...DEFAULT_SIM };
  const rest = spec === 'sim' ? '' : spec.replace(/^sim:/, '');
  for (const part of rest.split(',').filter((p) => p !== '')) {
    const m = /^(services|reals|churn|seed)=(\d{1,7})$/.exec(part);
    if (!m) throw new Error(`sim: "${part}" in "${spec}": expected services=N, reals=N, churn=N or seed=N`);
    out[m[1] as keyof SimOptions] = Number(m[2]);
  }
  return out;
}

const PERMANENT = 10;
const U64 = 1n << 64n;

/** 32-bit mix of a few integers (deterministic, no state). */
function hash(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h >>> 0;
}

/** A distinct IPv4 virtual address per id (up to 2^22 ids). */
function v4(id: number, host: number): string {
  return `10.${(id >>> 14) & 255}.${(id >>> 6) & 255}.${((id & 63) << 2) + host}`;
}

function v6(id: number, host: number): string {
  return `2001:db8:${(id >>> 16).toString(16)}:${(id & 0xffff).toString(16)}::${host.toString(16)}`;
}

function keyFor(id: number): ServiceKey {
  switch (id % 10) {
    case 7:
      return { kind: 'addr', family: 'inet6', protocol: 'udp', address: v6(id, 1), port: 53 };
    case 8:
      return { kind: 'addr', family: 'inet', protocol: 'sctp', address: v4(id, 1), port: 9000 };
    case 9:
      return { kind: 'fwmark', family: Math.floor(id / 10) % 2 === 0 ? 'inet' : 'inet6', fwmark: id + 1 };
    case 3:
      return { kind: 'addr', family: 'inet6', protocol: 'tcp', address: v6(id, 1), port: 443 };
    case 5:
      return { kind: 'addr', family: 'inet', protocol: 'udp', address: v4(id, 1), port: 53 };
    default:
      return { kind: 'addr', family: 'inet', protocol: 'tcp', address: v4(id, 1), port: 80 };
  }
}

function grow(base: bigint, perRead: bigint, tick: number): bigint {
  return (base + perRead * BigInt(tick)) % U64;
}

/** The ten values of a real server (or of a service but the first) at simulated time t, all below 2^53. */
/** One read is five simulated seconds: t = 5 × the read's number. */
function valuesFor(seed: number, id: number, real: number, t: number, out: Float64Array): void {
  const r = hash(seed, id, real);
  const cps = 1 + (r % 50);
  const inBps = cps * 12 * 800;
  const outBps = cps * 10 * 1200;
  out[STAT.conns] = (r % 1000) + cps * t;
  out[STAT.inPkts] = (r % 7919) * 10 + cps * 12 * t;
  out[STAT.outPkts] = (r % 7907) * 10 + cps * 10 * t;
  out[STAT.inBytes] = (r % 100_000) * 1000 + inBps * t;
  out[STAT.outBytes] = (hash(r) % 100_000) * 1000 + outBps * t;
  out[STAT.cps] = cps;
  out[STAT.inPps] = cps * 12;
  out[STAT.outPps] = cps * 10;
  out[STAT.inBps] = inBps;
  out[STAT.outBps] = outBps;
}

/** Writes sub-2^53 values into a window. */
function writeNumbers(out: Stats, values: Float64Array): void {
  for (let k = 0; k < STAT_COUNT; k++) setStatNumber(out, k, values[k] as number);
}

const scratch = new Float64Array(STAT_COUNT);
const sum = new Float64Array(STAT_COUNT);

/** The showcase service (id 0): in-bytes crosses 2^32 between reads 2 and 3; out-bytes wraps u64 soon after start. */
function writeShowcase(out: Stats, seed: number, tick: number): void {
  const t = tick * 5; // one read is five simulated seconds
  const r = hash(seed, 0, -1);
  const cps = BigInt(1 + (r % 50));
  const inPps = cps * 12n;
  const outPps = cps * 10n;
  const inBps = inPps * 800n;
  const outBps = outPps * 1200n;
  const inBase = (1n << 32n) - inBps * 5n * 2n - 1n;
  const outBase = U64 - outBps * 5n * 4n;
  const v = out.values;
  const at = out.at;
  v[at + STAT.conns] = grow(BigInt(r % 1000), cps, t);
  v[at + STAT.inPkts] = grow(BigInt(r % 7919) * 10n, inPps, t);
  v[at + STAT.outPkts] = grow(BigInt(r % 7907) * 10n, outPps, t);
  v[at + STAT.inBytes] = grow(inBase, inBps, t);
  v[at + STAT.outBytes] = grow(outBase, outBps, t);
  v[at + STAT.cps] = cps;
  v[at + STAT.inPps] = inPps;
  v[at + STAT.outPps] = outPps;
  // A rate beyond 32 bits: Gauge32 columns latch, the HC columns carry it exactly.
  v[at + STAT.inBps] = 6_000_000_000n;
  v[at + STAT.outBps] = outBps;
}

const realAddresses: Record<Family, string[]> = { inet: [], inet6: [] };

/** The j-th real server's address (the same string object on every read, as a kernel table's would compare). */
function realAddress(family: Family, j: number): string {
  const known = realAddresses[family];
  return (known[j] ??= family === 'inet' ? `198.18.${(j + 1) >>> 8}.${(j + 1) & 255}` : `2001:db8:a::${(j + 1).toString(16)}`);
}

const FORWARDS = ['masq', 'route', 'masq', 'local'] as const;
const TUNNELS = ['ipip', 'gue', 'gre'] as const;
const SCHEDULERS = ['wlc', 'rr', 'wrr', 'lc', 'sh', 'mh'] as const;

/** Service `id` with zeroed counters: what never changes from one read to the next. */
function makeService(seed: number, id: number, count: number): Service {
  const key = keyFor(id);
  const reals: RealServer[] = [];
  for (let j = 0; j < count; j++) {
    // Every third real of an IPv4 service is IPv6 (and the other way round): mixed families need tunnel forwarding.
    const mixed = j % 3 === 2;
    const family: Family = mixed === (key.family === 'inet') ? 'inet6' : 'inet';
    const forward: ForwardMethod = mixed ? 'tunnel' : (FORWARDS[(id + j) % 4] ?? 'masq');
    const h = hash(seed, id, j, 99);
    reals.push(
      new SimReal({
        family,
        address: realAddress(family, j),
        port: key.kind === 'fwmark' ? 0 : key.port,
        forward,
        // `| 0`: h is above 2^31 half the time, and a field that once held a non-small number keeps every value
        // boxed (16 bytes each); these are small integers.
        weight: j === 1 ? 0 : (1 + (h % 100)) | 0,
        upperThreshold: h % 5 === 0 ? 1000 : 0,
        lowerThreshold: h % 5 === 0 ? 800 : 0,
        activeConns: (h % 200) | 0,
        inactiveConns: ((h >>> 8) % 500) | 0,
        persistentConns: key.kind === 'fwmark' ? ((h >>> 16) % 50) | 0 : 0,
        tunnelType: forward === 'tunnel' ? TUNNELS[h % 3] : undefined,
        tunnelPort: forward === 'tunnel' ? 6080 : undefined,
        tunnelFlags: forward === 'tunnel' ? (h % 3) | 0 : undefined,
      }),
    );
  }
  const persistent = key.kind === 'fwmark' || id % 4 === 1;
  return new SimService(
    {
      key,
      scheduler: SCHEDULERS[id % 6] ?? 'wlc',
      flags: 0x2 | (persistent ? 0x1 : 0),
      timeout: persistent ? 300 : 0,
      netmaskPrefix: key.family === 'inet' ? (persistent ? 24 : 32) : persistent ? 64 : 128,
      peName: id % 10 === 5 ? 'sip' : '',
    },
    reals,
  );
}

/**
 * A simulated entity is its own Stats window (`stats` is the entity itself): the table holds no object per window,
 * as a kernel entity holds its counters inline. `stats` is an own property, so a copy made by spreading keeps it.
 */
abstract class SimEntity implements Stats {
  readonly values: BigUint64Array;
  readonly words: Uint32Array;
  readonly at: number;
  readonly stats: Stats;

  constructor() {
    const window = allocStats();
    this.values = window.values;
    this.words = window.words;
    this.at = window.at;
    this.stats = this;
  }
}

type Fields<T> = Omit<T, 'stats' | 'reals'>;

// A simulated entity has exactly its kernel counterpart's fields, as makeService() gives them (every entity the same
// fields in the same order, so all share one shape); the interfaces declare them, Object.assign sets them.
interface SimReal extends Fields<RealServer> {}
class SimReal extends SimEntity implements RealServer {
  constructor(fields: Fields<RealServer>) {
    super();
    Object.assign(this, fields);
  }
}

interface SimService extends Fields<Service> {}
class SimService extends SimEntity implements Service {
  constructor(
    fields: Fields<Service>,
    readonly reals: readonly RealServer[],
  ) {
    super();
    Object.assign(this, fields);
  }
}

/** Writes read `tick`'s counters of service `id` and its reals (a service's are its reals' sum, exact in numbers). */
function writeCounters(service: Service, seed: number, id: number, tick: number): void {
  sum.fill(0);
  for (let j = 0; j < service.reals.length; j++) {
    valuesFor(seed, id, j, tick * 5, scratch);
    for (let k = 0; k < STAT_COUNT; k++) sum[k] = (sum[k] as number) + (scratch[k] as number);
    writeNumbers((service.reals[j] as RealServer).stats, scratch);
  }
  if (id === 0) writeShowcase(service.stats, seed, tick);
  else writeNumbers(service.stats, sum);
}

/**
 * The simulated table: services made once and kept while they are in the table, as a kernel keeps its own; each
 * read writes the counters of that read into the same Stats windows. A snapshot is therefore valid until the next
 * read of the same table (the contract of Source.read()); the table model copies what it serves.
 */
class SimTable {
  private readonly services = new Map<number, Service>();

  constructor(private readonly options: SimOptions) {}

  *snapshotSteps(tick: number): Generator<void, Snapshot> {
    const { seed, reals } = this.options;
    const permanent = Math.min(this.options.services, PERMANENT);
    const first = PERMANENT + tick * this.options.churn;
    const end = first + this.options.services - permanent;
    // Retire the services that left the window of ids.
    for (const id of this.services.keys()) if (id >= PERMANENT && (id < first || id >= end)) this.services.delete(id);
    const services: Service[] = [];
    const add = (id: number): void => {
      let service = this.services.get(id);
      if (service === undefined) {
        service = makeService(seed, id, reals);
        this.services.set(id, service);
      }
      writeCounters(service, seed, id, tick);
      services.push(service);
    };
    for (let id = 0; id < permanent; id++) add(id);
    for (let id = first; id < end; id++) {
      add(id);
      if (id % 64 === 0) yield;
    }
    return { info: SIM_INFO, services };
  }
}

export class SimSource implements Source {
  readonly name = 'sim';
  private tick = 0;
  private readonly table: SimTable;

  constructor(readonly options: SimOptions = DEFAULT_SIM) {
    this.table = new SimTable(options);
  }

  /** The next read's snapshot, built in slices. */
  async read(): Promise<Snapshot> {
    return runCooperatively(this.table.snapshotSteps(this.tick++));
  }

  async close(): Promise<void> {}
}

const SIM_INFO: IpvsInfo = {
  version: '1.2.1',
  connTableSize: 4096,
  tcpTimeout: 900,
  tcpFinTimeout: 120,
  udpTimeout: 300,
  daemons: [{ state: 'master', interface: 'eth1', syncId: 7 }],
};

/** The snapshot the simulator returns on read number `tick` (0-based), made afresh (its own objects). */
export function simSnapshot(options: SimOptions, tick: number): Snapshot {
  return runToEnd(new SimTable(options).snapshotSteps(tick));
}
