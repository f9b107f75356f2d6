import { STAT, type StatName } from '../ipvs/snapshot.js';
import type { RealRow, ServiceRow } from '../mib/rows.js';

/**
 * The metric families of the endpoint: one prefix (lvs_), base units (bytes, packets, connections, seconds),
 * counters ending in _total, the kernel's rate estimates and the connection gauges and weights as gauges. Each
 * family reads its value from a row of the table model: u64 counters exactly, as the page writer writes them.
 */

export type MetricType = 'counter' | 'gauge';

export interface Family<Row> {
  /** The family's name; a counter's samples add `_total`. */
  readonly name: string;
  readonly type: MetricType;
  /** OpenMetrics `# UNIT`, where the name ends in a base unit. */
  readonly unit?: 'bytes' | 'seconds';
  readonly help: string;
  /** The value: one of the row's ten stats (u64, by STAT index), or a whole number computed from the row. */
  readonly value: { readonly stat: number } | { readonly of: (row: Row) => number };
}

interface StatFamily {
  readonly stat: StatName;
  readonly suffix: string;
  readonly type: MetricType;
  readonly unit?: 'bytes';
  readonly help: string;
}

/** The ten IPVS stats (struct ip_vs_kstats): five counters, five rate estimates (ip_vs_est.c, 2 s averages). */
const STATS: readonly StatFamily[] = [
  { stat: 'conns', suffix: 'connections', type: 'counter', help: 'Connections scheduled (IPVS conns).' },
  { stat: 'inPkts', suffix: 'in_packets', type: 'counter', help: 'Packets in, client to real server (IPVS inpkts).' },
  { stat: 'outPkts', suffix: 'out_packets', type: 'counter', help: 'Packets out, real server to client (IPVS outpkts).' },
  { stat: 'inBytes', suffix: 'in_bytes', type: 'counter', unit: 'bytes', help: 'Bytes in, client to real server (IPVS inbytes).' },
  { stat: 'outBytes', suffix: 'out_bytes', type: 'counter', unit: 'bytes', help: 'Bytes out, real server to client (IPVS outbytes).' },
  { stat: 'cps', suffix: 'connections_per_second', type: 'gauge', help: "The kernel's estimate of connections per second (IPVS cps)." },
  { stat: 'inPps', suffix: 'in_packets_per_second', type: 'gauge', help: "The kernel's estimate of packets in per second (IPVS inpps)." },
  { stat: 'outPps', suffix: 'out_packets_per_second', type: 'gauge', help: "The kernel's estimate of packets out per second (IPVS outpps)." },
  { stat: 'inBps', suffix: 'in_bytes_per_second', type: 'gauge', help: "The kernel's estimate of bytes in per second (IPVS inbps)." },
  { stat: 'outBps', suffix: 'out_bytes_per_second', type: 'gauge', help: "The kernel's estimate of bytes out per second (IPVS outbps)." },
];

function statFamilies<Row extends ServiceRow | RealRow>(prefix: string, of: string): Family<Row>[] {
  return STATS.map((s) => {
    const index = STAT[s.stat];
    return {
      name: `${prefix}_${s.suffix}`,
      type: s.type,
      ...(s.unit === undefined ? {} : { unit: s.unit }),
      help: `${s.help.slice(0, -1)}, per ${of}.`,
      value: { stat: index },
    };
  });
}

export const SERVICE_FAMILIES: readonly Family<ServiceRow>[] = [
  ...statFamilies<ServiceRow>('lvs_service', 'virtual service'),
  { name: 'lvs_service_active_connections', type: 'gauge', help: 'Active connections, the sum over its real servers.', value: { of: (r) => r.activeConns } },
  { name: 'lvs_service_inactive_connections', type: 'gauge', help: 'Inactive connections, the sum over its real servers.', value: { of: (r) => r.inactiveConns } },
  { name: 'lvs_service_persistent_connections', type: 'gauge', help: 'Persistence templates, the sum over its real servers.', value: { of: (r) => r.persistentConns } },
  { name: 'lvs_service_reals', type: 'gauge', help: 'Real servers of the virtual service.', value: { of: (r) => r.service.reals.length } },
  {
    name: 'lvs_service_live_reals',
    type: 'gauge',
    help: 'Real servers of the virtual service with a weight above 0.',
    value: { of: (r) => r.service.reals.reduce((n, real) => (real.weight > 0 ? n + 1 : n), 0) },
  },
];

export const REAL_FAMILIES: readonly Family<RealRow>[] = [
  ...statFamilies<RealRow>('lvs_real', 'real server'),
  { name: 'lvs_real_active_connections', type: 'gauge', help: 'Active connections of the real server (IPVS activeconns).', value: { of: (r) => r.real.activeConns } },
  { name: 'lvs_real_inactive_connections', type: 'gauge', help: 'Inactive connections of the real server (IPVS inactconns).', value: { of: (r) => r.real.inactiveConns } },
  { name: 'lvs_real_persistent_connections', type: 'gauge', help: 'Persistence templates of the real server (IPVS persistconns).', value: { of: (r) => r.real.persistentConns } },
  { name: 'lvs_real_weight', type: 'gauge', help: 'Weight of the real server; 0 means quiesced.', value: { of: (r) => r.real.weight } },
];
