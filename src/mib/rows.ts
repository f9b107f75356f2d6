import type { Oid } from '../agentx/pdu.js';
import type { RealServer, Service, Stats } from '../ipvs/snapshot.js';
import { encodeStringIndex } from './string-index.js';

/**
 * Table rows as the MIB serves them, sorted by their index OIDs. The index is the row's identity (its canonical
 * name), so a service keeps its OID whatever else is added, removed or reordered. The table model (model.ts) makes
 * them: a row of each read points at its identity's name and address bytes and at that read's values.
 */

export interface ServiceRow {
  /** Canonical name, the lvsServiceName index ("TCP/10.0.0.1:80"); rowIndex() gives its sub-identifiers. */
  readonly name: string;
  readonly service: Service;
  /** Virtual address bytes (4 or 16), empty for fwmark services. */
  readonly addressBytes: Uint8Array;
  /** The counters served: as read, or with the monotonic offset added. */
  readonly stats: Stats;
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
  readonly stats: Stats;
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

export interface Rows {
  readonly services: readonly ServiceRow[];
  readonly reals: readonly RealRow[];
}

/**
 * SNMP order of two canonical names as string indexes: shorter first (the length is the first sub-identifier),
 * then octet by octet. Canonical names are ASCII, so UTF-16 code unit order is octet order.
 */
export function compareNames(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
