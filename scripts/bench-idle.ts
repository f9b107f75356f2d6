/**
 * Benchmark (not a test): what the agent costs the director while nobody asks, and while one poller asks now and
 * then. The agent serves the `sim` source (no churn) behind a private snmpd, with default settings; for each table
 * size it prints the agent's CPU (share of one core, from /proc/PID/stat) and RSS over two windows:
 *   idle    no SNMP requests at all
 *   polled  one snmpget of one counter through snmpd every 5 s (every get must be answered)
 *
 *   npm run bench:idle -- [--sizes 1000,10000] [--reals 10] [--seconds 60] [--settle 120]
 *
 * The windows start `settle` seconds after the agent first answers, so that they show the steady state rather than
 * start-up (the first read's garbage and V8's collections after it).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AgentProcess } from '../test/e2e/harness/agent-process.js';
import { PrivateSnmpd } from '../test/e2e/harness/snmpd.js';
import { snmp } from '../test/e2e/harness/tools.js';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function memoryMiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), hwm: Math.round(kb('VmHWM') / 1024) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Window {
  readonly cpuPercentOfOneCore: number;
  readonly rssMiBEnd: number;
  readonly rssMiBMax: number;
}

/** Samples CPU and RSS over `seconds`, calling `each` once per 5 s step if given. */
async function measure(pid: number, seconds: number, each?: () => Promise<void>): Promise<Window> {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  let rssMax = 0;
  for (let t = 0; t < seconds; t += 5) {
    if (each) await each();
    const step = t0 + (t + 5) * 1000 - performance.now();
    if (step > 0) await sleep(Math.min(step, 5000));
    rssMax = Math.max(rssMax, memoryMiB(pid).rss);
  }
  const wall = (performance.now() - t0) / 1000;
  return {
    cpuPercentOfOneCore: Number((((cpuSeconds(pid) - cpu0) / wall) * 100).toFixed(2)),
    rssMiBEnd: memoryMiB(pid).rss,
    rssMiBMax: rssMax,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1000,10000' },
      reals: { type: 'string', default: '10' },
      seconds: { type: 'string', default: '60' },
      settle: { type: 'string', default: '120' },
    },
  });
  const reals = Number(values.reals);
  const seconds = Number(values.seconds);
  const snmpd = await PrivateSnmpd.start({ extraConfig: ['agentXTimeout 1', 'agentXRetries 5'] });
  try {
    for (const services of (values.sizes ?? '').split(',').map(Number)) {
      const agent = AgentProcess.start(['-x', `unix:${snmpd.socketPath}`, '-s', `sim:services=${services},reals=${reals},churn=0`]);
      try {
        const oid = '1.3.6.1.4.1.8225.4711.17.1.13.15.84.67.80.47.49.48.46.48.46.48.46.49.58.56.48'; // InBytes."TCP/10.0.0.1:80"
        const readyMs = await agent.waitServing(snmpd.target, oid, 180_000);
        const pid = agent.child.pid as number;
        await sleep(Number(values.settle) * 1000);
        const idle = await measure(pid, seconds);
        let gets = 0;
        let answered = 0;
        const polled = await measure(pid, seconds, async () => {
          gets++;
          const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', '-t', '2', '-r', '0', '-On', snmpd.target, oid]).catch(() => ({ stdout: '' }));
          if (/Counter64: \d+/.test(stdout)) answered++;
        });
        const peak = memoryMiB(pid).hwm;
        console.log(JSON.stringify({ services, realsPerService: reals, seconds, agentReadyMs: readyMs, idle, polled: { ...polled, gets, answered }, rssPeakMiB: peak }));
        if (!agent.alive) throw new Error('agent died during the run');
      } finally {
        await agent.stop();
      }
    }
  } finally {
    await snmpd.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
