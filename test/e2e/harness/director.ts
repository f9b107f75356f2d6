import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from './agent-process.js';
import { stringIndex } from './expected.js';
import { PrivateSnmpd } from './snmpd.js';
import { REPO } from './tools.js';

/**
 * A simulated director for end-to-end tests: a private snmpd and the built agent connected to it, reading a
 * snapshot file the test can rewrite (or another source). Started ready: the agent serves `waitFor` through
 * snmpd before the promise resolves.
 */

export const FIXTURE = join(REPO, 'test', 'fixtures', 'all-kinds.json');
export const LVS_ROOT = '.1.3.6.1.4.1.8225.4711';

export interface DirectorOptions {
  /** Snapshot document for the file source (default: the all-kinds fixture). Ignored when `source` is given. */
  readonly snapshot?: unknown;
  /** Another --source instead of the snapshot file. */
  readonly source?: string;
  /** Further agent arguments (default interval 0.5 s). */
  readonly agentArgs?: readonly string[];
  /** Extra snmpd.conf lines. */
  readonly snmpdConfig?: readonly string[];
  /** An OID the agent must serve before the director counts as up (default: a column of TCP/10.0.0.1:80). */
  readonly waitFor?: string;
}

export class Director {
  private constructor(
    readonly snmpd: PrivateSnmpd,
    readonly agent: AgentProcess,
    readonly dir: string,
    readonly snapshotPath: string,
    readonly source: string,
  ) {}

  static async start(options: DirectorOptions = {}): Promise<Director> {
    const dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-director-'));
    const snapshotPath = join(dir, 'snapshot.json');
    writeFileSync(snapshotPath, JSON.stringify(options.snapshot ?? JSON.parse(readFileSync(FIXTURE, 'utf8'))));
    const source = options.source ?? `file:${snapshotPath}`;
    const snmpd = await PrivateSnmpd.start({ extraConfig: options.snmpdConfig ?? [] });
    const agent = AgentProcess.start(['-x', `unix:${snmpd.socketPath}`, '-s', source, '-i', '0.5', ...(options.agentArgs ?? [])]);
    const director = new Director(snmpd, agent, dir, snapshotPath, source);
    try {
      await agent.waitServing(snmpd.target, options.waitFor ?? `${LVS_ROOT}.17.1.2${stringIndex('TCP/10.0.0.1:80')}`);
    } catch (err) {
      await director.stop();
      throw err;
    }
    return director;
  }

  get target(): string {
    return this.snmpd.target;
  }

  /** Replaces the snapshot file the agent reads. */
  writeSnapshot(doc: unknown): void {
    writeFileSync(this.snapshotPath, JSON.stringify(doc));
  }

  readSnapshot(): { info: Record<string, unknown>; services: Record<string, unknown>[] } {
    return JSON.parse(readFileSync(this.snapshotPath, 'utf8'));
  }

  async stop(): Promise<void> {
    await this.agent.stop();
    await this.snmpd.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
