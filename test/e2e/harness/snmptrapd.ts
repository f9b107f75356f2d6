import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from './snmpd.js';

/** A private snmptrapd (Debian's) on a loopback port, logging each trap as one line of numeric varbinds. */

export interface ReceivedTrap {
  /** snmpTrapOID.0 */
  readonly trapOid: string;
  /** Every varbind after sysUpTime.0 and snmpTrapOID.0, OID → "TYPE: value" as printed with -On -Ox -Oe. */
  readonly varbinds: ReadonlyMap<string, string>;
}

export class PrivateSnmptrapd {
  readonly dir: string;
  readonly logPath: string;
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-trapd-'));
    this.logPath = join(this.dir, 'traps.log');
    writeFileSync(join(this.dir, 'snmptrapd.conf'), 'disableAuthorization yes\n');
  }

  static async start(): Promise<PrivateSnmptrapd> {
    if (!existsSync('/usr/sbin/snmptrapd')) throw new Error('snmptrapd not installed: run scripts/install-deps.sh');
    const trapd = new PrivateSnmptrapd(await freeUdpPort());
    trapd.child = spawn(
      '/usr/sbin/snmptrapd',
      ['-f', '-C', '-c', join(trapd.dir, 'snmptrapd.conf'), '-Lf', trapd.logPath, '-On', '-Ox', '-Oe', '-F', 'TRAP %#v\n', `udp:127.0.0.1:${trapd.port}`],
      { env: { ...process.env, SNMP_PERSISTENT_DIR: join(trapd.dir, 'persist'), MIBS: '' }, stdio: 'ignore' },
    );
    const deadline = Date.now() + 5000;
    while (!existsSync(trapd.logPath) || !readFileSync(trapd.logPath, 'utf8').includes('NET-SNMP version')) {
      if (Date.now() > deadline) throw new Error('snmptrapd did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    return trapd;
  }

  /** The snmpd.conf line that sends v2c traps here. */
  get sinkLine(): string {
    return `trap2sink 127.0.0.1:${this.port} public`;
  }

  traps(): ReceivedTrap[] {
    const text = readFileSync(this.logPath, 'utf8');
    const out: ReceivedTrap[] = [];
    for (const line of text.split(/\n(?=TRAP )/)) {
      if (!line.startsWith('TRAP ')) continue;
      const vbs = new Map<string, string>();
      const re = /(\.[\d.]+) = ([\s\S]*?)(?=, \.[\d.]+ = |\s*$)/g;
      for (const m of line.slice(5).matchAll(re)) vbs.set(m[1] as string, (m[2] as string).replace(/\s+/g, ' ').trim());
      const trapOid = vbs.get('.1.3.6.1.6.3.1.1.4.1.0')?.replace(/^OID: /, '') ?? '';
      vbs.delete('.1.3.6.1.2.1.1.3.0');
      vbs.delete('.1.3.6.1.6.3.1.1.4.1.0');
      out.push({ trapOid, varbinds: vbs });
    }
    return out;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
