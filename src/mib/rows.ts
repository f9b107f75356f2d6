import type { Oid } from '../agentx/pdu.js';
import { parseAddress } from '../ipvs/address.js';
import { realName, serviceName } from '../ipvs/service-key.js';
import type { RealServer, Service, Snapshot } from '../ipvs/snapshot.js';
import { runToEnd } from '../util/time-slices.js';
import { encodeStringIndex } from './string-index.js';

/**
 * Table rows of one snapshot, sorted by their index OIDs. The index is the row's identity (its canonical name),
 * so a service keeps its OID whatever else is added, removed or reordered.
 *
 * Building rows for a large table takes a while (100,000 real servers), so it is written as a generator that
 * yields every few hundred rows: the daemon drives it in slices between AgentX requests (util/time-slices.ts), tests
 * and tools run it straight through with buildRows().
 */

export interface ServiceRow {
  /** Canonical name, the lvsServiceName index ("TCP/10.0.0.1:80"); rowIndex() gives its sub-identifiers. */
  readonly name: string;
  readonly service: Service;
  /** Virtual address bytes (4 or 16), empty for fwmark services. */
  readonly addressBytes: Uint8Array;
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
  /** Monotonic ms (performance.now()) when this row's counters last started (appeared or went backwards). */
  readonly discontinuityAt: number;
}

export interface RealRow {
  readonly service: ServiceRow;
  /** Canonical real server name ("10.0.0.2:80", "[2001:db8::2]:80"); the row's index is the service's, then this. */
  readonly name: string;
  readonly real: RealServer;
  readonly addressBytes: Uint8Array;
  readonly discontinuityAt: number;
}

/**
 * The row's index sub-identifiers: lvsServiceName, then lvsRealName for a real server row. Built on each call:
 * rows keep only their names (a 110,000-row table would otherwise hold ~35 MB of index arrays per snapshot), and
 * the MIB view compares OIDs with the names directly (oid.ts compareTailWithNames).
 */
export function rowIndex(row: ServiceRow | RealRow): Oid {
  if ('real' in row) return [...encodeStringIndex(row.service.name), ...encodeStringIndex(row.name)];
  return encodeStringIndex(row.name);
}

/** Key under which discontinuity times are tracked for a real server row. */
export function realRowKey(service: string, real: string): string {
  return `${service} ${real}`;
}

/** Monotonic time of each row's last counter discontinuity, keyed by service name or realRowKey(). */
export type DiscontinuityLookup = (rowKey: string) => number;

export interface Rows {
  readonly services: readonly ServiceRow[];
  readonly reals: readonly RealRow[];
}

/** Rows processed between two yields of buildRowsSteps. */
const STEP = 512;

/**
 * SNMP order of two canonical names as string indexes: shorter first (the length is the first sub-identifier),
 * then octet by octet. Canonical names are ASCII, so UTF-16 code unit order is octet order.
 */
export function compareNames(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds sorted rows, yielding every STEP rows. Services with the same name (a source that repeated an entry)
 * keep the first; sources de-duplicate already, this keeps the table well-formed whatever a source does.
 */
export function* buildRowsSteps(snapshot: Snapshot, discontinuityAt: DiscontinuityLookup): Generator<void, Rows> {
  const addressCache = new Map<string, Uint8Array>();
  const bytesOf = (text: string): Uint8Array => {
    let bytes = addressCache.get(text);
    if (!bytes) {
      bytes = parseAddress(text).bytes;
      addressCache.set(text, bytes);
    }
    return bytes;
  };

  const services: ServiceRow[] = [];
  const seen = new Set<string>();
  let work = 0;
  for (const service of snapshot.services) {
    const name = serviceName(service.key);
    if (seen.has(name)) continue;
    seen.add(name);
    let active = 0;
    let inactive = 0;
    let persistent = 0;
    for (const r of service.reals) {
      active += r.activeConns;
      inactive += r.inactiveConns;
      persistent += r.persistentConns;
    }
    services.push({
      name,
      service,
      addressBytes: service.key.kind === 'addr' ? bytesOf(service.key.address) : new Uint8Array(0),
      activeConns: active,
      inactiveConns: inactive,
      persistentConns: persistent,
      discontinuityAt: discontinuityAt(name),
    });
    if (++work % STEP === 0) yield;
  }
  services.sort((a, b) => compareNames(a.name, b.name));
  yield;

  const reals: RealRow[] = [];
  for (const row of services) {
    const ofService: RealRow[] = [];
    const seenReal = new Set<string>();
    for (const real of row.service.reals) {
      const name = realName(real);
      if (seenReal.has(name)) continue;
      seenReal.add(name);
      ofService.push({
        service: row,
        name,
        real,
        addressBytes: bytesOf(real.address),
        discontinuityAt: discontinuityAt(realRowKey(row.name, name)),
      });
      if (++work % STEP === 0) yield;
    }
    // Services are already in index order, so sorting within each service orders the whole table.
    ofService.sort((a, b) => compareNames(a.name, b.name));
    for (const r of ofService) reals.push(r);
  }
  return { services, reals };
}

/** Builds rows in one go (tests, tools). The daemon uses buildRowsSteps through runCooperatively(). */
export function buildRows(snapshot: Snapshot, discontinuityAt: DiscontinuityLookup): Rows {
  return runToEnd(buildRowsSteps(snapshot, discontinuityAt));
}
