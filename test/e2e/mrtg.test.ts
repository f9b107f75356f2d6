import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotFromJson } from '../../src/ipvs/snapshot-json.js';
import { mrtgConfig, targetName } from '../../src/tools/mrtg.js';
import { AgentProcess } from './harness/agent-process.js';
import { stringIndex } from './harness/expected.js';
import { PrivateSnmpd } from './harness/snmpd.js';
import { snmp } from './harness/tools.js';

/**
 * Debian's real MRTG (2.17.10) polls a private snmpd with the agent behind it, three times, with traffic in
 * between, using the configuration mrtgConfig() wrote. Between the second and the third poll a service that sorts
 * before the watched one appears and another disappears, without touching the MRTG configuration: the watched
 * target's log must go on with its own counters. (In SNMP order the watched service is second of three, then third
 * of three: a positional index like the 2001 module's would have slid onto TCP/10.0.0.3:80.)
 *
 * MRTG's log (mrtg-logfile(1)): the first line is `time counter_in counter_out` of the last poll, exactly as read;
 * the next line `time avg_in avg_out max_in max_out` is the newest rate, (counter - previous) / elapsed seconds.
 */

const MRTG = '/usr/bin/mrtg';
const LVS = '.1.3.6.1.4.1.8225.4711';

interface Traffic {
  readonly inBytes: bigint;
  readonly outBytes: bigint;
}

const WATCHED = 'TCP/10.0.0.5:80';
const BEFORE = 'TCP/10.0.0.3:80';
const REMOVED = 'UDP/[2001:db8::1]:53';
const ADDED = 'FWM/1';
const REAL = '10.0.0.50:80';

/** Counters of each service (and the watched service's real server) at each of the three polls. */
const POLLS: readonly {
  readonly services: ReadonlyMap<string, Traffic>;
  readonly real: Traffic;
  readonly conns: readonly [number, number];
}[] = [
  {
    services: new Map([
      [WATCHED, { inBytes: 5_000_000_000n, outBytes: 7_000_000_123n }],
      [BEFORE, { inBytes: 1_000n, outBytes: 2_000n }],
      [REMOVED, { inBytes: 3_000_000n, outBytes: 4_000_000n }],
    ]),
    real: { inBytes: 4_294_967_296n, outBytes: 4_294_967_297n },
    conns: [11, 22],
  },
  {
    services: new Map([
      [WATCHED, { inBytes: 20_000_000_000n, outBytes: 7_000_123_580n }],
      [BEFORE, { inBytes: 1_500n, outBytes: 2_250n }],
      [REMOVED, { inBytes: 3_007_000n, outBytes: 4_009_000n }],
    ]),
    real: { inBytes: 14_294_967_296n, outBytes: 4_295_967_297n },
    conns: [13, 20],
  },
  {
    services: new Map([
      [ADDED, { inBytes: 42_000_000_000n, outBytes: 1n }],
      [BEFORE, { inBytes: 1_600n, outBytes: 2_300n }],
      [WATCHED, { inBytes: 29_000_000_000n, outBytes: 7_000_777_901n }],
    ]),
    real: { inBytes: 20_294_967_296n, outBytes: 4_296_967_297n },
    conns: [17, 19],
  },
];

function serviceJson(name: string, t: Traffic, poll: (typeof POLLS)[number]): Record<string, unknown> {
  const stats = { inBytes: t.inBytes.toString(), outBytes: t.outBytes.toString() };
  const fwm = /^FWM\/(\d+)$/.exec(name);
  if (fwm) return { fwmark: Number(fwm[1]), scheduler: 'rr', stats, reals: [] };
  const m = /^(TCP|UDP)\/\[?([^\]]+?)\]?:(\d+)$/.exec(name) as RegExpExecArray;
  const reals =
    name === WATCHED
      ? [
          {
            address: '10.0.0.50',
            port: 80,
            activeConns: poll.conns[0],
            inactiveConns: poll.conns[1],
            stats: { inBytes: poll.real.inBytes.toString(), outBytes: poll.real.outBytes.toString() },
          },
        ]
      : [];
  return { protocol: (m[1] as string).toLowerCase(), address: m[2], port: Number(m[3]), scheduler: 'wlc', stats, reals };
}

function snapshotDoc(poll: (typeof POLLS)[number]): unknown {
  return {
    info: { version: '1.2.1', connTableSize: 4096, tcpTimeout: 900, tcpFinTimeout: 120, udpTimeout: 300, daemons: [] },
    services: [...poll.services].map(([name, t]) => serviceJson(name, t, poll)),
  };
}

interface MrtgRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * mrtg prints an error and exits 0 without polling anything when LANG mentions UTF-8 (Debian's default
 * C.UTF-8 included), so LANG=C is not optional.
 */
function runMrtg(cfg: string): Promise<MrtgRun> {
  return new Promise((resolve) => {
    execFile(MRTG, [cfg], { env: { ...process.env, LANG: 'C', LC_ALL: 'C' }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The lines of an MRTG log as bigints: [0] is the last poll's raw counters, [1] the newest rate. */
function readLog(path: string): bigint[][] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/).map((v) => BigInt(v)));
}

let snmpd: PrivateSnmpd;
let agent: AgentProcess;
let dir: string;
let snapshotFile: string;

/** Writes the snapshot atomically (the file source must never see half a document) and waits until it is served. */
async function serve(poll: (typeof POLLS)[number]): Promise<void> {
  const tmp = `${snapshotFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(snapshotDoc(poll)));
  renameSync(tmp, snapshotFile);
  const want = (poll.services.get(WATCHED) as Traffic).inBytes.toString();
  const oid = `${LVS}.17.1.13${stringIndex(WATCHED)}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', '-On', '-Oqv', snmpd.target, oid]);
    if (stdout.trim() === want) return;
    if (Date.now() > deadline) throw new Error(`agent still serves ${stdout.trim()} at ${oid}, expected ${want}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** MRTG's clock has whole seconds: wait until `seconds` whole seconds have passed since `since` (unix time). */
async function waitSecondsAfter(since: bigint, seconds: number): Promise<void> {
  const target = (Number(since) + seconds) * 1000;
  const wait = target - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait + 20));
}

beforeAll(async () => {
  if (!existsSync(MRTG)) {
    throw new Error(
      `${MRTG} is missing: install Debian's mrtg (DEBIAN_FRONTEND=noninteractive apt-get install -y mrtg, scripts/install-deps.sh)`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-mrtg-'));
  snapshotFile = join(dir, 'snapshot.json');
  writeFileSync(snapshotFile, JSON.stringify(snapshotDoc(POLLS[0] as (typeof POLLS)[number])));
  snmpd = await PrivateSnmpd.start();
  agent = AgentProcess.start(['-x', `unix:${snmpd.socketPath}`, '-s', `file:${snapshotFile}`, '-i', '0.2']);
  await agent.waitServing(snmpd.target, `${LVS}.17.1.13${stringIndex(WATCHED)}`);
}, 30_000);

afterAll(async () => {
  await agent?.stop();
  await snmpd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Debian's mrtg against the agent", () => {
  it('logs each service its own counters and rates across three polls, also after services change in front of it', async () => {
    const workDir = join(dir, 'work');
    mkdirSync(workDir);
    const cfgPath = join(dir, 'lvs.cfg');
    const options = { host: '127.0.0.1', port: snmpd.port, community: 'public', workDir, reals: true, rates: true };
    const cfg = mrtgConfig(snapshotFromJson(snapshotDoc(POLLS[0] as (typeof POLLS)[number])), options);
    writeFileSync(cfgPath, cfg);
    console.log(`mrtg configuration (${cfgPath}):\n${cfg}`);

    const logOf = (service: string, real?: string, suffix?: 'conns'): string => join(workDir, `${targetName(service, real, suffix)}.log`);
    const times: bigint[] = [];

    for (const [k, poll] of POLLS.entries()) {
      if (k > 0) {
        await waitSecondsAfter(times[k - 1] as bigint, 2);
        await serve(poll);
      }
      const run = await runMrtg(cfgPath);
      // rateup warns about every log file it has to create on the first run: counted, not printed.
      const stderr = run.stderr.split('\n').filter((l) => l.trim() !== '');
      const created = stderr.filter((l) => l.includes('Rateup WARNING')).length;
      const other = stderr.filter((l) => !l.includes('Rateup WARNING'));
      console.log(`mrtg run ${k + 1}: exit ${run.code}, ${created} rateup warning(s) about new logs\n${[run.stdout.trim(), ...other].join('\n')}`);
      for (const name of [WATCHED, BEFORE, REMOVED, ADDED]) {
        const path = logOf(name);
        console.log(`  ${targetName(name)}.log: ${existsSync(path) ? JSON.stringify(readLog(path).slice(0, 2).map((l) => l.join(' '))) : '(none)'}`);
      }
      expect(run.stdout).not.toContain('ERROR');
      if (k < 2) {
        expect(run.code).toBe(0);
      } else {
        // The removed service's targets are still configured and get no data: MRTG says so for them alone and
        // exits 91 ("some targets failed").
        expect(run.code).toBe(91);
        const errors = run.stderr.split('\n').filter((l) => l.includes('ERROR'));
        expect(errors.length).toBeGreaterThan(0);
        for (const line of errors) expect(line).toContain(`Target[${targetName(REMOVED)}`);
      }

      const watched = readLog(logOf(WATCHED));
      const now = (watched[0] as bigint[])[0] as bigint;
      times.push(now);
      // The first line holds the raw counters of this poll, exactly: Counter64 values above 2^32 through SNMP v2c.
      const mine = poll.services.get(WATCHED) as Traffic;
      expect(watched[0]).toEqual([now, mine.inBytes, mine.outBytes]);
      const before = poll.services.get(BEFORE) as Traffic;
      expect(readLog(logOf(BEFORE))[0]?.slice(1)).toEqual([before.inBytes, before.outBytes]);
      expect(readLog(logOf(WATCHED, REAL))[0]?.slice(1)).toEqual([poll.real.inBytes, poll.real.outBytes]);
      // Gauges: logged as read; from the second poll on, the newest "rate" line is the value itself.
      const conns = readLog(logOf(WATCHED, undefined, 'conns'));
      expect(conns[0]?.slice(1)).toEqual(poll.conns.map(BigInt));
      if (k > 0) expect(conns[1]?.slice(1, 3)).toEqual(poll.conns.map(BigInt));

      if (k > 0) {
        const prev = POLLS[k - 1] as (typeof POLLS)[number];
        const elapsed = Number(now - (times[k - 1] as bigint));
        expect(elapsed).toBeGreaterThanOrEqual(2);
        const rateLine = watched[1] as bigint[];
        expect(rateLine[0]).toBe(now);
        const was = prev.services.get(WATCHED) as Traffic;
        const wantIn = Number(mine.inBytes - was.inBytes) / elapsed;
        const wantOut = Number(mine.outBytes - was.outBytes) / elapsed;
        console.log(`  watched: ${elapsed} s elapsed, expected rates ${wantIn} / ${wantOut} B/s, logged ${rateLine[1]} / ${rateLine[2]}`);
        expect(Math.abs(Number(rateLine[1]) - wantIn)).toBeLessThanOrEqual(1);
        expect(Math.abs(Number(rateLine[2]) - wantOut)).toBeLessThanOrEqual(1);
        const realRate = readLog(logOf(WATCHED, REAL))[1] as bigint[];
        expect(Math.abs(Number(realRate[1]) - Number(poll.real.inBytes - prev.real.inBytes) / elapsed)).toBeLessThanOrEqual(1);
      }
    }

    // The service that appeared has no target in the old configuration; the removed one is logged as unknown (-1),
    // not with another service's counters.
    expect(existsSync(logOf(ADDED))).toBe(false);
    expect(readLog(logOf(REMOVED))[0]?.slice(1)).toEqual([-1n, -1n]);

    // A configuration written now keeps the watched target's lines byte for byte and adds the new service.
    const cfg3 = mrtgConfig(snapshotFromJson(snapshotDoc(POLLS[2] as (typeof POLLS)[number])), options);
    const linesOf = (text: string, target: string): string[] => text.split('\n').filter((l) => l.includes(`[${target}]:`));
    expect(linesOf(cfg3, targetName(WATCHED))).toEqual(linesOf(cfg, targetName(WATCHED)));
    expect(linesOf(cfg3, targetName(ADDED))).toHaveLength(5);
    expect(linesOf(cfg3, targetName(REMOVED))).toEqual([]);
  }, 60_000);

  it('gets nothing with SNMP v1, which cannot carry Counter64: the reason every target says v2c', async () => {
    const workDir = join(dir, 'work-v1');
    mkdirSync(workDir);
    const cfgPath = join(dir, 'v1.cfg');
    const v2c = mrtgConfig(snapshotFromJson(snapshotDoc(POLLS[2] as (typeof POLLS)[number])), {
      host: '127.0.0.1',
      port: snmpd.port,
      community: 'public',
      workDir,
    });
    const name = targetName(WATCHED);
    const kept = v2c.split('\n').filter((l) => l.startsWith('WorkDir:') || l.includes(`[${name}]:`));
    expect(kept.find((l) => l.startsWith('Target['))).toMatch(/:public@127\.0\.0\.1:\d+::::2$/);
    writeFileSync(cfgPath, `${kept.join('\n').replace(/::::2$/m, '')}\n`);
    const run = await runMrtg(cfgPath);
    console.log(`mrtg with SNMP v1: exit ${run.code}\n${run.stderr.trim()}`);
    // net-snmp answers a v1 Get of a Counter64 with noSuchName; MRTG logs unknown and exits 92 ("all failed").
    expect(run.stderr).toContain('noSuchName');
    expect(run.code).toBe(92);
    expect(readLog(join(workDir, `${name}.log`))[0]?.slice(1)).toEqual([-1n, -1n]);
  });
});
