import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, AgentProcess } from './harness/agent-process.js';
import { stringIndex } from './harness/expected.js';
import { PrivateSnmpd } from './harness/snmpd.js';
import { NUMERIC, parseVarBinds, REPO, snmp } from './harness/tools.js';

/** The config file: errors at start name file and line; SIGHUP reloads without a gap a walking client notices. */

const ROOT = '.1.3.6.1.4.1.8225.4711';
let dir: string;
let snmpd: PrivateSnmpd;
let agent: AgentProcess;
let conf: string;
let snapshot: string;

function writeConf(lines: string[]): void {
  writeFileSync(conf, ['# lvs-agentx test config', `agentx-socket = unix:${snmpd.socketPath}`, `source = file:${snapshot}`, ...lines, ''].join('\n'));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-conf-'));
  conf = join(dir, 'lvs-agentx.conf');
  snapshot = join(dir, 'snapshot.json');
  writeFileSync(snapshot, readFileSync(join(REPO, 'test', 'fixtures', 'all-kinds.json')));
  snmpd = await PrivateSnmpd.start();
  writeConf(['interval = 0.3', 'log-level = info']);
  agent = AgentProcess.start(['--config', conf]);
  await agent.waitServing(snmpd.target, `${ROOT}.17.1.2${stringIndex('TCP/10.0.0.1:80')}`);
}, 30_000);

afterAll(async () => {
  await agent?.stop();
  await snmpd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('config file', () => {
  it('refuses to start on a bad line, naming the file, the line and what was expected (exit 2)', () => {
    const bad = join(dir, 'bad.conf');
    writeFileSync(bad, '# comment\nsource = sim\ninterval = often\n');
    const r = spawnSync(process.execPath, [AGENT_BIN, '--config', bad], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad} line 3: interval "often": expected a number of seconds from 0.1 to 86400`);
    const missing = spawnSync(process.execPath, [AGENT_BIN, '--config', join(dir, 'nope.conf')], { encoding: 'utf8', timeout: 10_000 });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.conf: cannot read the config file \(ENOENT\)/);
  });

  it('reloads on SIGHUP while a client walks, without a gap and without a new AgentX session', async () => {
    const sessionsBefore = agent.logLines.filter((l) => l.includes('LVS-MIB registered')).length;
    let walks = 0;
    let failures = 0;
    let stop = false;
    const walker = (async () => {
      while (!stop) {
        try {
          const { stdout } = await snmp('snmpbulkwalk', ['-v2c', '-c', 'public', '-t', '1', '-r', '0', ...NUMERIC, snmpd.target, `${ROOT}.17`]);
          const rows = parseVarBinds(stdout).filter((v) => v.oid.startsWith(`${ROOT}.17.1.2.`));
          if (rows.length !== 7) failures++;
        } catch {
          failures++;
        }
        walks++;
      }
    })();
    for (let i = 0; i < 5; i++) {
      writeConf([`interval = ${i % 2 === 0 ? '0.5' : '0.3'}`, `log-level = ${i % 2 === 0 ? 'debug' : 'info'}`, `ping-interval = ${5 + i}`]);
      agent.child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 400));
    }
    stop = true;
    await walker;
    expect(walks).toBeGreaterThan(5);
    expect(failures).toBe(0);
    expect(agent.logLines.filter((l) => l.includes('configuration reloaded'))).toHaveLength(5);
    expect(agent.logLines.filter((l) => l.includes('LVS-MIB registered')).length).toBe(sessionsBefore);
  });

  it('keeps the running configuration when the file turns bad, with one error line naming file and line', async () => {
    writeConf(['interval = 0.3', 'colour = blue']);
    agent.child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    const errors = agent.logLines.filter((l) => l.includes('config not reloaded'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${conf} line 5: unknown key \\"colour\\"`);
    const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', ...NUMERIC, snmpd.target, `${ROOT}.2.0`]);
    expect(stdout).toContain('Gauge32: 7');
    expect(agent.alive).toBe(true);
  });
});
