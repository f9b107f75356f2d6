import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Director } from './harness/director.js';
import { stringIndex } from './harness/expected.js';

/** snmpd restarted under a running agent: back and answering within 2 s, every time. */

const ROW = `.1.3.6.1.4.1.8225.4711.17.1.2${stringIndex('TCP/10.0.0.1:80')}`;
const ROUNDS = 10;

let director: Director;

beforeAll(async () => {
  director = await Director.start({ source: 'sim', agentArgs: ['-i', '1'], waitFor: ROW });
}, 30_000);

afterAll(async () => {
  await director?.stop();
});

describe('snmpd restart', () => {
  it(`the agent is back within 2 s, ${ROUNDS} times in a row`, async () => {
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await director.snmpd.kill();
      const restarted = Date.now();
      await director.snmpd.launch();
      await director.agent.waitServing(director.target, ROW, 5000);
      times.push(Date.now() - restarted);
    }
    console.log(`agent back after snmpd restart (ms, from snmpd start): ${times.join(', ')}`);
    for (const t of times) expect(t).toBeLessThan(2000);
    expect(director.agent.alive).toBe(true);
  }, 120_000);

  it('exits 0 after SIGTERM, closing its session', async () => {
    const code = await director.agent.stop('SIGTERM');
    expect(code).toBe(0);
    expect(director.agent.logLines.join('\n')).toMatch(/shutting down/);
  });
});
