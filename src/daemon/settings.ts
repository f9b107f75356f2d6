import { DEFAULT_AGENTX_SOCKET, parseTransportAddress, TRANSPORT_FORMS, TransportAddressError, type TransportAddress } from '../agentx/transport.js';
import { ListenAddressError, LISTEN_FORMS, parseListenAddress, type ListenAddress } from '../metrics/listen-address.js';
import { quoted } from '../util/bounded-text.js';
import { LOG_LEVELS, type LogLevel } from './log-level.js';
import { netnsPath } from './netns.js';
import { parseSourceSpec, SOURCE_FORMS, SourceSpecError } from './source-spec.js';

/**
 * The daemon's settings, one definition shared by the command line and the config file: the same keys (the long
 * flag names), the same validation, the same messages. Precedence: defaults < config file < command-line flags.
 */

export interface Settings {
  readonly address: TransportAddress;
  /** The --source text, as parseSourceSpec() accepts it. */
  readonly source: string;
  /** While SNMP requests come: served data is at most this old (plus one read). */
  readonly intervalMs: number;
  /** While nobody asks: the slow cadence of reads (what notifications and the first answer wait for). */
  readonly idleIntervalMs: number;
  readonly monotonic: boolean;
  readonly pingIntervalMs: number;
  readonly logLevel: LogLevel;
  readonly notifications: boolean;
  /** Most notifications sent in any rolling minute. */
  readonly notificationLimit: number;
  /** Where the Prometheus/OpenMetrics endpoint listens; undefined: off (the default). */
  readonly metricsListen: ListenAddress | undefined;
  /** Whether /metrics has per-real-server series (off for very large tables). */
  readonly metricsReals: boolean;
  /** The SNMP context LVS-MIB is registered in; "" is the default context. */
  readonly context: string;
  /** The nsfs path of the network namespace the agent must be in (netns.ts); "" when not checked. */
  readonly netns: string;
}

export const SETTING_KEYS = [
  'agentx-socket',
  'source',
  'interval',
  'idle-interval',
  'monotonic-counters',
  'ping-interval',
  'log-level',
  'notifications',
  'notification-limit',
  'metrics-listen',
  'metrics-reals',
  'context',
  'netns',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** A raw value and where it came from ("--interval", "/etc/lvs-agentx/lvs-agentx.conf line 4"). */
export interface RawSetting {
  readonly value: string | boolean;
  readonly origin: string;
}
export type RawSettings = Partial<Record<SettingKey, RawSetting>>;

/** A setting with a bad value; the message, one line, names its origin, the value (bounded) and what was expected. */
export class SettingError extends Error {
  override readonly name = 'SettingError';
}

/** Where a command-line error sends the reader; the last words of every flag error. */
export const HELP_HINT = 'see lvs-agentx --help';

/** The ranges of the numeric settings: what validation checks and what messages say. */
const SECONDS = {
  interval: [0.1, 86400],
  'idle-interval': [0.1, 86400],
  'ping-interval': [1, 3600],
} as const;
const NOTIFICATION_LIMIT_MAX = 100000;
/** An SNMP contextName is an SnmpAdminString of at most 32 octets (vacmContextName, RFC 3415); kept to printable ASCII. */
const CONTEXT = /^[\x21-\x7e]{0,32}$/;
/** A namespace NAME as `ip netns` makes them (a file name under /run/netns), or an absolute path of at most 4096 bytes. */
const NETNS_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]{1,255}$/;
const NETNS_PATH = /^\/[^\0]{0,4095}$/;

/** What each setting accepts, in the words of its error messages (also for a flag given no value). */
export const EXPECTED: Record<SettingKey, string> = {
  'agentx-socket': TRANSPORT_FORMS,
  source: SOURCE_FORMS,
  interval: secondsText('interval'),
  'idle-interval': secondsText('idle-interval'),
  'monotonic-counters': 'true or false',
  'ping-interval': secondsText('ping-interval'),
  'log-level': `one of ${LOG_LEVELS.join(', ')}`,
  notifications: 'true or false',
  'notification-limit': `a whole number from 0 to ${NOTIFICATION_LIMIT_MAX}`,
  'metrics-listen': LISTEN_FORMS,
  'metrics-reals': 'true or false',
  context: 'an SNMP context name: up to 32 printable ASCII characters, no spaces (omit it for the default context)',
  netns: 'a network namespace NAME (/run/netns/NAME, as ip netns names them) or the absolute path of one (such as /var/run/docker/netns/ingress_sbox)',
};

function secondsText(key: keyof typeof SECONDS): string {
  return `a number of seconds from ${SECONDS[key][0]} to ${SECONDS[key][1]}`;
}

export const DEFAULTS: Record<SettingKey, string | boolean> = {
  'agentx-socket': DEFAULT_AGENTX_SOCKET,
  source: 'netlink',
  interval: '5',
  'idle-interval': '60',
  'monotonic-counters': false,
  'ping-interval': '15',
  'log-level': 'info',
  notifications: 'true',
  'notification-limit': '60',
  /** Off: no endpoint unless an address is set. */
  'metrics-listen': '',
  'metrics-reals': 'true',
  context: '',
  netns: '',
};

/** Whether a setting came from the command line (its origin is the flag: "--interval"). */
function fromFlag(raw: RawSetting): boolean {
  return raw.origin.startsWith('-');
}

function fail(key: SettingKey, raw: RawSetting, expected: string): never {
  const value = typeof raw.value === 'string' ? quoted(raw.value) : String(raw.value);
  throw new SettingError(`${raw.origin}: ${key} ${value}: expected ${expected}${fromFlag(raw) ? `; ${HELP_HINT}` : ''}`);
}

function text(key: SettingKey, raw: RawSetting): string {
  if (typeof raw.value !== 'string') fail(key, raw, EXPECTED[key]);
  return raw.value;
}

function seconds(key: keyof typeof SECONDS, raw: RawSetting): number {
  const [min, max] = SECONDS[key];
  const t = text(key, raw).trim();
  const n = Number(t);
  if (!/^\d{1,9}(\.\d{1,9})?$/.test(t) || n < min || n > max) fail(key, raw, EXPECTED[key]);
  return Math.round(n * 1000);
}

function integer(key: SettingKey, raw: RawSetting, min: number, max: number): number {
  const t = text(key, raw).trim();
  const n = Number(t);
  if (!/^\d{1,9}$/.test(t) || n < min || n > max) fail(key, raw, EXPECTED[key]);
  return n;
}

function boolean(key: SettingKey, raw: RawSetting): boolean {
  if (typeof raw.value === 'boolean') return raw.value;
  const t = raw.value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(t)) return true;
  if (['false', 'no', 'off', '0'].includes(t)) return false;
  fail(key, raw, EXPECTED[key]);
}

function matching(key: SettingKey, raw: RawSetting, pattern: RegExp): string {
  const t = text(key, raw);
  if (!pattern.test(t)) fail(key, raw, EXPECTED[key]);
  return t;
}

function namespace(raw: RawSetting): string {
  const t = text('netns', raw).trim();
  if (t === '') return '';
  if (!NETNS_NAME.test(t) && !(NETNS_PATH.test(t) && Buffer.byteLength(t) <= 4096)) fail('netns', raw, EXPECTED.netns);
  return netnsPath(t);
}

/** Validates and merges: defaults, then `file`, then `flags`. */
export function resolveSettings(file: RawSettings, flags: RawSettings): Settings {
  const pick = (key: SettingKey): RawSetting => flags[key] ?? file[key] ?? { value: DEFAULTS[key], origin: 'default' };
  const socket = pick('agentx-socket');
  let address: TransportAddress;
  try {
    address = parseTransportAddress(text('agentx-socket', socket));
  } catch (err) {
    // The transport's own words (a port out of range, a relative path) say more than the list of forms.
    if (!(err instanceof TransportAddressError)) throw err;
    fail('agentx-socket', socket, err.expected);
  }
  const level = pick('log-level');
  const levelText = text('log-level', level).trim();
  if (!(LOG_LEVELS as readonly string[]).includes(levelText)) fail('log-level', level, EXPECTED['log-level']);
  const source = pick('source');
  const sourceText = text('source', source).trim();
  try {
    parseSourceSpec(sourceText);
  } catch (err) {
    if (!(err instanceof SourceSpecError)) throw err;
    fail('source', source, err.expected);
  }
  const intervalMs = seconds('interval', pick('interval'));
  const idle = pick('idle-interval');
  // The default idle cadence never reads more often than an interval someone set above it.
  const idleIntervalMs = idle.origin === 'default' ? Math.max(intervalMs, seconds('idle-interval', idle)) : seconds('idle-interval', idle);
  if (idleIntervalMs < intervalMs) fail('idle-interval', idle, `at least the interval (${intervalMs / 1000} s): reads are never more frequent when nobody asks`);
  return {
    address,
    source: sourceText,
    intervalMs,
    idleIntervalMs,
    monotonic: boolean('monotonic-counters', pick('monotonic-counters')),
    pingIntervalMs: seconds('ping-interval', pick('ping-interval')),
    logLevel: levelText as LogLevel,
    notifications: boolean('notifications', pick('notifications')),
    notificationLimit: integer('notification-limit', pick('notification-limit'), 0, NOTIFICATION_LIMIT_MAX),
    metricsListen: listenAddress(pick('metrics-listen')),
    metricsReals: boolean('metrics-reals', pick('metrics-reals')),
    context: matching('context', pick('context'), CONTEXT),
    netns: namespace(pick('netns')),
  };
}

function listenAddress(raw: RawSetting): ListenAddress | undefined {
  const t = text('metrics-listen', raw).trim();
  if (t === '' && raw.origin === 'default') return undefined;
  try {
    return parseListenAddress(t);
  } catch (err) {
    // Its own words (a port out of range, a bad IPv6 literal) say more than the list of forms.
    if (!(err instanceof ListenAddressError)) throw err;
    fail('metrics-listen', raw, err.expected);
  }
}
