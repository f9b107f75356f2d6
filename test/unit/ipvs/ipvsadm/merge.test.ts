import { describe, expect, it } from 'vitest';
import { IpvsadmOutputError, snapshotFromIpvsadm } from '../../../../src/ipvs/ipvsadm/merge.js';
import { serviceName } from '../../../../src/ipvs/service-key.js';
import { named, plainStats } from '../../plain-stats.js';
import { ALL } from './fixtures.js';

describe('snapshotFromIpvsadm', () => {
  it('merges every listing into one snapshot', () => {
    const snap = snapshotFromIpvsadm(ALL);
    expect(snap.info).toEqual({
      version: '1.2.1',
      connTableSize: 4096,
      tcpTimeout: 900,
      tcpFinTimeout: 120,
      udpTimeout: 300,
      daemons: [
        { state: 'master', interface: 'eth0', syncId: 1 },
        { state: 'backup', interface: 'eth1', syncId: 2 },
      ],
    });
    const tcp = snap.services[0]!;
    expect(tcp).toMatchObject({ scheduler: 'wlc', flags: 3, timeout: 300, netmaskPrefix: 24, peName: '' });
    expect(named(tcp.stats)).toEqual({
      conns: 4294967301n,
      inPkts: 123456789012n,
      outPkts: 98765432109n,
      inBytes: 18446744073709551615n,
      outBytes: 1234567890123n,
      cps: 12n,
      inPps: 3400n,
      outPps: 3300n,
      inBps: 5000000n,
      outBps: 4800000n,
    });
    expect(plainStats(tcp.reals[0])).toEqual({
      family: 'inet',
      address: '10.0.0.2',
      port: 80,
      forward: 'masq',
      weight: 1,
      upperThreshold: 1000,
      lowerThreshold: 10,
      activeConns: 3,
      inactiveConns: 4,
      persistentConns: 5,
      tunnelType: undefined,
      tunnelPort: undefined,
      tunnelFlags: undefined,
      stats: {
        conns: 5n,
        inPkts: 4294967295n,
        outPkts: 7n,
        inBytes: 4294967296000n,
        outBytes: 8n,
        cps: 1n,
        inPps: 2n,
        outPps: 3n,
        inBps: 4294967296n,
        outBps: 5n,
      },
    });
    const udp = snap.services[1]!;
    expect(udp.reals[1]).toMatchObject({
      family: 'inet',
      address: '192.0.2.9',
      forward: 'tunnel',
      tunnelType: 'gue',
      tunnelPort: 6080,
      tunnelFlags: 1,
    });
    const fwm6 = snap.services[4]!;
    expect(fwm6.reals[0]).toMatchObject({
      family: 'inet6',
      address: '2001:db8::7',
      port: 0,
      persistentConns: 6,
      weight: 3,
    });
  });

  it('rows missing from a supplementary listing get zeros; extra rows there are ignored; repeats keep the first', () => {
    const statsWithout = ALL.stats
      .split('\n')
      .filter((l) => !l.includes('10.0.0.2:80'))
      .join('\n')
      .replace('FWM  1                ', 'FWM  99               ');
    const listRepeated = ALL.list.replace('UDP  [2001:db8::1]:53 rr', 'TCP  10.0.0.1:80 rr\nUDP  [2001:db8::1]:53 rr');
    const snap = snapshotFromIpvsadm({ ...ALL, list: listRepeated, stats: statsWithout, tunInfo: undefined });
    expect(snap.services.map((s) => serviceName(s.key))).toEqual([
      'TCP/10.0.0.1:80',
      'UDP/[2001:db8::1]:53',
      'SCTP/10.0.0.1:9000',
      'FWM/1',
      'FWM6/7',
    ]);
    const tcp = snap.services[0]!;
    expect(tcp.scheduler).toBe('wlc');
    expect(named(tcp.reals[0]!.stats).conns).toBe(0n);
    expect(named(tcp.reals[0]!.stats).cps).toBe(1n); // from --rate, still there
    expect(named(snap.services[3]!.stats).conns).toBe(0n); // FWM 1 missing from the edited --stats
    expect(snap.services[1]?.reals[1]?.tunnelType).toBeUndefined(); // no --tun-info
  });

  it('a real server repeated in a supplementary listing keeps its first row', () => {
    const first = '  -> 10.0.0.2:80                         5 4294967295        7 4294967296000        8';
    const stats = ALL.stats.replace(first, `${first}\n  -> 10.0.0.2:80                         9 9 9 9 9`);
    expect(stats).not.toBe(ALL.stats);
    const snap = snapshotFromIpvsadm({ ...ALL, stats });
    expect(named(snap.services[0]!.reals[0]!.stats).conns).toBe(5n);
  });

  it('only the plain listing: configuration without counters', () => {
    const snap = snapshotFromIpvsadm({ list: ALL.list });
    expect(snap.services).toHaveLength(5);
    expect(snap.info).toMatchObject({ tcpTimeout: 0, daemons: [] });
    expect(snap.services[0]?.reals[0]?.upperThreshold).toBe(0);
  });

  it('a parse error says which invocation and which line', () => {
    try {
      snapshotFromIpvsadm({ ...ALL, rate: ALL.rate.replace('3400', '3.4K') });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(IpvsadmOutputError);
      expect((err as IpvsadmOutputError).output).toBe('ipvsadm -L -n --exact --rate');
      expect((err as IpvsadmOutputError).parseError.line).toBe(4);
    }
  });
});
