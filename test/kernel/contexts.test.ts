// Network namespaces served as SNMP contexts, on the real kernel (issue #13): test/kernel/contexts.sh in one guest
// boot — three IPVS tables (the initial namespace, nsa, nsb), three agents (netlink, nobody + CAP_NET_ADMIN; the
// namespace ones entered by nsenter before dropping to nobody, as systemd's NetworkNamespacePath= does), one snmpd.
// Each context, by SNMPv3 -n and by its com2sec -Cn community, must show its own table and nothing of the others;
// deleting nsa under its agent must give one log line and exit 1.
//
//   npx tsc -p tsconfig.json && npx vitest run --config test/vitest.config.ts test/kernel/contexts.test.ts
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringIndex } from '../e2e/harness/expected.js';
import { parseVarBinds } from '../e2e/harness/tools.js';
import { Checks } from './checks.js';
import { guestStatus, repoRoot, requireGuest, runInGuest, type GuestResult } from './guest.js';

const status = guestStatus();
const RUN_DIR = path.join(repoRoot, '.cache/kernel-runs/contexts');
const OUT = path.join(RUN_DIR, 'out');
const LOG_FILE = path.join(RUN_DIR, 'comparisons.log');
const ROOT = '.1.3.6.1.4.1.8225.4711';
const SCHED = `${ROOT}.17.1.2`;

const file = (rel: string): string => readFileSync(path.join(OUT, rel), 'utf8');

/** The tables the script configures: service name → scheduler, and the real servers' addresses. */
const TABLES = {
  host: { services: { 'TCP/10.0.0.1:80': 'wlc' }, reals: ['10.0.0.2'] },
  nsa: { services: { 'TCP/10.1.0.1:80': 'rr', 'UDP/10.1.0.1:53': 'sh' }, reals: ['10.1.0.2', '10.1.0.3'] },
  nsb: { services: { 'TCP/10.2.0.1:443': 'lc' }, reals: ['10.2.0.2'] },
} as const;
type Table = keyof typeof TABLES;

/** Scheduler column of a walk: service name → scheduler text. */
function schedulers(rel: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of parseVarBinds(file(rel))) {
    if (!v.oid.startsWith(`${SCHED}.`)) continue;
    const name = Object.keys({ ...TABLES.host.services, ...TABLES.nsa.services, ...TABLES.nsb.services }).find(
      (n) => `${SCHED}${stringIndex(n)}` === v.oid,
    );
    out[name ?? v.oid] = v.value.replace(/^"|"$/g, '');
  }
  return out;
}

/** Every table's service index strings and real addresses that appear anywhere in a walk's OIDs and values. */
function foreignRows(rel: string, own: Table): string[] {
  const text = file(rel);
  const oids = parseVarBinds(text).map((v) => v.oid);
  const found: string[] = [];
  for (const [table, t] of Object.entries(TABLES)) {
    if (table === own) continue;
    for (const name of Object.keys(t.services)) if (oids.some((o) => o.includes(stringIndex(name)))) found.push(name);
  }
  return found;
}

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}
const logLines = (rel: string): LogLine[] =>
  file(rel)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

describe('network namespaces as SNMP contexts on a real kernel (qemu guest)', () => {
  let r: GuestResult;
  const need = (): void => {
    requireGuest();
    if (!r) throw new Error('the guest did not run (see the first failure)');
  };

  it('can boot the guest here', () => {
    expect(status.ok ? 'ok' : status.reason).toBe('ok');
  });

  beforeAll(async () => {
    if (!status.ok) return;
    if (!existsSync(path.join(repoRoot, 'dist/src/daemon/main.js'))) throw new Error('build first (npx tsc -p tsconfig.json)');
    rmSync(RUN_DIR, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    r = await runInGuest(`OUT='${OUT}' bash test/kernel/contexts.sh`, {
      outDir: RUN_DIR,
      timeoutMs: 400_000,
      ...(process.env['KERNEL_TEST_VERBOSE'] === '1' ? { onOutput: (s: string) => process.stderr.write(s) } : {}),
    });
    console.log(`guest output (kernel ${r.kernel}; boot ${r.timings.bootMs} ms, script ${r.timings.scriptMs} ms):\n${r.output}`);
    if (r.exitCode !== 0 || r.harnessFailed) console.log(r.console, r.harnessLog);
  }, 1_400_000); // the guest (400 s at most) after the wait for another guest to finish (GUEST_LOCK_WAIT_S, 900 s)

  it('ran the script', () => {
    need();
    expect({ timedOut: r.timedOut, harnessFailed: r.harnessFailed, exitCode: r.exitCode }).toEqual({ timedOut: false, harnessFailed: false, exitCode: 0 });
  });

  it('serves each table in its own context only, by SNMPv3 context and by v2c community', () => {
    need();
    const c = new Checks('contexts', LOG_FILE);
    const walks: [string, Table][] = [
      ['walk-v2c-host.txt', 'host'],
      ['walk-v3-default.txt', 'host'],
      ['walk-v2c-nsa.txt', 'nsa'],
      ['walk-v3-nsa.txt', 'nsa'],
      ['walk-v2c-nsb.txt', 'nsb'],
      ['walk-v3-nsb.txt', 'nsb'],
    ];
    for (const [rel, table] of walks) {
      c.eq(`${rel}: the schedulers of ${table}'s services`, schedulers(rel), TABLES[table].services);
      c.eq(`${rel}: rows of other tables`, foreignRows(rel, table), []);
      const values = parseVarBinds(file(rel)).map((v) => v.value);
      for (const real of TABLES[table].reals) {
        c.eq(`${rel}: real server ${real} served`, values.some((v) => v.includes(real) || v === realHex(real)), true);
      }
    }
    for (const [v2c, v3] of [
      ['walk-v2c-host.txt', 'walk-v3-default.txt'],
      ['walk-v2c-nsa.txt', 'walk-v3-nsa.txt'],
      ['walk-v2c-nsb.txt', 'walk-v3-nsb.txt'],
    ] as const) {
      c.eq(`${v2c} and ${v3}: the same OIDs`, parseVarBinds(file(v2c)).map((v) => v.oid), parseVarBinds(file(v3)).map((v) => v.oid));
    }
    c.eq('the agents entered their namespaces (nsenter) and run as nobody with CAP_NET_ADMIN', agentsInNamespaces(r.output), true);
    expect(c.done()).toEqual([]);
  });

  it('refuses to start outside the namespace --netns names', () => {
    need();
    expect(/OUTSIDE_RC=(\d+)/.exec(r.output)?.[1]).toBe('1');
    const fatal = logLines('agent-outside.log').filter((l) => l.level >= 50);
    expect(fatal.map((l) => l.msg)).toEqual(['not in the network namespace --netns names; not starting']);
    expect(String(fatal[0]?.['problem'])).toMatch(/^\/run\/netns\/nsb is network namespace \d+, this process is in \d+$/);
  });

  it('exits 1 with one line when its namespace is deleted, and the context empties while the others serve on', () => {
    need();
    expect(/NSA_RC=(\d+)/.exec(r.output)?.[1]).toBe('1');
    const fatal = logLines('agent-nsa.log').filter((l) => l.level >= 50);
    expect(fatal).toEqual([
      expect.objectContaining({
        msg: expect.stringMatching(/^the network namespace this agent serves is gone/),
        netns: '/run/netns/nsa',
        problem: '/run/netns/nsa does not exist (deleted, e.g. by ip netns del?)',
      }),
    ]);
    expect(schedulers('walk-after-v2c-nsa.txt')).toEqual({});
    expect(schedulers('walk-after-v2c-nsb.txt')).toEqual(TABLES.nsb.services);
    expect(schedulers('walk-after-v2c-host.txt')).toEqual(TABLES.host.services);
    expect(r.output).toContain('nsb and host agents still running');
    expect(/HOST_RC=(\d+)/.exec(r.output)?.[1]).toBe('0');
    expect(/NSB_RC=(\d+)/.exec(r.output)?.[1]).toBe('0');
  });
});

/** An IPv4 address as snmpwalk -On prints an IpAddress or a 4-octet InetAddress ("0A 01 00 02" or the dotted text). */
function realHex(address: string): string {
  return address
    .split('.')
    .map((n) => Number(n).toString(16).toUpperCase().padStart(2, '0'))
    .join(' ');
}

/** From the "pid P net namespace net:[I] uid U CapEff: M" lines: the three agents in three namespaces, as nobody. */
function agentsInNamespaces(output: string): boolean {
  const lines = [...output.matchAll(/^pid \d+ net namespace net:\[(\d+)\] uid (\d+) CapEff: (\w+)$/gm)];
  const ns = /^namespaces: nsa (\d+) nsb (\d+) host (\d+)$/m.exec(output);
  if (lines.length !== 3 || !ns) return false;
  const inodes = lines.map((m) => m[1]);
  return (
    inodes[0] === ns[3] && inodes[1] === ns[1] && inodes[2] === ns[2] && lines.every((m) => m[2] === '65534' && m[3] === '0000000000001000')
  );
}
