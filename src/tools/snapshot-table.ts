import { IP_VS_SVC_F } from '../ipvs/netlink/ipvs-constants.js';
import { realName, serviceName } from '../ipvs/service-key.js';
import { STAT, statText, type Snapshot, type Stats } from '../ipvs/snapshot.js';
import { compareNames } from '../mib/string-index.js';

/**
 * `lvs-agentx snapshot`: what the agent would serve, as a table in the spirit of `ipvsadm -Ln --stats`, rows in
 * the MIB's order and named by their index. Counters are printed exactly (no K/M/G suffixes).
 */
export function snapshotTable(snapshot: Snapshot): string {
  const i = snapshot.info;
  const lines = [
    `IPVS ${i.version} (connection table ${i.connTableSize}), timeouts tcp ${i.tcpTimeout} s, tcpfin ${i.tcpFinTimeout} s, udp ${i.udpTimeout} s` +
      (i.daemons.length > 0 ? `, sync ${i.daemons.map((d) => `${d.state} ${d.interface} id ${d.syncId}`).join(', ')}` : ''),
  ];
  const rows: string[][] = [['Name', 'Sched/Fwd', 'Weight', 'ActConn', 'InActConn', 'Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes']];
  const stats = (s: Stats): string[] => COUNTERS.map((k) => statText(s, k));
  // Each name made once, not once per comparison.
  for (const [name, s] of byName(snapshot.services, (s) => serviceName(s.key))) {
    const active = s.reals.reduce((a, r) => a + r.activeConns, 0);
    const inactive = s.reals.reduce((a, r) => a + r.inactiveConns, 0);
    const sched = s.scheduler + (s.flags & IP_VS_SVC_F.PERSISTENT ? ` persistent ${s.timeout}` : '');
    rows.push([name, sched, '', String(active), String(inactive), ...stats(s.stats)]);
    for (const [real, r] of byName(s.reals, realName)) {
      rows.push([`  -> ${real}`, r.forward, String(r.weight), String(r.activeConns), String(r.inactiveConns), ...stats(r.stats)]);
    }
  }
  const widths = (rows[0] as string[]).map(() => 0);
  for (const r of rows) for (let c = 0; c < r.length; c++) widths[c] = Math.max(widths[c] as number, (r[c] as string).length);
  for (const r of rows) lines.push(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ').trimEnd());
  return lines.join('\n') + '\n';
}

const COUNTERS = [STAT.conns, STAT.inPkts, STAT.outPkts, STAT.inBytes, STAT.outBytes];

/** The items with their names, in index order. */
function byName<T>(items: readonly T[], nameOf: (item: T) => string): [string, T][] {
  return items.map((item): [string, T] => [nameOf(item), item]).sort((a, b) => compareNames(a[0], b[0]));
}
