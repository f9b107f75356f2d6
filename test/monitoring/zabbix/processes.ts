import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';

/** Small pieces shared by the Zabbix test's private daemons: ports, waiting with a deadline, child processes. */

/** A loopback TCP port free right now, in 20000..32767 (zabbix_server's ListenPort accepts 1024..32767). */
export async function freeTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12768);
    const server = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
  }
  throw new Error('no free TCP port in 20000..32767');
}

/**
 * Calls `probe` until it returns something other than undefined, at most until `timeoutMs` has passed; then throws
 * with `what` and the last error or value seen.
 */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const got = await probe();
      if (got !== undefined) return got;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last !== undefined ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A long-running child in its own process group, stdout and stderr in a log file. Stopped with SIGTERM to it (a
 * zabbix_server stops its own workers then); after 20 s, SIGKILL to the whole group.
 */
export class Daemon {
  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
  ) {}

  static start(name: string, command: string, args: readonly string[], logPath: string, env: NodeJS.ProcessEnv = process.env, cwd?: string): Daemon {
    const log = openSync(logPath, 'a');
    const child = spawn(command, [...args], { stdio: ['ignore', log, log], env, cwd, detached: true });
    closeSync(log);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return new Daemon(name, child, exited);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const pid = this.child.pid as number;
    const killer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 20_000);
    await this.exited;
    clearTimeout(killer);
  }
}
