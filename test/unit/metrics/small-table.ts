import { snapshotFromJson } from '../../../src/ipvs/snapshot-json.js';
import type { AgentStatus } from '../../../src/mib/lvs-mib.js';
import { TableModel } from '../../../src/mib/model.js';
import type { Rows } from '../../../src/mib/rows.js';

/**
 * A small table for the metrics tests: an IPv4 TCP service with two reals (one quiesced, one counter at 2^64 - 1),
 * an IPv6 UDP service, an IPv4 and an IPv6 fwmark service.
 */
export const SMALL_TABLE = {
  info: { version: '1.2.1', connTableSize: 4096, tcpTimeout: 900, tcpFinTimeout: 120, udpTimeout: 300, daemons: [] },
  services: [
    {
      protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wlc',
      stats: { conns: '7', inPkts: '9007199254740993', outPkts: '4294967296', inBytes: '18446744073709551615', outBytes: '1000',
               cps: '1', inPps: '2', outPps: '3', inBps: '400', outBps: '500' },
      reals: [
        { address: '10.0.0.2', port: 80, forward: 'masq', weight: 100, activeConns: 3, inactiveConns: 4, persistentConns: 0,
          stats: { conns: '5', inPkts: '10', outPkts: '11', inBytes: '18446744073709551615', outBytes: '600', cps: '1', inPps: '2', outPps: '3', inBps: '4', outBps: '5' } },
        { address: '10.0.0.3', port: 8080, forward: 'route', weight: 0, activeConns: 0, inactiveConns: 1, persistentConns: 2,
          stats: { conns: '2', inPkts: '3', outPkts: '4', inBytes: '50', outBytes: '400' } },
      ],
    },
    {
      protocol: 'udp', address: '2001:db8::1', port: 53, scheduler: 'rr',
      stats: { conns: '12', inPkts: '340', outPkts: '330', inBytes: '25000', outBytes: '61000' },
      reals: [{ address: '2001:db8::2', port: 53, forward: 'masq', weight: 10, activeConns: 0, inactiveConns: 3, stats: { conns: '12' } }],
    },
    { fwmark: 7, family: 'inet', scheduler: 'wrr', reals: [{ address: '10.0.0.7', port: 0, forward: 'route', weight: 3, persistentConns: 9 }] },
    { fwmark: 7, family: 'inet6', scheduler: 'lc', reals: [] },
  ],
};

export const STATUS: AgentStatus = { source: 'file:/x', status: 'ok', lastReadAt: 1000, lastReadDurationMs: 12.4, readErrors: 2, lastError: '' };

export function smallRows(): Rows {
  return new TableModel({ monotonic: false }).update(snapshotFromJson(SMALL_TABLE), 1000).rows;
}
