import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Director, LVS_ROOT as ROOT } from './harness/director.js';
import { NUMERIC, parseVarBinds, snmp } from './harness/tools.js';

/**
 * Discontinuity times must not move unless the counters did: a manager takes any change for a discontinuity.
 * With a Ping every second the agent sees many Responses from snmpd, each with its own delay; none of them may
 * shift a served TimeStamp (they used to, by a tick now and then).
 */

let director: Director;

beforeAll(async () => {
  director = await Director.start({ agentArgs: ['--ping-interval', '1', '-i', '0.3'] });
}, 30_000);

afterAll(async () => {
  await director?.stop();
});

async function discontinuityTimes(): Promise<string[]> {
  const out: string[] = [];
  for (const column of [`${ROOT}.17.1.37`, `${ROOT}.18.1.36`]) {
    const { stdout } = await snmp('snmpbulkwalk', ['-v2c', '-c', 'public', ...NUMERIC, director.target, column]);
    out.push(...parseVarBinds(stdout).map((v) => `${v.oid} ${v.value}`));
  }
  return out;
}

describe('TimeStamps', () => {
  it('stay exactly the same over many Pings and reads while nothing resets', async () => {
    const first = await discontinuityTimes();
    expect(first.length).toBe(7 + 9);
    for (let i = 0; i < 25; i++) {
      await new Promise((r) => setTimeout(r, 200));
      expect(await discontinuityTimes()).toEqual(first);
    }
  });
});
