import { describe, expect, it } from 'vitest';
import { ValueType, type Oid, type Value } from '../../../src/agentx/pdu.js';
import { simSnapshot } from '../../../src/ipvs/sim-source.js';
import type { Snapshot } from '../../../src/ipvs/snapshot.js';
import { REAL_COLUMNS, SCALARS, SERVICE_COLUMNS, type AgentStatus } from '../../../src/mib/lvs-mib.js';
import { compareOids } from '../../../src/mib/oid.js';
import { buildRows, TableModel } from '../../../src/mib/model.js';
import { rowIndex } from '../../../src/mib/rows.js';
import { encodeStringIndex } from '../../../src/mib/string-index.js';
import { mulberry32 } from '../seeded-random.js';
import type { MibView } from '../../../src/mib/view.js';
import { named } from '../plain-stats.js';

const ROOT = [1, 3, 6, 1, 4, 1, 8225, 4711];
const AGENT: AgentStatus = { source: 'sim', status: 'ok', lastReadAt: 1000, lastReadDurationMs: 3, readErrors: 0, lastError: '' };

function viewOf(snapshot: Snapshot): MibView {
  // Read at 500 ms: every row's discontinuity time.
  return new TableModel({ monotonic: false, status: () => AGENT, timeStamp: (at) => Math.floor(at / 10) }).update(snapshot, 500).view;
}

/** Every instance the view should have, built the slow obvious way: all OIDs, sorted. */
function allInstances(snapshot: Snapshot): Oid[] {
  const rows = buildRows(snapshot);
  const out: Oid[] = SCALARS.map((s) => [...ROOT, s.subid, 0]);
  for (const c of SERVICE_COLUMNS) for (const r of rows.services) out.push([...ROOT, 17, 1, c.subid, ...rowIndex(r)]);
  for (const c of REAL_COLUMNS) for (const r of rows.reals) out.push([...ROOT, 18, 1, c.subid, ...rowIndex(r)]);
  return out.sort(compareOids);
}

describe('MibView', () => {
  const snapshot = simSnapshot({ services: 30, reals: 4, churn: 0, seed: 3 }, 2);
  const view = viewOf(snapshot);
  const instances = allInstances(snapshot);

  it('Get: a value, noSuchInstance for a missing instance, noSuchObject outside any object', () => {
    expect(view.get([...ROOT, 2, 0])).toEqual({ type: ValueType.Gauge32, value: 30 });
    expect(view.get([...ROOT, 2, 1]).type).toBe(ValueType.NoSuchInstance);
    expect(view.get([...ROOT, 2]).type).toBe(ValueType.NoSuchInstance);
    expect(view.get([...ROOT, 17, 1, 2, ...encodeStringIndex('TCP/9.9.9.9:1')]).type).toBe(ValueType.NoSuchInstance);
    expect(view.get([...ROOT, 15, 0]).type).toBe(ValueType.NoSuchObject);
    expect(view.get([...ROOT, 17, 1, 1, 1, 65]).type).toBe(ValueType.NoSuchObject); // column 1 is not served
    expect(view.get([...ROOT, 17, 1]).type).toBe(ValueType.NoSuchObject);
    expect(view.get([1, 3, 6, 1, 2, 1, 1, 3, 0]).type).toBe(ValueType.NoSuchObject);
  });

  it('a GetNext walk from the root visits exactly every instance, in order, then endOfMibView', () => {
    const visited: Oid[] = [];
    let at: Oid = ROOT;
    for (;;) {
      const vb = view.getNext(at, false, []);
      if (vb.value.type === ValueType.EndOfMibView) {
        expect(vb.name).toEqual(at);
        break;
      }
      visited.push(vb.name);
      at = vb.name;
    }
    expect(visited).toEqual(instances);
  });

  it('a walk answers the same with requests for other names between its steps (what it last answered is no shortcut then)', () => {
    const visited: Oid[] = [];
    let at: Oid = ROOT;
    for (let step = 0; ; step++) {
      if (step % 3 === 1) view.getNext(instances[(step * 7) % instances.length] as Oid, false, []);
      if (step % 5 === 2 && at !== ROOT) expect(view.getNext(at, true, []).name).toEqual(at); // include: the start itself
      const vb = view.getNext([...at], false, []); // a copy, as each request from snmpd is
      if (vb.value.type === ValueType.EndOfMibView) break;
      visited.push(vb.name);
      at = vb.name;
    }
    expect(visited).toEqual(instances);
  });

  it('GetNext agrees with a brute-force search for random start OIDs, include flags and end bounds', () => {
    const random = mulberry32(42);
    const pick = (): Oid => instances[Math.floor(random() * instances.length)] as Oid;
    for (let i = 0; i < 5000; i++) {
      const base = pick();
      let start: number[] = [...base];
      const mode = Math.floor(random() * 4);
      if (mode === 1) start = start.slice(0, Math.floor(random() * start.length));
      if (mode === 2) start.push(Math.floor(random() * 300));
      if (mode === 3 && start.length > 0) start[start.length - 1] = (start[start.length - 1] as number) + (random() < 0.5 ? -1 : 1);
      start = start.map((x) => Math.max(0, x));
      const include = random() < 0.5;
      const end = random() < 0.5 ? [] : [...pick()];
      const want = instances.find((o) => (include ? compareOids(o, start) >= 0 : compareOids(o, start) > 0));
      const got = view.getNext(start, include, end);
      if (want === undefined || (end.length > 0 && compareOids(want, end) >= 0)) {
        expect(got).toEqual({ name: start, value: { type: ValueType.EndOfMibView } });
      } else {
        expect(got.name).toEqual(want);
        expect(got.value).toEqual(view.get(want));
      }
    }
  });

  it('GetNext with include returns the start itself when it is an instance', () => {
    const target = instances[100] as Oid;
    expect(view.getNext(target, true, []).name).toEqual(target);
    expect(view.getNext(target, false, []).name).toEqual(instances[101]);
  });

  it('the same services in any order give the same view', () => {
    const shuffled: Snapshot = { ...snapshot, services: [...snapshot.services].reverse() };
    const a = viewOf(snapshot);
    const b = viewOf(shuffled);
    for (const oid of instances) expect(b.get(oid)).toEqual(a.get(oid));
  });

  it('serves no rows, without failing, for an empty table', () => {
    const empty = viewOf({ info: snapshot.info, services: [] });
    expect(empty.get([...ROOT, 2, 0])).toEqual({ type: ValueType.Gauge32, value: 0 });
    const vb = empty.getNext([...ROOT, 14, 0], false, []);
    expect(vb.value.type).toBe(ValueType.EndOfMibView);
  });
});

describe('values', () => {
  const snapshot = simSnapshot({ services: 10, reals: 3, churn: 0, seed: 1 }, 0);
  const view = viewOf(snapshot);
  const idx = encodeStringIndex('TCP/10.0.0.1:80');
  const col = (c: number): Value => view.get([...ROOT, 17, 1, c, ...idx]);

  it('legacy Counter32 columns carry the low 32 bits; Gauge32 rates latch; HC columns are exact', () => {
    const svc = snapshot.services.find((s) => s.key.kind === 'addr' && s.key.address === '10.0.0.1' && s.key.port === 80);
    expect(svc).toBeDefined();
    const stats = named(svc!.stats);
    expect(col(13)).toEqual({ type: ValueType.Counter64, value: stats.inBytes });
    expect(col(14)).toEqual({ type: ValueType.Counter64, value: stats.outBytes });
    expect(stats.outBytes).toBeGreaterThan(2n ** 63n); // the sim starts it near 2^64
    expect(col(11)).toEqual({ type: ValueType.Counter32, value: Number(stats.inPkts & 0xffffffffn) });
    expect(stats.inBps).toBeGreaterThan(0xffffffffn);
    expect(col(18)).toEqual({ type: ValueType.Gauge32, value: 0xffffffff });
    expect(col(35)).toEqual({ type: ValueType.Counter64, value: stats.inBps });
  });

  it('the name columns: Get gives the text, and GetNext goes from the last row of the column before to their first row', () => {
    const rows = buildRows(snapshot);
    const [first, last] = [rows.services[0]!, rows.services.at(-1)!];
    expect(col(38)).toEqual({ type: ValueType.OctetString, value: Buffer.from('TCP/10.0.0.1:80') });
    expect(view.getNext([...ROOT, 17, 1, 37, ...rowIndex(last)], false, [])).toEqual({
      name: [...ROOT, 17, 1, 38, ...rowIndex(first)],
      value: { type: ValueType.OctetString, value: Buffer.from(first.name) },
    });
    const [rfirst, rlast] = [rows.reals[0]!, rows.reals.at(-1)!];
    expect(view.getNext([...ROOT, 18, 1, 36, ...rowIndex(rlast)], false, [])).toEqual({
      name: [...ROOT, 18, 1, 37, ...rowIndex(rfirst)],
      value: { type: ValueType.OctetString, value: Buffer.from(`${rfirst.service.name} -> ${rfirst.name}`) },
    });
    // The last instance of the MIB is now the last real's name.
    expect(view.getNext([...ROOT, 18, 1, 37, ...rowIndex(rlast)], false, []).value.type).toBe(ValueType.EndOfMibView);
  });

  it('TimeStamps come from the discontinuity lookup through the master timebase', () => {
    expect(col(37)).toEqual({ type: ValueType.TimeTicks, value: 50 });
    expect(view.get([...ROOT, 10, 0])).toEqual({ type: ValueType.TimeTicks, value: 100 });
  });
});
