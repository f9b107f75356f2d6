import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Director } from '../e2e/harness/director.js';
import { stringIndex } from '../e2e/harness/expected.js';
import { logLevels, logMessages, sleep, summary } from './figures.js';

/**
 * snmpd failing under a running agent: restarted 100 times, frozen (SIGSTOP) for longer than its AgentX timeout
 * and the agent's own Ping timeout, killed with SIGKILL (leaving its socket file behind) and started again. Each
 * time the agent must serve LVS-MIB through snmpd again within 2 s of snmpd's start (or of SIGCONT).
 *
 * The private snmpd runs with Net-SNMP's defaults, agentXTimeout 1 s and agentXRetries 5 (FACTS.md); the agent
 * Pings every 2 s (--ping-interval 2) and waits 5 s for an answer (session.ts), so an 8 s freeze outlasts both.
 */

const ROW = `.1.3.6.1.4.1.8225.4711.17.1.2${stringIndex('TCP/10.0.0.1:80')}`;
const RESTARTS = 100;
const BACK_WITHIN_MS = 2000;

let director: Director;

beforeAll(async () => {
  director = await Director.start({ source: 'sim', agentArgs: ['-i', '1', '--ping-interval', '2'], waitFor: ROW });
}, 30_000);

afterAll(async () => {
  await director?.stop();
});

function snmpdPid(): number {
  return Number(readFileSync(join(director.snmpd.dir, 'snmpd.pid'), 'utf8').trim());
}

/** Starts snmpd and returns the ms from its spawn until the agent answers ROW through it. */
async function startAndTime(): Promise<number> {
  const started = performance.now();
  await director.snmpd.launch();
  await director.agent.waitServing(director.target, ROW, 10_000);
  return Math.round(performance.now() - started);
}

describe('snmpd faults under a running agent', () => {
  it(`is back within 2 s of snmpd's start, ${RESTARTS} restarts in a row`, async () => {
    const times: number[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      await director.snmpd.kill();
      times.push(await startAndTime());
    }
    const s = summary(times);
    console.log(`snmpd restarts: ${RESTARTS}, agent back after (ms from snmpd's spawn) min ${s.min}, median ${s.median}, max ${s.max}`);
    expect(times.filter((t) => t > BACK_WITHIN_MS)).toEqual([]);
    expect(director.agent.alive).toBe(true);
  }, 300_000);

  for (const seconds of [3, 8]) {
    it(`answers within 2 s of SIGCONT after snmpd was stopped for ${seconds} s`, async () => {
      const pid = snmpdPid();
      process.kill(pid, 'SIGSTOP');
      try {
        await sleep(seconds * 1000);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      const resumed = performance.now();
      await director.agent.waitServing(director.target, ROW, 10_000);
      const ms = Math.round(performance.now() - resumed);
      console.log(`snmpd SIGSTOP for ${seconds} s: agent answering ${ms} ms after SIGCONT`);
      expect(ms).toBeLessThanOrEqual(BACK_WITHIN_MS);
      expect(director.agent.alive).toBe(true);
    }, 30_000);
  }

  it('is back within 2 s of the start of an snmpd that replaced a SIGKILLed one', async () => {
    await director.snmpd.kill('SIGKILL');
    const ms = await startAndTime();
    console.log(`snmpd SIGKILL and restart: agent back ${ms} ms after snmpd's spawn`);
    expect(ms).toBeLessThanOrEqual(BACK_WITHIN_MS);
    const levels = logLevels(director.agent.logLines);
    console.log(`snmpd faults: agent log lines by pino level ${JSON.stringify(levels)}; warnings and errors ${JSON.stringify(logMessages(director.agent.logLines))}`);
    expect(levels['60'] ?? 0).toBe(0);
    expect(levels['not JSON'] ?? 0).toBe(0);
    expect(director.agent.alive).toBe(true);
  }, 30_000);
});
