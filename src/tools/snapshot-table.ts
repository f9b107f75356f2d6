import { IP_VS_SVC_F } from '../ipvs/netlink/ipvs-constants.js';
import { realName, serviceName } from '../ipvs/service-key.js';
import { statOf, type Snapshot, type Stats } from '../ipvs/snapshot.js';
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
  const stats = (s: Stats): string[] => (['conns', 'inPkts', 'outPkts', 'inBytes', 'outBytes'] as const).map((n) => String(statOf(s, n)));
  const services = [...snapshot.services].sort((a, b) => compareNames(serviceName(a.key), serviceName(b.key)));
  for (const s of services) {
    const active = s.reals.reduce((a, r) => a + r.activeConns, 0);
    const inactive = s.reals.reduce((a, r) => a + r.inactiveConns, 0);
    const sched = s.scheduler + (s.flags & IP_VS_SVC_F.PERSISTENT ? ` persistent ${s.timeout}` : '');
    rows.push([serviceName(s.key), sched, '', String(active), String(inactive), ...stats(s.stats)]);
    const reals = [...s.reals].sort((a, b) => compareNames(realName(a), realName(b)));
    for (const r of reals) {
      rows.push([`  -> ${realName(r)}`, r.forward, String(r.weight), String(r.activeConns), String(r.inactiveConns), ...stats(r.stats)]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) lines.push(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
  return lines.join('\n') + '\n';
}
