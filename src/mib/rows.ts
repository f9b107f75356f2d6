import type { Oid } from '../agentx/pdu.js';
import { parseAddress } from '../ipvs/address.js';
import { realName, serviceName } from '../ipvs/service-key.js';
import type { RealServer, Service, Snapshot } from '../ipvs/snapshot.js';
import { compareOids } from './oid.js';
import { encodeStringIndex } from './string-index.js';

/**
 * Table rows of one snapshot, sorted by their index OIDs. The index is the row's identity (its canonical name),
 * so a service keeps its OID whatever else is added, removed or reordered.
 */

export interface ServiceRow {
  /** Canonical name, the lvsServiceName index ("TCP/10.0.0.1:80"). */
  readonly name: string;
  /** Index sub-identifiers: length-prefixed name. */
  readonly index: Oid;
  readonly service: Service;
  /** Virtual address bytes (4 or 16), empty for fwmark services. */
  readonly addressBytes: Uint8Array;
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
  /** Wall-clock ms (Date.now() base) when this row's counters last started from a discontinuity. */
  readonly discontinuityAt: number;
}

export interface RealRow {
  readonly service: ServiceRow;
  /** Canonical real server name ("10.0.0.2:80", "[2001:db8::2]:80"). */
  readonly name: string;
  /** Service index followed by the real server's length-prefixed name. */
  readonly index: Oid;
  readonly real: RealServer;
  readonly addressBytes: Uint8Array;
  readonly discontinuityAt: number;
}

/** Key under which discontinuity times are tracked for a real server row. */
export function realRowKey(service: string, real: string): string {
  return `${service} ${real}`;
}

/** Wall-clock time of each row's last counter discontinuity, keyed by service name or realRowKey(). */
export type DiscontinuityLookup = (rowKey: string) => number;

export interface Rows {
  readonly services: readonly ServiceRow[];
  readonly reals: readonly RealRow[];
}

/**
 * Builds sorted rows. Services with the same name (a source that repeated an entry) keep the first; the sources
 * de-duplicate already, this keeps the table well-formed whatever a source does.
 */
export function buildRows(snapshot: Snapshot, discontinuityAt: DiscontinuityLookup): Rows {
  const services: ServiceRow[] = [];
  const seen = new Set<string>();
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
      index: encodeStringIndex(name),
      service,
      addressBytes: service.key.kind === 'addr' ? parseAddress(service.key.address).bytes : new Uint8Array(0),
      activeConns: active,
      inactiveConns: inactive,
      persistentConns: persistent,
      discontinuityAt: discontinuityAt(name),
    });
  }
  services.sort((a, b) => compareOids(a.index, b.index));

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
        index: [...row.index, ...encodeStringIndex(name)],
        real,
        addressBytes: parseAddress(real.address).bytes,
        discontinuityAt: discontinuityAt(realRowKey(row.name, name)),
      });
    }
    // Services are already in index order, so sorting within each service orders the whole table.
    ofService.sort((a, b) => compareOids(a.index, b.index));
    for (const r of ofService) reals.push(r);
  }
  return { services, reals };
}
