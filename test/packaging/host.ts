import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { connect } from 'node:net';
import { snmp } from '../e2e/harness/tools.js';

/**
 * Host-level helpers for the package test: running system commands, asking dpkg, remembering and restoring the
 * parts of the machine the test changes, and a private snmpd launched with a config of the test's choosing.
 */

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command with stdin closed (so dpkg can never wait for an answer); never rejects. */
export function run(cmd: string, args: readonly string[], timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      [...args],
      { timeout: timeoutMs, maxBuffer: 1 << 28, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
        resolve({ code, stdout, stderr: stderr || (err && typeof err.code !== 'number' ? err.message : '') });
      },
    );
    child.stdin?.end();
  });
}

/** Runs a command and rejects with its output when it fails. */
export async function must(cmd: string, args: readonly string[], timeoutMs?: number): Promise<CommandResult> {
  const r = await run(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The installed version of a Debian package, or undefined when it is not installed. */
export async function installedVersion(pkg: string): Promise<string | undefined> {
  const r = await run('dpkg-query', ['-W', '-f=${db:Status-Status} ${Version}', pkg]);
  const m = /^installed (\S+)$/.exec(r.stdout.trim());
  return r.code === 0 && m ? m[1] : undefined;
}

export async function versionAtLeast(version: string, minimum: string): Promise<boolean> {
  return (await run('dpkg', ['--compare-versions', version, 'ge', minimum])).code === 0;
}

/** true when something accepts connections on the unix socket at `path` (a running snmpd). */
export function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Mode and owner of a path before the test, put back afterwards: the package's postinst opens /var/agentx, and a
 * private snmpd on the default socket replaces /var/agentx/master.
 */
export class PathState {
  private readonly before: Stats | undefined;

  constructor(readonly path: string) {
    this.before = statOrUndefined(path);
  }

  get existed(): boolean {
    return this.before !== undefined;
  }

  get mode(): number | undefined {
    return this.before ? this.before.mode & 0o7777 : undefined;
  }

  restore(): void {
    const now = statOrUndefined(this.path);
    if (!this.before) {
      if (now?.isDirectory()) {
        if (readdirSync(this.path).every((name) => name === 'master')) rmSync(this.path, { recursive: true, force: true });
      } else if (now) {
        rmSync(this.path, { force: true });
      }
      return;
    }
    if (!now) return;
    chownSync(this.path, this.before.uid, this.before.gid);
    chmodSync(this.path, this.before.mode & 0o7777);
  }
}

/**
 * snmpd the way Debian's snmpd.service runs it (as root, dropping to Debian-snmp, the same -I list), with a config
 * file of the caller's and without the system's config search path (-C).
 */
export class ConfiguredSnmpd {
  private constructor(
    private readonly child: ChildProcess,
    readonly target: string,
    readonly logPath: string,
  ) {}

  static async start(config: string, port: number, dir: string): Promise<ConfiguredSnmpd> {
    const logPath = `${dir}/snmpd.log`;
    const child = spawn(
      '/usr/sbin/snmpd',
      ['-f', '-C', '-c', config, '-Lf', logPath, '-u', 'Debian-snmp', '-g', 'Debian-snmp',
        '-I', '-smux,mteTrigger,mteTriggerConf', '-p', `${dir}/snmpd.pid`],
      { env: { ...process.env, SNMP_PERSISTENT_DIR: `${dir}/persist`, MIBS: '' }, stdio: 'ignore' },
    );
    const snmpd = new ConfiguredSnmpd(child, `127.0.0.1:${port}`, logPath);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`snmpd exited with ${child.exitCode}; see ${logPath}`);
      try {
        await snmp('snmpget', ['-v2c', '-c', 'public', '-t', '0.2', '-r', '0', snmpd.target, '1.3.6.1.2.1.1.3.0']);
        return snmpd;
      } catch {
        if (Date.now() > deadline) {
          child.kill();
          throw new Error(`snmpd did not answer within 10 s; see ${logPath}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

/** A process started by the test, with its stderr kept for failure messages. */
export class Daemon {
  readonly log: string[] = [];
  private readonly exit: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => this.log.push(chunk.toString('utf8')));
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  exited(): Promise<number | null> {
    return this.exit;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.alive) this.child.kill(signal);
    return this.exit;
  }
}
