import { parseArgs } from 'node:util';
import { DEFAULT_AGENTX_SOCKET, parseTransportAddress, type TransportAddress } from '../agentx/transport.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';

/** Exit codes (README, "Exit codes"). */
export const ExitCode = {
  ok: 0,
  /** Startup failed: the source could not be set up. */
  failure: 1,
  /** Bad command line. */
  usage: 2,
} as const;

export const USAGE = `Usage: lvs-agentx [options]

Serves LVS-MIB (IPVS virtual services and real servers) to Net-SNMP's snmpd
as an AgentX subagent (RFC 2741).

Options:
  -x, --agentx-socket ADDR   AgentX master socket: unix:/path, /path or
                             tcp:HOST:PORT (default ${DEFAULT_AGENTX_SOCKET})
  -s, --source SOURCE        where the IPVS table comes from (default netlink):
                               netlink             the kernel, over generic netlink
                                                   (needs CAP_NET_ADMIN)
                               ipvsadm[:PATH]      parse ipvsadm -Ln output
                               file:PATH           a JSON snapshot, re-read on change
                               sim[:OPTS]          simulated director, OPTS like
                                                   services=1000,reals=10,churn=1,seed=1
  -i, --interval SECONDS     seconds between reads of the source (default 5)
      --monotonic-counters   keep counters rising across kernel resets
                             (ipvsadm -Z, service re-created) for the agent's
                             lifetime instead of marking a discontinuity
      --ping-interval SECONDS  AgentX Ping interval to detect a dead master
                             (default 15)
  -l, --log-level LEVEL      ${LOG_LEVELS.join(', ')} (default info)
  -h, --help                 print this help and exit
  -V, --version              print the version and exit

Exit codes: 0 stopped by SIGTERM/SIGINT (after an AgentX Close), 1 startup
failure, 2 bad command line.
`;

export interface CliOptions {
  readonly address: TransportAddress;
  readonly source: string;
  readonly intervalMs: number;
  readonly monotonic: boolean;
  readonly pingIntervalMs: number;
  readonly logLevel: LogLevel;
}

export type CliCommand = { kind: 'run'; options: CliOptions } | { kind: 'help' } | { kind: 'version' };

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function seconds(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || n < min || n > max) {
    throw new UsageError(`${flag} "${text}": expected a number of seconds from ${min} to ${max}`);
  }
  return Math.round(n * 1000);
}

export function parseCommandLine(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'agentx-socket': { type: 'string', short: 'x' },
        source: { type: 'string', short: 's' },
        interval: { type: 'string', short: 'i' },
        'monotonic-counters': { type: 'boolean' },
        'ping-interval': { type: 'string' },
        'log-level': { type: 'string', short: 'l' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  if (v.version) return { kind: 'version' };
  const level = v['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`--log-level "${level}": expected one of ${LOG_LEVELS.join(', ')}`);
  }
  let address: TransportAddress;
  try {
    address = parseTransportAddress(v['agentx-socket'] ?? DEFAULT_AGENTX_SOCKET);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    kind: 'run',
    options: {
      address,
      source: v.source ?? 'netlink',
      intervalMs: seconds(v.interval ?? '5', '--interval', 0.1, 86400),
      monotonic: v['monotonic-counters'] ?? false,
      pingIntervalMs: seconds(v['ping-interval'] ?? '15', '--ping-interval', 1, 3600),
      logLevel: level as LogLevel,
    },
  };
}
