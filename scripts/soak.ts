/**
 * Soak (not a test): the agent under a steady load for a long time, to show that its memory stays flat and that
 * it logs no errors. The agent serves the `sim` source (2,000 services x 10 real servers, with churn) behind a
 * private snmpd, reading every second (--interval 1 --idle-interval 1), while one client walks LVS-MIB with
 * snmpbulkwalk through snmpd, one walk after another, for the whole run.
 *
 *   npm run soak -- [--minutes 60] [--services 2000] [--reals 10] [--churn 2] [--repetitions 25] [--log PATH]
 *
 * Every minute it prints one JSON line: the agent's RSS (MiB) and CPU (share of one core over that minute, from
 * /proc/PID/stat), the reads it logged ("snapshot in service", at debug level) and their longest event-loop stall,
 * the walks finished and failed, the varbinds walked, and the agent's log lines at error level or above (pino
 * level >= 50) and at warn (40). At the end it prints a verdict: the RSS samples of the last 30 minutes (the last
 * half of a shorter run) are within 10 % of their median, no error line was logged, no walk failed and the agent
 * is still running. It exits 0 when the verdict holds, 1 when it does not.
 *
 * The agent's log goes whole to --log (default: a file in the private snmpd's temp dir, kept after the run), so
 * a long run costs this script no memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, fstatSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_BIN } from '../test/e2e/harness/agent-process.js';
import { PrivateSnmpd } from '../test/e2e/harness/snmpd.js';
import { snmp } from '../test/e2e/harness/tools.js';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const LVS_MIB = '1.3.6.1.4.1.8225.4711';
/** lvsServiceInBytes."TCP/10.0.0.1:80": one of the sim's permanent rows. */
const PROBE_OID = `${LVS_MIB}.17.1.13.15.84.67.80.47.49.48.46.48.46.48.46.49.58.56.48`;
/** pino's numeric levels (pino/lib/constants.js): 40 warn, 50 error, 60 fatal. */
const PINO_WARN = 40;
const PINO_ERROR = 50;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 102.4) / 10;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Reads the lines a file has gained since the last call (the agent appends its JSON log lines to it). */
class LogTail {
  private offset = 0;
  private partial = '';
  constructor(private readonly path: string) {}

  lines(): string[] {
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buf.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      return lines;
    } finally {
      closeSync(fd);
    }
  }
}

interface LogCounts {
  errors: number;
  warns: number;
  reads: number;
  maxStallMs: number;
  firstErrors: string[];
}

function countLog(lines: readonly string[], into: LogCounts): void {
  for (const line of lines) {
    let entry: { level?: number; msg?: string; maxEventLoopDelayMs?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // Not pino's JSON (Node's own crash output, say): an error in every sense.
      if (line.trim() === '') continue;
      entry = { level: PINO_ERROR, msg: line };
    }
    const level = entry.level ?? 0;
    if (level >= PINO_ERROR) {
      into.errors++;
      if (into.firstErrors.length < 5) into.firstErrors.push(line.slice(0, 300));
    } else if (level >= PINO_WARN) {
      into.warns++;
    }
    if (entry.msg === 'snapshot in service') {
      into.reads++;
      into.maxStallMs = Math.max(into.maxStallMs, entry.maxEventLoopDelayMs ?? 0);
    }
  }
}

interface WalkCounts {
  walks: number;
  failed: number;
  varbinds: number;
  lastFailure: string;
}

/** One snmpbulkwalk of LVS-MIB; snmpbulkwalk itself fails on an OID that does not increase. */
function walkOnce(target: string, repetitions: string, counts: WalkCounts, onChild: (c: ChildProcess) => void): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('snmpbulkwalk', ['-v2c', '-c', 'public', '-On', `-Cr${repetitions}`, '-t', '5', '-r', '1', target, LVS_MIB], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MIBS: '' },
    });
    onChild(child);
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      for (const b of chunk) if (b === 10) lines++;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    child.on('exit', (code, signal) => {
      counts.varbinds += lines;
      if (code === 0 && stderr.trim() === '') counts.walks++;
      else if (signal === null) {
        counts.failed++;
        counts.lastFailure = `exit ${code}: ${stderr.trim().slice(0, 300)}`;
      }
      resolve();
    });
  });
}

async function waitServing(target: string, agent: ChildProcess, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (agent.exitCode !== null || agent.signalCode !== null) throw new Error(`agent exited (${agent.exitCode ?? agent.signalCode})`);
    try {
      const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', '-t', '1', '-r', '0', '-On', target, PROBE_OID]);
      if (/Counter64: \d+/.test(stdout)) return Date.now() - started;
    } catch {
      // not serving yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`agent not serving ${PROBE_OID} after ${timeoutMs} ms`);
    await sleep(200);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '60' },
      services: { type: 'string', default: '2000' },
      reals: { type: 'string', default: '10' },
      churn: { type: 'string', default: '2' },
      repetitions: { type: 'string', default: '25' },
      log: { type: 'string' },
    },
  });
  const minutes = Number(values.minutes);
  if (!Number.isInteger(minutes) || minutes < 1) throw new Error(`--minutes ${values.minutes}: expected a whole number >= 1`);
  const sim = `sim:services=${values.services},reals=${values.reals},churn=${values.churn}`;
  const snmpd = await PrivateSnmpd.start({ extraConfig: ['agentXTimeout 1', 'agentXRetries 5'] });
  const logPath = values.log ?? join(mkdtempSync(join(tmpdir(), 'lvs-agentx-soak-')), 'agent.log');
  const logFd = openSync(logPath, 'a');
  const agent = spawn(process.execPath, [AGENT_BIN, '-x', `unix:${snmpd.socketPath}`, '-s', sim, '-i', '1', '--idle-interval', '1', '-l', 'debug'], {
    stdio: ['ignore', 'ignore', logFd],
  });
  closeSync(logFd);
  const agentExit = new Promise<void>((resolve) => agent.once('exit', () => resolve()));
  let walker: ChildProcess | undefined;
  let stopping = false;
  try {
    const readyMs = await waitServing(snmpd.target, agent, 180_000);
    const pid = agent.pid as number;
    console.log(JSON.stringify({ start: new Date().toISOString(), minutes, source: sim, agentPid: pid, agentLog: logPath, agentReadyMs: readyMs }));
    const walks: WalkCounts = { walks: 0, failed: 0, varbinds: 0, lastFailure: '' };
    const walking = (async () => {
      while (!stopping) {
        const failedBefore = walks.failed;
        await walkOnce(snmpd.target, values.repetitions ?? '25', walks, (c) => (walker = c));
        if (walks.failed > failedBefore) await sleep(1000); // do not spin on a failing walk
      }
    })();
    const tail = new LogTail(logPath);
    const total: LogCounts = { errors: 0, warns: 0, reads: 0, maxStallMs: 0, firstErrors: [] };
    const rss: number[] = [];
    const t0 = performance.now();
    let cpu0 = cpuSeconds(pid);
    let tPrev = t0;
    for (let minute = 1; minute <= minutes; minute++) {
      const wait = t0 + minute * 60_000 - performance.now();
      await Promise.race([sleep(Math.max(0, wait)), agentExit]);
      if (agent.exitCode !== null || agent.signalCode !== null) throw new Error(`agent exited (${agent.exitCode ?? agent.signalCode}) in minute ${minute}`);
      const now = performance.now();
      const cpu = cpuSeconds(pid);
      const sample = rssMiB(pid);
      rss.push(sample);
      const window: LogCounts = { errors: 0, warns: 0, reads: 0, maxStallMs: 0, firstErrors: [] };
      countLog(tail.lines(), window);
      total.errors += window.errors;
      total.warns += window.warns;
      total.reads += window.reads;
      total.maxStallMs = Math.max(total.maxStallMs, window.maxStallMs);
      for (const e of window.firstErrors) if (total.firstErrors.length < 5) total.firstErrors.push(e);
      console.log(
        JSON.stringify({
          minute,
          rssMiB: sample,
          cpuPercentOfOneCore: Number((((cpu - cpu0) / ((now - tPrev) / 1000)) * 100).toFixed(1)),
          reads: window.reads,
          maxStallMs: window.maxStallMs,
          walksDone: walks.walks,
          walksFailed: walks.failed,
          varbindsWalked: walks.varbinds,
          errorLines: total.errors,
          warnLines: total.warns,
        }),
      );
      cpu0 = cpu;
      tPrev = now;
    }
    stopping = true;
    walker?.kill('SIGTERM');
    await walking;
    // The last 30 minutes (the last half of a shorter run): one sample a minute.
    const tailSamples = rss.slice(rss.length - Math.min(30, Math.ceil(rss.length / 2)));
    const mid = median(tailSamples);
    const worst = Math.max(...tailSamples.map((r) => Math.abs(r - mid) / mid));
    const flat = worst <= 0.1;
    const ok = flat && total.errors === 0 && walks.failed === 0 && agent.exitCode === null;
    console.log(
      JSON.stringify({
        verdict: ok ? 'PASS' : 'FAIL',
        rssFlat: flat,
        rssWindowMinutes: tailSamples.length,
        rssMedianMiB: mid,
        rssMinMiB: Math.min(...tailSamples),
        rssMaxMiB: Math.max(...tailSamples),
        rssWorstDeviationPercent: Number((worst * 100).toFixed(1)),
        reads: total.reads,
        maxStallMs: total.maxStallMs,
        walksDone: walks.walks,
        walksFailed: walks.failed,
        lastWalkFailure: walks.lastFailure || undefined,
        varbindsWalked: walks.varbinds,
        errorLines: total.errors,
        firstErrors: total.firstErrors,
        warnLines: total.warns,
      }),
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    stopping = true;
    walker?.kill('SIGTERM');
    if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGTERM');
    await agentExit;
    await snmpd.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
