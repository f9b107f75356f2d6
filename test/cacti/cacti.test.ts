import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, AgentProcess } from '../e2e/harness/agent-process.js';
import { stringIndex } from '../e2e/harness/expected.js';
import { PrivateSnmpd } from '../e2e/harness/snmpd.js';
import { REPO, snmp } from '../e2e/harness/tools.js';
import {
  CACTI_SITE,
  cli,
  phpAsCacti,
  PRISTINE_DUMP,
  RRA_DIR,
  requireCactiInstalled,
  rrdFetch,
  rrdLastUpdate,
  run,
  SNMP_QUERY_DIR,
  sql,
  sqlValue,
} from './cacti-cli.js';

/*
 * The real Cacti (Debian 12's cacti 1.2.24 with MariaDB, RRDtool, Apache, its cmd.php poller and cacti-spine)
 * against a private snmpd with lvs-agentx behind it, reading a JSON snapshot that the test rewrites between polls:
 *
 *   1. Cacti's import_template.php imports the shipped templates; Cacti's own export gives back the same bytes.
 *   2. add_device.php adds the snmpd (SNMP v2c: the byte counters are Counter64), add_data_query.php attaches
 *      both data queries, and Cacti's data query cache lists every service and real server by name.
 *   3. add_graphs.php graphs two services (one with the longest name and counters above 2^63) and one real
 *      server; poller.php polls; `rrdtool lastupdate` of each graph's RRD shows exactly that row's counters.
 *   4. A service that sorts before the graphed one is added and another removed: before and after
 *      poller_reindex_hosts.php, the same RRDs keep following the same rows.
 *   5. The same with spine as the poller; `rrdtool fetch` shows the service's traffic as rates throughout.
 *   6. Apache serves the graph; headless Chromium takes screenshots of it (test/cacti/out/).
 *
 * It owns the machine's Cacti: every run first restores the database that install-cacti.sh saved right after
 * installing Cacti, and deletes the RRD files. It needs root (apt, MariaDB's root, runuser) and ~3 minutes.
 */

const ROOT = '.1.3.6.1.4.1.8225.4711';
const OUT_DIR = join(REPO, 'test', 'cacti', 'out');
const SHIPPED = join(REPO, 'packaging', 'cacti');
const TEMPLATE_FILES = ['cacti_data_query_lvs_services.xml', 'cacti_data_query_lvs_reals.xml'];
const QUERY_FILES = ['lvs_services.xml', 'lvs_reals.xml'];
const DEVICE = 'lvs-director-test';
/** Seconds between polls; RRD step 30 s (Cacti's stock "30 Second Collection" profile, chosen at import). */
const POLL_INTERVAL_S = 8;
const PROFILE_30S_HASH = 'c0dd0e46b9ca268e7ed4162d329f9215';

/** The fixed hash build-templates.php gives each object. */
function lvsHash(key: string): string {
  return createHash('md5').update(`lvs-agentx:${key}`).digest('hex');
}

/** Cacti's snmp_index for a row: the OID suffix without its leading dot. */
function cactiIndex(...names: string[]): string {
  return names.map((n) => stringIndex(n).slice(1)).join('.');
}

// ---------------------------------------------------------------------------------------------------------------
// The director the agent reports: a JSON snapshot (README "Snapshot file"), rewritten atomically between polls.

interface Counters {
  conns: bigint;
  inPkts: bigint;
  outPkts: bigint;
  inBytes: bigint;
  outBytes: bigint;
}
interface Real {
  readonly address: string;
  readonly port: number;
  readonly name: string;
  readonly c: Counters;
  /** A real server of the other address family than its service's: the kernel allows one only with tunnel forwarding. */
  readonly forward?: 'tunnel';
}
interface Svc {
  readonly name: string;
  readonly ident: Record<string, unknown>;
  readonly c: Counters;
  readonly reals: Real[];
}

function counters(base: bigint): Counters {
  return { conns: base / 1000n, inPkts: base / 100n, outPkts: base / 90n, inBytes: base, outBytes: base * 3n };
}

function real(address: string, port: number, base: bigint, forward?: 'tunnel'): Real {
  return { address, port, name: `${address.includes(':') ? `[${address}]` : address}:${port}`, c: counters(base), ...(forward ? { forward } : {}) };
}

const A: Svc = {
  name: 'TCP/10.0.0.1:80',
  ident: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
  // above 2^32, so a 32-bit path anywhere would show
  c: counters(5_000_000_000n),
  reals: [real('10.0.0.2', 80, 3_000_000_000n), real('10.0.0.3', 80, 2_000_000_000n)],
};
const B: Svc = {
  name: 'UDP/10.0.0.1:53',
  ident: { protocol: 'udp', address: '10.0.0.1', port: 53 },
  c: counters(7_000_000_000_000n),
  reals: [real('10.0.0.2', 53, 11_000_000n)],
};
const C: Svc = {
  name: 'TCP/[2001:db8::10]:443',
  ident: { protocol: 'tcp', address: '2001:db8::10', port: 443 },
  c: counters(123_456_789n),
  reals: [real('2001:db8::21', 443, 1_000n), real('10.0.0.20', 443, 2_000n, 'tunnel')],
};
const D: Svc = { name: 'FWM/7', ident: { fwmark: 7 }, c: counters(42_000n), reals: [real('10.0.0.7', 0, 0n)] };
/**
 * The longest service name there is (52 characters, an index of 190 characters in Cacti), with counters above
 * 2^63: the values PHP cannot hold as integers and a signed 64-bit parser would get wrong.
 */
const F: Svc = {
  name: 'SCTP/[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535',
  ident: { protocol: 'sctp', address: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', port: 65535 },
  c: { conns: 1n << 63n, inPkts: 3n, outPkts: 4n, inBytes: (1n << 64n) - 1_000_000n, outBytes: (1n << 63n) + 12_345n },
  reals: [real('10.0.0.9', 9, 77n, 'tunnel')],
};
/** Added later; sorts before A (in OID order and alphabetically), with counters nothing like A's. */
const E: Svc = {
  name: 'TCP/10.0.0.1:25',
  ident: { protocol: 'tcp', address: '10.0.0.1', port: 25 },
  c: counters(4_000_000_000_000_000_000n),
  reals: [real('10.0.0.5', 25, 3_000_000_000_000_000_000n)],
};

let services: Svc[] = [A, B, C, D, F];

function statsJson(c: Counters): Record<string, string> {
  return {
    conns: c.conns.toString(),
    inPkts: c.inPkts.toString(),
    outPkts: c.outPkts.toString(),
    inBytes: c.inBytes.toString(),
    outBytes: c.outBytes.toString(),
  };
}

let snapshotPath = '';
function writeSnapshot(): void {
  const doc = {
    services: services.map((s) => ({
      ...s.ident,
      scheduler: 'wlc',
      stats: statsJson(s.c),
      reals: s.reals.map((r) => ({ address: r.address, port: r.port, forward: r.forward, activeConns: 3, inactiveConns: 5, stats: statsJson(r.c) })),
    })),
  };
  const tmp = `${snapshotPath}.tmp`;
  writeFileSync(tmp, JSON.stringify(doc));
  renameSync(tmp, snapshotPath);
}

let lastAdvanceMs = 0;
/**
 * Advances A's (and its first real's) traffic at `bytesPerS` for the time since the previous call (one poll
 * interval the first time), so that the rates Cacti draws are the ones given here; the others tick slowly.
 */
function advance(bytesPerS: bigint): void {
  const now = Date.now();
  const ms = BigInt(lastAdvanceMs === 0 ? POLL_INTERVAL_S * 1000 : now - lastAdvanceMs);
  lastAdvanceMs = now;
  const step = (c: Counters, rate: bigint): void => {
    const bytes = (rate * ms) / 1000n;
    c.inBytes += bytes;
    c.outBytes += 4n * bytes;
    c.inPkts += bytes / 700n;
    c.outPkts += (4n * bytes) / 1400n;
    c.conns += bytes / 50_000n;
  };
  step(A.c, bytesPerS);
  step((A.reals[0] as Real).c, bytesPerS / 2n);
  for (const s of services) if (s !== A) step(s.c, 1000n);
}

// ---------------------------------------------------------------------------------------------------------------

let snmpd: PrivateSnmpd;
let agent: AgentProcess;
let workDir = '';
let hostId = '';
let serviceQueryId = '';
let realQueryId = '';

interface Graphed {
  readonly graphId: string;
  readonly rrd: string;
  readonly index: string;
}
let serviceGraph: Graphed;
let realGraph: Graphed;
let longGraph: Graphed;
/** Every poll: the time it ran and the byte rate A was given just before. */
const polls: { time: number; rate: bigint }[] = [];

async function servedValue(oid: string): Promise<string> {
  const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', '-On', '-Oqv', snmpd.target, oid]);
  return stdout.trim();
}

/** Waits until the agent serves the snapshot just written (checked on one value of it). */
async function waitServed(oid: string, want: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = await servedValue(oid).catch(() => '');
    if (got === want) return;
    if (Date.now() > deadline) throw new Error(`agent still serves ${oid} = ${got}, expected ${want}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const aInBytesOid = (): string => `${ROOT}.17.1.13${stringIndex(A.name)}`;

/** One poll by Cacti's poller.php with `method` (cmd.php or spine) after the counters advanced at `rate`. */
async function pollOnce(rate: bigint, method = 'cmd.php'): Promise<void> {
  advance(rate);
  writeSnapshot();
  await waitServed(aInBytesOid(), A.c.inBytes.toString());
  const { stdout } = await phpAsCacti(`${CACTI_SITE}/poller.php`, ['--force']);
  expect(stdout).not.toMatch(/ERROR|FATAL/);
  // The poller's own summary of the run it just finished
  const stats = await sqlValue("SELECT value FROM settings WHERE name = 'stats_poller'");
  expect(stats).toContain(`Method:${method} `);
  expect(stats).toMatch(/ DataSources:6 RRDsProcessed:3$/);
  polls.push({ time: Math.floor(Date.now() / 1000), rate });
}

/** The RRD of each graphed row holds that row's counters, exactly as the agent served them. */
async function expectRrdsFollowRows(): Promise<void> {
  const svc = await rrdLastUpdate(serviceGraph.rrd);
  expect(svc.values).toEqual({ in_bytes: A.c.inBytes.toString(), out_bytes: A.c.outBytes.toString() });
  const realA = A.reals[0] as Real;
  const rl = await rrdLastUpdate(realGraph.rrd);
  expect(rl.values).toEqual({ in_bytes: realA.c.inBytes.toString(), out_bytes: realA.c.outBytes.toString() });
  const lg = await rrdLastUpdate(longGraph.rrd);
  expect(lg.values).toEqual({ in_bytes: F.c.inBytes.toString(), out_bytes: F.c.outBytes.toString() });
}

async function cacheNames(queryId: string, field: string): Promise<Map<string, string>> {
  const rows = await sql('SELECT snmp_index, field_value FROM host_snmp_cache WHERE host_id = ? AND snmp_query_id = ? AND field_name = ?', [
    hostId,
    queryId,
    field,
  ]);
  return new Map(rows.map((r) => [r[0] as string, r[1] as string]));
}

async function expectCacheListsSnapshot(): Promise<void> {
  const svcNames = await cacheNames(serviceQueryId, 'serviceName');
  expect(new Map([...svcNames].sort())).toEqual(new Map(services.map((s) => [cactiIndex(s.name), s.name] as [string, string]).sort()));
  const realSvc = await cacheNames(realQueryId, 'realService');
  const realName = await cacheNames(realQueryId, 'realName');
  const want = services.flatMap((s) => s.reals.map((r) => [cactiIndex(s.name, r.name), `${s.name} ${r.name}`] as [string, string]));
  const got = [...realSvc].map(([idx, svc]) => [idx, `${svc} ${realName.get(idx) ?? '?'}`] as [string, string]);
  expect(new Map(got.sort())).toEqual(new Map(want.sort()));
}

/** import_template.php's report: one line per object, `[success] NAME [new|updated|unchanged]`. */
function importResults(text: string): { status: string; name: string; change: string }[] {
  const out: { status: string; name: string; change: string }[] = [];
  // --preview prints the same report marked up as HTML
  for (const line of text.replace(/<[^>]+>/g, '').split('\n')) {
    const m = /^\[(\w+)\] (.*) \[(\w+)\]$/.exec(line.trim());
    if (m) out.push({ status: m[1] as string, name: m[2] as string, change: m[3] as string });
  }
  if (out.length === 0) throw new Error(`import_template.php reported nothing:\n${text}`);
  return out;
}

async function addGraph(key: string, queryId: string, field: string, value: string): Promise<Graphed> {
  const graphTemplateId = await sqlValue('SELECT id FROM graph_templates WHERE hash = ?', [lvsHash(`gt:${key}`)]);
  const queryGraphId = await sqlValue('SELECT id FROM snmp_query_graph WHERE hash = ?', [lvsHash(`sqg:${key}`)]);
  const { stdout } = await cli('add_graphs.php', [
    '--graph-type=ds',
    `--graph-template-id=${graphTemplateId}`,
    `--host-id=${hostId}`,
    `--snmp-query-id=${queryId}`,
    `--snmp-query-type-id=${queryGraphId}`,
    `--snmp-field=${field}`,
    `--snmp-value=${value}`,
  ]);
  const m = /Graph Added - Graph\[(\d+)\]/.exec(stdout);
  if (!m) throw new Error(`add_graphs.php did not add a graph:\n${stdout}`);
  const graphId = m[1] as string;
  const ds = await sql(
    `SELECT DISTINCT dl.snmp_index, dtd.data_source_path FROM graph_templates_item gti
       JOIN data_template_rrd dtr ON dtr.id = gti.task_item_id
       JOIN data_local dl ON dl.id = dtr.local_data_id
       JOIN data_template_data dtd ON dtd.local_data_id = dl.id
     WHERE gti.local_graph_id = ?`,
    [graphId],
  );
  expect(ds).toHaveLength(1);
  const [index, path] = ds[0] as [string, string];
  return { graphId, index, rrd: path.replace('<path_rra>', RRA_DIR) };
}

describe('Cacti (Debian 12 cacti 1.2.24) graphs lvs-agentx services and real servers by name', () => {
  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('the Cacti test needs root (it installs and drives the system Cacti)');
    if (!existsSync(AGENT_BIN)) throw new Error(`${AGENT_BIN} missing: build first (npx tsc -p tsconfig.json)`);
    // Installs Cacti when missing (a minute or two the first time), starts MariaDB and Apache when stopped.
    await run('bash', [join(REPO, 'test', 'cacti', 'install-cacti.sh')], { timeoutMs: 900_000 });
    requireCactiInstalled();
    if (!existsSync(PRISTINE_DUMP)) {
      throw new Error(
        `${PRISTINE_DUMP} is missing: this Cacti was not installed by test/cacti/install-cacti.sh, and the test will ` +
          'not reset a Cacti it does not own (see the note install-cacti.sh printed)',
      );
    }
    // A Cacti that has never seen these templates or this device.
    await run('sh', ['-c', `mariadb cacti < '${PRISTINE_DUMP}'`], { timeoutMs: 300_000 });
    for (const f of readdirSync(RRA_DIR)) if (f.endsWith('.rrd')) rmSync(join(RRA_DIR, f));
    // Installation step 1 of packaging/cacti/README.md: the data query files into Cacti's resource directory.
    for (const f of QUERY_FILES) copyFileSync(join(SHIPPED, 'resource', 'snmp_queries', f), join(SNMP_QUERY_DIR, f));

    workDir = mkdtempSync(join(tmpdir(), 'lvs-agentx-cacti-'));
    snapshotPath = join(workDir, 'snapshot.json');
    writeSnapshot();
    snmpd = await PrivateSnmpd.start();
    agent = AgentProcess.start(['-x', `unix:${snmpd.socketPath}`, '-s', `file:${snapshotPath}`, '-i', '0.5']);
    await agent.waitServing(snmpd.target, aInBytesOid());
  }, 900_000);

  afterAll(async () => {
    await agent?.stop();
    await snmpd?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('imports the shipped templates with import_template.php, and Cacti exports exactly the shipped XML', async () => {
    const created: string[] = [];
    for (const f of TEMPLATE_FILES) {
      const { stdout } = await cli('import_template.php', [`--filename=${join(SHIPPED, 'templates', f)}`]);
      const results = importResults(stdout);
      expect(results.filter((r) => r.status !== 'success')).toEqual([]);
      expect(stdout).not.toMatch(/ERROR|unmet/i);
      created.push(...results.filter((r) => r.change === 'new').map((r) => r.name));
    }
    // Everything LVS was new to this Cacti; Cacti's stock objects it refers to were already there.
    expect(created.sort()).toEqual(
      [
        'LVS - Virtual Services',
        'LVS - Real Servers',
        ...['Service', 'Real Server'].flatMap((w) => [
          `LVS - ${w} - Traffic (bits/sec)`,
          `LVS - ${w} - Packets (packets/sec)`,
          `LVS - ${w} - New Connections (conns/sec)`,
          `LVS - ${w} - Connections`,
          `LVS - ${w} - Traffic`,
          `LVS - ${w} - Packets`,
          `LVS - ${w} - New Connections`,
          `LVS - ${w} - Connections`,
        ]),
      ].sort(),
    );
    expect(await sql("SELECT name FROM snmp_query WHERE name LIKE 'LVS - %' ORDER BY name")).toEqual([
      ['LVS - Real Servers'],
      ['LVS - Virtual Services'],
    ]);
    expect(await sqlValue("SELECT COUNT(*) FROM graph_templates WHERE name LIKE 'LVS - %'")).toBe('8');

    // Cacti's own export of what it imported is byte for byte the shipped file.
    const exportDir = join(workDir, 'export');
    await run('php', [join(SHIPPED, 'build', 'build-templates.php'), '--export-only', `--export-dir=${exportDir}`]);
    for (const f of TEMPLATE_FILES) {
      expect(readFileSync(join(exportDir, f), 'utf8')).toBe(readFileSync(join(SHIPPED, 'templates', f), 'utf8'));
    }

    // Imported again with Cacti's stock 30-second data source profile, so that a few minutes of polling fill
    // several RRD steps (the shipped templates use the default 5-minute profile).
    const profile = await sqlValue('SELECT id FROM data_source_profiles WHERE hash = ?', [PROFILE_30S_HASH]);
    for (const f of TEMPLATE_FILES) {
      const { stdout } = await cli('import_template.php', [`--filename=${join(SHIPPED, 'templates', f)}`, `--profile-id=${profile}`]);
      expect(importResults(stdout).filter((r) => r.status !== 'success')).toEqual([]);
    }
    expect(await sql("SELECT DISTINCT rrd_step FROM data_template_data WHERE local_data_id = 0 AND data_template_id IN (SELECT id FROM data_template WHERE name LIKE 'LVS - %')")).toEqual([['30']]);
  }, 120_000);

  it('adds the snmpd as an SNMP v2c device and lists every service and real server by name', async () => {
    const { stdout } = await cli('add_device.php', [
      `--description=${DEVICE}`,
      '--ip=127.0.0.1',
      `--port=${snmpd.port}`,
      '--template=0',
      '--version=2',
      '--community=public',
      '--avail=snmp',
    ]);
    const m = /new device-id: \((\d+)\)/.exec(stdout);
    if (!m) throw new Error(`add_device.php did not add the device:\n${stdout}`);
    hostId = m[1] as string;

    serviceQueryId = await sqlValue('SELECT id FROM snmp_query WHERE hash = ?', [lvsHash('sq:services')]);
    realQueryId = await sqlValue('SELECT id FROM snmp_query WHERE hash = ?', [lvsHash('sq:reals')]);
    for (const q of [serviceQueryId, realQueryId]) {
      const out = await cli('add_data_query.php', [`--host-id=${hostId}`, `--data-query-id=${q}`, '--reindex-method=1']);
      expect(out.stdout).toMatch(/^Success/m);
    }
    await expectCacheListsSnapshot();
    // What Cacti's own CLI shows an operator choosing a row to graph.
    const listed = await cli('add_graphs.php', ['--list-snmp-values', `--host-id=${hostId}`, `--snmp-query-id=${serviceQueryId}`, '--snmp-field=serviceName']);
    for (const s of services) expect(listed.stdout).toContain(`\n${s.name}\n`);
    // Extra fields decoded or looked up by the query: the scheduler and a real server's forwarding method.
    expect((await cacheNames(serviceQueryId, 'serviceScheduler')).get(cactiIndex(A.name))).toBe('wlc');
    expect((await cacheNames(realQueryId, 'realForward')).get(cactiIndex(A.name, (A.reals[0] as Real).name))).toBe('masq');
  }, 120_000);

  it('graphs services and a real server, titled by name, polling their rows by name index', async () => {
    serviceGraph = await addGraph('services:traffic', serviceQueryId, 'serviceName', A.name);
    const realA = A.reals[0] as Real;
    realGraph = await addGraph('reals:traffic', realQueryId, 'realIndex', cactiIndex(A.name, realA.name));
    longGraph = await addGraph('services:traffic', serviceQueryId, 'serviceName', F.name);
    expect(longGraph.index).toBe(cactiIndex(F.name));
    expect(serviceGraph.index).toBe(cactiIndex(A.name));
    expect(realGraph.index).toBe(cactiIndex(A.name, realA.name));
    expect(await sqlValue('SELECT title_cache FROM graph_templates_graph WHERE local_graph_id = ?', [serviceGraph.graphId])).toBe(
      `${DEVICE} - LVS ${A.name} - Traffic`,
    );
    expect(await sqlValue('SELECT title_cache FROM graph_templates_graph WHERE local_graph_id = ?', [realGraph.graphId])).toBe(
      `${DEVICE} - LVS ${A.name} real ${realA.name} - Traffic`,
    );
    // The poller's items: the Counter64 columns of exactly those rows.
    const items = await sql('SELECT rrd_name, arg1 FROM poller_item WHERE host_id = ? ORDER BY rrd_path, rrd_name', [hostId]);
    expect(new Set(items.map((r) => `${r[0]} ${r[1]}`))).toEqual(
      new Set([
        `in_bytes ${ROOT}.17.1.13.${cactiIndex(A.name)}`,
        `out_bytes ${ROOT}.17.1.14.${cactiIndex(A.name)}`,
        `in_bytes ${ROOT}.18.1.10.${cactiIndex(A.name, realA.name)}`,
        `out_bytes ${ROOT}.18.1.11.${cactiIndex(A.name, realA.name)}`,
        `in_bytes ${ROOT}.17.1.13.${cactiIndex(F.name)}`,
        `out_bytes ${ROOT}.17.1.14.${cactiIndex(F.name)}`,
      ]),
    );
  }, 60_000);

  it("polls with cmd.php: each RRD holds exactly its own row's Counter64 counters", async () => {
    const rates = [1_000_000n, 1_000_000n, 1_500_000n, 1_500_000n, 2_000_000n, 2_000_000n, 2_500_000n, 2_500_000n, 3_000_000n, 3_000_000n];
    for (const rate of rates) {
      await pollOnce(rate);
      await expectRrdsFollowRows();
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_S * 1000));
    }
    const info = await run('rrdtool', ['info', serviceGraph.rrd]);
    expect(info.stdout).toMatch(/^step = 30$/m);
    expect(info.stdout).toMatch(/^ds\[in_bytes\]\.type = "DERIVE"$/m);
  }, 300_000);

  it('keeps following the same rows when a service that sorts before them is added and another removed', async () => {
    const before = await sql('SELECT local_data_id, arg1, rrd_path FROM poller_item WHERE host_id = ? ORDER BY 1, 2', [hostId]);
    services = [E, A, C, D, F]; // B removed, E added
    // Before Cacti re-indexes: the name index already points at the same row.
    for (let i = 0; i < 2; i++) {
      await pollOnce(3_500_000n);
      await expectRrdsFollowRows();
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_S * 1000));
    }
    const reindex = await cli('poller_reindex_hosts.php', [`--id=${hostId}`, '--qid=all']);
    expect(reindex.stdout).not.toMatch(/ERROR/);
    await expectCacheListsSnapshot();
    expect(await sql('SELECT local_data_id, arg1, rrd_path FROM poller_item WHERE host_id = ? ORDER BY 1, 2', [hostId])).toEqual(before);
    for (const rate of [4_000_000n, 4_000_000n, 3_000_000n, 3_000_000n, 2_000_000n]) {
      await pollOnce(rate);
      await expectRrdsFollowRows();
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_S * 1000));
    }
  }, 400_000);

  it("polls the same with spine, Cacti's C poller (Debian's cacti-spine)", async () => {
    // Settings > Poller > Poller Type, as the web form stores it
    await sql("REPLACE INTO settings (name, value) VALUES ('poller_type', '2'), ('path_spine', '/usr/sbin/spine'), ('path_spine_config', '/etc/cacti/spine.conf')");
    for (const rate of [2_500_000n, 2_500_000n, 2_500_000n]) {
      await pollOnce(rate, 'spine');
      await expectRrdsFollowRows();
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_S * 1000));
    }
  }, 180_000);

  it("the service's RRD holds its traffic as rates, step by step, through all of the above", async () => {
    // The rates RRDtool derived from those counters: A's inbound bytes per second, step by step.
    const first = polls[0]?.time ?? 0;
    const { names, rows } = await rrdFetch(serviceGraph.rrd, first, Math.floor(Date.now() / 1000));
    const inCol = names.indexOf('in_bytes');
    const known = rows.map(([, v]) => v[inCol] as number).filter((v) => !Number.isNaN(v));
    // ~3 minutes of polls: 6 steps of 30 s, less the first (no rate yet) and the one still open
    expect(known.length).toBeGreaterThanOrEqual(4);
    // Each 30 s step averages polls ~9 s apart whose rates lie between 1 and 4 MB/s; the counters advance by
    // the time between two snapshot writes, and Cacti's poll time trails each write by a fraction of a second.
    for (const v of known) {
      expect(v).toBeGreaterThan(0.7e6);
      expect(v).toBeLessThan(4.8e6);
    }
    // Outbound was given four times the inbound bytes: the two data sources are not swapped.
    const outCol = names.indexOf('out_bytes');
    for (const [, v] of rows) {
      const [i, o] = [v[inCol] as number, v[outCol] as number];
      if (!Number.isNaN(i) && !Number.isNaN(o)) expect(o / i).toBeCloseTo(4, 1);
    }
  });

  it('serves the graph to a browser: PNG and graph page, screenshot by headless Chromium into test/cacti/out/', async () => {
    // Cacti 1.2 has no "no authentication" mode any more; its guest account may view graphs (Settings >
    // Authentication > Guest User), which is what a browser without a login session gets.
    await sql("UPDATE user_auth SET enabled = 'on' WHERE username = 'guest'");
    await sql("REPLACE INTO settings (name, value) VALUES ('guest_user', 'guest')");
    const now = Math.floor(Date.now() / 1000);
    const start = (polls[0]?.time ?? now) - 60;
    const image = `http://127.0.0.1/cacti/graph_image.php?local_graph_id=${serviceGraph.graphId}&graph_start=${start}&graph_end=${now}`;
    const png = await run('curl', ['-fsS', '-o', '/dev/null', '-w', '%{content_type} %{size_download}', image]);
    const [contentType, size] = png.stdout.split(' ');
    expect(contentType).toBe('image/png');
    expect(Number(size)).toBeGreaterThan(10_000);

    // The graph page as an operator opens it (Graph Utility View, a custom timespan): title and legend in HTML.
    const zoom = (g: Graphed): string =>
      `http://127.0.0.1/cacti/graph.php?action=zoom&local_graph_id=${g.graphId}&rra_id=0&graph_start=${start}&graph_end=${now}`;
    const html = await run('curl', ['-fsS', zoom(serviceGraph)]);
    expect(html.stdout).toContain(`${DEVICE} - LVS ${A.name} - Traffic`);
    expect(html.stdout).toContain('Logged in as');

    mkdirSync(OUT_DIR, { recursive: true });
    const shots: [string, string, string][] = [
      [image, 'cacti-service-graph.png', '900,420'],
      [zoom(serviceGraph), 'cacti-service-graph-page.png', '1280,800'],
      [zoom(realGraph), 'cacti-real-graph-page.png', '1280,800'],
    ];
    for (const [url, file, windowSize] of shots) {
      const profileDir = mkdtempSync(join(tmpdir(), 'lvs-agentx-chromium-'));
      const out = join(OUT_DIR, file);
      rmSync(out, { force: true });
      try {
        await run(
          'chromium',
          [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-dev-shm-usage',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--hide-scrollbars',
            `--user-data-dir=${profileDir}`,
            `--window-size=${windowSize}`,
            '--virtual-time-budget=15000',
            `--screenshot=${out}`,
            url,
          ],
          { timeoutMs: 120_000 },
        );
      } finally {
        rmSync(profileDir, { recursive: true, force: true });
      }
      expect(statSync(out).size).toBeGreaterThan(10_000);
    }
  }, 300_000);
});
