import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Director, FIXTURE, LVS_ROOT as ROOT } from './harness/director.js';
import { stringIndex } from './harness/expected.js';
import { NUMERIC, parseVarBinds, snmp, type WalkedVarBind } from './harness/tools.js';

/**
 * One OID means one service: two directors (two snmpd + agent pairs) given the same services in different
 * orders expose identical OIDs, and adding or removing other services never moves an existing row.
 */

const base = JSON.parse(readFileSync(FIXTURE, 'utf8'));

const directors: Director[] = [];

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function withServices(services: unknown[]): unknown {
  return { ...base, services };
}

async function walk(d: Director): Promise<WalkedVarBind[]> {
  const { stdout } = await snmp('snmpbulkwalk', ['-v2c', '-c', 'public', ...NUMERIC, d.target, `${ROOT}.17`]);
  return parseVarBinds(stdout).filter((v) => !v.oid.startsWith(`${ROOT}.17.1.37.`) && !v.oid.startsWith(`${ROOT}.18.1.36.`));
}

async function waitFor(d: Director, oid: string, present: boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', '-On', d.target, oid]);
    if (/No Such Instance/.test(stdout) !== present) return;
    if (Date.now() > deadline) throw new Error(`${oid} still ${present ? 'absent' : 'present'}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  for (const [i, order] of [base.services, [...base.services].reverse()].entries()) {
    directors.push(await Director.start({ snapshot: withServices(shuffled(order, i + 1)), agentArgs: ['-i', '0.2'] }));
  }
}, 60_000);

afterAll(async () => {
  for (const d of directors) await d.stop();
});

describe('row identity', () => {
  it('two directors with the same services in different orders expose identical OIDs and values', async () => {
    const [a, b] = directors as [Director, Director];
    const wa = await walk(a);
    const wb = await walk(b);
    expect(wa.length).toBeGreaterThan(100);
    expect(wb).toEqual(wa);
  });

  it('adding and removing other services never changes an existing row', async () => {
    const d = directors[0] as Director;
    const watched = `${ROOT}.17.1.13${stringIndex('TCP/10.0.0.1:80')}`;
    const before = (await walk(d)).filter((v) => v.oid.includes(stringIndex('TCP/10.0.0.1:80')));
    // Add services that sort before and after it, and drop two others.
    const extra = [
      { protocol: 'tcp', address: '10.0.0.0', port: 1, reals: [{ address: '10.9.9.9', port: 1 }] },
      { protocol: 'tcp', address: '10.0.0.1', port: 79, reals: [] },
      { protocol: 'udp', address: '1.1.1.1', port: 53, reals: [] },
    ];
    const kept = base.services.filter((s: { address?: string; fwmark?: number }) => s.address !== '10.0.0.9' && s.fwmark === undefined);
    d.writeSnapshot(withServices(shuffled([...extra, ...kept], 99)));
    await waitFor(d, `${ROOT}.17.1.2${stringIndex('TCP/10.0.0.0:1')}`, true);
    await waitFor(d, `${ROOT}.17.1.2${stringIndex('FWM/7')}`, false);
    const after = (await walk(d)).filter((v) => v.oid.includes(stringIndex('TCP/10.0.0.1:80')));
    expect(after).toEqual(before);
    expect(after.some((v) => v.oid === watched && v.value === '9223372036854775808')).toBe(true);
  });
});
