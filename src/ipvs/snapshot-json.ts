import { formatAddress, parseAddress } from './address.js';
import { PROTOCOLS } from './protocol.js';
import { realName, serviceName } from './service-key.js';
import type {
  Family,
  ForwardMethod,
  IpvsInfo,
  RealServer,
  Service,
  ServiceKey,
  Snapshot,
  Stats,
  SyncDaemon,
  TunnelType,
} from './snapshot.js';
import { makeStats, STAT, STATS_FIELDS, statText, ZERO_STATS, type StatName } from './snapshot.js';
import { describeValue } from '../util/bounded-text.js';

/**
 * The JSON snapshot format (README: "Snapshot file"): what the `file:` source reads and `lvs-agentx snapshot`
 * prints. Counters are decimal strings (or JSON numbers up to 2^53-1) so that 64-bit values stay exact.
 * Every error names the JSON path of the offending value, what was expected there and what came (bounded: a
 * long string is cut and its size said, an array or object is shown by its size).
 *
 * The rules are the kernel's own (net/netfilter/ipvs/ip_vs_ctl.c), so that a file describes only tables a
 * director could hold: see service() and real().
 */

export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: unknown,
    /** How the message shows what came, when not the value itself (a duplicate's name). */
    gotText = describeValue(got),
  ) {
    super(`snapshot: ${path}: expected ${expected}, got ${gotText}`);
  }
}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SnapshotFormatError(path, 'an object', v);
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new SnapshotFormatError(path, 'an array', v);
  return v;
}

function uint(v: unknown, path: string, max: number, fallback?: number, min = 0): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new SnapshotFormatError(path, `an integer ${min}..${max}`, v);
  }
  return v;
}

function str(v: unknown, path: string, fallback?: string): string {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string') throw new SnapshotFormatError(path, 'a string', v);
  return v;
}

/**
 * A kernel name: printable ASCII without spaces, at most `max` characters (the kernel's buffers hold max + 1 with
 * the NUL: IP_VS_SCHEDNAME_MAXLEN, IP_VS_PENAME_MAXLEN, IP_VS_IFNAME_MAXLEN are 16 in ip_vs.h).
 */
function kernelName(v: unknown, path: string, fallback: string, min: number, max: number): string {
  const text = str(v, path, fallback);
  if (text.length < min || text.length > max || !/^[\x21-\x7e]*$/.test(text)) {
    throw new SnapshotFormatError(path, `a name of ${min}..${max} printable ASCII characters`, v);
  }
  return text;
}

function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[], fallback?: T): T {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new SnapshotFormatError(path, `one of ${allowed.join(', ')}`, v);
  }
  return v as T;
}

const U64_MAX = 0xffffffffffffffffn;

function u64(v: unknown, path: string): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) {
    const n = BigInt(v);
    if (n <= U64_MAX) return n;
  }
  throw new SnapshotFormatError(path, 'an unsigned 64-bit integer as a decimal string (or a number below 2^53)', v);
}

function stats(v: unknown, path: string): Stats {
  if (v === undefined) return ZERO_STATS;
  const o = obj(v, path);
  const out: Partial<Record<StatName, bigint>> = {};
  for (const f of STATS_FIELDS) out[f] = u64(o[f], `${path}.${f}`);
  return makeStats(out);
}

/** An address in any valid text form, returned in the canonical form the kernel reader produces. */
function address(v: unknown, path: string): { family: Family; address: string } {
  const text = str(v, path);
  let parsed: { family: Family; bytes: Uint8Array };
  try {
    parsed = parseAddress(text);
  } catch {
    throw new SnapshotFormatError(path, 'an IPv4 or IPv6 address', v);
  }
  return { family: parsed.family, address: formatAddress(parsed.family, parsed.bytes) };
}

const FORWARDS: readonly ForwardMethod[] = ['masq', 'local', 'tunnel', 'route', 'bypass'];
const TUNNELS: readonly TunnelType[] = ['ipip', 'gue', 'gre'];
const FAMILIES: readonly Family[] = ['inet', 'inet6'];

/** ip_vs.h: IP_VS_SCHEDNAME_MAXLEN, IP_VS_PENAME_MAXLEN, IP_VS_IFNAME_MAXLEN (16, the NUL included). */
const NAME_MAX = 15;

/**
 * ipvsadm 1.31 takes weights 0..65535 (`-w`: string_to_number(optarg, 0, 65535)); the kernel refuses a negative
 * one (ip_vs_add_dest, ip_vs_edit_dest: "server weight less than zero", -ERANGE).
 */
const WEIGHT_MAX = 65535;

function serviceKey(o: Obj, path: string): ServiceKey {
  if (o.fwmark !== undefined) {
    // A service is selected by fwmark or by (protocol, address, port), never both (ip_vs_genl_parse_service reads
    // the fwmark and ignores the rest: a file saying both would be served as something it did not mean).
    for (const field of ['protocol', 'address', 'port'] as const) {
      if (o[field] !== undefined) throw new SnapshotFormatError(`${path}.${field}`, 'nothing beside fwmark (a fwmark service has no protocol, address or port)', o[field]);
    }
    // Mark 0 is no mark: the kernel takes such a service as one by address (__ip_vs_service_find).
    return { kind: 'fwmark', family: oneOf(o.family, `${path}.family`, FAMILIES, 'inet'), fwmark: uint(o.fwmark, `${path}.fwmark`, 0xffffffff, undefined, 1) };
  }
  const a = address(o.address, `${path}.address`);
  return {
    kind: 'addr',
    family: a.family,
    protocol: oneOf(o.protocol, `${path}.protocol`, PROTOCOLS),
    address: a.address,
    port: uint(o.port, `${path}.port`, 65535),
  };
}

function real(v: unknown, path: string, serviceFamily: Family): RealServer {
  const o = obj(v, path);
  const a = address(o.address, `${path}.address`);
  const forward = oneOf(o.forward, `${path}.forward`, FORWARDS, 'masq');
  // ip_vs_genl_set_cmd: a real server of another family than its service's only with tunnel forwarding (-EINVAL).
  if (a.family !== serviceFamily && forward !== 'tunnel') {
    throw new SnapshotFormatError(`${path}.address`, `an ${serviceFamily === 'inet' ? 'IPv4' : 'IPv6'} address like its service's (other families only with forward "tunnel")`, o.address);
  }
  const upperThreshold = uint(o.upperThreshold, `${path}.upperThreshold`, 0xffffffff, 0);
  // ip_vs_add_dest, ip_vs_edit_dest: "lower threshold is higher than upper threshold", -ERANGE.
  const lowerThreshold = uint(o.lowerThreshold, `${path}.lowerThreshold`, upperThreshold, 0);
  return {
    family: a.family,
    address: a.address,
    port: uint(o.port, `${path}.port`, 65535),
    forward,
    weight: uint(o.weight, `${path}.weight`, WEIGHT_MAX, 1),
    upperThreshold,
    lowerThreshold,
    activeConns: uint(o.activeConns, `${path}.activeConns`, 0xffffffff, 0),
    inactiveConns: uint(o.inactiveConns, `${path}.inactiveConns`, 0xffffffff, 0),
    persistentConns: uint(o.persistentConns, `${path}.persistentConns`, 0xffffffff, 0),
    tunnelType: o.tunnelType === undefined ? undefined : oneOf(o.tunnelType, `${path}.tunnelType`, TUNNELS),
    tunnelPort: o.tunnelPort === undefined ? undefined : uint(o.tunnelPort, `${path}.tunnelPort`, 65535),
    tunnelFlags: o.tunnelFlags === undefined ? undefined : uint(o.tunnelFlags, `${path}.tunnelFlags`, 0xffff),
    stats: stats(o.stats, `${path}.stats`),
  };
}

/** The real servers of one service, each once: the kernel keys them by family, address and port (ip_vs_lookup_dest, -EEXIST). */
function reals(v: unknown, path: string, family: Family): RealServer[] {
  const seen = new Map<string, number>();
  return arr(v ?? [], path).map((r, i) => {
    const parsed = real(r, `${path}[${i}]`, family);
    const name = realName(parsed);
    const first = seen.get(name);
    if (first !== undefined) throw new SnapshotFormatError(`${path}[${i}]`, 'each real server of a service once', r, `${name} again (first at ${path}[${first}])`);
    seen.set(name, i);
    return parsed;
  });
}

function service(v: unknown, path: string): Service {
  const o = obj(v, path);
  const key = serviceKey(o, path);
  // The persistence netmask as a prefix length: IPv4 0..32, IPv6 0..128 (the kernel refuses 0 on adding an IPv6
  // service, ip_vs_add_service: -EINVAL, but the netlink reader passes on whatever a dump says, and a file written
  // by `lvs-agentx snapshot --format json` reads back).
  const maxPrefix = key.family === 'inet' ? 32 : 128;
  return {
    key,
    scheduler: kernelName(o.scheduler, `${path}.scheduler`, 'wlc', 1, NAME_MAX),
    flags: uint(o.flags, `${path}.flags`, 0xffffffff, 0),
    timeout: uint(o.timeout, `${path}.timeout`, 0xffffffff, 0),
    netmaskPrefix: uint(o.netmaskPrefix, `${path}.netmaskPrefix`, maxPrefix, maxPrefix),
    peName: kernelName(o.peName, `${path}.peName`, '', 0, NAME_MAX),
    stats: stats(o.stats, `${path}.stats`),
    reals: reals(o.reals, `${path}.reals`, key.family),
  };
}

/** The services, each once: a second entry with the same key is refused with the key named (the kernel: -EEXIST). */
function services(v: unknown, path: string): Service[] {
  const seen = new Map<string, number>();
  return arr(v ?? [], path).map((s, i) => {
    const parsed = service(s, `${path}[${i}]`);
    const name = serviceName(parsed.key);
    const first = seen.get(name);
    if (first !== undefined) throw new SnapshotFormatError(`${path}[${i}]`, 'each service once', s, `${name} again (first at ${path}[${first}])`);
    seen.set(name, i);
    return parsed;
  });
}

function daemon(v: unknown, path: string): SyncDaemon {
  const o = obj(v, path);
  return {
    state: oneOf(o.state, `${path}.state`, ['master', 'backup'] as const),
    interface: kernelName(o.interface, `${path}.interface`, '', 0, NAME_MAX),
    syncId: uint(o.syncId, `${path}.syncId`, 255, 0),
  };
}

/** "major.minor.patch", as the netlink reader writes IPVS_INFO_ATTR_VERSION (each part a byte of it). */
function version(v: unknown, path: string): string {
  const text = str(v, path, '1.2.1');
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(text)) throw new SnapshotFormatError(path, 'a version like 1.2.1', v);
  return text;
}

function info(v: unknown, path: string): IpvsInfo {
  const o = obj(v ?? {}, path);
  return {
    version: version(o.version, `${path}.version`),
    connTableSize: uint(o.connTableSize, `${path}.connTableSize`, 0xffffffff, 4096),
    tcpTimeout: uint(o.tcpTimeout, `${path}.tcpTimeout`, 0xffffffff, 900),
    tcpFinTimeout: uint(o.tcpFinTimeout, `${path}.tcpFinTimeout`, 0xffffffff, 120),
    udpTimeout: uint(o.udpTimeout, `${path}.udpTimeout`, 0xffffffff, 300),
    daemons: arr(o.daemons ?? [], `${path}.daemons`).map((d, i) => daemon(d, `${path}.daemons[${i}]`)),
  };
}

/** Parses a snapshot document (already JSON-decoded). */
export function snapshotFromJson(doc: unknown): Snapshot {
  const o = obj(doc, '$');
  return {
    info: info(o.info, '$.info'),
    services: services(o.services, '$.services'),
  };
}

function statsToJson(s: Stats): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of STATS_FIELDS) out[f] = statText(s, STAT[f]);
  return out;
}

/** The JSON document for a snapshot; snapshotFromJson(snapshotToJson(s)) equals s. */
export function snapshotToJson(snapshot: Snapshot): unknown {
  return {
    info: snapshot.info,
    services: snapshot.services.map((s) => ({
      ...(s.key.kind === 'fwmark'
        ? { family: s.key.family, fwmark: s.key.fwmark }
        : { protocol: s.key.protocol, address: s.key.address, port: s.key.port }),
      scheduler: s.scheduler,
      flags: s.flags,
      timeout: s.timeout,
      netmaskPrefix: s.netmaskPrefix,
      peName: s.peName,
      stats: statsToJson(s.stats),
      reals: s.reals.map((r) => ({
        address: r.address,
        port: r.port,
        forward: r.forward,
        weight: r.weight,
        upperThreshold: r.upperThreshold,
        lowerThreshold: r.lowerThreshold,
        activeConns: r.activeConns,
        inactiveConns: r.inactiveConns,
        persistentConns: r.persistentConns,
        ...(r.tunnelType !== undefined ? { tunnelType: r.tunnelType } : {}),
        ...(r.tunnelPort !== undefined ? { tunnelPort: r.tunnelPort } : {}),
        ...(r.tunnelFlags !== undefined ? { tunnelFlags: r.tunnelFlags } : {}),
        stats: statsToJson(r.stats),
      })),
    })),
  };
}
