/**
 * Benchmark (not a test): a full snmpbulkwalk of LVS-MIB through a private snmpd, the agent serving the `sim`
 * source at a given size. Prints walk time, varbinds per second and the agent's memory.
 *
 *   npm run bench -- [--services N] [--reals N] [--repetitions N]
 *
 * Reference point: scripts/bench-c-reference.sh times Net-SNMP's own C subagent (snmpd -X) serving ifTable of the
 * same size through the same kind of private master; snmpd turns every bulk repetition into one AgentX round trip,
 * so varbinds per second, and the subagent's CPU per round trip, compare the two directly.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AgentProcess } from '../test/e2e/harness/agent-process.js';
import { PrivateSnmpd } from '../test/e2e/harness/snmpd.js';

function rssKb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** CPU time a process has used, user and system, in microseconds (/proc/PID/stat fields 14 and 15, in clock ticks). */
function cpuMicros(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  const micros = (ticks: string | undefined): number => (Number(ticks) * 1e6) / 100; // USER_HZ is 100 on Linux
  return { user: micros(fields[11]), system: micros(fields[12]) };
}

function countLines(cmd: string, args: string[]): Promise<{ lines: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, MIBS: '' } });
    let lines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const b of chunk) if (b === 10) lines++;
    });
    child.on('exit', (code) => (code === 0 ? resolve({ lines, ms: performance.now() - started }) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      services: { type: 'string', default: '1000' },
      reals: { type: 'string', default: '10' },
      repetitions: { type: 'string', default: '50' },
      // The agent keeps reading the (changing) simulated table during the walk, as it would in production.
      interval: { type: 'string', default: '5' },
    },
  });
  const services = Number(values.services);
  const reals = Number(values.reals);
  const snmpd = await PrivateSnmpd.start({ extraConfig: ['agentXTimeout 1', 'agentXRetries 5'] });
  const agent = AgentProcess.start(['-x', `unix:${snmpd.socketPath}`, '-s', `sim:services=${services},reals=${reals},churn=0`, '-i', values.interval ?? '5', '-l', 'debug']);
  try {
    const ready = await agent.waitServing(snmpd.target, '1.3.6.1.4.1.8225.4711.17.1.2.15.84.67.80.47.49.48.46.48.46.48.46.49.58.56.48', 120_000);
    const pid = agent.child.pid as number;
    const idle = rssKb(pid);
    const cpuBefore = cpuMicros(pid);
    const walk = await countLines('snmpbulkwalk', ['-v2c', '-c', 'public', '-On', `-Cr${values.repetitions}`, '-t', '5', snmpd.target, '1.3.6.1.4.1.8225.4711']);
    const after = rssKb(pid);
    const cpuAfter = cpuMicros(pid);
    const userMicros = cpuAfter.user - cpuBefore.user;
    const systemMicros = cpuAfter.system - cpuBefore.system;
    const rate = walk.lines / (walk.ms / 1000);
    const served = agent.logLines
      .map((line) => {
        try {
          return JSON.parse(line) as {
            msg?: string;
            buildMs?: number;
            readMs?: number;
            maxEventLoopDelayMs?: number;
            heapUsedMiB?: number;
            heapTotalMiB?: number;
            externalMiB?: number;
          };
        } catch {
          return {};
        }
      })
      .filter((l) => l.msg === 'snapshot in service');
    console.log(
      JSON.stringify({
        services,
        realsPerService: reals,
        agentReadyMs: ready,
        varbinds: walk.lines,
        walkSeconds: Number((walk.ms / 1000).toFixed(2)),
        varbindsPerSecond: Math.round(rate),
        microsecondsPerRoundTrip: Math.round((walk.ms * 1000) / walk.lines),
        // CPU the agent spent per varbind (one AgentX round trip each): independent of other load on the machine.
        agentCpuMicrosecondsPerRoundTrip: Number(((userMicros + systemMicros) / walk.lines).toFixed(1)),
        agentUserMicrosecondsPerRoundTrip: Number((userMicros / walk.lines).toFixed(1)),
        agentSystemMicrosecondsPerRoundTrip: Number((systemMicros / walk.lines).toFixed(1)),
        readsDuringRun: served.length,
        maxReadMs: Math.max(0, ...served.map((l) => l.readMs ?? 0)),
        maxBuildMs: Math.max(0, ...served.map((l) => l.buildMs ?? 0)),
        maxEventLoopStallMs: Math.max(0, ...served.map((l) => l.maxEventLoopDelayMs ?? 0)),
        agentRssMiB: { beforeWalk: Math.round(idle.rss / 1024), afterWalk: Math.round(after.rss / 1024), peak: Math.round(after.hwm / 1024) },
        // From the agent's own log after each read during the run: V8 heap in use / reserved, off-heap buffers.
        agentHeapMiB: {
          usedMax: Math.max(0, ...served.map((l) => l.heapUsedMiB ?? 0)),
          reservedMax: Math.max(0, ...served.map((l) => l.heapTotalMiB ?? 0)),
          externalMax: Math.max(0, ...served.map((l) => l.externalMiB ?? 0)),
        },
      }),
    );
    if (!agent.alive) throw new Error('agent died during the walk');
  } finally {
    await agent.stop();
    await snmpd.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
