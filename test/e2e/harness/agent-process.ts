import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO, snmp } from './tools.js';

/** The built daemon (npm run build), started as an operator would start it. */
export const AGENT_BIN = join(REPO, 'dist', 'src', 'daemon', 'main.js');

export class AgentProcess {
  readonly logLines: string[] = [];
  private exitPromise: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    let partial = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      this.logLines.push(...lines);
    });
    this.exitPromise = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(args: readonly string[]): AgentProcess {
    const child = spawn(process.execPath, [AGENT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new AgentProcess(child);
  }

  /** An agent started some other way (through ip netns exec, say): its stderr read as the log. */
  static wrap(child: ChildProcess): AgentProcess {
    return new AgentProcess(child);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `oid` answers through snmpd at `target` with something other than noSuchObject. */
  async waitServing(target: string, oid = '1.3.6.1.4.1.8225.4711.9.0', timeoutMs = 10_000): Promise<number> {
    const started = Date.now();
    for (;;) {
      if (!this.alive) throw new Error(`agent exited (${this.child.exitCode}); log:\n${this.logLines.join('\n')}`);
      try {
        const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', '-t', '0.3', '-r', '0', '-On', target, oid]);
        if (!/No Such (Object|Instance)/.test(stdout)) return Date.now() - started;
      } catch {
        // snmpd not there yet, or timed out: try again
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`agent not serving ${oid} at ${target} after ${timeoutMs} ms; log:\n${this.logLines.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.alive) this.child.kill(signal);
    return this.exitPromise;
  }

  exited(): Promise<number | null> {
    return this.exitPromise;
  }
}
