import { describe, expect, it } from 'vitest';
import { CounterTracker } from '../../../src/daemon/counter-tracker.js';
import type { Service, Snapshot, Stats } from '../../../src/ipvs/snapshot.js';
import { ZERO_STATS } from '../../../src/ipvs/snapshot.js';

const INFO: Snapshot['info'] = { version: '1.2.1', connTableSize: 4096, tcpTimeout: 900, tcpFinTimeout: 120, udpTimeout: 300, daemons: [] };

function stats(inBytes: bigint, conns = 0n): Stats {
  return { ...ZERO_STATS, inBytes, conns };
}

function service(port: number, s: Stats, realBytes: bigint = 0n): Service {
  return {
    key: { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port },
    scheduler: 'wlc',
    flags: 0,
    timeout: 0,
    netmaskPrefix: 32,
    peName: '',
    stats: s,
    reals: [
      {
        family: 'inet', address: '10.0.0.2', port, forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0,
        activeConns: 0, inactiveConns: 0, persistentConns: 0, stats: stats(realBytes),
      },
    ],
  };
}

function snap(...services: Service[]): Snapshot {
  return { info: INFO, services };
}

describe('CounterTracker', () => {
  it('dates a row from its first appearance and moves the date only when its counters go backwards', () => {
    const t = new CounterTracker({ monotonic: false });
    let r = t.track(snap(service(80, stats(100n), 50n), service(81, stats(5n), 3n)), 1000);
    expect(r.discontinuityAt('TCP/10.0.0.1:80')).toBe(1000);
    expect(r.discontinuityAt('TCP/10.0.0.1:80 10.0.0.2:80')).toBe(1000);
    r = t.track(snap(service(80, stats(200n), 60n), service(81, stats(6n), 4n)), 2000);
    expect(r.discontinuityAt('TCP/10.0.0.1:80')).toBe(1000);
    expect(r.resets).toEqual([]);
    // ipvsadm -Z on port 81 only
    r = t.track(snap(service(80, stats(300n), 70n), service(81, stats(0n), 0n)), 3000);
    expect(r.discontinuityAt('TCP/10.0.0.1:80')).toBe(1000);
    expect(r.discontinuityAt('TCP/10.0.0.1:81')).toBe(3000);
    expect(r.resets).toEqual(['TCP/10.0.0.1:81', 'TCP/10.0.0.1:81 10.0.0.2:81']);
    expect(r.snapshot.services[1]?.stats.inBytes).toBe(0n);
  });

  it('treats a service deleted and re-created between reads as new', () => {
    const t = new CounterTracker({ monotonic: false });
    t.track(snap(service(80, stats(100n))), 1000);
    t.track(snap(), 2000);
    const r = t.track(snap(service(80, stats(500n))), 3000);
    expect(r.discontinuityAt('TCP/10.0.0.1:80')).toBe(3000);
  });

  it('in monotonic mode keeps counters rising across resets and re-creation, with no new discontinuity', () => {
    const t = new CounterTracker({ monotonic: true });
    t.track(snap(service(80, stats(100n, 4n), 40n)), 1000);
    let r = t.track(snap(service(80, stats(30n, 1n), 10n)), 2000); // ipvsadm -Z, then 30 bytes of traffic
    expect(r.snapshot.services[0]?.stats.inBytes).toBe(130n);
    expect(r.snapshot.services[0]?.stats.conns).toBe(5n);
    expect(r.snapshot.services[0]?.reals[0]?.stats.inBytes).toBe(50n);
    expect(r.discontinuityAt('TCP/10.0.0.1:80')).toBe(1000);
    t.track(snap(), 3000); // deleted
    r = t.track(snap(service(80, stats(1000n))), 4000); // re-created, already past the old value
    expect(r.snapshot.services[0]?.stats.inBytes).toBe(1130n);
    expect(r.discontinuityAt('TCP/10.0.0.1:80')).toBe(1000);
    expect(r.resets).toEqual([]);
  });
});
