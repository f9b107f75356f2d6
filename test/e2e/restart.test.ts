import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess } from './harness/agent-process.js';
import { stringIndex } from './harness/expected.js';
import { PrivateSnmpd } from './harness/snmpd.js';

/** snmpd restarted under a running agent: back and answering within 2 s, every time. */

const ROW = `.1.3.6.1.4.1.8225.4711.17.1.2${stringIndex('TCP/10.0.0.1:80')}`;
const ROUNDS = 10;

let snmpd: PrivateSnmpd;
let agent: AgentProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-restart-'));
  snmpd = await PrivateSnmpd.start();
  agent = AgentProcess.start(['-x', `unix:${snmpd.socketPath}`, '-s', 'sim', '-i', '1']);
  await agent.waitServing(snmpd.target, ROW);
}, 30_000);

afterAll(async () => {
  await agent?.stop();
  await snmpd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('snmpd restart', () => {
  it(`the agent is back within 2 s, ${ROUNDS} times in a row`, async () => {
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await snmpd.kill();
      const restarted = Date.now();
      await snmpd.launch();
      await agent.waitServing(snmpd.target, ROW, 5000);
      times.push(Date.now() - restarted);
    }
    console.log(`agent back after snmpd restart (ms, from snmpd start): ${times.join(', ')}`);
    for (const t of times) expect(t).toBeLessThan(2000);
    expect(agent.alive).toBe(true);
  }, 120_000);

  it('exits 0 after SIGTERM, closing its session', async () => {
    const code = await agent.stop('SIGTERM');
    expect(code).toBe(0);
    expect(agent.logLines.join('\n')).toMatch(/shutting down/);
  });
});
