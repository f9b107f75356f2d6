import { DEFAULT_AGENTX_SOCKET, parseTransportAddress, type TransportAddress } from '../agentx/transport.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import { parseSourceSpec, SourceSpecError } from './source-spec.js';

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
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** A raw value and where it came from ("--interval", "/etc/lvs-agentx/lvs-agentx.conf line 4"). */
export interface RawSetting {
  readonly value: string | boolean;
  readonly origin: string;
}
export type RawSettings = Partial<Record<SettingKey, RawSetting>>;

/** A setting with a bad value; the message names its origin and what was expected. */
export class SettingError extends Error {
  override readonly name = 'SettingError';
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
};

function fail(key: SettingKey, raw: RawSetting, expected: string): never {
  throw new SettingError(`${raw.origin}: ${key} ${JSON.stringify(raw.value)}: expected ${expected}`);
}

function text(key: SettingKey, raw: RawSetting): string {
  if (typeof raw.value !== 'string') fail(key, raw, 'a value');
  return raw.value;
}

function seconds(key: SettingKey, raw: RawSetting, min: number, max: number): number {
  const t = text(key, raw).trim();
  const n = Number(t);
  if (!/^\d+(\.\d+)?$/.test(t) || n < min || n > max) fail(key, raw, `a number of seconds from ${min} to ${max}`);
  return Math.round(n * 1000);
}

function integer(key: SettingKey, raw: RawSetting, min: number, max: number): number {
  const t = text(key, raw).trim();
  const n = Number(t);
  if (!/^\d+$/.test(t) || n < min || n > max) fail(key, raw, `a whole number from ${min} to ${max}`);
  return n;
}

function boolean(key: SettingKey, raw: RawSetting): boolean {
  if (typeof raw.value === 'boolean') return raw.value;
  const t = raw.value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(t)) return true;
  if (['false', 'no', 'off', '0'].includes(t)) return false;
  fail(key, raw, 'true or false');
}

/** Validates and merges: defaults, then `file`, then `flags`. */
export function resolveSettings(file: RawSettings, flags: RawSettings): Settings {
  const pick = (key: SettingKey): RawSetting => flags[key] ?? file[key] ?? { value: DEFAULTS[key], origin: 'default' };
  const socket = pick('agentx-socket');
  let address: TransportAddress;
  try {
    address = parseTransportAddress(text('agentx-socket', socket));
  } catch {
    fail('agentx-socket', socket, 'unix:/path, /path or tcp:HOST:PORT');
  }
  const level = pick('log-level');
  const levelText = text('log-level', level).trim();
  if (!(LOG_LEVELS as readonly string[]).includes(levelText)) fail('log-level', level, `one of ${LOG_LEVELS.join(', ')}`);
  const source = pick('source');
  const sourceText = text('source', source).trim();
  try {
    parseSourceSpec(sourceText);
  } catch (err) {
    if (!(err instanceof SourceSpecError)) throw err;
    fail('source', source, err.expected);
  }
  const intervalMs = seconds('interval', pick('interval'), 0.1, 86400);
  const idle = pick('idle-interval');
  // The default idle cadence never reads more often than an interval someone set above it.
  const idleIntervalMs = idle.origin === 'default' ? Math.max(intervalMs, seconds('idle-interval', idle, 0.1, 86400)) : seconds('idle-interval', idle, 0.1, 86400);
  if (idleIntervalMs < intervalMs) fail('idle-interval', idle, `at least the interval (${intervalMs / 1000} s): reads are never more frequent when nobody asks`);
  return {
    address,
    source: sourceText,
    intervalMs,
    idleIntervalMs,
    monotonic: boolean('monotonic-counters', pick('monotonic-counters')),
    pingIntervalMs: seconds('ping-interval', pick('ping-interval'), 1, 3600),
    logLevel: levelText as LogLevel,
    notifications: boolean('notifications', pick('notifications')),
    notificationLimit: integer('notification-limit', pick('notification-limit'), 0, 100000),
  };
}
