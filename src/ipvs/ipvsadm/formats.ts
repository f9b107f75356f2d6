import { parseAddress } from '../address.js';
import { IP_VS_SVC_F, IP_VS_TUNNEL_ENCAP_FLAG } from '../netlink/ipvs-constants.js';
import type { ForwardMethod, ServiceKey, SyncDaemon, TunnelType } from '../snapshot.js';
import {
  counter,
  expectCount,
  IpvsadmParseError,
  type ListingFormat,
  type ServiceOptions,
  signed32,
  unsigned32,
} from './listing.js';

/**
 * The output formats of `ipvsadm -L -n --exact` and its variants, column by column as ipvsadm 1.31 prints them
 * (print_title() and print_service_entry() in ipvsadm.c), plus `ipvsadm -L --timeout` and `ipvsadm -L --daemon`.
 */

type Fail = (reason: string) => never;

/**
 * print_sched_flags(): names of IP_VS_SVC_F_SCHED1/2/3 by scheduler ("sh-fallback" is SCHED_SH_FALLBACK =
 * SCHED1, "sh-port" SCHED_SH_PORT = SCHED2, likewise mh-*; other schedulers print flag-1..3).
 */
const SCHED_FLAGS: Readonly<Record<string, number>> = {
  'sh-fallback': IP_VS_SVC_F.SCHED1,
  'sh-port': IP_VS_SVC_F.SCHED2,
  'mh-fallback': IP_VS_SVC_F.SCHED1,
  'mh-port': IP_VS_SVC_F.SCHED2,
  'flag-1': IP_VS_SVC_F.SCHED1,
  'flag-2': IP_VS_SVC_F.SCHED2,
  'flag-3': IP_VS_SVC_F.SCHED3,
};

/**
 * `SCHED [(FLAG,…)] [persistent N [mask M] [pe NAME]] [ops]` after the service identity.
 * Every listed service is in the kernel's hash table, so IP_VS_SVC_F_HASHED is set as the kernel reports it.
 * Without "mask" the persistence netmask is the default (255.255.255.255, or 128 for IPv6: ipvsadm prints it
 * only when different).
 */
export function parseServiceOptions(tokens: readonly string[], key: ServiceKey, fail: Fail): ServiceOptions {
  const scheduler = tokens[0];
  if (scheduler === undefined) fail('missing scheduler');
  let flags: number = IP_VS_SVC_F.HASHED;
  let timeout = 0;
  let netmaskPrefix = key.family === 'inet' ? 32 : 128;
  let peName = '';
  let i = 1;
  const flagList = /^\((.*)\)$/.exec(tokens[1] ?? '');
  if (flagList) {
    for (const name of (flagList[1] ?? '').split(',')) {
      const bit = SCHED_FLAGS[name];
      if (bit === undefined) fail(`unknown scheduler flag ${JSON.stringify(name)}`);
      flags |= bit;
    }
    i = 2;
  }
  const seen = new Set<string>();
  while (i < tokens.length) {
    const word = tokens[i] as string;
    if (seen.has(word)) fail(`"${word}" given twice`);
    seen.add(word);
    const arg = tokens[i + 1];
    switch (word) {
      case 'persistent':
        flags |= IP_VS_SVC_F.PERSISTENT;
        timeout = unsigned32(arg, 'persistent timeout', fail);
        i += 2;
        break;
      case 'mask':
        netmaskPrefix = parseMask(arg, key, fail);
        i += 2;
        break;
      case 'pe':
        if (arg === undefined) fail('pe: missing persistence engine name');
        peName = arg;
        i += 2;
        break;
      case 'ops':
        flags |= IP_VS_SVC_F.ONEPACKET;
        i += 1;
        break;
      default:
        fail(`unexpected ${JSON.stringify(word)} in service options`);
    }
  }
  return { scheduler, flags, timeout, netmaskPrefix, peName };
}

/** IPv4: a dotted mask, reported by its leading one bits. IPv6: a prefix length 1..128 ("mask %i"). */
function parseMask(text: string | undefined, key: ServiceKey, fail: Fail): number {
  if (text === undefined) fail('mask: missing value');
  if (key.family === 'inet6') {
    const n = unsigned32(text, 'IPv6 mask', fail);
    if (n > 128) fail(`IPv6 mask ${n} > 128`);
    return n;
  }
  let bytes: Uint8Array | undefined;
  try {
    const parsed = parseAddress(text);
    if (parsed.family === 'inet') bytes = parsed.bytes;
  } catch {
    // reported below
  }
  if (bytes === undefined) fail(`mask: expected a dotted quad, got ${JSON.stringify(text)}`);
  const mask =
    (((bytes[0] as number) << 24) |
      ((bytes[1] as number) << 16) |
      ((bytes[2] as number) << 8) |
      (bytes[3] as number)) >>>
    0;
  return Math.clz32(~mask);
}

/** fwd_name(): IP_VS_CONN_F_MASQ "Masq", _LOCALNODE "Local", _TUNNEL "Tunnel", _DROUTE "Route". */
const FORWARD: Readonly<Record<string, ForwardMethod>> = {
  Masq: 'masq',
  Local: 'local',
  Tunnel: 'tunnel',
  Route: 'route',
};

function forward(text: string | undefined, fail: Fail): ForwardMethod {
  const f = text === undefined ? undefined : FORWARD[text];
  if (f === undefined) fail(`unknown forwarding method ${JSON.stringify(text)}`);
  return f;
}

export interface ListRealValues {
  readonly forward: ForwardMethod;
  readonly weight: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
}

/** `ipvsadm -L -n`: "  -> %-28s %-7s %-6d %-10u %-10u" dname, fwd_name, weight, activeconns, inactconns. */
export const LIST: ListingFormat<ServiceOptions, ListRealValues> = {
  option: undefined,
  serviceColumns: ['Scheduler', 'Flags'],
  realColumns: ['Forward', 'Weight', 'ActiveConn', 'InActConn'],
  service: parseServiceOptions,
  real: (t, fail) => {
    expectCount(t, 4, 'real server', fail);
    return {
      forward: forward(t[0], fail),
      weight: signed32(t[1], 'Weight', fail),
      activeConns: unsigned32(t[2], 'ActiveConn', fail),
      inactiveConns: unsigned32(t[3], 'InActConn', fail),
    };
  },
};

/** Five exact counters (print_largenum with FMT_EXACT). */
function five(t: readonly string[], names: readonly string[], fail: Fail): readonly bigint[] {
  expectCount(t, 5, names.join('/'), fail);
  return names.map((name, i) => counter(t[i], name, fail));
}

const STATS_COLUMNS = ['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'] as const;
const RATE_COLUMNS = ['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'] as const;

/** `--stats`: "%-33s" then Conns InPkts OutPkts InBytes OutBytes, for services and "  -> %-28s" reals alike. */
export const STATS: ListingFormat<readonly bigint[], readonly bigint[]> = {
  option: '--stats',
  serviceColumns: STATS_COLUMNS,
  realColumns: [],
  service: (t, _key, fail) => five(t, STATS_COLUMNS, fail),
  real: (t, fail) => five(t, STATS_COLUMNS, fail),
};

/** `--rate`: CPS InPPS OutPPS InBPS OutBPS (real rows print the first three with "%8llu": never rounded). */
export const RATE: ListingFormat<readonly bigint[], readonly bigint[]> = {
  option: '--rate',
  serviceColumns: RATE_COLUMNS,
  realColumns: [],
  service: (t, _key, fail) => five(t, RATE_COLUMNS, fail),
  real: (t, fail) => five(t, RATE_COLUMNS, fail),
};

export interface ThresholdValues {
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
}

/** `--thresholds`: "  -> %-28s %-10u %-10u %-10u %-10u" u_threshold, l_threshold, activeconns, inactconns. */
export const THRESHOLDS: ListingFormat<ServiceOptions, ThresholdValues> = {
  option: '--thresholds',
  serviceColumns: ['Uthreshold', 'Lthreshold', 'ActiveConn', 'InActConn'],
  realColumns: [],
  service: parseServiceOptions,
  real: (t, fail) => {
    expectCount(t, 4, 'real server', fail);
    unsigned32(t[2], 'ActiveConn', fail);
    unsigned32(t[3], 'InActConn', fail);
    return {
      upperThreshold: unsigned32(t[0], 'Uthreshold', fail),
      lowerThreshold: unsigned32(t[1], 'Lthreshold', fail),
    };
  },
};

/** `--persistent-conn`: "  -> %-28s %-9u %-11u %-10u %-10u" weight, persistconns, activeconns, inactconns. */
export const PERSISTENT_CONN: ListingFormat<ServiceOptions, { readonly persistentConns: number }> = {
  option: '--persistent-conn',
  serviceColumns: ['Weight', 'PersistConn', 'ActiveConn', 'InActConn'],
  realColumns: [],
  service: parseServiceOptions,
  real: (t, fail) => {
    expectCount(t, 4, 'real server', fail);
    unsigned32(t[0], 'Weight', fail);
    unsigned32(t[2], 'ActiveConn', fail);
    unsigned32(t[3], 'InActConn', fail);
    return { persistentConns: unsigned32(t[1], 'PersistConn', fail) };
  },
};

export interface TunnelValues {
  readonly tunnelType: TunnelType | undefined;
  readonly tunnelPort: number | undefined;
  readonly tunnelFlags: number | undefined;
}

/** tunflags[] in ipvsadm.c, indexed by the kernel's tun_flags (IP_VS_TUNNEL_ENCAP_FLAG_*). */
const TUN_FLAGS: Readonly<Record<string, number>> = {
  '-c': IP_VS_TUNNEL_ENCAP_FLAG.NOCSUM,
  '+c': IP_VS_TUNNEL_ENCAP_FLAG.CSUM,
  'r+c': IP_VS_TUNNEL_ENCAP_FLAG.REMCSUM,
};

/**
 * `--tun-info` (ipvsadm 1.30+): "  -> %-28s %-7s %-13s %-6d %-10u %-10u" with fwd_tun_info(): "ipip",
 * "gue:PORT:FLAGS", "gre:FLAGS", or "n/a" for other forwarding methods.
 */
export const TUN_INFO: ListingFormat<ServiceOptions, TunnelValues> = {
  option: '--tun-info',
  serviceColumns: ['Scheduler', 'Flags'],
  realColumns: ['Forward', 'TunnelInfo', 'Weight', 'ActiveConn', 'InActConn'],
  service: parseServiceOptions,
  real: (t: readonly string[], fail: Fail): TunnelValues => {
    expectCount(t, 5, 'real server', fail);
    forward(t[0], fail);
    const info = t[1] as string;
    const flagsOf = (s: string | undefined): number => {
      const f = s === undefined ? undefined : TUN_FLAGS[s];
      if (f === undefined) fail(`unknown tunnel flags ${JSON.stringify(s)}`);
      return f;
    };
    const parts = info.split(':');
    let values: TunnelValues;
    if (info === 'n/a') values = { tunnelType: undefined, tunnelPort: undefined, tunnelFlags: undefined };
    else if (info === 'ipip') values = { tunnelType: 'ipip', tunnelPort: undefined, tunnelFlags: undefined };
    else if (parts[0] === 'gue' && parts.length === 3) {
      const port = unsigned32(parts[1], 'GUE port', fail);
      if (port > 65535) fail(`GUE port ${port} out of range`);
      values = { tunnelType: 'gue', tunnelPort: port, tunnelFlags: flagsOf(parts[2]) };
    } else if (parts[0] === 'gre' && parts.length === 2) {
      values = { tunnelType: 'gre', tunnelPort: undefined, tunnelFlags: flagsOf(parts[1]) };
    } else fail(`unknown tunnel info ${JSON.stringify(info)}`);
    signed32(t[2], 'Weight', fail);
    unsigned32(t[3], 'ActiveConn', fail);
    unsigned32(t[4], 'InActConn', fail);
    return values;
  },
};

/** `ipvsadm -L --timeout`: "Timeout (tcp tcpfin udp): %d %d %d" (list_timeout()). */
export function parseTimeouts(text: string): { tcpTimeout: number; tcpFinTimeout: number; udpTimeout: number } {
  const lines = text.split('\n');
  const m = /^Timeout \(tcp tcpfin udp\): (\d+) (\d+) (\d+)$/.exec((lines[0] ?? '').trim());
  if (!m) throw new IpvsadmParseError(1, lines[0] ?? '', 'expected "Timeout (tcp tcpfin udp): N N N"');
  return { tcpTimeout: Number(m[1]), tcpFinTimeout: Number(m[2]), udpTimeout: Number(m[3]) };
}

/**
 * `ipvsadm -L --daemon` (list_daemon()): one line per running daemon, nothing when none:
 * "master sync daemon (mcast=eth0, syncid=1[, maxlen=N][, group=ADDR][, port=N][, ttl=N])".
 */
export function parseDaemons(text: string): SyncDaemon[] {
  const out: SyncDaemon[] = [];
  text.split('\n').forEach((line, n) => {
    if (line.trim() === '') return;
    const m = /^(master|backup) sync daemon \(mcast=([^,)]*), syncid=(\d+)(?:, [a-z]+=[^,)]*)*\)$/.exec(line.trim());
    if (!m) throw new IpvsadmParseError(n + 1, line, 'expected "master|backup sync daemon (mcast=IF, syncid=N…)"');
    out.push({ state: m[1] === 'master' ? 'master' : 'backup', interface: m[2] as string, syncId: Number(m[3]) });
  });
  return out;
}
