import { parseArgs } from 'node:util';
import { DEFAULT_AGENTX_SOCKET } from '../agentx/transport.js';
import { DEFAULT_CONFIG_PATH } from './config-file.js';
import { LOG_LEVELS } from './logger.js';
import { SETTING_KEYS, type RawSettings, type SettingKey } from './settings.js';

/** Exit codes (README, "Exit codes"). */
export const ExitCode = {
  ok: 0,
  /** Startup failed: the source could not be set up, or a command could not do its work. */
  failure: 1,
  /** Bad command line or config file. */
  usage: 2,
} as const;

export const USAGE = `Usage: lvs-agentx [options]                 run the AgentX subagent
       lvs-agentx oid SERVICE [REAL] [COLUMN] print numeric OIDs of a row
       lvs-agentx snapshot [--format table|json] [-s SOURCE]
                                           print what the agent would serve
       lvs-agentx mrtg --host HOST [--community C] [--port N] [--reals]
                  [--rates] [--workdir DIR] [-s SOURCE]
                                           print MRTG targets for every service

Serves LVS-MIB (IPVS virtual services and real servers) to Net-SNMP's snmpd
as an AgentX subagent (RFC 2741).

Options (also config file keys, without the dashes; flags win):
  -c, --config PATH          config file (default ${DEFAULT_CONFIG_PATH},
                             used if present); SIGHUP re-reads it
  -x, --agentx-socket ADDR   AgentX master socket: unix:/path, /path or
                             tcp:HOST:PORT (default ${DEFAULT_AGENTX_SOCKET})
  -s, --source SOURCE        where the IPVS table comes from (default netlink):
                               netlink             the kernel, over generic netlink
                                                   (needs CAP_NET_ADMIN)
                               ipvsadm[:PATH]      parse ipvsadm -Ln output
                               file:PATH           a JSON snapshot, re-read on change
                               sim[:OPTS]          simulated director, OPTS like
                                                   services=1000,reals=10,churn=1,seed=1
  -i, --interval SECONDS     while SNMP requests come, served data is at most
                             this old plus one read (default 5)
      --idle-interval SECONDS  while nobody asks, read this often (default 60,
                             or the interval if longer; equal to --interval:
                             read on a fixed clock)
      --monotonic-counters   keep counters rising across kernel resets
                             (ipvsadm -Z, service re-created) for the agent's
                             lifetime instead of marking a discontinuity
      --ping-interval SECONDS  AgentX Ping interval to detect a dead master
                             (default 15)
  -l, --log-level LEVEL      ${LOG_LEVELS.join(', ')} (default info)
      --notifications true|false  send LVS-MIB notifications (service or real
                             server added/removed, weight changed) through
                             snmpd to its trap sinks (default true)
      --notification-limit N   at most N notifications a minute (default 60)
  -h, --help                 print this help and exit
  -V, --version              print the version and exit

Exit codes: 0 stopped by SIGTERM/SIGINT (after an AgentX Close), or a command
done; 1 startup or command failure; 2 bad command line or config file.
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface RunCommand {
  readonly kind: 'run';
  /** Path of the config file and whether it was named explicitly (then it must exist). */
  readonly config: { readonly path: string; readonly required: boolean };
  readonly flags: RawSettings;
}
export interface OidCommand {
  readonly kind: 'oid';
  readonly args: readonly string[];
}
export interface SnapshotCommand {
  readonly kind: 'snapshot';
  readonly format: 'table' | 'json';
  readonly config: RunCommand['config'];
  readonly flags: RawSettings;
}
export interface MrtgCommand {
  readonly kind: 'mrtg';
  readonly host: string;
  readonly community: string;
  readonly port: number;
  readonly reals: boolean;
  readonly rates: boolean;
  readonly workDir: string;
  readonly config: RunCommand['config'];
  readonly flags: RawSettings;
}
export type CliCommand = RunCommand | OidCommand | SnapshotCommand | MrtgCommand | { kind: 'help' } | { kind: 'version' };

const SETTING_OPTIONS = {
  config: { type: 'string', short: 'c' },
  'agentx-socket': { type: 'string', short: 'x' },
  source: { type: 'string', short: 's' },
  interval: { type: 'string', short: 'i' },
  'idle-interval': { type: 'string' },
  'monotonic-counters': { type: 'boolean' },
  'ping-interval': { type: 'string' },
  'log-level': { type: 'string', short: 'l' },
  notifications: { type: 'string' },
  'notification-limit': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const FLAG_KEYS: readonly SettingKey[] = SETTING_KEYS;

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(argv: readonly string[], options: T, positionals: boolean) {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: positionals, options });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function settingsFrom(values: Record<string, string | boolean | undefined>): Pick<RunCommand, 'config' | 'flags'> {
  const flags: RawSettings = {};
  for (const key of FLAG_KEYS) {
    const value = values[key];
    if (value !== undefined) flags[key] = { value, origin: `--${key}` };
  }
  const config = typeof values.config === 'string' ? { path: values.config, required: true } : { path: DEFAULT_CONFIG_PATH, required: false };
  return { config, flags };
}

export function parseCommandLine(argv: readonly string[]): CliCommand {
  const [first, ...rest] = argv;
  if (first === 'oid') {
    const { values, positionals } = parse(rest, { help: { type: 'boolean', short: 'h' } }, true);
    if (values.help) return { kind: 'help' };
    if (positionals.length < 1 || positionals.length > 3) {
      throw new UsageError('oid: expected a service name (like TCP/10.0.0.1:80), optionally a real server name and a column');
    }
    return { kind: 'oid', args: positionals };
  }
  if (first === 'snapshot') {
    const { values } = parse(rest, { ...SETTING_OPTIONS, format: { type: 'string', short: 'f' } }, false);
    if (values.help) return { kind: 'help' };
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json') throw new UsageError(`snapshot: --format "${format}": expected table or json`);
    return { kind: 'snapshot', format, ...settingsFrom(values) };
  }
  if (first === 'mrtg') {
    const { values } = parse(
      rest,
      {
        ...SETTING_OPTIONS,
        host: { type: 'string' },
        community: { type: 'string' },
        port: { type: 'string' },
        reals: { type: 'boolean' },
        rates: { type: 'boolean' },
        workdir: { type: 'string' },
      },
      false,
    );
    if (values.help) return { kind: 'help' };
    if (!values.host) throw new UsageError('mrtg: --host HOST is required: the director that MRTG polls');
    const port = Number(values.port ?? '161');
    if (!/^\d+$/.test(values.port ?? '161') || port < 1 || port > 65535) throw new UsageError(`mrtg: --port "${values.port}": expected 1-65535`);
    return {
      kind: 'mrtg',
      host: values.host,
      community: values.community ?? 'public',
      port,
      reals: values.reals ?? false,
      rates: values.rates ?? false,
      workDir: values.workdir ?? '/var/www/html/mrtg',
      ...settingsFrom(values),
    };
  }
  const { values } = parse(argv, SETTING_OPTIONS, false);
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  return { kind: 'run', ...settingsFrom(values) };
}
