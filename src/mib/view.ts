import type { Oid, Value, VarBind } from '../agentx/pdu.js';
import type { IpvsInfo } from '../ipvs/snapshot.js';
import {
  LVS_MIB_ROOT,
  LVS_REAL_ENTRY,
  LVS_SERVICE_ENTRY,
  REAL_COLUMNS,
  SCALARS,
  SERVICE_COLUMNS,
  type AgentStatus,
  type ColumnDef,
  type ScalarContext,
  type TimeStampOf,
} from './lvs-mib.js';
import { compareOidTail, compareOids, isPrefixOf } from './oid.js';
import type { RealRow, Rows, ServiceRow } from './rows.js';
import { appendStringIndex, compareTailWithIndexes } from './string-index.js';
import { END_OF_MIB_VIEW, NO_SUCH_INSTANCE, NO_SUCH_OBJECT } from './values.js';

/**
 * An ordered, read-only OID view of one snapshot. Objects (scalars and table columns) are kept in OID order;
 * each column's instances are the table's rows, sorted by index. Get and GetNext cost O(log objects + log rows)
 * and no work proportional to the table size, so answering a request never depends on how big the table is.
 */

interface Instances {
  /** Number of instances. */
  readonly size: number;
  /** Compares `name` from `offset` on with the index suffix of instance i (as compareOidTail does). */
  compare(i: number, name: Oid, offset: number): number;
  /** Appends the index suffix of instance i to `out`. */
  append(i: number, out: number[]): void;
  value(i: number): Value;
}

interface ObjectEntry {
  /** OID of the object type (scalar or column), without instance suffix. */
  readonly oid: Oid;
  readonly instances: Instances;
}

const SCALAR_SUFFIX: Oid = Object.freeze([0]);

export interface ViewInput {
  readonly info: IpvsInfo;
  readonly rows: Rows;
  /** The agent's own status, read when a lvsAgent* scalar is asked for (it changes between reads too). */
  readonly status: () => AgentStatus;
  readonly timeStamp: TimeStampOf;
}

export class MibView {
  private readonly objects: readonly ObjectEntry[];
  /**
   * Where the last GetNext answer was found. snmpd walks a table as one GetNext per varbind, each starting at the
   * name it was last given: that request is answered from here without a search. The name is the one sent (the
   * encoder only reads it).
   */
  private lastAnswer: { readonly name: Oid; readonly at: number; readonly i: number } | undefined;

  constructor(readonly input: ViewInput) {
    const { rows } = input;
    const ctx: ScalarContext = {
      info: input.info,
      numServices: rows.services.length,
      numReals: rows.reals.length,
      get agent() {
        return input.status();
      },
      timeStamp: input.timeStamp,
    };
    const objects: ObjectEntry[] = [];
    for (const scalar of SCALARS) {
      objects.push({
        oid: [...LVS_MIB_ROOT, scalar.subid],
        instances: {
          size: 1,
          compare: (_i, name, offset) => compareOidTail(name, offset, SCALAR_SUFFIX),
          append: (_i, out) => void out.push(0),
          value: () => scalar.value(ctx),
        },
      });
    }
    for (const column of SERVICE_COLUMNS) {
      objects.push(columnEntry(LVS_SERVICE_ENTRY, column, rows.services, input.timeStamp, serviceIndex));
    }
    for (const column of REAL_COLUMNS) objects.push(columnEntry(LVS_REAL_ENTRY, column, rows.reals, input.timeStamp, realIndex));
    objects.sort((a, b) => compareOids(a.oid, b.oid));
    this.objects = objects;
  }

  /** Get (RFC 2741 section 7.2.3.1): the instance's value, noSuchObject or noSuchInstance. */
  get(name: Oid): Value {
    const at = this.objectContaining(name);
    if (at < 0) return NO_SUCH_OBJECT;
    const entry = this.objects[at] as ObjectEntry;
    const i = firstInstanceAtOrAfter(entry, name);
    if (i < entry.instances.size && entry.instances.compare(i, name, entry.oid.length) === 0) {
      return entry.instances.value(i);
    }
    return NO_SUCH_INSTANCE;
  }

  /**
   * GetNext (RFC 2741 section 7.2.3.2): the first instance after `start` (or at it when `include`), strictly
   * before `end` when `end` is not empty. None: endOfMibView named by the start OID.
   */
  getNext(start: Oid, include: boolean, end: Oid): VarBind {
    const miss: VarBind = { name: start, value: END_OF_MIB_VIEW };
    let at: number;
    let i: number;
    const last = this.lastAnswer;
    if (!include && last !== undefined && compareOids(last.name, start) === 0) {
      // A walk: snmpd asks for what follows the name it was just given, and that is the next instance.
      at = last.at;
      i = last.i + 1;
    } else {
      at = this.firstObjectNotBefore(start);
      i = 0;
      const entry = this.objects[at];
      if (entry !== undefined && isPrefixOf(entry.oid, start)) {
        i = firstInstanceAtOrAfter(entry, start);
        if (!include && i < entry.instances.size && entry.instances.compare(i, start, entry.oid.length) === 0) i++;
      }
    }
    for (; at < this.objects.length; at++, i = 0) {
      const entry = this.objects[at] as ObjectEntry;
      if (end.length > 0 && compareOids(entry.oid, end) >= 0) return miss;
      if (i >= entry.instances.size) continue;
      const name = entry.oid.slice();
      entry.instances.append(i, name);
      if (end.length > 0 && compareOids(name, end) >= 0) return miss;
      this.lastAnswer = { name, at, i };
      return { name, value: entry.instances.value(i) };
    }
    return miss;
  }

  /** Index of the object whose OID is a prefix of `name`, or -1. */
  private objectContaining(name: Oid): number {
    const at = this.lastObjectAtOrBefore(name);
    return at >= 0 && isPrefixOf((this.objects[at] as ObjectEntry).oid, name) ? at : -1;
  }

  /** The first object that may hold an instance at or after `start`: the one containing it, else the next one. */
  private firstObjectNotBefore(start: Oid): number {
    const at = this.lastObjectAtOrBefore(start);
    if (at >= 0 && isPrefixOf((this.objects[at] as ObjectEntry).oid, start)) return at;
    return at + 1;
  }

  /** Binary search: the last object whose OID is <= name, or -1. */
  private lastObjectAtOrBefore(name: Oid): number {
    let lo = 0;
    let hi = this.objects.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareOids((this.objects[mid] as ObjectEntry).oid, name) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}

/** How a table's rows map to index suffixes: compared and written from the rows' names, never stored as OIDs. */
interface RowIndexing<Row> {
  compare(row: Row, name: Oid, offset: number): number;
  append(row: Row, out: number[]): void;
}

const serviceIndex: RowIndexing<ServiceRow> = {
  compare: (row, name, offset) => compareTailWithIndexes(name, offset, row.name),
  append: (row, out) => appendStringIndex(out, row.name),
};

const realIndex: RowIndexing<RealRow> = {
  compare: (row, name, offset) => compareTailWithIndexes(name, offset, row.service.name, row.name),
  append: (row, out) => {
    appendStringIndex(out, row.service.name);
    appendStringIndex(out, row.name);
  },
};

function columnEntry<Row extends ServiceRow | RealRow>(
  entryOid: Oid,
  column: ColumnDef<Row>,
  rows: readonly Row[],
  timeStamp: TimeStampOf,
  indexing: RowIndexing<Row>,
): ObjectEntry {
  return {
    oid: [...entryOid, column.subid],
    instances: {
      size: rows.length,
      compare: (i, name, offset) => indexing.compare(rows[i] as Row, name, offset),
      append: (i, out) => indexing.append(rows[i] as Row, out),
      value: (i) => column.value(rows[i] as Row, timeStamp),
    },
  };
}

/** Binary search among the instances of `entry` for the first whose full OID is >= `name` (which lies inside). */
function firstInstanceAtOrAfter(entry: ObjectEntry, name: Oid): number {
  const offset = entry.oid.length;
  let lo = 0;
  let hi = entry.instances.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entry.instances.compare(mid, name, offset) > 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
