import { describe, expect, it } from 'vitest';
import { countersWentBackwards, makeStats, setStatNumber, STAT, type RealServer, type Service, type Snapshot, type Stats } from '../../../src/ipvs/snapshot.js';
import { simSnapshot } from '../../../src/ipvs/sim-source.js';
import type { Change } from '../../../src/mib/changes.js';
import { TableModel } from '../../../src/mib/model.js';
import { compareNames } from '../../../src/mib/string-index.js';
import { named } from '../plain-stats.js';

const INFO: Snapshot['info'] = { version: '1.2.1', connTableSize: 4096, tcpTimeout: 900, tcpFinTimeout: 120, udpTimeout: 300, daemons: [] };

function stats(inBytes: bigint, conns = 0n): Stats {
  return makeStats({ inBytes, conns, cps: 7n });
}

function real(address: string, port: number, s: Stats = stats(0n), weight = 1): RealServer {
  return {
    family: 'inet', address, port, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0,
    activeConns: 2, inactiveConns: 3, persistentConns: 0, stats: s,
  };
}

function service(port: number, s: Stats, reals: RealServer[] = [real('10.0.0.2', port)]): Service {
  return {
    key: { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port },
    scheduler: 'wlc', flags: 0, timeout: 0, netmaskPrefix: 32, peName: '', stats: s, reals,
  };
}

function snap(...services: Service[]): Snapshot {
  return { info: INFO, services };
}

const summary = (changes: readonly Change[]): string[] =>
  changes.map((c) =>
    'service' in c ? `${c.kind} ${c.service.name}` : `${c.kind} ${c.real.service.name} ${c.real.name}${c.kind === 'weightChanged' ? ` ${c.previousWeight}->${c.real.real.weight}` : ''}`,
  );

describe('TableModel: counter continuity', () => {
  it('dates a row from its first appearance and moves the date only when its counters go backwards', () => {
    const m = new TableModel({ monotonic: false });
    let u = m.update(snap(service(80, stats(100n), [real('10.0.0.2', 80, stats(50n))]), service(81, stats(5n), [real('10.0.0.2', 81, stats(3n))])), 1000);
    expect(u.rows.services.map((r) => r.discontinuityAt)).toEqual([1000, 1000]);
    expect(u.rows.reals.map((r) => r.discontinuityAt)).toEqual([1000, 1000]);
    u = m.update(snap(service(80, stats(200n), [real('10.0.0.2', 80, stats(60n))]), service(81, stats(6n), [real('10.0.0.2', 81, stats(4n))])), 2000);
    expect(u.rows.services.map((r) => r.discontinuityAt)).toEqual([1000, 1000]);
    expect(u.resets).toEqual([]);
    // ipvsadm -Z on port 81 only
    u = m.update(snap(service(80, stats(300n), [real('10.0.0.2', 80, stats(70n))]), service(81, stats(0n), [real('10.0.0.2', 81, stats(0n))])), 3000);
    expect(u.rows.services.map((r) => [r.name, r.discontinuityAt])).toEqual([['TCP/10.0.0.1:80', 1000], ['TCP/10.0.0.1:81', 3000]]);
    expect(u.rows.reals.map((r) => r.discontinuityAt)).toEqual([1000, 3000]);
    expect(u.resets).toEqual(['TCP/10.0.0.1:81', 'TCP/10.0.0.1:81 10.0.0.2:81']);
    expect(named(u.rows.services[1]!.stats).inBytes).toBe(0n);
  });

  it('sees a counter going back by one in its low word only, and across 2^32 and 2^63', () => {
    const m = new TableModel({ monotonic: false });
    m.update(snap(service(80, stats((1n << 63n) + 1n, 1n << 32n))), 1000);
    let u = m.update(snap(service(80, stats((1n << 63n) + 1n, (1n << 32n) - 1n))), 2000);
    expect(u.resets).toEqual(['TCP/10.0.0.1:80']);
    u = m.update(snap(service(80, stats(1n << 63n, (1n << 32n) - 1n))), 3000);
    expect(u.resets).toEqual(['TCP/10.0.0.1:80']);
    u = m.update(snap(service(80, stats(2n ** 64n - 1n, 1n << 40n))), 4000);
    expect(u.resets).toEqual([]);
    expect(u.rows.services[0]!.discontinuityAt).toBe(3000);
  });

  it('treats a service deleted and re-created between reads as new', () => {
    const m = new TableModel({ monotonic: false });
    m.update(snap(service(80, stats(100n))), 1000);
    m.update(snap(), 2000);
    const u = m.update(snap(service(80, stats(500n))), 3000);
    expect(u.rows.services[0]!.discontinuityAt).toBe(3000);
    expect(u.resets).toEqual([]);
  });

  it('in monotonic mode keeps counters rising across resets and re-creation, with no new discontinuity', () => {
    const m = new TableModel({ monotonic: true });
    m.update(snap(service(80, stats(100n, 4n), [real('10.0.0.2', 80, stats(40n))])), 1000);
    let u = m.update(snap(service(80, stats(30n, 1n), [real('10.0.0.2', 80, stats(10n))])), 2000); // ipvsadm -Z, then traffic
    expect(named(u.rows.services[0]!.stats)).toMatchObject({ inBytes: 130n, conns: 5n, cps: 7n });
    expect(named(u.rows.reals[0]!.stats).inBytes).toBe(50n);
    expect(u.rows.services[0]!.discontinuityAt).toBe(1000);
    m.update(snap(), 3000); // deleted
    u = m.update(snap(service(80, stats(1000n))), 4000); // re-created, already past the old value
    expect(named(u.rows.services[0]!.stats).inBytes).toBe(1130n);
    expect(u.rows.services[0]!.discontinuityAt).toBe(1000);
    expect(u.resets).toEqual([]);
  });

  it('in monotonic mode forgets a vanished row after forgetAfterMs', () => {
    const m = new TableModel({ monotonic: true, forgetAfterMs: 5000 });
    m.update(snap(service(80, stats(100n))), 1000);
    m.update(snap(), 2000);
    const u = m.update(snap(service(80, stats(10n))), 7000);
    expect(named(u.rows.services[0]!.stats).inBytes).toBe(10n);
    expect(u.rows.services[0]!.discontinuityAt).toBe(7000);
  });

  it('restartCounters moves every discontinuity time to the next read and switches the mode', () => {
    const m = new TableModel({ monotonic: false });
    m.update(snap(service(80, stats(100n))), 1000);
    m.restartCounters(true);
    let u = m.update(snap(service(80, stats(200n))), 2000);
    expect(u.rows.services[0]!.discontinuityAt).toBe(2000);
    expect(u.changes).toEqual([]);
    u = m.update(snap(service(80, stats(5n))), 3000);
    expect(named(u.rows.services[0]!.stats).inBytes).toBe(205n);
  });
});

describe('TableModel: rows live as long as their identity', () => {
  it('keeps the row object, its name and index bytes for an unchanged key, and replaces only the values', () => {
    const m = new TableModel({ monotonic: false });
    const a = m.update(snap(service(80, stats(1n)), service(81, stats(1n))), 1000);
    const first = a.rows.services[0]!;
    const firstReal = a.rows.reals[1]!;
    const name = first.name;
    const bytes = first.addressBytes;
    const b = m.update(snap(service(81, stats(2n)), service(80, stats(2n))), 2000);
    expect(b.rows.services[0]).toBe(first);
    expect(b.rows.reals[1]).toBe(firstReal);
    expect(first.name).toBe(name);
    expect(first.addressBytes).toBe(bytes);
    expect(named(first.stats).inBytes).toBe(2n);
    // Nothing was re-sorted: the same arrays serve the next read.
    expect(b.rows.services).toBe(a.rows.services);
    expect(b.rows.reals).toBe(a.rows.reals);
  });

  it('changes nothing served until the last step of an update: no request sees two reads mixed', () => {
    const m = new TableModel({ monotonic: false });
    const opts = { services: 400, reals: 5, churn: 0, seed: 9 };
    const before = m.update(simSnapshot(opts, 0), 1);
    const oid = [1, 3, 6, 1, 4, 1, 8225, 4711, 17, 1, 13, 15, ...Buffer.from('TCP/10.0.0.1:80')];
    const served = before.view.get(oid);
    const lastReal = before.rows.reals.at(-1)!;
    const lastRealBytes = named(lastReal.stats).inBytes;
    const steps = m.updateSteps(simSnapshot(opts, 1), 2);
    let yields = 0;
    for (let next = steps.next(); !next.done; next = steps.next()) {
      yields++;
      expect(before.view.get(oid)).toEqual(served);
      expect(named(lastReal.stats).inBytes).toBe(lastRealBytes);
    }
    expect(yields).toBeGreaterThan(1);
    expect(named(lastReal.stats).inBytes).toBeGreaterThan(lastRealBytes);
  });

  it('orders rows by index whatever the source order, and re-orders on adds and removes', () => {
    const m = new TableModel({ monotonic: false });
    const names = (u: ReturnType<TableModel['update']>): string[] => u.rows.services.map((r) => r.name);
    expect(names(m.update(snap(service(8080, stats(0n)), service(80, stats(0n)), service(443, stats(0n))), 1))).toEqual([
      'TCP/10.0.0.1:80', 'TCP/10.0.0.1:443', 'TCP/10.0.0.1:8080',
    ]);
    expect(names(m.update(snap(service(8080, stats(0n)), service(81, stats(0n)), service(9, stats(0n))), 2))).toEqual([
      'TCP/10.0.0.1:9', 'TCP/10.0.0.1:81', 'TCP/10.0.0.1:8080',
    ]);
    const u = m.update(snap(service(81, stats(0n), [real('10.0.0.3', 1), real('10.0.0.20', 1), real('10.0.0.2', 1)])), 3);
    expect(u.rows.reals.map((r) => r.name)).toEqual(['10.0.0.2:1', '10.0.0.3:1', '10.0.0.20:1']);
  });

  it('matches a full sort of every row of a large churning table', () => {
    const m = new TableModel({ monotonic: false });
    for (let tick = 0; tick < 4; tick++) {
      const s = simSnapshot({ services: 300, reals: 4, churn: 37, seed: 3 }, tick);
      const u = m.update(s, tick);
      const names = u.rows.services.map((r) => r.name);
      expect(names).toEqual([...names].sort(compareNames));
      expect(names).toHaveLength(300);
      expect(u.rows.reals).toHaveLength(1200);
      for (let i = 1; i < u.rows.reals.length; i++) {
        const a = u.rows.reals[i - 1]!;
        const b = u.rows.reals[i]!;
        expect(compareNames(a.service.name, b.service.name) || compareNames(a.name, b.name)).toBeLessThan(0);
      }
    }
  });

  it('keeps the first of a key that a source repeated', () => {
    const m = new TableModel({ monotonic: false });
    const u = m.update(snap(service(80, stats(1n), [real('10.0.0.2', 80, stats(5n)), real('10.0.0.2', 80, stats(6n))]), service(80, stats(2n))), 1);
    expect(u.rows.services).toHaveLength(1);
    expect(named(u.rows.services[0]!.stats).inBytes).toBe(1n);
    expect(u.rows.reals.map((r) => named(r.stats).inBytes)).toEqual([5n]);
    // And it does not count as a reset on the next read.
    expect(m.update(snap(service(80, stats(1n), [real('10.0.0.2', 80, stats(5n))])), 2).resets).toEqual([]);
  });

  it('sums the connection gauges of a service from its reals', () => {
    const u = new TableModel({ monotonic: false }).update(snap(service(80, stats(0n), [real('10.0.0.2', 80), real('10.0.0.3', 80)])), 1);
    expect([u.rows.services[0]!.activeConns, u.rows.services[0]!.inactiveConns]).toEqual([4, 6]);
  });

  it('serves an empty table, and a table that becomes empty', () => {
    const m = new TableModel({ monotonic: false });
    expect(m.update(snap(), 1).rows).toEqual({ services: [], reals: [] });
    m.update(snap(service(80, stats(0n))), 2);
    const u = m.update(snap(), 3);
    expect(u.rows).toEqual({ services: [], reals: [] });
    expect(summary(u.changes)).toEqual(['serviceRemoved TCP/10.0.0.1:80']);
    expect(u.view.get([1, 3, 6, 1, 4, 1, 8225, 4711, 2, 0])).toMatchObject({ value: 0 });
  });
});

describe('TableModel: changes for notifications', () => {
  it('reports nothing for the first read', () => {
    expect(new TableModel({ monotonic: false }).update(snap(service(80, stats(0n))), 1).changes).toEqual([]);
  });

  it('reports services and reals added and removed, and weight changes, services first, in index order', () => {
    const m = new TableModel({ monotonic: false });
    m.update(snap(service(80, stats(0n), [real('10.0.0.2', 80, stats(50n)), real('10.0.0.3', 80, stats(0n), 5)]), service(81, stats(81n))), 1);
    const u = m.update(
      snap(
        service(82, stats(0n), [real('10.0.0.9', 82)]),
        service(80, stats(0n), [real('10.0.0.4', 80), real('10.0.0.3', 80, stats(0n), 0)]),
      ),
      2,
    );
    expect(summary(u.changes)).toEqual([
      'serviceRemoved TCP/10.0.0.1:81',
      'serviceAdded TCP/10.0.0.1:82',
      'realRemoved TCP/10.0.0.1:80 10.0.0.2:80',
      'weightChanged TCP/10.0.0.1:80 10.0.0.3:80 5->0',
      'realAdded TCP/10.0.0.1:80 10.0.0.4:80',
    ]);
    // The removed rows are the ones served before, with their values then.
    const removed = u.changes.find((c) => c.kind === 'realRemoved');
    expect(removed && 'real' in removed ? removed.real.real.address : '').toBe('10.0.0.2');
    expect(removed && 'real' in removed ? [named(removed.real.stats).inBytes, removed.real.discontinuityAt] : []).toEqual([50n, 1]);
    const gone = u.changes.find((c) => c.kind === 'serviceRemoved');
    expect(gone && 'service' in gone ? [named(gone.service.stats).inBytes, gone.service.discontinuityAt] : []).toEqual([81n, 1]);
    expect(m.update(snap(service(82, stats(0n), [real('10.0.0.9', 82)]), service(80, stats(0n), [real('10.0.0.4', 80), real('10.0.0.3', 80, stats(0n), 0)])), 3).changes).toEqual([]);
  });

  it('reports a re-added service as added, not its reals, and then a later real change against the new rows', () => {
    const m = new TableModel({ monotonic: true });
    m.update(snap(service(80, stats(0n), [real('10.0.0.2', 80), real('10.0.0.3', 80)])), 1);
    m.update(snap(), 2);
    let u = m.update(snap(service(80, stats(0n), [real('10.0.0.2', 80)])), 3);
    expect(summary(u.changes)).toEqual(['serviceAdded TCP/10.0.0.1:80']);
    u = m.update(snap(service(80, stats(0n), [real('10.0.0.2', 80), real('10.0.0.3', 80)])), 4);
    expect(summary(u.changes)).toEqual(['realAdded TCP/10.0.0.1:80 10.0.0.3:80']);
  });
});

describe('Stats windows', () => {
  it('take whole numbers up to 2^53 - 1 word by word, exactly as bigints would be stored', () => {
    const s = makeStats({});
    setStatNumber(s, STAT.conns, 2 ** 53 - 1);
    setStatNumber(s, STAT.inBytes, 2 ** 32);
    setStatNumber(s, STAT.outBytes, 2 ** 32 - 1);
    expect(named(s)).toMatchObject({ conns: 2n ** 53n - 1n, inBytes: 2n ** 32n, outBytes: 2n ** 32n - 1n, inPkts: 0n });
  });
  it('compare the five counters as u64, high word first', () => {
    const a = makeStats({ conns: 2n ** 32n, inBytes: 5n, cps: 9n });
    expect(countersWentBackwards(a, makeStats({ conns: 2n ** 32n - 1n, inBytes: 6n }))).toBe(true);
    expect(countersWentBackwards(a, makeStats({ conns: 2n ** 33n, inBytes: 0n }))).toBe(true);
    expect(countersWentBackwards(a, makeStats({ conns: 2n ** 32n, inBytes: 5n }))).toBe(false); // a rate going down is no reset
  });
});

describe('TableModel: sources that rewrite their counters in place', () => {
  it('serves its own copy: a source rewriting last read’s windows changes nothing served, and resets are still seen', () => {
    const m = new TableModel({ monotonic: false });
    const s = stats(100n);
    const r = real('10.0.0.2', 80, stats(50n));
    const entity = service(80, s, [r]);
    const u = m.update(snap(entity), 1000);
    // The source's next read reuses the same objects and writes new values into them.
    s.values[s.at + STAT.inBytes] = 10n; // went backwards: a reset
    r.stats.values[r.stats.at + STAT.inBytes] = 60n;
    expect(named(u.rows.services[0]!.stats).inBytes).toBe(100n);
    expect(u.view.get([1, 3, 6, 1, 4, 1, 8225, 4711, 17, 1, 13, 15, ...Buffer.from('TCP/10.0.0.1:80')])).toMatchObject({ value: 100n });
    const v = m.update(snap(entity), 2000);
    expect(v.resets).toEqual(['TCP/10.0.0.1:80']);
    expect(named(v.rows.services[0]!.stats).inBytes).toBe(10n);
    expect(named(v.rows.reals[0]!.stats).inBytes).toBe(60n);
  });

  it('gives the counter slots of removed rows back', () => {
    const m = new TableModel({ monotonic: false });
    for (let tick = 0; tick < 20; tick++) m.update(simSnapshot({ services: 50, reals: 3, churn: 10, seed: 1 }, tick), tick);
    // 50 services x (1 + 3) rows, plus the slots freed in the last read waiting for reuse: never 20 reads' worth.
    const slots = (m as unknown as { store: { size: number } }).store.size;
    expect(slots).toBe(200);
  });
});

describe('TableModel: entities handed out again', () => {
  it('finds rows by their entity objects, and by name when a source reorders or repeats them', () => {
    const m = new TableModel({ monotonic: false });
    const a = service(80, stats(1n), [real('10.0.0.2', 80), real('10.0.0.3', 80)]);
    const b = service(81, stats(1n));
    const first = m.update(snap(a, b), 1);
    const rows = [...first.rows.services];
    let u = m.update(snap(b, a), 2); // same objects, other order
    expect(u.rows.services).toEqual(rows);
    expect(u.changes).toEqual([]);
    u = m.update(snap(a, a, b), 3); // a repeated: the first kept
    expect(u.rows.services.map((r) => r.name)).toEqual(['TCP/10.0.0.1:80', 'TCP/10.0.0.1:81']);
    u = m.update(snap(service(80, stats(2n), [real('10.0.0.3', 80), real('10.0.0.2', 80)]), b), 4); // new objects, same keys
    expect(u.rows.services[0]).toBe(rows[0]);
    expect(u.changes).toEqual([]);
    expect(named(u.rows.services[0]!.stats).inBytes).toBe(2n);
  });

  it('matches a new entity at the same place by its key, and tells keys apart that differ in one field', () => {
    const m = new TableModel({ monotonic: false });
    const tcp = (port: number, reals: RealServer[]) => service(port, stats(1n), reals);
    m.update(snap(tcp(80, [real('10.0.0.2', 80), real('10.0.0.3', 80)])), 1);
    const variants: [string, Service, string[]][] = [
      ['a real with another port', tcp(80, [real('10.0.0.2', 80), real('10.0.0.3', 81)]), ['TCP/10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:81']],
      ['a real with another address', tcp(80, [real('10.0.0.2', 80), real('10.0.0.4', 81)]), ['TCP/10.0.0.1:80', '10.0.0.2:80', '10.0.0.4:81']],
      ['another protocol', { ...tcp(80, [real('10.0.0.2', 80)]), key: { kind: 'addr', family: 'inet', protocol: 'udp', address: '10.0.0.1', port: 80 } }, ['UDP/10.0.0.1:80', '10.0.0.2:80']],
      ['a fwmark in its place', { ...tcp(80, [real('10.0.0.2', 80)]), key: { kind: 'fwmark', family: 'inet', fwmark: 80 } }, ['FWM/80', '10.0.0.2:80']],
      ['an IPv6 fwmark of the same mark', { ...tcp(80, [real('10.0.0.2', 80)]), key: { kind: 'fwmark', family: 'inet6', fwmark: 80 } }, ['FWM6/80', '10.0.0.2:80']],
    ];
    let read = 2;
    for (const [title, next, names] of variants) {
      const u = m.update(snap(next), read++);
      expect([u.rows.services[0]?.name, ...u.rows.reals.map((r) => r.name)], title).toEqual(names);
    }
  });
});
