import { formatAddress, parseAddress } from './address.js';
import { PROTOCOLS } from './protocol.js';
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
import { makeStats, STATS_FIELDS, statsRecord, ZERO_STATS, type StatName } from './snapshot.js';

/**
 * The JSON snapshot format (README: "Snapshot file"): what the `file:` source reads and `lvs-agentx snapshot`
 * prints. Counters are decimal strings (or JSON numbers up to 2^53-1) so that 64-bit values stay exact.
 * Every error names the JSON path of the offending value and what was expected there.
 */

export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`snapshot: ${path}: expected ${expected}, got ${describe(got)}`);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text === undefined ? typeof v : text.length > 60 ? `${text.slice(0, 57)}...` : text;
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

function uint(v: unknown, path: string, max: number, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new SnapshotFormatError(path, `an integer 0..${max}`, v);
  }
  return v;
}

function int32(v: unknown, path: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
    throw new SnapshotFormatError(path, 'a signed 32-bit integer', v);
  }
  return v;
}

function str(v: unknown, path: string, fallback?: string): string {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string') throw new SnapshotFormatError(path, 'a string', v);
  return v;
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

function serviceKey(o: Obj, path: string): ServiceKey {
  if (o.fwmark !== undefined) {
    return { kind: 'fwmark', family: oneOf(o.family, `${path}.family`, FAMILIES, 'inet'), fwmark: uint(o.fwmark, `${path}.fwmark`, 0xffffffff) };
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

function real(v: unknown, path: string): RealServer {
  const o = obj(v, path);
  const a = address(o.address, `${path}.address`);
  return {
    family: a.family,
    address: a.address,
    port: uint(o.port, `${path}.port`, 65535),
    forward: oneOf(o.forward, `${path}.forward`, FORWARDS, 'masq'),
    weight: int32(o.weight, `${path}.weight`, 1),
    upperThreshold: uint(o.upperThreshold, `${path}.upperThreshold`, 0xffffffff, 0),
    lowerThreshold: uint(o.lowerThreshold, `${path}.lowerThreshold`, 0xffffffff, 0),
    activeConns: uint(o.activeConns, `${path}.activeConns`, 0xffffffff, 0),
    inactiveConns: uint(o.inactiveConns, `${path}.inactiveConns`, 0xffffffff, 0),
    persistentConns: uint(o.persistentConns, `${path}.persistentConns`, 0xffffffff, 0),
    tunnelType: o.tunnelType === undefined ? undefined : oneOf(o.tunnelType, `${path}.tunnelType`, TUNNELS),
    tunnelPort: o.tunnelPort === undefined ? undefined : uint(o.tunnelPort, `${path}.tunnelPort`, 65535),
    tunnelFlags: o.tunnelFlags === undefined ? undefined : uint(o.tunnelFlags, `${path}.tunnelFlags`, 0xffff),
    stats: stats(o.stats, `${path}.stats`),
  };
}

function service(v: unknown, path: string): Service {
  const o = obj(v, path);
  const key = serviceKey(o, path);
  const maxPrefix = key.family === 'inet' ? 32 : 128;
  return {
    key,
    scheduler: str(o.scheduler, `${path}.scheduler`, 'wlc'),
    flags: uint(o.flags, `${path}.flags`, 0xffffffff, 0),
    timeout: uint(o.timeout, `${path}.timeout`, 0xffffffff, 0),
    netmaskPrefix: uint(o.netmaskPrefix, `${path}.netmaskPrefix`, maxPrefix, maxPrefix),
    peName: str(o.peName, `${path}.peName`, ''),
    stats: stats(o.stats, `${path}.stats`),
    reals: arr(o.reals ?? [], `${path}.reals`).map((r, i) => real(r, `${path}.reals[${i}]`)),
  };
}

function daemon(v: unknown, path: string): SyncDaemon {
  const o = obj(v, path);
  return {
    state: oneOf(o.state, `${path}.state`, ['master', 'backup'] as const),
    interface: str(o.interface, `${path}.interface`, ''),
    syncId: uint(o.syncId, `${path}.syncId`, 255, 0),
  };
}

function info(v: unknown, path: string): IpvsInfo {
  const o = obj(v ?? {}, path);
  return {
    version: str(o.version, `${path}.version`, '1.2.1'),
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
    services: arr(o.services ?? [], '$.services').map((s, i) => service(s, `$.services[${i}]`)),
  };
}

function statsToJson(s: Stats): Record<string, string> {
  const values = statsRecord(s);
  const out: Record<string, string> = {};
  for (const f of STATS_FIELDS) out[f] = values[f].toString();
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
