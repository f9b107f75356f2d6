import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Director, FIXTURE, LVS_ROOT as ROOT } from './harness/director.js';
import { expectedVarBinds, isTimingDependent, realNameOf, serviceNameOf, stringIndex } from './harness/expected.js';
import { NUMERIC, parseVarBinds, REPO, snmp, type WalkedVarBind } from './harness/tools.js';

const doc = JSON.parse(readFileSync(FIXTURE, 'utf8'));

let director: Director;
let source: string;

beforeAll(async () => {
  director = await Director.start({ snapshot: doc, agentArgs: ['-l', 'debug'] });
  source = director.source;
}, 30_000);

afterAll(async () => {
  await director?.stop();
});

function byOid(vbs: readonly WalkedVarBind[]): Map<string, WalkedVarBind> {
  return new Map(vbs.map((v) => [v.oid, v]));
}

function compareWithExpected(got: Map<string, WalkedVarBind>): void {
  const expected = expectedVarBinds(doc, { source });
  const mismatches: string[] = [];
  for (const [oid, want] of expected) {
    const have = got.get(oid);
    if (!have) mismatches.push(`${oid}: missing, expected ${want.type}: ${want.value}`);
    else if (have.type !== want.type || have.value !== want.value) {
      mismatches.push(`${oid}: got ${have.type}: ${have.value}, expected ${want.type}: ${want.value}`);
    }
  }
  for (const [oid, have] of got) {
    if (!expected.has(oid) && !isTimingDependent(oid)) mismatches.push(`${oid}: unexpected ${have.type}: ${have.value}`);
  }
  expect(mismatches).toEqual([]);
}

function oidParts(oid: string): number[] {
  return oid.slice(1).split('.').map(Number);
}

function ascending(vbs: readonly WalkedVarBind[]): boolean {
  for (let i = 1; i < vbs.length; i++) {
    const a = oidParts((vbs[i - 1] as WalkedVarBind).oid);
    const b = oidParts((vbs[i] as WalkedVarBind).oid);
    let cmp = 0;
    for (let k = 0; k < Math.min(a.length, b.length) && cmp === 0; k++) cmp = (a[k] as number) - (b[k] as number);
    if (cmp === 0) cmp = a.length - b.length;
    if (cmp >= 0) return false;
  }
  return true;
}

describe('LVS-MIB through a real snmpd', () => {
  let walked: WalkedVarBind[];

  it('snmpwalk returns every scalar and every column of both tables, exactly, in OID order', async () => {
    const { stdout } = await snmp('snmpwalk', ['-v2c', '-c', 'public', ...NUMERIC, director.target, ROOT]);
    walked = parseVarBinds(stdout);
    expect(ascending(walked)).toBe(true);
    compareWithExpected(byOid(walked));
    // Each timing-dependent object is there, with its type.
    const timing = walked.filter((v) => isTimingDependent(v.oid));
    const reals = doc.services.reduce((a: number, s: { reals?: unknown[] }) => a + (s.reals?.length ?? 0), 0);
    expect(timing.length).toBe(2 + doc.services.length + reals);
    for (const v of timing) expect(['Timeticks', 'Gauge32']).toContain(v.type);
  });

  it('snmpbulkwalk returns the same varbinds as snmpwalk', async () => {
    const { stdout } = await snmp('snmpbulkwalk', ['-v2c', '-c', 'public', '-Cr25', ...NUMERIC, director.target, ROOT]);
    const bulk = parseVarBinds(stdout);
    expect(ascending(bulk)).toBe(true);
    compareWithExpected(byOid(bulk));
    expect(bulk.map((v) => v.oid)).toEqual(walked.map((v) => v.oid));
  });

  it('snmpget of every expected instance returns the same values', async () => {
    const expected = [...expectedVarBinds(doc, { source }).keys()];
    const got = new Map<string, WalkedVarBind>();
    for (let i = 0; i < expected.length; i += 40) {
      const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', ...NUMERIC, director.target, ...expected.slice(i, i + 40)]);
      for (const v of parseVarBinds(stdout)) got.set(v.oid, v);
    }
    compareWithExpected(got);
  });

  it('carries the Counter64 edge values 0, 2^32-1, 2^32, 2^63 and 2^64-1 exactly', async () => {
    const idx = stringIndex('TCP/10.0.0.1:80');
    const oids = {
      '0': `${ROOT}.17.1.29${idx}`, // lvsServiceHCStatsConns
      '4294967295': `${ROOT}.17.1.30${idx}`, // lvsServiceHCStatsInPkts
      '4294967296': `${ROOT}.17.1.31${idx}`, // lvsServiceHCStatsOutPkts
      '9223372036854775808': `${ROOT}.17.1.13${idx}`, // lvsServiceStatsInBytes
      '18446744073709551615': `${ROOT}.17.1.14${idx}`, // lvsServiceStatsOutBytes
    };
    const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', ...NUMERIC, director.target, ...Object.values(oids)]);
    const got = byOid(parseVarBinds(stdout));
    for (const [value, oid] of Object.entries(oids)) {
      expect(got.get(oid)).toEqual({ oid, type: 'Counter64', value });
    }
  });

  it('serves TimeStamps in snmpd sysUpTime timebase', async () => {
    const idx = stringIndex('TCP/10.0.0.1:80');
    const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', '-On', director.target, '.1.3.6.1.2.1.1.3.0', `${ROOT}.17.1.37${idx}`, `${ROOT}.10.0`]);
    const ticks = parseVarBinds(stdout).map((v) => Number(/\((\d+)\)/.exec(v.value)?.[1]));
    const [uptime, discontinuity, lastRead] = ticks as [number, number, number];
    expect(discontinuity).toBeGreaterThan(0);
    expect(discontinuity).toBeLessThanOrEqual(uptime);
    expect(lastRead).toBeGreaterThanOrEqual(discontinuity);
    expect(lastRead).toBeLessThanOrEqual(uptime);
  });

  it('has every kind of row: IPv6, fwmark v4 and v6, SCTP, mixed-family reals, a service without reals', () => {
    const names = doc.services.map(serviceNameOf);
    expect(names).toEqual(expect.arrayContaining(['UDP/[2001:db8::1]:53', 'FWM/7', 'FWM6/7', 'SCTP/10.0.0.1:9000', 'TCP/10.0.0.9:25']));
    const oids = new Set(walked.map((v) => v.oid));
    for (const name of names) expect(oids.has(`${ROOT}.17.1.2${stringIndex(name)}`)).toBe(true);
    const mixed = doc.services.find((s: { address?: string }) => s.address === '2001:db8::10');
    const v4real = `${ROOT}.18.1.18${stringIndex('TCP/[2001:db8::10]:443')}${stringIndex(realNameOf(mixed.reals[0]))}`;
    expect(walked.find((v) => v.oid === v4real)?.value).toBe('1'); // ipv4 real under an IPv6 service
  });

  it('refuses every SET through snmpd with notWritable', async () => {
    const idx = stringIndex('TCP/10.0.0.1:80');
    const attempts: [string, string, string][] = [
      [`${ROOT}.17.1.2${idx}`, 's', 'rr'],
      [`${ROOT}.17.1.6${idx}`, 'u', '5'],
      [`${ROOT}.4.0`, 'u', '100'],
      [`${ROOT}.18.1.6${idx}${stringIndex('10.0.0.2:80')}`, 'i', '0'],
    ];
    for (const [oid, type, value] of attempts) {
      const err = await snmp('snmpset', ['-v2c', '-c', 'private', director.target, oid, type, value]).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/notWritable/);
    }
    expect(director.agent.alive).toBe(true);
  });

  it('loads LVS-MIB in the tools: names in snmpwalk and snmptable', async () => {
    const mib = ['-M', `+${REPO}/mibs:${REPO}/.cache/mibs`, '-m', 'LVS-MIB'];
    const { stdout } = await snmp('snmpwalk', ['-v2c', '-c', 'public', ...mib, director.target, 'LVS-MIB::lvsServiceStatsInBytes']);
    expect(stdout).toContain('LVS-MIB::lvsServiceStatsInBytes."TCP/10.0.0.1:80" = Counter64: 9223372036854775808');
    expect(stdout).toContain('LVS-MIB::lvsServiceStatsInBytes."UDP/[2001:db8::1]:53" = Counter64: 25000');
    const table = await snmp('snmptable', ['-v2c', '-c', 'public', ...mib, '-Ci', '-Cb', director.target, 'LVS-MIB::lvsServiceTable']);
    expect(table.stdout).toMatch(/SchedType/);
    for (const name of doc.services.map(serviceNameOf)) expect(table.stdout).toContain(name);
  });
});
