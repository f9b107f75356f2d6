import { canonicalRealName, canonicalServiceName, NameError } from '../ipvs/service-key.js';
import { LVS_REAL_ENTRY, LVS_SERVICE_ENTRY, REAL_COLUMNS, SERVICE_COLUMNS, type ColumnDef } from '../mib/lvs-mib.js';
import { oidToString } from '../mib/oid.js';
import { encodeStringIndex } from '../mib/string-index.js';

/**
 * `lvs-agentx oid SERVICE [REAL] [COLUMN]`: the numeric OIDs of a row, computed from its name alone (the index
 * is the name, so no agent or walk is needed). COLUMN is a column name (with or without its lvsService/lvsReal
 * prefix, any case) or number; without it every column is listed.
 */
export function oidLines(args: readonly string[]): string[] {
  const [serviceArg, second, third] = args as [string, string | undefined, string | undefined];
  const service = canonicalServiceName(serviceArg);
  // A second argument that reads as host:port is a real server; anything else is a column.
  const realArg = second !== undefined && /:\d+$/.test(second) ? second : undefined;
  const columnArg = realArg === undefined ? second : third;
  const index = [...encodeStringIndex(service)];
  let entry = LVS_SERVICE_ENTRY;
  let columns: readonly ColumnDef<never>[] = SERVICE_COLUMNS;
  let prefix = 'lvsService';
  let label = `"${service}"`;
  if (realArg !== undefined) {
    const real = canonicalRealName(realArg);
    index.push(...encodeStringIndex(real));
    entry = LVS_REAL_ENTRY;
    columns = REAL_COLUMNS;
    prefix = 'lvsReal';
    label += `."${real}"`;
  }
  const chosen = columnArg === undefined ? columns : [findColumn(columns, columnArg, prefix)];
  return chosen.map((c) => `${oidToString([...entry, c.subid, ...index])} ${c.name}.${label}`);
}

function findColumn(columns: readonly ColumnDef<never>[], arg: string, prefix: string): ColumnDef<never> {
  const wanted = arg.toLowerCase();
  const hit = columns.find(
    (c) => String(c.subid) === arg || c.name.toLowerCase() === wanted || c.name.toLowerCase() === prefix.toLowerCase() + wanted,
  );
  if (!hit) {
    throw new NameError(`column "${arg}": expected a number or one of ${columns.map((c) => c.name.slice(prefix.length)).join(', ')}`);
  }
  return hit;
}
