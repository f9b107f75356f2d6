import type { WalkedVarBind } from '../e2e/harness/tools.js';

/**
 * An LVS-MIB walk (printed with -On -Ox -Oe, no MIBs loaded) turned into rows: the scalars by sub-identifier, the
 * service and real server rows by their names, decoded from the DisplayString indexes. Written for the kernel tests
 * without the project's MIB code.
 */

export const LVS = '.1.3.6.1.4.1.8225.4711';

export interface LvsRows {
  readonly scalars: Map<number, WalkedVarBind>;
  /** service name → column → varbind */
  readonly services: Map<string, Map<number, WalkedVarBind>>;
  /** service name → real name → column → varbind */
  readonly reals: Map<string, Map<string, Map<number, WalkedVarBind>>>;
}

/** Reads one length-prefixed string from sub-identifiers at `at`; returns it and the position after it. */
function takeString(subids: readonly number[], at: number): [string, number] {
  const len = subids[at];
  if (len === undefined || at + 1 + len > subids.length) throw new Error(`bad string index at ${at} in .${subids.join('.')}`);
  return [Buffer.from(subids.slice(at + 1, at + 1 + len)).toString('latin1'), at + 1 + len];
}

export function lvsRows(vbs: readonly WalkedVarBind[]): LvsRows {
  const scalars = new Map<number, WalkedVarBind>();
  const services = new Map<string, Map<number, WalkedVarBind>>();
  const reals = new Map<string, Map<string, Map<number, WalkedVarBind>>>();
  for (const vb of vbs) {
    if (!vb.oid.startsWith(`${LVS}.`)) continue;
    const s = vb.oid.slice(LVS.length + 1).split('.').map(Number);
    // A walk of one column of an empty table ends with the column's OID and "No Such Object/Instance".
    if (s.length === 3 && vb.type === 'NONE' && vb.value.startsWith('No Such')) continue;
    if (s.length === 2 && s[1] === 0) {
      scalars.set(s[0] as number, vb);
    } else if (s[0] === 17 && s[1] === 1) {
      const [name, end] = takeString(s, 3);
      if (end !== s.length) throw new Error(`trailing sub-identifiers in ${vb.oid}`);
      let row = services.get(name);
      if (!row) services.set(name, (row = new Map()));
      row.set(s[2] as number, vb);
    } else if (s[0] === 18 && s[1] === 1) {
      const [svc, mid] = takeString(s, 3);
      const [real, end] = takeString(s, mid);
      if (end !== s.length) throw new Error(`trailing sub-identifiers in ${vb.oid}`);
      let bySvc = reals.get(svc);
      if (!bySvc) reals.set(svc, (bySvc = new Map()));
      let row = bySvc.get(real);
      if (!row) bySvc.set(real, (row = new Map()));
      row.set(s[2] as number, vb);
    } else {
      throw new Error(`unexpected OID in the LVS-MIB walk: ${vb.oid}`);
    }
  }
  return { scalars, services, reals };
}

/** A number-valued varbind (INTEGER, Gauge32, Counter32/64, Timeticks "(123) 0:00:01.23") as a bigint. */
export function num(vb: WalkedVarBind | undefined): bigint {
  if (!vb) throw new Error('missing varbind');
  const m = /^\((\d+)\)/.exec(vb.value) ?? /^(-?\d+)/.exec(vb.value);
  if (!m) throw new Error(`${vb.oid}: not a number: ${vb.type}: ${vb.value}`);
  return BigInt(m[1] as string);
}

/** An octet-string varbind printed with -Ox ("77 6C 63", or "" when empty) as text. */
export function text(vb: WalkedVarBind | undefined): string {
  if (!vb) throw new Error('missing varbind');
  if (vb.value === '""') return '';
  if (vb.type !== 'Hex-STRING') throw new Error(`${vb.oid}: not an octet string: ${vb.type}: ${vb.value}`);
  return Buffer.from(vb.value.split(' ').map((h) => parseInt(h, 16))).toString('latin1');
}

/** The first octet of a BITS value (printed as Hex-STRING without MIBs). */
export function bits(vb: WalkedVarBind | undefined): number {
  if (!vb) throw new Error('missing varbind');
  return parseInt(vb.value.split(' ')[0] as string, 16);
}
