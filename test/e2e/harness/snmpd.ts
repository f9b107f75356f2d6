import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snmp } from './tools.js';

/**
 * A private snmpd (Debian's, Net-SNMP 5.9.3) for tests: its own config, a loopback UDP port, an AgentX socket
 * in a temp dir, no system config files (-C), no MIB loading. Nothing here touches a system snmpd.
 */

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export interface SnmpdOptions {
  /** Extra snmpd.conf lines. */
  readonly extraConfig?: readonly string[];
}

export class PrivateSnmpd {
  readonly dir: string;
  readonly socketPath: string;
  readonly logPath: string;
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly options: SnmpdOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-snmpd-'));
    this.socketPath = join(this.dir, 'agentx', 'master');
    this.logPath = join(this.dir, 'snmpd.log');
    writeFileSync(
      join(this.dir, 'snmpd.conf'),
      [
        `agentaddress udp:127.0.0.1:${port}`,
        'master agentx',
        `agentXSocket unix:${this.socketPath}`,
        'rocommunity public 127.0.0.1',
        'rwcommunity private 127.0.0.1',
        'dontLogTCPWrappersConnects yes',
        ...(options.extraConfig ?? []),
        '',
      ].join('\n'),
    );
  }

  static async start(options: SnmpdOptions = {}): Promise<PrivateSnmpd> {
    const snmpd = new PrivateSnmpd(await freeUdpPort(), options);
    await snmpd.launch();
    return snmpd;
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts snmpd and waits until it answers sysUpTime.0. */
  async launch(): Promise<void> {
    if (!existsSync('/usr/sbin/snmpd')) throw new Error('snmpd not installed: run scripts/install-deps.sh');
    const child = spawn(
      '/usr/sbin/snmpd',
      ['-f', '-C', '-c', join(this.dir, 'snmpd.conf'), '-Lf', this.logPath, '-p', join(this.dir, 'snmpd.pid')],
      { env: { ...process.env, SNMP_PERSISTENT_DIR: join(this.dir, 'persist'), MIBS: '' }, stdio: 'ignore' },
    );
    this.child = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`snmpd exited with ${child.exitCode}; see ${this.logPath}`);
      try {
        await snmp('snmpget', ['-v2c', '-c', 'public', '-t', '0.2', '-r', '0', this.target, '1.3.6.1.2.1.1.3.0']);
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`snmpd did not answer within 10 s; see ${this.logPath}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** SIGTERM and wait for exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
