import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Director, LVS_ROOT } from '../e2e/harness/director.js';
import { stringIndex } from '../e2e/harness/expected.js';
import { logLevels, logMessages } from './figures.js';
import { bulkWalk, getter, isTimeout, SnmpType, type WalkResult } from './snmp-clients.js';

/**
 * 20 snmpbulkwalks of the whole LVS-MIB, one after another on each of 20 walkers, and 20 getters asking three
 * objects in a loop, all at once for 2 minutes, through one private snmpd, while the agent reads a churning table
 * every second. No request may time out (3 s, no retry: a poller's patience) and every walk's OIDs must strictly
 * increase. Walks still running at the end are stopped; their OIDs are checked as far as they got.
 */

const SECONDS = 120;
const CLIENTS = 20;
const TIMEOUT_S = 3;
const SIM = 'sim:services=50,reals=10,churn=1';
const SERVICE = stringIndex('TCP/10.0.0.1:80');
const GETS = [`${LVS_ROOT}.2.0`, `${LVS_ROOT}.17.1.2${SERVICE}`, `${LVS_ROOT}.17.1.13${SERVICE}`].map((o) => o.slice(1));

let director: Director;

beforeAll(async () => {
  director = await Director.start({ source: SIM, agentArgs: ['-i', '1'], waitFor: `${LVS_ROOT}.17.1.2${SERVICE}` });
}, 30_000);

afterAll(async () => {
  await director?.stop();
});

describe('40 clients at once', () => {
  it(`${CLIENTS} bulk walkers and ${CLIENTS} getters for ${SECONDS} s: no timeout, every walk in strictly increasing order`, async () => {
    const end = Date.now() + SECONDS * 1000;
    const walks: WalkResult[] = [];
    const running = new Set<ChildProcess>();
    const walker = async (): Promise<void> => {
      while (Date.now() < end) {
        let child: ChildProcess | undefined;
        walks.push(await bulkWalk(director.target, LVS_ROOT.slice(1), TIMEOUT_S, 10, (c) => running.add((child = c))));
        if (child) running.delete(child);
      }
    };
    const gets = { asked: 0, answered: 0, timeouts: 0, wrong: 0, errors: [] as string[] };
    const get = async (): Promise<void> => {
      const session = getter(director.target, TIMEOUT_S * 1000);
      try {
        while (Date.now() < end) {
          gets.asked++;
          try {
            const varbinds = await session.get(GETS);
            const ok = varbinds.length === 3 && varbinds[0]?.type === SnmpType.Gauge && varbinds[1]?.type === SnmpType.OctetString && varbinds[2]?.type === SnmpType.Counter64;
            if (ok) gets.answered++;
            else gets.wrong++;
          } catch (err) {
            if (isTimeout(err)) gets.timeouts++;
            else if (gets.errors.length < 5) gets.errors.push((err as Error).message);
          }
        }
      } finally {
        session.close();
      }
    };
    const stopper = setTimeout(() => {
      for (const c of running) c.kill('SIGTERM');
    }, SECONDS * 1000 + 50);
    try {
      await Promise.all([...Array.from({ length: CLIENTS }, walker), ...Array.from({ length: CLIENTS }, get)]);
    } finally {
      clearTimeout(stopper);
    }

    const complete = walks.filter((w) => w.exitCode === 0 && w.stderr === '');
    const cut = walks.filter((w) => w.exitCode === null);
    const timedOut = walks.filter((w) => w.timedOut);
    const disordered = walks.filter((w) => w.outOfOrder !== undefined);
    const failed = walks.filter((w) => w.exitCode !== 0 && w.exitCode !== null && !w.timedOut);
    const varbinds = walks.reduce((a, w) => a + w.varbinds, 0);
    console.log(
      `load ${SECONDS} s, ${SIM}: walks ${complete.length} complete, ${cut.length} stopped at the end, ${timedOut.length} timed out, ` +
        `${failed.length} failed, ${disordered.length} out of order; ${varbinds} varbinds walked (${Math.round(varbinds / SECONDS)}/s); ` +
        `gets ${gets.asked} asked, ${gets.answered} answered, ${gets.timeouts} timed out, ${gets.wrong} wrong, ${gets.errors.length} errors`,
    );
    const levels = logLevels(director.agent.logLines);
    console.log(`load: agent log lines by pino level ${JSON.stringify(levels)}; warnings and errors ${JSON.stringify(logMessages(director.agent.logLines))}`);
    expect(disordered.map((w) => w.outOfOrder)).toEqual([]);
    expect(timedOut.map((w) => w.stderr)).toEqual([]);
    expect(failed.map((w) => w.stderr)).toEqual([]);
    expect(gets.timeouts).toBe(0);
    expect(gets.errors).toEqual([]);
    expect(gets.wrong).toBe(0);
    expect(complete.length).toBeGreaterThan(0);
    expect(levels['50'] ?? 0).toBe(0);
    expect(director.agent.alive).toBe(true);
  }, (SECONDS + 60) * 1000);
});
