import { ValueType, type Oid, type VarBind } from '../agentx/pdu.js';
import type { Change } from './changes.js';
import { LVS_MIB_ROOT, LVS_REAL_ENTRY, LVS_SERVICE_ENTRY, REAL_COLUMNS, SERVICE_COLUMNS, type ColumnDef, type TimeStampOf } from './lvs-mib.js';
import { rowIndex, type RealRow, type ServiceRow } from './rows.js';
import { displayString, integer } from './values.js';

/**
 * LVS-MIB notifications (lvsNotificationPrefix, .20.0) as the varbind lists of an AgentX Notify (RFC 2741
 * section 6.2.10): sysUpTime.0, snmpTrapOID.0, then the NOTIFICATION-TYPE's OBJECTS in order.
 */

/** SNMPv2-MIB sysUpTime.0 and snmpTrapOID.0 (RFC 3418). */
export const SYS_UPTIME_0: Oid = [1, 3, 6, 1, 2, 1, 1, 3, 0];
export const SNMP_TRAP_OID_0: Oid = [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];

const PREFIX = [...LVS_MIB_ROOT, 20, 0];
export const NOTIFICATION_OIDS = {
  serviceAdded: [...PREFIX, 1],
  serviceRemoved: [...PREFIX, 2],
  realAdded: [...PREFIX, 3],
  realRemoved: [...PREFIX, 4],
  weightChanged: [...PREFIX, 5],
} as const satisfies Record<Change['kind'], Oid>;

const NOTIFY_SERVICE_NAME_0: Oid = [...LVS_MIB_ROOT, 20, 1, 1, 0];
const NOTIFY_REAL_NAME_0: Oid = [...LVS_MIB_ROOT, 20, 1, 2, 0];
const NOTIFY_PREVIOUS_WEIGHT_0: Oid = [...LVS_MIB_ROOT, 20, 1, 3, 0];

function column<Row>(columns: readonly ColumnDef<Row>[], name: string): ColumnDef<Row> {
  const c = columns.find((x) => x.name === name);
  if (!c) throw new Error(`notifications: no column ${name} in LVS-MIB`);
  return c;
}

const SERVICE_OBJECTS = ['lvsServiceProto', 'lvsServiceAddrType', 'lvsServiceAddress', 'lvsServicePort', 'lvsServiceFwMark', 'lvsServiceSchedType'].map(
  (n) => column(SERVICE_COLUMNS, n),
);
const REAL_OBJECTS = ['lvsRealAddrType', 'lvsRealAddress', 'lvsRealPort', 'lvsRealFlags', 'lvsRealWeight'].map((n) => column(REAL_COLUMNS, n));
const REAL_WEIGHT = column(REAL_COLUMNS, 'lvsRealWeight');

function serviceVarBinds(row: ServiceRow, ts: TimeStampOf): VarBind[] {
  return [
    { name: NOTIFY_SERVICE_NAME_0, value: displayString(row.name) },
    ...SERVICE_OBJECTS.map((c) => ({ name: [...LVS_SERVICE_ENTRY, c.subid, ...rowIndex(row)], value: c.value(row, ts) })),
  ];
}

function realHead(row: RealRow): VarBind[] {
  return [
    { name: NOTIFY_SERVICE_NAME_0, value: displayString(row.service.name) },
    { name: NOTIFY_REAL_NAME_0, value: displayString(row.name) },
  ];
}

function realVarBind(c: ColumnDef<RealRow>, row: RealRow, ts: TimeStampOf): VarBind {
  return { name: [...LVS_REAL_ENTRY, c.subid, ...rowIndex(row)], value: c.value(row, ts) };
}

/** The Notify varbinds for one change, stamped with the master's sysUpTime. */
export function notificationVarBinds(change: Change, sysUpTime: number, ts: TimeStampOf): VarBind[] {
  const head: VarBind[] = [
    { name: SYS_UPTIME_0, value: { type: ValueType.TimeTicks, value: sysUpTime >>> 0 } },
    { name: SNMP_TRAP_OID_0, value: { type: ValueType.ObjectIdentifier, value: NOTIFICATION_OIDS[change.kind] } },
  ];
  switch (change.kind) {
    case 'serviceAdded':
    case 'serviceRemoved':
      return [...head, ...serviceVarBinds(change.service, ts)];
    case 'realAdded':
    case 'realRemoved':
      return [...head, ...realHead(change.real), ...REAL_OBJECTS.map((c) => realVarBind(c, change.real, ts))];
    case 'weightChanged':
      return [
        ...head,
        ...realHead(change.real),
        realVarBind(REAL_WEIGHT, change.real, ts),
        { name: NOTIFY_PREVIOUS_WEIGHT_0, value: integer(change.previousWeight) },
      ];
  }
}
