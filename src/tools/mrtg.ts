import type { Oid } from '../agentx/pdu.js';
import type { Family, Snapshot } from '../ipvs/snapshot.js';
import { realOfCanonicalName, serviceOfCanonicalName } from '../ipvs/service-key.js';
import { LVS_REAL_ENTRY, LVS_SERVICE_ENTRY, REAL_COLUMNS, SERVICE_COLUMNS, type ColumnDef } from '../mib/lvs-mib.js';
import { buildRows } from '../mib/model.js';
import { rowIndex, type RealRow, type ServiceRow } from '../mib/rows.js';

/**
 * `lvs-agentx mrtg`: an MRTG configuration (mrtg-reference(1), MRTG 2.17) with one target per virtual service,
 * and optionally per real server and for the connection gauges and rate estimates.
 *
 * Targets use explicit numeric OIDs whose index is the row's name (lvsServiceName, lvsRealName), so a target
 * follows its service whatever else is added or removed: the target name, its OIDs and its log file never move to
 * another service. Targets ask for SNMP v2c, the only way to read the Counter64 byte counters (MRTG's v1 session
 * cannot carry Counter64).
 *
 * What MRTG itself requires of the text, checked against Debian's mrtg 2.17.10 (MRTG_lib.pm, readcfg/targparser):
 * - target names match \S+ and are lower-cased by readcfg; they become file names (NAME.log, NAME.html,
 *   NAME-day.png), so ours use only [a-z0-9._-] (see targetName);
 * - Target: `OID1&OID2:community@host:port:timeout:retries:backoff:version`, trailing fields may be empty;
 *   the community is `(\\[@ ]|[^\s@])+` and a Target line is also scanned for backticks (external commands);
 *   the host is a DNS name `[-\w]+(\.[-\w]+)*` or an IPv6 literal in brackets;
 * - MaxBytes is required per target, and rateup drops any rate above it (there is no AbsMax here);
 * - mrtg refuses to start when LANG mentions UTF-8: run it as `env LANG=C mrtg FILE`.
 */

export interface MrtgOptions {
  /** The director's snmpd as MRTG reaches it: DNS name, IPv4 or IPv6 address (with or without brackets). */
  readonly host: string;
  readonly community: string;
  /** snmpd's UDP port (default 161). */
  readonly port?: number;
  /** MRTG's WorkDir: where logs, pages and graphs go. */
  readonly workDir: string;
  /** Also a traffic target per real server. */
  readonly reals?: boolean;
  /** Also gauge targets: active/inactive connections and the kernel's byte rate estimates. */
  readonly rates?: boolean;
}

export class MrtgConfigError extends Error {
  override readonly name = 'MrtgConfigError';
}

/**
 * MaxBytes of the traffic and rate targets, in bytes per second: 100 Gbit/s. rateup discards a sample above
 * MaxBytes, and a director's services are not links with a known speed, so this is a ceiling no real IPVS
 * director reaches, not a capacity (hence Options nopercent: a percentage of it would mean nothing). Graphs are
 * scaled to the data (MRTG's default), so the value does not flatten them.
 */
export const MRTG_MAX_BYTES = 12_500_000_000n;

/** MaxBytes of the connection gauges: the Gauge32 maximum, which the agent latches at. */
export const MRTG_MAX_CONNS = 4_294_967_295n;

const PREFIX = 'lvs';

function subid<Row>(columns: readonly ColumnDef<Row>[], name: string): number {
  const column = columns.find((c) => c.name === name);
  if (!column) throw new Error(`LVS-MIB has no column ${name}`);
  return column.subid;
}

const SVC = {
  inBytes: subid(SERVICE_COLUMNS, 'lvsServiceStatsInBytes'),
  outBytes: subid(SERVICE_COLUMNS, 'lvsServiceStatsOutBytes'),
  active: subid(SERVICE_COLUMNS, 'lvsServiceActiveConns'),
  inactive: subid(SERVICE_COLUMNS, 'lvsServiceInactiveConns'),
  inBps: subid(SERVICE_COLUMNS, 'lvsServiceHCRateInBPS'),
  outBps: subid(SERVICE_COLUMNS, 'lvsServiceHCRateOutBPS'),
};
const REAL = {
  inBytes: subid(REAL_COLUMNS, 'lvsRealStatsInBytes'),
  outBytes: subid(REAL_COLUMNS, 'lvsRealStatsOutBytes'),
  active: subid(REAL_COLUMNS, 'lvsRealActiveConns'),
  inactive: subid(REAL_COLUMNS, 'lvsRealInactiveConns'),
  inBps: subid(REAL_COLUMNS, 'lvsRealHCRateInBPS'),
  outBps: subid(REAL_COLUMNS, 'lvsRealHCRateOutBPS'),
};

/** Numeric OID text as MRTG takes it (no leading dot): entry.column.index. */
export function columnOid(entry: Oid, column: number, index: Oid): string {
  return [...entry, column, ...index].join('.');
}

/** Hex of the UTF-8 bytes: the fallback for a name that is not in canonical form. */
function hexOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex');
}

/**
 * One '_'-free token sequence for an address and port (10.0.0.2 port 80 → 10.0.0.2_80; 2001:db8::2 port 80 →
 * 6_2001-db8--2_80 with `tag6`).
 */
function hostPortTokens(tag: string, family: Family, address: string, port: number): string[] {
  if (family === 'inet') return [tag, address, String(port)];
  return [`${tag}6`, address.replace(/:/g, '-'), String(port)];
}

/** The tokens of a service name: read by the canonical name parser; hex for a name that is not canonical. */
function serviceTokens(name: string): string[] {
  const key = serviceOfCanonicalName(name);
  if (key === undefined) return ['x', hexOf(name)];
  if (key.kind === 'fwmark') return [key.family === 'inet6' ? 'fwm6' : 'fwm', String(key.fwmark)];
  return hostPortTokens(key.protocol, key.family, key.address, key.port);
}

function realTokens(name: string): string[] {
  const real = realOfCanonicalName(name);
  return real === undefined ? ['realx', hexOf(name)] : hostPortTokens('real', real.family, real.address, real.port);
}

/**
 * MRTG target name of a service (and of one of its real servers, and of a gauge target with `suffix`).
 *
 *   TCP/10.0.0.1:80              lvs_tcp_10.0.0.1_80
 *   UDP/[2001:db8::1]:53         lvs_udp6_2001-db8--1_53
 *   FWM/7, FWM6/7                lvs_fwm_7, lvs_fwm6_7
 *   real 10.0.0.2:80 of FWM/7    lvs_fwm_7_real_10.0.0.2_80      ([2001:db8::2]:80 → real6_2001-db8--2_80)
 *   gauges                       lvs_tcp_10.0.0.1_80_conns, lvs_tcp_10.0.0.1_80_rate
 *
 * Injective: the name is a sequence of '_'-separated tokens, none containing '_'. The first token after "lvs"
 * says how many tokens the service takes (fwm/fwm6: one; tcp/udp/sctp and their "6" forms: address and port;
 * x: the hex of a name that is not canonical), the address token maps [0-9a-f:] one-to-one onto [0-9a-f-], digits
 * and dots are copied, and what follows is "real"/"real6"/"realx" with its own fixed token count, then an optional
 * suffix. Only [a-z0-9._-] appears, so MRTG's lower-casing of target names changes nothing and every name is a safe
 * file name.
 */
export function targetName(service: string, real?: string, suffix?: 'conns' | 'rate'): string {
  const tokens = [PREFIX, ...serviceTokens(service)];
  if (real !== undefined) tokens.push(...realTokens(real));
  if (suffix !== undefined) tokens.push(suffix);
  return tokens.join('_');
}

/** HTML text (Title and PageTop end up in the generated page). */
function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `community@host:port::::2`, validated against what MRTG's target parser accepts. */
function snmpAddress(options: MrtgOptions): string {
  const { community } = options;
  // MRTG's community pattern is (\\[@ ]|[^\s@])+ and SNMP_util splits at the last '@'; backticks in a Target
  // line start an external command. Refuse what cannot be written safely instead of escaping half-way.
  if (community === '' || /[\s@`\\]/.test(community) || /[^\x21-\x7e]/.test(community)) {
    throw new MrtgConfigError(
      `mrtg: community ${JSON.stringify(community)} cannot be written into an MRTG Target: ` +
        'use printable ASCII without spaces, @, \\ or backticks',
    );
  }
  const port = options.port ?? 161;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new MrtgConfigError(`mrtg: port ${port}: expected 1-65535`);
  }
  return `${community}@${mrtgHost(options.host)}:${port}::::2`;
}

/** The host as MRTG's target parser accepts it: a DNS name or dotted quad, or an IPv6 literal in brackets. */
function mrtgHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.includes(':')) {
    if (/^[0-9a-fA-F:]+$/.test(bare)) return `[${bare}]`;
    throw new MrtgConfigError(
      `mrtg: host "${host}": MRTG takes IPv6 literals of hex digits and colons only (no embedded IPv4, no zone)`,
    );
  }
  if (/^[-\w]+(\.[-\w]+)*$/.test(bare)) return bare;
  throw new MrtgConfigError(`mrtg: host "${host}": expected a DNS name, an IPv4 address or an IPv6 address`);
}

interface TargetSpec {
  readonly name: string;
  readonly oids: readonly [string, string];
  readonly maxBytes: bigint;
  readonly title: string;
  readonly options: string;
  readonly extra: readonly (readonly [string, string])[];
}

function targetLines(t: TargetSpec, address: string): string[] {
  const lines = [
    `Target[${t.name}]: ${t.oids[0]}&${t.oids[1]}:${address}`,
    `MaxBytes[${t.name}]: ${t.maxBytes}`,
    `Title[${t.name}]: ${html(t.title)}`,
    `PageTop[${t.name}]: <h1>${html(t.title)}</h1>`,
    `Options[${t.name}]: ${t.options}`,
  ];
  for (const [key, value] of t.extra) lines.push(`${key}[${t.name}]: ${value}`);
  return lines;
}

const TRAFFIC_OPTIONS = 'growright, bits, nopercent';
const GAUGE_OPTIONS = 'growright, gauge, nopercent, integer';
const RATE_OPTIONS = 'growright, gauge, bits, nopercent';

const CONNS_EXTRA = [
  ['YLegend', 'Connections'],
  ['ShortLegend', 'conns'],
  ['LegendI', '&nbsp;Active:'],
  ['LegendO', '&nbsp;Inactive:'],
  ['Legend1', 'Active connections'],
  ['Legend2', 'Inactive connections'],
  ['Legend3', 'Maximal active connections'],
  ['Legend4', 'Maximal inactive connections'],
] as const;

function serviceTargets(row: ServiceRow, rates: boolean): TargetSpec[] {
  const oid = (column: number): string => columnOid(LVS_SERVICE_ENTRY, column, rowIndex(row));
  const out: TargetSpec[] = [
    {
      name: targetName(row.name),
      oids: [oid(SVC.inBytes), oid(SVC.outBytes)],
      maxBytes: MRTG_MAX_BYTES,
      title: `LVS service ${row.name}: traffic`,
      options: TRAFFIC_OPTIONS,
      extra: [],
    },
  ];
  if (rates) {
    out.push(
      {
        name: targetName(row.name, undefined, 'conns'),
        oids: [oid(SVC.active), oid(SVC.inactive)],
        maxBytes: MRTG_MAX_CONNS,
        title: `LVS service ${row.name}: connections`,
        options: GAUGE_OPTIONS,
        extra: CONNS_EXTRA,
      },
      {
        name: targetName(row.name, undefined, 'rate'),
        oids: [oid(SVC.inBps), oid(SVC.outBps)],
        maxBytes: MRTG_MAX_BYTES,
        title: `LVS service ${row.name}: kernel rate estimate`,
        options: RATE_OPTIONS,
        extra: [],
      },
    );
  }
  return out;
}

function realTargets(row: RealRow, rates: boolean): TargetSpec[] {
  const oid = (column: number): string => columnOid(LVS_REAL_ENTRY, column, rowIndex(row));
  const label = `LVS real server ${row.name} of ${row.service.name}`;
  const out: TargetSpec[] = [
    {
      name: targetName(row.service.name, row.name),
      oids: [oid(REAL.inBytes), oid(REAL.outBytes)],
      maxBytes: MRTG_MAX_BYTES,
      title: `${label}: traffic`,
      options: TRAFFIC_OPTIONS,
      extra: [],
    },
  ];
  if (rates) {
    out.push(
      {
        name: targetName(row.service.name, row.name, 'conns'),
        oids: [oid(REAL.active), oid(REAL.inactive)],
        maxBytes: MRTG_MAX_CONNS,
        title: `${label}: connections`,
        options: GAUGE_OPTIONS,
        extra: CONNS_EXTRA,
      },
      {
        name: targetName(row.service.name, row.name, 'rate'),
        oids: [oid(REAL.inBps), oid(REAL.outBps)],
        maxBytes: MRTG_MAX_BYTES,
        title: `${label}: kernel rate estimate`,
        options: RATE_OPTIONS,
        extra: [],
      },
    );
  }
  return out;
}

/**
 * The MRTG configuration for every service of `snapshot` (in SNMP index order, so the output is stable), with
 * targets for their real servers when `reals` and gauge targets when `rates`. Throws MrtgConfigError when the
 * host, port, community or work directory cannot be written into MRTG's syntax.
 */
export function mrtgConfig(snapshot: Snapshot, options: MrtgOptions): string {
  const address = snmpAddress(options);
  if (options.workDir === '' || /[\r\n]/.test(options.workDir)) {
    throw new MrtgConfigError(`mrtg: work directory ${JSON.stringify(options.workDir)}: expected a path on one line`);
  }
  const rows = buildRows(snapshot);
  const reals = options.reals ?? false;
  const rates = options.rates ?? false;
  const realsOf = new Map<ServiceRow, RealRow[]>();
  for (const r of rows.reals) {
    const list = realsOf.get(r.service);
    if (list) list.push(r);
    else realsOf.set(r.service, [r]);
  }

  const ipv6 = mrtgHost(options.host).startsWith('[');
  const kinds = ['traffic'];
  if (rates) kinds.push('connections', 'rate estimates');
  const lines = [
    '# MRTG targets for LVS-MIB (enterprises.8225.4711), written by `lvs-agentx mrtg`.',
    `# ${rows.services.length} service(s)${reals ? `, ${rows.reals.length} real server(s)` : ''}: ${kinds.join(', ')}.`,
    '# Targets are named after the row index (lvsServiceName, lvsRealName): a target keeps its service when others',
    '# are added or removed. Run `lvs-agentx mrtg` again to add targets for new services.',
    '# SNMP v2c: the byte counters are Counter64. mrtg refuses a UTF-8 LANG: run `env LANG=C mrtg THIS_FILE`.',
    '',
    `WorkDir: ${options.workDir}`,
  ];
  // mrtg-reference(1), EnableIPv6: numeric IPv6 targets are only accepted when it is yes.
  if (ipv6) lines.push('EnableIPv6: yes');

  for (const service of rows.services) {
    lines.push('', `# ${service.name}`);
    for (const t of serviceTargets(service, rates)) lines.push(...targetLines(t, address));
    if (!reals) continue;
    for (const real of realsOf.get(service) ?? []) {
      lines.push('', `# ${service.name} -> ${real.name}`);
      for (const t of realTargets(real, rates)) lines.push(...targetLines(t, address));
    }
  }
  return `${lines.join('\n')}\n`;
}
