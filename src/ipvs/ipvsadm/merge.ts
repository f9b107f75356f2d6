import { realName, serviceName } from '../service-key.js';
import { makeStats, type RealServer, type Service, type Snapshot, type Stats } from '../snapshot.js';
import {
  LIST,
  PERSISTENT_CONN,
  parseDaemons,
  parseTimeouts,
  RATE,
  STATS,
  THRESHOLDS,
  TUN_INFO,
  type TunnelValues,
} from './formats.js';
import { IpvsadmParseError, type Listing, type ListingFormat, parseListing } from './listing.js';

/**
 * One snapshot from the outputs of several ipvsadm invocations. `list` (`ipvsadm -L -n --exact`) decides which
 * services and real servers exist; the others add columns to rows they share with it, matched by canonical
 * name. The invocations are not atomic together: a row missing from a supplementary output (changed in
 * between) gets zeros there, a row only in a supplementary output is ignored. Repeated rows keep the first.
 */
export interface IpvsadmOutputs {
  readonly list: string;
  readonly stats?: string | undefined;
  readonly rate?: string | undefined;
  readonly thresholds?: string | undefined;
  readonly persistentConn?: string | undefined;
  readonly tunInfo?: string | undefined;
  /** `ipvsadm -L --timeout` */
  readonly timeout?: string | undefined;
  /** `ipvsadm -L --daemon` */
  readonly daemon?: string | undefined;
}

/** Which output a parse error came from, for the message. */
export class IpvsadmOutputError extends Error {
  override readonly name = 'IpvsadmOutputError';
  constructor(
    readonly output: string,
    readonly parseError: IpvsadmParseError,
  ) {
    super(`${output}: ${parseError.message}`, { cause: parseError });
  }
}

function parsed<S, V>(output: string, text: string, format: ListingFormat<S, V>): Listing<S, V> {
  try {
    return parseListing(text, format);
  } catch (err) {
    if (err instanceof IpvsadmParseError) throw new IpvsadmOutputError(output, err);
    throw err;
  }
}

function other<T>(output: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof IpvsadmParseError) throw new IpvsadmOutputError(output, err);
    throw err;
  }
}

/** Rows of a supplementary listing by service name, then real server name (first occurrence kept). */
function index<S, V>(listing: Listing<S, V> | undefined): Map<string, { values: S; reals: Map<string, V> }> {
  const out = new Map<string, { values: S; reals: Map<string, V> }>();
  for (const s of listing?.services ?? []) {
    const name = serviceName(s.key);
    if (out.has(name)) continue;
    const reals = new Map<string, V>();
    for (const r of s.reals) {
      const rn = realName(r);
      if (!reals.has(rn)) reals.set(rn, r.values);
    }
    out.set(name, { values: s.values, reals });
  }
  return out;
}

function statsOf(counters: readonly bigint[] | undefined, rates: readonly bigint[] | undefined): Stats {
  const c = (i: number): bigint => counters?.[i] ?? 0n;
  const r = (i: number): bigint => rates?.[i] ?? 0n;
  return makeStats({
    conns: c(0),
    inPkts: c(1),
    outPkts: c(2),
    inBytes: c(3),
    outBytes: c(4),
    cps: r(0),
    inPps: r(1),
    outPps: r(2),
    inBps: r(3),
    outBps: r(4),
  });
}

const NO_TUNNEL: TunnelValues = { tunnelType: undefined, tunnelPort: undefined, tunnelFlags: undefined };

export function snapshotFromIpvsadm(outputs: IpvsadmOutputs): Snapshot {
  const list = parsed('ipvsadm -L -n --exact', outputs.list, LIST);
  const opt = <S, V>(text: string | undefined, format: ListingFormat<S, V>) =>
    index(text === undefined ? undefined : parsed(`ipvsadm -L -n --exact ${format.option}`, text, format));
  const stats = opt(outputs.stats, STATS);
  const rate = opt(outputs.rate, RATE);
  const thresholds = opt(outputs.thresholds, THRESHOLDS);
  const persistent = opt(outputs.persistentConn, PERSISTENT_CONN);
  const tunnels = opt(outputs.tunInfo, TUN_INFO);

  const services: Service[] = [];
  const seen = new Set<string>();
  for (const s of list.services) {
    const name = serviceName(s.key);
    if (seen.has(name)) continue;
    seen.add(name);
    const reals: RealServer[] = [];
    const seenReal = new Set<string>();
    for (const r of s.reals) {
      const rn = realName(r);
      if (seenReal.has(rn)) continue;
      seenReal.add(rn);
      const th = thresholds.get(name)?.reals.get(rn);
      const tun = r.values.forward === 'tunnel' ? (tunnels.get(name)?.reals.get(rn) ?? NO_TUNNEL) : NO_TUNNEL;
      reals.push({
        family: r.family,
        address: r.address,
        port: r.port,
        ...r.values,
        upperThreshold: th?.upperThreshold ?? 0,
        lowerThreshold: th?.lowerThreshold ?? 0,
        persistentConns: persistent.get(name)?.reals.get(rn)?.persistentConns ?? 0,
        ...tun,
        stats: statsOf(stats.get(name)?.reals.get(rn), rate.get(name)?.reals.get(rn)),
      });
    }
    services.push({
      key: s.key,
      ...s.values,
      stats: statsOf(stats.get(name)?.values, rate.get(name)?.values),
      reals,
    });
  }

  const { timeout, daemon } = outputs;
  const timeouts =
    timeout === undefined
      ? { tcpTimeout: 0, tcpFinTimeout: 0, udpTimeout: 0 }
      : other('ipvsadm -L --timeout', () => parseTimeouts(timeout));
  const daemons = daemon === undefined ? [] : other('ipvsadm -L --daemon', () => parseDaemons(daemon));

  return {
    info: { version: list.version, connTableSize: list.connTableSize, ...timeouts, daemons },
    services,
  };
}
