import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, AgentProcess } from './harness/agent-process.js';
import { FIXTURE, LVS_ROOT } from './harness/director.js';
import { stringIndex } from './harness/expected.js';
import { PrivateSnmpd } from './harness/snmpd.js';
import { NUMERIC, parseVarBinds, snmp } from './harness/tools.js';

/**
 * Three agents, one snmpd, three SNMP contexts: the host's table in the default context and two others in "ns-a"
 * and "ns-b" (file sources here: the host kernel of the test machine has no IPVS; test/kernel/ does the same with
 * real namespaces and real IPVS tables). A manager reaches each by an SNMPv3 context (snmpwalk -n) or by a v2c
 * community that snmpd maps to a context (com2sec -Cn) and sees that table's rows and nothing of the others.
 * Where the test runs as root, the "ns-a" agent runs inside a real network namespace (ip netns exec, --netns) and
 * that namespace is deleted under it: one log line, exit 1.
 */

const SCHED = `${LVS_ROOT}.17.1.2`;
const USER = 'lvsctx';
const PASS = 'lvs-ctx-secret-1';

/** A one-service snapshot, from the fixture's TCP/10.0.0.1:80 moved to `address`. */
function oneService(address: string): unknown {
  const doc = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { info: unknown; services: { protocol?: string; address?: string; port?: number }[] };
  const tcp = doc.services.find((s) => s.protocol === 'tcp' && s.address === '10.0.0.1' && s.port === 80);
  return { info: doc.info, services: [{ ...tcp, address }] };
}

const TABLES = { host: '10.0.0.1', 'ns-a': '10.1.0.1', 'ns-b': '10.2.0.1' } as const;
type Table = keyof typeof TABLES;
const serviceIndex = (table: Table): string => stringIndex(`TCP/${TABLES[table]}:80`);

/** snmpd lines: a community per context (com2sec -Cn), one SNMPv3 user allowed in every context. */
const SNMPD_LINES = [
  'view lvsctx included .1.3.6.1.4.1.8225.4711',
  'com2sec             hostsec 127.0.0.1 lvs-host',
  'com2sec -Cn ns-a    nsasec  127.0.0.1 lvs-ns-a',
  'com2sec -Cn ns-b    nsbsec  127.0.0.1 lvs-ns-b',
  'group hostgrp v2c hostsec',
  'group nsagrp  v2c nsasec',
  'group nsbgrp  v2c nsbsec',
  'access hostgrp ""   any noauth exact lvsctx none none',
  'access nsagrp  ns-a any noauth exact lvsctx none none',
  'access nsbgrp  ns-b any noauth exact lvsctx none none',
  `createUser ${USER} SHA ${PASS} AES ${PASS}`,
  `group v3grp usm ${USER}`,
  // An empty context with prefix matching is every context: the user picks one with -n.
  'access v3grp "" usm priv prefix lvsctx none none',
];

let snmpd: PrivateSnmpd;
let dir: string;
const agents = new Map<Table, AgentProcess>();

function startAgent(table: Table, extra: readonly string[] = [], wrap: readonly string[] = []): AgentProcess {
  const path = join(dir, `${table}.json`);
  writeFileSync(path, JSON.stringify(oneService(TABLES[table])));
  const args = ['-x', `unix:${snmpd.socketPath}`, '-s', `file:${path}`, '-i', '0.5', '--idle-interval', '0.5', ...(table === 'host' ? [] : ['--context', table]), ...extra];
  if (wrap.length === 0) return AgentProcess.start(args);
  return AgentProcess.wrap(spawn(wrap[0] as string, [...wrap.slice(1), process.execPath, AGENT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** The rows' indexes a walk of lvsServiceSchedType returns, for snmpwalk `args`. */
async function walkedRows(args: readonly string[]): Promise<string[]> {
  const { stdout } = await snmp('snmpwalk', [...NUMERIC, '-t', '1', '-r', '1', ...args, snmpd.target, SCHED]);
  return parseVarBinds(stdout)
    .filter((v) => v.oid.startsWith(`${SCHED}.`))
    .map((v) => v.oid.slice(SCHED.length));
}

const v2c = (community: string): string[] => ['-v2c', '-c', community];
const v3 = (context: string): string[] => ['-v3', '-l', 'authPriv', '-u', USER, '-a', 'SHA', '-A', PASS, '-x', 'AES', '-X', PASS, '-n', context];

/** Waits until the context's community walks the table's one row. */
async function waitServing(table: Table, community: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const agent = agents.get(table);
    if (agent !== undefined && !agent.alive) throw new Error(`agent ${table} exited; log:\n${agent.logLines.join('\n')}`);
    const rows = await walkedRows(v2c(community)).catch(() => []);
    if (rows.length > 0) return;
    if (Date.now() > deadline) throw new Error(`no rows in ${table} after 15 s; log:\n${agent?.logLines.join('\n') ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-contexts-'));
  snmpd = await PrivateSnmpd.start({ extraConfig: SNMPD_LINES });
  for (const table of Object.keys(TABLES) as Table[]) agents.set(table, startAgent(table));
  await waitServing('host', 'lvs-host');
  await waitServing('ns-a', 'lvs-ns-a');
  await waitServing('ns-b', 'lvs-ns-b');
}, 60_000);

afterAll(async () => {
  for (const agent of agents.values()) await agent.stop();
  await snmpd?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('three agents in three contexts behind one snmpd', () => {
  it('a context-mapped v2c community (com2sec -Cn) sees its context\'s rows only', async () => {
    expect(await walkedRows(v2c('lvs-host'))).toEqual([serviceIndex('host')]);
    expect(await walkedRows(v2c('lvs-ns-a'))).toEqual([serviceIndex('ns-a')]);
    expect(await walkedRows(v2c('lvs-ns-b'))).toEqual([serviceIndex('ns-b')]);
  });

  it('an SNMPv3 context (snmpwalk -n) sees its context\'s rows only', async () => {
    expect(await walkedRows(v3(''))).toEqual([serviceIndex('host')]);
    expect(await walkedRows(v3('ns-a'))).toEqual([serviceIndex('ns-a')]);
    expect(await walkedRows(v3('ns-b'))).toEqual([serviceIndex('ns-b')]);
  });

  it('a context nobody registered is not answered at all (snmpd counts it in snmpUnknownContexts)', async () => {
    await expect(snmp('snmpget', [...NUMERIC, '-t', '0.5', '-r', '0', ...v3('ns-c'), snmpd.target, `${SCHED}${serviceIndex('host')}`])).rejects.toThrow(
      /Timeout: No Response/,
    );
  });

  it('logs the context it registered in', () => {
    const line = agents.get('ns-a')?.logLines.find((l) => l.includes('LVS-MIB registered'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ context: 'ns-a' });
  });
});

describe('lvs-agentx snapshot --netns', () => {
  const snapshotWith = (netns: string): { code: number; stdout: string; stderr: string } => {
    try {
      const stdout = execFileSync(process.execPath, [AGENT_BIN, 'snapshot', '-s', 'sim:services=1,reals=1', '--netns', netns], { stdio: 'pipe' });
      return { code: 0, stdout: stdout.toString(), stderr: '' };
    } catch (err) {
      const e = err as { status: number; stdout: Buffer; stderr: Buffer };
      return { code: e.status, stdout: e.stdout.toString(), stderr: e.stderr.toString() };
    }
  };

  it('reads when the process is in that namespace, and refuses (exit 1) when it is not', () => {
    // /proc/self is the command itself: its own network namespace, and an nsfs file of another type.
    expect(snapshotWith('/proc/self/ns/net')).toMatchObject({ code: 0, stderr: '' });
    const outside = snapshotWith('/proc/self/ns/mnt');
    expect(outside).toMatchObject({ code: 1, stdout: '' });
    expect(outside.stderr).toMatch(/^lvs-agentx: not in the network namespace --netns names: \/proc\/self\/ns\/mnt is network namespace \d+, this process is in \d+; start the agent inside it/);
  });
});

describe('a context changed in the config file', () => {
  it('re-registers in the new context on SIGHUP; the old one empties', async () => {
    const config = join(dir, 'moving.conf');
    const snapshot = join(dir, 'moving.json');
    writeFileSync(snapshot, JSON.stringify(oneService('10.9.0.1')));
    const settings = (context: string): string =>
      [`agentx-socket = unix:${snmpd.socketPath}`, `source = file:${snapshot}`, 'interval = 0.5', `context = ${context}`, ''].join('\n');
    // First a context nobody else serves; then, once the ns-b agent has stopped, ns-b (mapped from lvs-ns-b).
    writeFileSync(config, settings('ns-c'));
    const moving = AgentProcess.start(['-c', config]);
    try {
      await waitFor(() => moving.logLines.some((l) => l.includes('LVS-MIB registered') && l.includes('"context":"ns-c"')), moving);
      await agents.get('ns-b')?.stop();
      agents.delete('ns-b');
      expect(await walkedRows(v2c('lvs-ns-b'))).toEqual([]);
      writeFileSync(config, settings('ns-b'));
      moving.child.kill('SIGHUP');
      await waitFor(() => moving.logLines.some((l) => l.includes('LVS-MIB registered') && l.includes('"context":"ns-b"')), moving);
      expect(await walkedRows(v2c('lvs-ns-b'))).toEqual([stringIndex('TCP/10.9.0.1:80')]);
      expect(await walkedRows(v3('ns-b'))).toEqual([stringIndex('TCP/10.9.0.1:80')]);
      expect(await walkedRows(v3('ns-c')).catch(() => [])).toEqual([]);
    } finally {
      await moving.stop();
    }
  });
});

async function waitFor(done: () => boolean, agent: AgentProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (!agent.alive || Date.now() > deadline) throw new Error(`not reached; log:\n${agent.logLines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const root = process.getuid?.() === 0 && (() => {
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!root)('an agent in a real network namespace (root only)', () => {
  const ns = `lvsctx-${process.pid}`;

  afterAll(() => {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // already deleted by the test
    }
  });

  it('refuses to start outside the namespace --netns names: one line, exit 1', async () => {
    execFileSync('ip', ['netns', 'add', ns]);
    const outside = startAgent('ns-b', ['--netns', ns, '--context', 'ns-c']);
    expect(await outside.exited()).toBe(1);
    const fatal = outside.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => (l['level'] as number) >= 50);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ msg: 'not in the network namespace --netns names; not starting', netns: `/run/netns/${ns}` });
    expect(String(fatal[0]?.['problem'])).toMatch(new RegExp(`^/run/netns/${ns} is network namespace \\d+, this process is in \\d+$`));
  });

  it('serves from inside it, and exits 1 with one line when the namespace is deleted under it', async () => {
    await agents.get('ns-a')?.stop();
    const inside = startAgent('ns-a', ['--netns', ns], ['ip', 'netns', 'exec', ns]);
    agents.set('ns-a', inside);
    await waitServing('ns-a', 'lvs-ns-a');
    expect(await walkedRows(v3('ns-a'))).toEqual([serviceIndex('ns-a')]);
    execFileSync('ip', ['netns', 'del', ns]);
    const code = await Promise.race([inside.exited(), new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
    expect(code).toBe(1);
    const fatal = inside.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => (l['level'] as number) >= 50);
    expect(fatal).toEqual([
      expect.objectContaining({
        netns: `/run/netns/${ns}`,
        problem: `/run/netns/${ns} does not exist (deleted, e.g. by ip netns del?)`,
        msg: expect.stringMatching(/^the network namespace this agent serves is gone/),
      }),
    ]);
    // It closed its session on the way out: the context is empty at once, the other contexts still serve.
    expect(await walkedRows(v2c('lvs-ns-a'))).toEqual([]);
    expect(await walkedRows(v2c('lvs-host'))).toEqual([serviceIndex('host')]);
  });
});
