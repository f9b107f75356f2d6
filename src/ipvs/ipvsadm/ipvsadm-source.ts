import { execFile } from 'node:child_process';
import { HINT_CAPABILITY, HINT_MODULE, IpvsReadError } from '../read-error.js';
import type { Snapshot } from '../snapshot.js';
import type { Source } from '../source.js';
import { type IpvsadmOutputs, IpvsadmOutputError, snapshotFromIpvsadm } from './merge.js';

/**
 * `--source ipvsadm[:PATH]`: builds snapshots from the ipvsadm tool's listings, for hosts where the netlink
 * binding cannot be used. Each read runs, concurrently and never blocking the event loop (execFile):
 *
 *   ipvsadm -L -n --exact                      services, options, real servers, forward, weight, conns
 *   ipvsadm -L -n --exact --stats              counters          ipvsadm -L -n --exact --rate     rates
 *   ipvsadm -L -n --exact --thresholds         thresholds        ipvsadm -L -n --exact --persistent-conn
 *   ipvsadm -L -n --exact --tun-info           tunnel type/port/flags (ipvsadm 1.30+; skipped if refused)
 *   ipvsadm -L --timeout                       TCP, TCP FIN, UDP timeouts
 *   ipvsadm -L --daemon                        sync daemons (state, interface, sync id)
 *
 * Known limits, compared with the netlink source:
 * - The invocations are separate reads of a changing table: their rows are matched by name; a row that
 *   changed in between gets zeros in the columns it lacks (see merge.ts).
 * - ipvsadm 1.31 (libipvs ipvs_dests_parse_cb) parses a real server's IPVS_DEST_ATTR_STATS64 nest with its
 *   32-bit parser: real-server conns, packets and rates are the low 32 bits of the kernel's counters (on
 *   little-endian hosts); byte counters are whole. Service counters are read correctly from STATS64.
 * - Tunnel details need --tun-info (ipvsadm 1.30+); older versions report none.
 * - Version and connection table size come from the first line, "IP Virtual Server version 1.2.1 (size=4096)".
 * - ipvsadm runs `modprobe ip_vs` itself when the module is missing and it may (as root).
 * - The output is expected from a C locale (LC_ALL=C is set for the child).
 */

/** Runs a program and resolves with its stdout; rejects with an Error carrying code/signal/stderr. */
export type Runner = (file: string, args: readonly string[], timeoutMs: number) => Promise<string>;

export const runExecFile: Runner = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          reject(Object.assign(err, { stderr }));
          return;
        }
        resolve(stdout);
      },
    );
  });

export interface IpvsadmSourceOptions {
  /** ipvsadm executable (a name looked up in PATH, or a path). Default "ipvsadm". */
  readonly path?: string;
  /** Per-invocation timeout. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Ask for --tun-info. Default true. */
  readonly tunnelInfo?: boolean;
  /** For tests: how to run the program. */
  readonly run?: Runner;
}

const LIST = ['-L', '-n', '--exact'] as const;

export class IpvsadmSource implements Source {
  readonly name: string;
  private readonly path: string;
  private readonly timeoutMs: number;
  private readonly tunnelInfo: boolean;
  private readonly run: Runner;

  constructor(options: IpvsadmSourceOptions = {}) {
    this.path = options.path ?? 'ipvsadm';
    this.name = options.path === undefined ? 'ipvsadm' : `ipvsadm:${options.path}`;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.tunnelInfo = options.tunnelInfo ?? true;
    this.run = options.run ?? runExecFile;
  }

  async read(): Promise<Snapshot> {
    const invoke = (args: readonly string[]): Promise<string> =>
      this.run(this.path, args, this.timeoutMs).catch((err: unknown) => {
        throw invocationError(`${this.path} ${args.join(' ')}`, err);
      });
    const settled = await Promise.allSettled([
      invoke(LIST),
      invoke([...LIST, '--stats']),
      invoke([...LIST, '--rate']),
      invoke([...LIST, '--thresholds']),
      invoke([...LIST, '--persistent-conn']),
      // Refused by ipvsadm older than 1.30: then there is no tunnel information.
      this.tunnelInfo ? invoke([...LIST, '--tun-info']).catch(() => undefined) : Promise.resolve(undefined),
      invoke(['-L', '--timeout']),
      invoke(['-L', '--daemon']),
    ]);
    // All run at once; report the first failure in the order above (the plain listing's, when it failed too).
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [list, stats, rate, thresholds, persistentConn, tunInfo, timeout, daemon] = settled.map((r) =>
      r.status === 'fulfilled' ? r.value : undefined,
    );
    if (list === undefined) throw new Error('ipvsadm: no listing'); // unreachable: a failed listing threw above
    const outputs: IpvsadmOutputs = { list, stats, rate, thresholds, persistentConn, tunInfo, timeout, daemon };
    try {
      return snapshotFromIpvsadm(outputs);
    } catch (err) {
      if (err instanceof IpvsadmOutputError) {
        throw new IpvsReadError(
          err.output,
          undefined,
          'ipvsadm printed something this agent cannot parse; please report it with `ipvsadm --version`',
          err.message,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    // Nothing is kept open between reads.
  }
}

/** Maps a failed invocation to an IpvsReadError, reading ipvsadm's own messages (ipvs_strerror()). */
export function invocationError(step: string, err: unknown): IpvsReadError {
  const obj = typeof err === 'object' && err !== null ? err : {};
  const code = 'code' in obj ? obj.code : undefined;
  const killed = 'killed' in obj && obj.killed === true;
  const stderrField = 'stderr' in obj ? obj.stderr : undefined;
  const stderr = typeof stderrField === 'string' ? stderrField.trim() : '';
  const detail = stderr !== '' ? stderr : err instanceof Error ? err.message : String(err);

  if (code === 'ENOENT' || code === 'EACCES') {
    return new IpvsReadError(
      step,
      code,
      'ipvsadm not found or not executable: install ipvsadm, or give its path with --source ipvsadm:PATH',
      detail,
      { cause: err },
    );
  }
  if (killed)
    return new IpvsReadError(step, 'ETIMEDOUT', 'ipvsadm did not finish in time; the next read tries again', detail, {
      cause: err,
    });
  // "Can't initialize ipvs: Protocol not available / Are you sure that IP Virtual Server is built in the
  // kernel or as module?" (ipvsadm.c main(), when ipvs_init() and modprobe both fail).
  if (/Can't initialize ipvs|built in the kernel or as module/.test(stderr)) {
    const errno = /Permission denied/.test(stderr)
      ? 'EPERM'
      : /Protocol not available/.test(stderr)
        ? 'ENOPROTOOPT'
        : undefined;
    return new IpvsReadError(step, errno, errno === 'EPERM' ? HINT_CAPABILITY : HINT_MODULE, detail, { cause: err });
  }
  if (/Permission denied|must be root|Operation not permitted/.test(stderr)) {
    return new IpvsReadError(step, 'EPERM', HINT_CAPABILITY, detail, { cause: err });
  }
  return new IpvsReadError(step, undefined, 'ipvsadm failed; see its message', detail, { cause: err });
}
