import type { Oid } from '../agentx/pdu.js';
import type { RealServer, Service, Stats } from '../ipvs/snapshot.js';
import { appendStringIndex } from './string-index.js';

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
 * the MIB view compares OIDs with the names directly (string-index.ts compareTailWithIndexes).
 */
export function rowIndex(row: ServiceRow | RealRow): Oid {
  const out: number[] = [];
  if ('real' in row) appendStringIndex(out, row.service.name);
  appendStringIndex(out, row.name);
  return out;
}

/** Key under which discontinuity times are tracked for a real server row. */
export function realRowKey(service: string, real: string): string {
  return `${service} ${real}`;
}

export interface Rows {
  readonly services: readonly ServiceRow[];
  readonly reals: readonly RealRow[];
}
