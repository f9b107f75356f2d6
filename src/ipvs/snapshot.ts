/**
 * The immutable picture of the IPVS table that every source (sim, file, netlink, ipvsadm) produces and the MIB
 * view serves. Identity (what makes a row the same row: protocol, address, port or fwmark) is kept apart from
 * everything that changes between reads (configuration, connection gauges, counters).
 *
 * Counters and rates (which can exceed 2^53) are u64 in a typed array, never one object per value: a table of
 * 100,000 real servers has a million of them per read. A bigint exists only when one is read (a varbind being
 * encoded, a JSON document written). Sources must widen, never truncate.
 */

/** Address family, as AF_INET / AF_INET6 in the kernel. */
export type Family = 'inet' | 'inet6';

/** Service protocol, IPPROTO_* in the kernel (TCP 6, UDP 17, SCTP 132). */
export type Protocol = 'tcp' | 'udp' | 'sctp';

/** Forwarding method, IP_VS_CONN_F_FWD_MASK values in ip_vs.h. */
export type ForwardMethod = 'masq' | 'local' | 'tunnel' | 'route' | 'bypass';

/** Tunnel encapsulation for tunnel forwarding, IP_VS_CONN_F_TUNNEL_TYPE_* in ip_vs.h. */
export type TunnelType = 'ipip' | 'gue' | 'gre';

/**
 * Counters and rate estimates of a service or a real server (struct ip_vs_kstats / IPVS_STATS_ATTR_*), in this
 * order: STAT gives each one's position. All u64 in STATS64; sources reading 32-bit STATS widen them.
 */
export const STAT = {
  conns: 0,
  inPkts: 1,
  outPkts: 2,
  inBytes: 3,
  outBytes: 4,
  /** Estimated connections per second. */
  cps: 5,
  inPps: 6,
  outPps: 7,
  /** Estimated bytes per second. */
  inBps: 8,
  outBps: 9,
} as const;

export type StatName = keyof typeof STAT;

/** The five that only grow (until a reset); the other five are rate estimates (gauges). */
export const COUNTER_COUNT = 5;
export const STAT_COUNT = 10;

export const STATS_FIELDS = Object.keys(STAT) as readonly StatName[];

/**
 * The ten values of one service or real server: a window of STAT_COUNT u64 at `at` in `values`, an array that
 * many entities of one read share (see allocStats). Immutable once the source has filled it.
 */
export interface Stats {
  readonly values: BigUint64Array;
  /** The same memory as 32-bit words (two per value, in the platform's order): for writes and compares without bigints. */
  readonly words: Uint32Array;
  readonly at: number;
}

export function statOf(stats: Stats, name: StatName): bigint {
  return stats.values[stats.at + STAT[name]] as bigint;
}

/** Entities per shared array: large enough that allocation is a bump, small enough to free early. */
const CHUNK = 4096;
let chunk = new BigUint64Array(CHUNK * STAT_COUNT);
let chunkWords = new Uint32Array(chunk.buffer);
let used = 0;

/** Index of the low word of a u64 in a Uint32Array over the same memory, relative to the value's first word. */
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const TWO_32 = 2 ** 32;

/**
 * A zeroed Stats for a source to fill in (`s.values[s.at + STAT.conns] = …`), carved from a shared array: one
 * small object per entity instead of ten bigints (or one typed array each, which costs ten times as much to make).
 */
export function allocStats(): Stats {
  if (used === CHUNK) {
    chunk = new BigUint64Array(CHUNK * STAT_COUNT);
    chunkWords = new Uint32Array(chunk.buffer);
    used = 0;
  }
  return { values: chunk, words: chunkWords, at: STAT_COUNT * used++ };
}

/**
 * Writes value `index` of a window from a whole number 0 <= n <= 2^53 - 1, without a bigint (for sources that count
 * in numbers). Larger values must be written as bigints into `values`.
 */
export function setStatNumber(stats: Stats, index: number, n: number): void {
  const w = 2 * (stats.at + index);
  stats.words[w + LOW] = n >>> 0;
  stats.words[w + 1 - LOW] = Math.floor(n / TWO_32);
}

/** Whether any of the five counters of `now` is below the same one of `before` (as u64; no bigints). */
export function countersWentBackwards(before: Stats, now: Stats): boolean {
  return countersBelow(before.words, before.at, now);
}

/** The same, with `before` given as the words of an array and the index of its first value there. */
export function countersBelow(a: Uint32Array, beforeAt: number, now: Stats): boolean {
  const b = now.words;
  for (let k = 0; k < COUNTER_COUNT; k++) {
    const wa = 2 * (beforeAt + k);
    const wb = 2 * (now.at + k);
    const ha = a[wa + 1 - LOW] as number;
    const hb = b[wb + 1 - LOW] as number;
    if (hb !== ha) {
      if (hb < ha) return true;
      continue;
    }
    if ((b[wb + LOW] as number) < (a[wa + LOW] as number)) return true;
  }
  return false;
}

/** Stats with the given values (the rest zero). Values are u64: the caller has range-checked them. */
export function makeStats(values: Partial<Record<StatName, bigint>>): Stats {
  const s = allocStats();
  for (const name of STATS_FIELDS) {
    const v = values[name];
    if (v !== undefined) s.values[s.at + STAT[name]] = v;
  }
  return s;
}

/** Values below this are exact as numbers (2^53, as its high word): printed without a bigint. */
const EXACT_HIGH_WORDS = 2 ** 21;

/**
 * Value `index` of a window as decimal text, exact for every u64. A bigint is made only for a value of 2^53 or
 * more: printing a 100,000-real table (lvs-agentx snapshot) otherwise makes a million of them.
 */
export function statText(stats: Stats, index: number): string {
  const w = 2 * (stats.at + index);
  const high = stats.words[w + 1 - LOW] as number;
  if (high < EXACT_HIGH_WORDS) return String(high * TWO_32 + (stats.words[w + LOW] as number));
  return String(stats.values[stats.at + index]);
}

/** The values as named bigints (JSON, text output, tests). */
export function statsRecord(stats: Stats): Record<StatName, bigint> {
  const out = {} as Record<StatName, bigint>;
  for (const name of STATS_FIELDS) out[name] = statOf(stats, name);
  return out;
}

/** A virtual service by address: protocol, virtual IP and port. */
export interface AddressServiceKey {
  readonly kind: 'addr';
  readonly family: Family;
  readonly protocol: Protocol;
  /** Canonical text: dotted quad, or RFC 5952 IPv6. */
  readonly address: string;
  readonly port: number;
}

/** A virtual service by firewall mark (IPVS_SVC_ATTR_FWMARK), for one address family. */
export interface FwmarkServiceKey {
  readonly kind: 'fwmark';
  readonly family: Family;
  readonly fwmark: number;
}

export type ServiceKey = AddressServiceKey | FwmarkServiceKey;

export interface RealServer {
  /** Own family: may differ from the service's (mixed-family reals, IPVS_DEST_ATTR_ADDR_FAMILY). */
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly forward: ForwardMethod;
  /** Signed in the kernel (int weight); 0 means quiesced. */
  readonly weight: number;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
  /** Only meaningful for tunnel forwarding; undefined when the kernel did not say. */
  readonly tunnelType?: TunnelType | undefined;
  readonly tunnelPort?: number | undefined;
  readonly tunnelFlags?: number | undefined;
  readonly stats: Stats;
}

export interface Service {
  readonly key: ServiceKey;
  readonly scheduler: string;
  /** IP_VS_SVC_F_* bits (persistent 0x1, hashed 0x2, onepacket 0x4, sched flags 0x8..0x20). */
  readonly flags: number;
  /** Persistence timeout in seconds (IPVS_SVC_ATTR_TIMEOUT); 0 when not persistent. */
  readonly timeout: number;
  /** Persistence netmask as a prefix length (0..32 for IPv4, 0..128 for IPv6). */
  readonly netmaskPrefix: number;
  /** Persistence engine name (IPVS_SVC_ATTR_PE_NAME), '' when none. */
  readonly peName: string;
  readonly stats: Stats;
  readonly reals: readonly RealServer[];
}

/** Sync daemon state (IPVS_CMD_GET_DAEMON); one entry per running daemon. */
export interface SyncDaemon {
  readonly state: 'master' | 'backup';
  readonly interface: string;
  readonly syncId: number;
}

/** Global IPVS facts: GET_INFO and GET_CONFIG. */
export interface IpvsInfo {
  /** Kernel IPVS version as "major.minor.patch" (IPVS_INFO_ATTR_VERSION, 0x010201 → "1.2.1"). */
  readonly version: string;
  /** Connection hash table size (IPVS_INFO_ATTR_CONN_TAB_SIZE). */
  readonly connTableSize: number;
  /** Timeouts in seconds (IPVS_CMD_ATTR_TIMEOUT_TCP / _TCP_FIN / _UDP). */
  readonly tcpTimeout: number;
  readonly tcpFinTimeout: number;
  readonly udpTimeout: number;
  readonly daemons: readonly SyncDaemon[];
}

/** What one read of a source returns. */
export interface Snapshot {
  readonly info: IpvsInfo;
  readonly services: readonly Service[];
}

const ZERO_VALUES = new BigUint64Array(STAT_COUNT);
export const ZERO_STATS: Stats = Object.freeze({ values: ZERO_VALUES, words: new Uint32Array(ZERO_VALUES.buffer), at: 0 });
