import { DEFAULT_AGENTX_SOCKET } from '../agentx/transport.js';
import { quoted } from '../util/bounded-text.js';
import { DEFAULT_CONFIG_PATH } from './config-file.js';
import { LOG_LEVELS } from './log-level.js';
import { EXPECTED, HELP_HINT, SETTING_KEYS, type RawSettings, type SettingKey } from './settings.js';

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
       lvs-agentx check -H HOST (--service NAME | --all) [-w RANGE] [-c RANGE] ...
                                           Nagios/Icinga plugin over SNMP (see
                                           lvs-agentx check --help)

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
      --metrics-listen HOST:PORT  serve Prometheus/OpenMetrics at
                             http://HOST:PORT/metrics ([::1]:PORT for IPv6;
                             default off)
      --metrics-reals true|false  per-real-server series on /metrics
                             (default true; false for very large tables)
      --context NAME         register LVS-MIB in this SNMP context (snmpwalk -n
                             NAME, or com2sec -Cn NAME in snmpd.conf); default:
                             the default context
      --netns NAME|PATH      the network namespace whose IPVS table is served
                             (/run/netns/NAME or an nsfs path); the agent must be
                             started inside it (lvs-agentx@NAME.service, or
                             ip netns exec NAME) and exits 1 if it is not, or when
                             the namespace is deleted under it
  -h, --help                 print this help and exit
  -V, --version              print the version and exit

Exit codes: 0 stopped by SIGTERM/SIGINT (after an AgentX Close), or a command
done; 1 startup or command failure; 2 bad command line or config file.
`;

/** A command line this program cannot run: one line naming the flag, what came (bounded) and what is accepted. */
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
/** `lvs-agentx check`: a monitoring plugin; its options are its own (src/tools/check/options.ts, exit 3 when bad). */
export interface CheckCommand {
  readonly kind: 'check';
  readonly args: readonly string[];
}
export type CliCommand = RunCommand | OidCommand | SnapshotCommand | MrtgCommand | CheckCommand | { kind: 'help' } | { kind: 'version' };

/**
 * An option of a command: a flag that takes a value (`expects` says which, for the message when none follows) or a
 * switch. A switch that is also a setting (`--monotonic-counters`) may take one as `--flag=VALUE`.
 */
interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly expects?: string;
  readonly setting?: boolean;
}
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

const SETTING_OPTIONS = {
  config: { type: 'string', short: 'c', expects: 'the path of a config file' },
  'agentx-socket': { type: 'string', short: 'x', expects: EXPECTED['agentx-socket'] },
  source: { type: 'string', short: 's', expects: EXPECTED.source },
  interval: { type: 'string', short: 'i', expects: EXPECTED.interval },
  'idle-interval': { type: 'string', expects: EXPECTED['idle-interval'] },
  'monotonic-counters': { type: 'boolean', setting: true },
  'ping-interval': { type: 'string', expects: EXPECTED['ping-interval'] },
  'log-level': { type: 'string', short: 'l', expects: EXPECTED['log-level'] },
  notifications: { type: 'string', expects: EXPECTED.notifications },
  'notification-limit': { type: 'string', expects: EXPECTED['notification-limit'] },
  'metrics-listen': { type: 'string', expects: EXPECTED['metrics-listen'] },
  'metrics-reals': { type: 'string', expects: EXPECTED['metrics-reals'] },
  context: { type: 'string', expects: EXPECTED.context },
  netns: { type: 'string', expects: EXPECTED.netns },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies OptionSpecs;

const FLAG_KEYS: readonly SettingKey[] = SETTING_KEYS;

type Values = Record<string, string | boolean | undefined>;

function usage(command: string, problem: string): UsageError {
  return new UsageError(`${command === '' ? '' : `${command}: `}${problem}; ${HELP_HINT}`);
}

/**
 * The options and positionals of `argv`, getopt-style: `--name VALUE`, `--name=VALUE`, `-n VALUE`, `-nVALUE`,
 * switches grouped (`-hV`), `--` ending the options. A flag that takes a value takes the next argument whatever it
 * is (`-i -5` is an interval of "-5", refused by the settings as such, not an unknown option "-5"). Every problem is
 * one UsageError line naming the flag; a value is quoted bounded.
 */
export function parse(command: string, argv: readonly string[], options: OptionSpecs, allowPositionals: boolean): { values: Values; positionals: string[] } {
  const values: Values = {};
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(options).flatMap(([name, o]) => (o.short === undefined ? [] : [[o.short, name] as const])));
  const needsValue = (flag: string, spec: OptionSpec): UsageError => usage(command, `${flag} needs a value: expected ${spec.expects ?? 'a value'}`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = Object.hasOwn(options, name) ? options[name] : undefined;
      if (spec === undefined) throw usage(command, `unknown option ${quoted(eq < 0 ? arg : arg.slice(0, eq))}`);
      const flag = `--${name}`;
      if (spec.type === 'boolean') {
        if (eq >= 0 && !spec.setting) throw usage(command, `${flag} takes no value, got ${quoted(arg.slice(eq + 1))}`);
        values[name] = eq < 0 ? true : arg.slice(eq + 1);
      } else if (eq >= 0) {
        values[name] = arg.slice(eq + 1);
      } else {
        if (i + 1 >= argv.length) throw needsValue(flag, spec);
        values[name] = argv[++i] as string;
      }
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') {
      // A cluster of short flags: switches, then at most one flag taking the rest (or the next argument) as its value.
      for (let k = 1; k < arg.length; k++) {
        const letter = arg[k] as string;
        const name = byShort.get(letter);
        if (name === undefined) throw usage(command, `unknown option ${quoted(`-${letter}`)}${k > 1 ? ` in ${quoted(arg)}` : ''}`);
        const spec = options[name] as OptionSpec;
        if (spec.type === 'boolean') {
          values[name] = true;
          continue;
        }
        if (k + 1 < arg.length) values[name] = arg.slice(k + 1);
        else if (i + 1 < argv.length) values[name] = argv[++i] as string;
        else throw needsValue(`-${letter} (--${name})`, spec);
        break;
      }
      continue;
    }
    if (!allowPositionals) throw usage(command, `unexpected argument ${quoted(arg)}: expected options only`);
    positionals.push(arg);
  }
  return { values, positionals };
}

function settingsFrom(values: Values): Pick<RunCommand, 'config' | 'flags'> {
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
  if (first === 'check') return { kind: 'check', args: rest };
  if (first === 'oid') {
    const { values, positionals } = parse('oid', rest, { help: { type: 'boolean', short: 'h' } }, true);
    if (values.help) return { kind: 'help' };
    if (positionals.length < 1 || positionals.length > 3) {
      throw usage('oid', `${positionals.length} arguments: expected a service name (like TCP/10.0.0.1:80), optionally a real server name and a column`);
    }
    return { kind: 'oid', args: positionals };
  }
  if (first === 'snapshot') {
    const { values } = parse('snapshot', rest, { ...SETTING_OPTIONS, format: { type: 'string', short: 'f', expects: 'table or json' } }, false);
    if (values.help) return { kind: 'help' };
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json') throw usage('snapshot', `--format ${quoted(String(format))}: expected table or json`);
    return { kind: 'snapshot', format, ...settingsFrom(values) };
  }
  if (first === 'mrtg') {
    const { values } = parse(
      'mrtg',
      rest,
      {
        ...SETTING_OPTIONS,
        host: { type: 'string', expects: 'the host name or address MRTG polls' },
        community: { type: 'string', expects: 'an SNMP community' },
        port: { type: 'string', expects: 'a port from 1 to 65535' },
        reals: { type: 'boolean' },
        rates: { type: 'boolean' },
        workdir: { type: 'string', expects: 'a directory' },
      },
      false,
    );
    if (values.help) return { kind: 'help' };
    const string = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
    const host = string('host');
    if (!host) throw usage('mrtg', '--host HOST is required: the director that MRTG polls');
    const portText = string('port') ?? '161';
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw usage('mrtg', `--port ${quoted(portText)}: expected a port from 1 to 65535`);
    return {
      kind: 'mrtg',
      host,
      community: string('community') ?? 'public',
      port,
      reals: values.reals === true,
      rates: values.rates === true,
      workDir: string('workdir') ?? '/var/www/html/mrtg',
      ...settingsFrom(values),
    };
  }
  const { values } = parse('', argv, SETTING_OPTIONS, false);
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  return { kind: 'run', ...settingsFrom(values) };
}
