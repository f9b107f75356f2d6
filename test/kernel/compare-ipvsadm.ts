import type { WalkedVarBind } from '../e2e/harness/tools.js';
import type { Checks } from './checks.js';
import { fiveNumbers, parseIpvsadm, parseTimeouts, serviceOptions, type IpvsadmListing } from './ipvsadm-text.js';
import { bits, num, text, type LvsRows } from './lvs-walk.js';

/**
 * LVS-MIB as snmpd serves it versus the kernel as ipvsadm 1.31 shows it, read by the test's own parser
 * (ipvsadm-text.ts): every service and real server, and per row the configuration, connection counts, counters
 * and rates, column by column. Column numbers are LVS-MIB's (README, "LVS-MIB").
 *
 * ipvsadm 1.31 reads a real server's STATS64 with its 32-bit parser: conns, packets and rates of real servers are
 * the low 32 bits there (bytes are right). The comparison is exact as long as those stay below 2^32; the caller
 * checks that they do.
 */

const U32 = 0xffffffffn;
const FORWARD: Record<string, bigint> = { Masq: 0n, Local: 1n, Tunnel: 2n, Route: 3n };
const TUNNEL: Record<string, bigint> = { ipip: 0n, gue: 1n, gre: 2n };
// ipvsadm's tunnel checksum text → LVS-MIB lvsRealTunnelFlags BITS: nocsum(0) checksum(1) remoteChecksum(2)
const CSUM: Record<string, number> = { '-c': 0x80, '+c': 0x40, 'r+c': 0x20 };
const PROTO: Record<string, bigint> = { TCP: 6n, UDP: 17n, SCTP: 132n };

export type ListingReader = (name: string) => string;

function prefixOf(mask: string): bigint {
  return BigInt(mask.split('.').reduce((a, o) => a + Number(o).toString(2).replace(/0/g, '').length, 0));
}

/** BITS of lvsServiceFlags from ipvsadm's options: persistent(0) hashed(1) onePacket(2) schedFlag1..3(3..5). */
function serviceFlagBits(o: ReturnType<typeof serviceOptions>): number {
  let b = 0x40; // every service in the table is hashed (IP_VS_SVC_F_HASHED)
  if (o.persistent !== undefined) b |= 0x80;
  if (o.ops) b |= 0x20;
  for (const f of o.schedFlags) {
    // ipvsadm prints sh-/mh-fallback for IP_VS_SVC_F_SCHED1, -port for SCHED2, flag-N otherwise
    if (/fallback$|^flag-1$/.test(f)) b |= 0x10;
    else if (/port$|^flag-2$/.test(f)) b |= 0x08;
    else if (f === 'flag-3') b |= 0x04;
  }
  return b;
}

function get<K, V>(m: Map<K, V>, k: K, what: string): V {
  const v = m.get(k);
  if (v === undefined) throw new Error(`${what}: ${String(k)} missing`);
  return v;
}

export function compareWithIpvsadm(rows: LvsRows, read: ListingReader, c: Checks): void {
  const plain = parseIpvsadm(read('ipvsadm'));
  const L: Record<string, IpvsadmListing> = {};
  for (const f of ['stats', 'rate', 'thresholds', 'persistent-conn', 'tun-info']) L[f] = parseIpvsadm(read(`ipvsadm-${f}`));
  const [tcp, tcpFin, udp] = parseTimeouts(read('ipvsadm-timeout'));
  const scalar = (n: number): WalkedVarBind | undefined => rows.scalars.get(n);
  const realCount = [...plain.services.values()].reduce((a, s) => a + s.reals.size, 0);

  c.eq('lvsVersion.0 = ipvsadm header version', text(scalar(1)), plain.version);
  c.eq('lvsNumServices.0 = services listed', num(scalar(2)), BigInt(plain.services.size));
  c.eq('lvsHashTableSize.0 = ipvsadm (size=N)', num(scalar(3)), BigInt(plain.size));
  c.eq('lvsTcpTimeOut/TcpFinTimeOut/UdpTimeOut.0 = ipvsadm --timeout', [num(scalar(4)), num(scalar(5)), num(scalar(6))], [tcp, tcpFin, udp].map(BigInt));
  c.eq('lvsDaemonState.0 = none (ipvsadm --daemon prints nothing)', [num(scalar(7)), read('ipvsadm-daemon').trim()], [0n, '']);
  c.eq('lvsNumReals.0 = real servers listed', num(scalar(14)), BigInt(realCount));
  c.eq('service rows: walk = ipvsadm', [...rows.services.keys()].sort(), [...plain.services.keys()].sort());

  for (const [name, svc] of plain.services) {
    const row = rows.services.get(name);
    if (!row) continue;
    const before = c.failures.length;
    let columns = 0;
    const eq = (col: number, what: string, got: unknown, want: unknown): void => {
      columns++;
      c.eq(`${name} .17.1.${col} ${what}`, got, want, true);
    };
    const col = (n: number): WalkedVarBind | undefined => row.get(n);
    const o = serviceOptions(svc.fields);
    const st = fiveNumbers(get(L['stats']!.services, name, '--stats').fields);
    const rt = fiveNumbers(get(L['rate']!.services, name, '--rate').fields);
    const v6 = name.includes('[') || name.startsWith('FWM6/');
    const fwm = /^FWM6?\/(\d+)$/.exec(name);
    const addr = /^(TCP|UDP|SCTP)\/(.+):(\d+)$/.exec(name);

    eq(2, 'SchedType', text(col(2)), o.scheduler);
    eq(3, 'Proto', num(col(3)), fwm ? 0n : PROTO[addr![1]!]);
    eq(5, 'Port', num(col(5)), fwm ? 0n : BigInt(addr![3]!));
    eq(6, 'FwMark', num(col(6)), fwm ? BigInt(fwm[1]!) : 0n);
    eq(4, 'Addr', col(4)?.value, !fwm && !v6 ? addr![2] : '0.0.0.0');
    eq(23, 'Flags', bits(col(23)), serviceFlagBits(o));
    eq(7, 'PersistTimeout', num(col(7)), BigInt(o.persistent ?? 0));
    eq(8, 'PersistNetmask', col(8)?.value, v6 ? '0.0.0.0' : (o.mask ?? '255.255.255.255'));
    eq(24, 'PersistPrefixLen', num(col(24)), v6 ? BigInt(o.mask ?? 128) : prefixOf(o.mask ?? '255.255.255.255'));
    eq(25, 'PeName', text(col(25)), o.pe ?? '');
    eq(9, 'NumDests', num(col(9)), BigInt(svc.reals.size));
    eq(38, 'DisplayName (the index as a value)', text(col(38)), name);
    // Counters: HC columns are the full 64 bits, the 2001 Counter32 columns the low 32 bits.
    ['Conns', 'InPkts', 'OutPkts'].forEach((n, i) => {
      eq(29 + i, `HCStats${n}`, num(col(29 + i)), st[i]);
      eq(10 + i, `Stats${n} (Counter32)`, num(col(10 + i)), st[i]! & U32);
    });
    eq(13, 'StatsInBytes', num(col(13)), st[3]);
    eq(14, 'StatsOutBytes', num(col(14)), st[4]);
    ['Cps', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'].forEach((n, i) => {
      eq(32 + i, `HCRate${n}`, num(col(32 + i)), rt[i]);
      eq(15 + i, `Rate${n} (Gauge32)`, num(col(15 + i)), rt[i]! > U32 ? U32 : rt[i]);
    });
    let active = 0n;
    let inactive = 0n;
    let persist = 0n;
    for (const [rname, f] of svc.reals) {
      active += BigInt(f[2]!);
      inactive += BigInt(f[3]!);
      persist += BigInt(get(get(L['persistent-conn']!.services, name, '--persistent-conn').reals, rname, name)[1]!);
    }
    eq(26, 'ActiveConns (sum over reals)', num(col(26)), active);
    eq(27, 'InactiveConns (sum over reals)', num(col(27)), inactive);
    eq(28, 'PersistConns (sum over reals)', num(col(28)), persist);
    const ok = c.failures.length === before;
    c.note(
      `${ok ? '✓' : '✗'} ${name}: ${columns} columns = ipvsadm (${o.scheduler}${o.persistent !== undefined ? ` persistent ${o.persistent}` : ''}` +
        `${o.mask ? ` mask ${o.mask}` : ''}${o.pe ? ` pe ${o.pe}` : ''}${o.ops ? ' ops' : ''}` +
        `${o.schedFlags.length ? ` (${o.schedFlags.join(',')})` : ''}; conns/inPkts/outPkts/inBytes/outBytes ${st.join('/')}` +
        `; rates ${rt.join('/')}; active/inactive/persist ${active}/${inactive}/${persist})`,
    );

    const realRows = rows.reals.get(name) ?? new Map<string, Map<number, WalkedVarBind>>();
    c.eq(`${name}: real rows walk = ipvsadm`, [...realRows.keys()].sort(), [...svc.reals.keys()].sort(), true);
    for (const [rname, f] of svc.reals) {
      const rrow = realRows.get(rname);
      if (!rrow) continue;
      const rbefore = c.failures.length;
      let rcolumns = 0;
      const req = (n: number, what: string, got: unknown, want: unknown): void => {
        rcolumns++;
        c.eq(`${name} ${rname} .18.1.${n} ${what}`, got, want, true);
      };
      const rc = (n: number): WalkedVarBind | undefined => rrow.get(n);
      const rst = fiveNumbers(get(get(L['stats']!.services, name, '--stats').reals, rname, name));
      const rrt = fiveNumbers(get(get(L['rate']!.services, name, '--rate').reals, rname, name));
      const thr = get(get(L['thresholds']!.services, name, '--thresholds').reals, rname, name);
      const per = get(get(L['persistent-conn']!.services, name, '--persistent-conn').reals, rname, name);
      const tun = get(get(L['tun-info']!.services, name, '--tun-info').reals, rname, name);
      const rv6 = rname.startsWith('[');
      const raddr = /^\[?([^\]]+)\]?:(\d+)$/.exec(rname)!;

      req(3, 'Addr', rc(3)?.value, rv6 ? '0.0.0.0' : raddr[1]);
      req(4, 'Port', num(rc(4)), BigInt(raddr[2]!));
      req(37, 'DisplayName (service -> real)', text(rc(37)), `${name} -> ${rname}`);
      req(18, 'AddrType', num(rc(18)), rv6 ? 2n : 1n);
      req(5, 'Flags (forwarding)', num(rc(5)), FORWARD[f[0]!]);
      req(6, 'Weight', num(rc(6)), BigInt(f[1]!));
      req(22, 'ActiveConns', num(rc(22)), BigInt(f[2]!));
      req(23, 'InactiveConns', num(rc(23)), BigInt(f[3]!));
      req(20, 'UpperThreshold', num(rc(20)), BigInt(thr[0]!));
      req(21, 'LowerThreshold', num(rc(21)), BigInt(thr[1]!));
      req(24, 'PersistConns', num(rc(24)), BigInt(per[1]!));
      ['Conns', 'InPkts', 'OutPkts'].forEach((n, i) => {
        req(28 + i, `HCStats${n}`, num(rc(28 + i)), rst[i]);
        req(7 + i, `Stats${n} (Counter32)`, num(rc(7 + i)), rst[i]! & U32);
      });
      req(10, 'StatsInBytes', num(rc(10)), rst[3]);
      req(11, 'StatsOutBytes', num(rc(11)), rst[4]);
      ['Cps', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'].forEach((n, i) => {
        req(31 + i, `HCRate${n}`, num(rc(31 + i)), rrt[i]);
        req(12 + i, `Rate${n} (Gauge32)`, num(rc(12 + i)), rrt[i]! > U32 ? U32 : rrt[i]);
      });
      let tunText = '';
      if (f[0] === 'Tunnel') {
        // --tun-info: "ipip", "gue:6080:-c", "gre:+c"
        tunText = tun[1]!;
        const parts = tunText.split(':');
        req(25, 'TunnelType', num(rc(25)), TUNNEL[parts[0]!]);
        if (parts[0] === 'gue') req(26, 'TunnelPort', num(rc(26)), BigInt(parts[1]!));
        const csum = parts[0] === 'gue' ? parts[2] : parts[1];
        if (csum !== undefined) req(27, 'TunnelFlags', bits(rc(27)), CSUM[csum]);
      }
      const rok = c.failures.length === rbefore;
      c.note(
        `${rok ? '✓' : '✗'}   -> ${rname}: ${rcolumns} columns = ipvsadm (${f[0]}${tunText ? ` ${tunText}` : ''} weight ${f[1]}` +
          ` thresholds ${thr[0]}/${thr[1]} active/inactive/persist ${f[2]}/${f[3]}/${per[1]}; counters ${rst.join('/')}; rates ${rrt.join('/')})`,
      );
    }
  }
}
