import { parse, UsageError, type OptionSpecs } from '../../daemon/cli.js';
import { canonicalServiceName, NameError } from '../../ipvs/service-key.js';
import { quoted } from '../../util/bounded-text.js';
import { DEFAULT_MAX_LISTED, type Selection, type Thresholds } from './evaluate.js';
import { DEFAULT_MAX_OUTPUT } from './output.js';
import { parseRange, RangeError } from './range.js';

/** `lvs-agentx check` options, in the letters of Net-SNMP's tools and check_snmp where they have one. */

export const CHECK_HINT = 'see lvs-agentx check --help';

export const AUTH_PROTOCOLS = ['MD5', 'SHA', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'] as const;
export const PRIV_PROTOCOLS = ['DES', 'AES', 'AES-256B', 'AES-256R'] as const;
export const LEVELS = ['noAuthNoPriv', 'authNoPriv', 'authPriv'] as const;
export type AuthProtocol = (typeof AUTH_PROTOCOLS)[number];
export type PrivProtocol = (typeof PRIV_PROTOCOLS)[number];
export type SecurityLevel = (typeof LEVELS)[number];

export type SnmpCredentials =
  | { readonly version: '2c'; readonly community: string }
  | {
      readonly version: '3';
      readonly user: string;
      readonly level: SecurityLevel;
      readonly authProtocol: AuthProtocol;
      readonly authKey: string;
      readonly privProtocol: PrivProtocol;
      readonly privKey: string;
    };

export interface CheckOptions {
  readonly host: string;
  readonly port: number;
  readonly timeoutSeconds: number;
  readonly credentials: SnmpCredentials;
  readonly selection: Selection;
  readonly thresholds: Thresholds;
  /** Problem services and quiesced reals named in the summary before "and K more". */
  readonly maxListed: number;
  /** Bytes of output (newline included) the line must fit in; 0: no bound. */
  readonly maxOutput: number;
}

export type CheckCommand = { readonly kind: 'help' } | { readonly kind: 'check'; readonly options: CheckOptions };

const CHECK_OPTIONS = {
  host: { type: 'string', short: 'H', expects: 'the director (host name or address of its snmpd)' },
  port: { type: 'string', short: 'p', expects: 'a UDP port from 1 to 65535' },
  community: { type: 'string', short: 'C', expects: 'an SNMP v2c community' },
  user: { type: 'string', short: 'u', expects: 'an SNMPv3 user name' },
  'auth-protocol': { type: 'string', short: 'a', expects: AUTH_PROTOCOLS.join('|') },
  'auth-passphrase': { type: 'string', short: 'A', expects: 'an SNMPv3 authentication passphrase' },
  'priv-protocol': { type: 'string', short: 'x', expects: PRIV_PROTOCOLS.join('|') },
  'priv-passphrase': { type: 'string', short: 'X', expects: 'an SNMPv3 privacy passphrase' },
  level: { type: 'string', short: 'l', expects: LEVELS.join('|') },
  timeout: { type: 'string', short: 't', expects: 'seconds' },
  service: { type: 'string', short: 's', expects: 'a service name like TCP/10.0.0.1:80' },
  all: { type: 'boolean' },
  'min-services': { type: 'string', expects: 'a number of services (with --all)' },
  'max-listed': { type: 'string', expects: 'a number from 1 to 1000' },
  'max-output': { type: 'string', expects: 'bytes: 0 (no bound) or 256 to 1048576' },
  warning: { type: 'string', short: 'w', expects: 'a range like 2: (live reals)' },
  critical: { type: 'string', short: 'c', expects: 'a range like 1: (live reals)' },
  'warning-percent': { type: 'string', expects: 'a range like 50: (percent of reals live)' },
  'critical-percent': { type: 'string', expects: 'a range like 25: (percent of reals live)' },
  'warning-active': { type: 'string', expects: 'a range like 1000 (active connections)' },
  'critical-active': { type: 'string', expects: 'a range like 5000 (active connections)' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

export const CHECK_USAGE = `Usage: lvs-agentx check -H HOST (--service NAME | --all) [-p PORT] [-t SECONDS]
         [-C COMMUNITY | -u USER [-l LEVEL] [-a PROTO -A PASS] [-x PROTO -X PASS]]
         [-w RANGE] [-c RANGE] [--warning-percent RANGE] [--critical-percent RANGE]
         [--warning-active RANGE] [--critical-active RANGE] [--min-services N]
         [--max-listed N] [--max-output BYTES]

A monitoring plugin (Nagios, Icinga): reads LVS-MIB from the director's snmpd and
prints one line LVS <STATE> - <summary> | <perfdata>.

  -H, --host HOST            the director's snmpd
  -p, --port PORT            its UDP port (default 161)
  -t, --timeout SECONDS      give up after this long, UNKNOWN (default 10)
  -s, --service NAME         the virtual service, e.g. TCP/10.0.0.1:80, FWM/7
      --all                  every virtual service
      --min-services N       with --all: CRITICAL when fewer than N services
                             (default 0: an empty table is OK)
  -C, --community C          SNMP v2c community (default public)
  -u, --user USER            SNMPv3 user (then v3 is used)
  -l, --level LEVEL          ${LEVELS.join(', ')} (default from the passphrases given)
  -a, --auth-protocol P      ${AUTH_PROTOCOLS.join(', ')} (default SHA)
  -A, --auth-passphrase PASS
  -x, --priv-protocol P      ${PRIV_PROTOCOLS.join(', ')} (default AES)
  -X, --priv-passphrase PASS
  -w, --warning RANGE        on the number of live reals (weight > 0)
  -c, --critical RANGE
      --warning-percent RANGE, --critical-percent RANGE
                             on the percentage of live reals
      --warning-active RANGE, --critical-active RANGE
                             on active connections per service
      --max-listed N         name at most N problem services and N quiesced
                             reals, then "and K more" (default ${DEFAULT_MAX_LISTED})
      --max-output BYTES     keep the output within BYTES (default ${DEFAULT_MAX_OUTPUT},
                             what Nagios 3 and Icinga 1 read; 0: no bound). With
                             --all the per-service perfdata is left out whole
                             when it does not fit; the table's totals always stay

RANGE: 10 (alert outside 0..10), 10: (below 10), ~:10 (above 10), 10:20, @10:20
(alert inside 10..20). A missing service, or one with no real server of weight > 0,
is CRITICAL; stale or no data at the agent, or SNMP failing, is UNKNOWN.
Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for bad options and --help).
`;

function problem(text: string): UsageError {
  return new UsageError(`check: ${text}; ${CHECK_HINT}`);
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const hit = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (hit === undefined) throw problem(`${flag} ${quoted(value)}: expected one of ${allowed.join(', ')}`);
  return hit;
}

/** A whole number from `min` to `max`. */
function count(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d{1,7}$/.test(value) || n < min || n > max) throw problem(`${flag} ${quoted(value)}: expected a whole number from ${min} to ${max}`);
  return n;
}

export function parseCheckOptions(argv: readonly string[]): CheckCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parse('check', argv, CHECK_OPTIONS, false).values;
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(err.message.replace(/; see lvs-agentx --help$/, `; ${CHECK_HINT}`));
    throw err;
  }
  if (values.help) return { kind: 'help' };
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const host = text('host');
  if (!host) throw problem('-H HOST is required: the director whose snmpd serves LVS-MIB');
  const portText = text('port') ?? '161';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw problem(`-p ${quoted(portText)}: expected a port from 1 to 65535`);
  const timeoutText = text('timeout') ?? '10';
  const timeoutSeconds = Number(timeoutText);
  if (!/^\d+(\.\d+)?$/.test(timeoutText) || timeoutSeconds <= 0 || timeoutSeconds > 3600) {
    throw problem(`-t ${quoted(timeoutText)}: expected seconds above 0, at most 3600`);
  }

  const serviceText = text('service');
  if ((serviceText === undefined) === (values.all !== true)) throw problem('expected exactly one of --service NAME and --all');
  let selection: Selection;
  if (serviceText !== undefined) {
    try {
      selection = { kind: 'service', name: canonicalServiceName(serviceText) };
    } catch (err) {
      if (err instanceof NameError) throw problem(`--service: ${err.message}`);
      throw err;
    }
  } else {
    const min = text('min-services');
    selection = min === undefined ? { kind: 'all' } : { kind: 'all', minServices: count('--min-services', min, 0, 1_000_000) };
  }
  if (serviceText !== undefined && text('min-services') !== undefined) throw problem('--min-services is for --all');
  const maxListed = count('--max-listed', text('max-listed') ?? String(DEFAULT_MAX_LISTED), 1, 1000);
  const maxOutput = count('--max-output', text('max-output') ?? String(DEFAULT_MAX_OUTPUT), 0, 1_048_576);
  if (maxOutput > 0 && maxOutput < 256) throw problem(`--max-output ${maxOutput}: expected 0 (no bound) or 256 to 1048576 bytes`);

  const range = (name: string, flag: string) => {
    const value = text(name);
    if (value === undefined) return undefined;
    try {
      return parseRange(value);
    } catch (err) {
      if (err instanceof RangeError) throw problem(`${flag}: ${err.message}`);
      throw err;
    }
  };
  const thresholds: Thresholds = {
    warning: range('warning', '-w'),
    critical: range('critical', '-c'),
    warningPercent: range('warning-percent', '--warning-percent'),
    criticalPercent: range('critical-percent', '--critical-percent'),
    warningActive: range('warning-active', '--warning-active'),
    criticalActive: range('critical-active', '--critical-active'),
  };

  return { kind: 'check', options: { host, port, timeoutSeconds, credentials: credentials(text), selection, thresholds, maxListed, maxOutput } };
}

function credentials(text: (name: string) => string | undefined): SnmpCredentials {
  const user = text('user');
  const v3Only = ['auth-protocol', 'auth-passphrase', 'priv-protocol', 'priv-passphrase', 'level'].filter((n) => text(n) !== undefined);
  if (user === undefined) {
    if (v3Only.length > 0) throw problem(`--${v3Only[0]} is for SNMPv3: give -u USER too`);
    return { version: '2c', community: text('community') ?? 'public' };
  }
  if (text('community') !== undefined) throw problem('-C (v2c) and -u (SNMPv3) exclude each other');
  const authKey = text('auth-passphrase') ?? '';
  const privKey = text('priv-passphrase') ?? '';
  const levelText = text('level');
  const level: SecurityLevel = levelText !== undefined ? oneOf('-l', levelText, LEVELS) : privKey !== '' ? 'authPriv' : authKey !== '' ? 'authNoPriv' : 'noAuthNoPriv';
  // USM (RFC 3414 section 11.2) wants passphrases of at least 8 octets; net-snmp's tools refuse shorter ones too.
  if (level !== 'noAuthNoPriv' && authKey.length < 8) throw problem(`-l ${level} needs -A with a passphrase of at least 8 characters`);
  if (level === 'authPriv' && privKey.length < 8) throw problem('-l authPriv needs -X with a passphrase of at least 8 characters');
  return {
    version: '3',
    user,
    level,
    authProtocol: oneOf('-a', text('auth-protocol') ?? 'SHA', AUTH_PROTOCOLS),
    authKey,
    privProtocol: oneOf('-x', text('priv-protocol') ?? 'AES', PRIV_PROTOCOLS),
    privKey,
  };
}
