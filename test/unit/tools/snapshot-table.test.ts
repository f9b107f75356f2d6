import { describe, expect, it } from 'vitest';
import { snapshotFromJson } from '../../../src/ipvs/snapshot-json.js';
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
});
