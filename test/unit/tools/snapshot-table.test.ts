import { describe, expect, it } from 'vitest';
import { snapshotFromJson } from '../../../src/ipvs/snapshot-json.js';
import { snapshotTable } from '../../../src/tools/snapshot-table.js';

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
});
