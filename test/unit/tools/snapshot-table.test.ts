import { describe, expect, it } from 'vitest';
import { snapshotFromJson } from '../../../src/ipvs/snapshot-json.js';
import { realName } from '../../../src/ipvs/service-key.js';
import { compareNames } from '../../../src/mib/string-index.js';
import { snapshotTable, snapshotTableBytes } from '../../../src/tools/snapshot-table.js';

const INFO = { version: '1.2.1', connTableSize: 4096, tcpTimeout: 900, tcpFinTimeout: 120, udpTimeout: 300, daemons: [] };

describe('snapshotTable', () => {
  it('rows in index order; "persistent N" only where IP_VS_SVC_F_PERSISTENT is set', () => {
    const table = snapshotTable(
      snapshotFromJson({
        info: INFO,
        services: [
          { protocol: 'tcp', address: '10.0.0.10', port: 80, scheduler: 'rr', flags: 0x2, timeout: 30, reals: [] },
          { protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wlc', flags: 0x3, timeout: 300, reals: [{ address: '10.0.0.2', port: 80, weight: 2 }] },
        ],
      }),
    );
    const lines = table.split('\n');
    expect(lines[0]).toBe('IPVS 1.2.1 (connection table 4096), timeouts tcp 900 s, tcpfin 120 s, udp 300 s');
    const cells = lines.slice(2, 5).map((l) => l.trim().split(/\s{2,}/).slice(0, 2));
    expect(cells).toEqual([
      ['TCP/10.0.0.1:80', 'wlc persistent 300'],
      ['-> 10.0.0.2:80', 'masq'],
      ['TCP/10.0.0.10:80', 'rr'],
    ]);
  });

  it('real servers in index order under their service; counters exact to 2^64 - 1, right-aligned', () => {
    const big = { conns: '18446744073709551615', inPkts: '9007199254740993', outPkts: '9007199254740991', inBytes: '4294967296', outBytes: '0' };
    const table = snapshotTable(
      snapshotFromJson({
        info: INFO,
        services: [
          {
            protocol: 'udp',
            address: '10.0.0.1',
            port: 53,
            scheduler: 'rr',
            flags: 0,
            timeout: 0,
            stats: big,
            reals: [
              { address: '10.0.0.20', port: 53, weight: 1 },
              { address: '10.0.0.3', port: 53, weight: 1, stats: { conns: '7' } },
            ],
          },
        ],
      }),
    );
    const lines = table.split('\n');
    const rows = lines.slice(2, 5).map((l) => l.trim().split(/\s{2,}/));
    expect(rows.map((r) => r[0])).toEqual(['UDP/10.0.0.1:53', '-> 10.0.0.3:53', '-> 10.0.0.20:53']);
    expect(rows[0]?.slice(-5)).toEqual(['18446744073709551615', '9007199254740993', '9007199254740991', '4294967296', '0']);
    expect(rows[1]?.at(-5)).toBe('7');
    // Right-aligned: the numbers end in one column, so every line of the table is as long as the header.
    expect(new Set(lines.slice(1, 5).map((l) => l.length)).size).toBe(1);
  });

  it('numbers on both sides of 2^53 and wide connection counts keep every line of the table aligned', () => {
    const table = snapshotFromJson({
      info: INFO,
      services: [
        {
          protocol: 'tcp',
          address: '10.0.0.1',
          port: 80,
          scheduler: 'wrr',
          flags: 0,
          timeout: 0,
          stats: { conns: '9007199254740991', inPkts: '9007199254740992', outPkts: '10', inBytes: '99999', outBytes: '100000' },
          reals: [
            { address: '10.0.0.2', port: 80, weight: 65535, activeConns: 4294967295, inactiveConns: 0 },
            { address: '10.0.0.3', port: 80, weight: 0, activeConns: 0, inactiveConns: 12 },
          ],
        },
      ],
    });
    const bytes = snapshotTableBytes(table);
    expect(bytes.equals(Buffer.from(snapshotTable(table)))).toBe(true);
    const lines = bytes.toString().trimEnd().split('\n').slice(1);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[1]?.trim().split(/\s{2,}/)).toEqual(['TCP/10.0.0.1:80', 'wrr', '4294967295', '12', '9007199254740991', '9007199254740992', '10', '99999', '100000']);
    expect(lines[2]?.trim().split(/\s{2,}/).slice(0, 5)).toEqual(['-> 10.0.0.2:80', 'masq', '65535', '4294967295', '0']);
  });

  it('real servers of every shape in index order (compareNames of their names), in whatever order they came', () => {
    const shapes = [
      { address: '10.0.0.1', port: 8000 },
      { address: '10.0.0.10', port: 800 }, // as long a name as the one above, a longer address
      { address: '10.0.0.2', port: 80 },
      { address: '10.0.0.2', port: 9 },
      { address: '10.0.0.2', port: 81 },
      { address: '2001:db8::1', port: 80, forward: 'tunnel' }, // an IPv6 real of an IPv4 service: tunnel only
      { address: '::ffff:10.0.0.1', port: 443, forward: 'tunnel' },
      { address: '1.2.3.4', port: 65535 },
      { address: '10.0.0.3', port: 80 }, // given weight -2^31 below: a negative weight widens the column as its text does
    ];
    // Every single swap of two neighbours in index order, every rotation, and the reverse: an order check that
    // passes one wrong pair shows here.
    const nameOf = (r: (typeof shapes)[number]) => (r.address.includes(':') ? `[${r.address}]:${r.port}` : `${r.address}:${r.port}`);
    const sorted = [...shapes].sort((a, b) => compareNames(nameOf(a), nameOf(b)));
    const orders = [sorted, [...sorted].reverse()];
    for (let i = 1; i < sorted.length; i++) {
      const swapped = [...sorted];
      [swapped[i - 1], swapped[i]] = [swapped[i] as (typeof sorted)[number], swapped[i - 1] as (typeof sorted)[number]];
      orders.push(swapped, [...sorted.slice(i), ...sorted.slice(0, i)]);
    }
    for (const order of orders) {
      const reals = order.map((r) => ({ weight: 1, ...r }));
      const read = snapshotFromJson({
        info: INFO,
        services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'rr', flags: 0, timeout: 0, reals }],
      });
      // The kernel's weight is an int; a JSON snapshot allows 0..65535 only.
      const snapshot = {
        ...read,
        services: read.services.map((v) => ({ ...v, reals: v.reals.map((r) => (r.address === '10.0.0.3' ? { ...r, weight: -(2 ** 31) } : r)) })),
      };
      const lines = snapshotTable(snapshot).trimEnd().split('\n').slice(1);
      const names = snapshot.services[0]?.reals.map(realName) ?? [];
      expect(lines.slice(2).map((l) => l.trim().split(/\s{2,}/)[0])).toEqual([...names].sort(compareNames).map((n) => `-> ${n}`));
      expect(new Set(lines.map((l) => l.length)).size).toBe(1);
      expect(lines.find((l) => l.includes('10.0.0.3:80'))?.trim().split(/\s{2,}/)[2]).toBe('-2147483648');
    }
  });
});
