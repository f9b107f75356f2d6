/**
 * Benchmark (not a test): what a Prometheus scrape of /metrics costs the agent. For each table size it builds the
 * table model from the `sim` source (no churn) in this process, serves it with the agent's own metrics server and
 * scraper, and has curl (another process) fetch the page in each format. It prints the page size, the time to the
 * last byte, and the longest turn of this process's event loop during the scrape: what an AgentX request arriving
 * meanwhile would have waited at most (snmpd's agentXTimeout is 1 s; the agent's bound is 20 ms).
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/bench-metrics.js [--sizes 1000,10000] [--reals 10] [--rounds 3]
 */
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { keepYoungGenerationSmall } from '../src/daemon/heap.js';
import { SimSource } from '../src/ipvs/sim-source.js';
import type { ExpositionFormat } from '../src/metrics/format.js';
import { Scraper } from '../src/metrics/scraper.js';
import { MetricsServer } from '../src/metrics/server.js';
import type { AgentStatus } from '../src/mib/lvs-mib.js';
import { TableModel } from '../src/mib/model.js';
import { runCooperatively } from '../src/util/time-slices.js';

const ACCEPT: Record<ExpositionFormat, string> = {
  prometheus: 'text/plain;version=0.0.4',
  openmetrics: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5',
};

/**
 * The longest gap between two runs of a 1 ms timer, less the 1 ms: the longest turn of the event loop, in wall
 * time (what a request waited) and in the process's CPU time during that gap (the work itself: on a machine
 * shared with other busy processes the wall time also holds the time the process was not scheduled).
 */
class TurnTimer {
  private last = performance.now();
  private lastCpu = process.cpuUsage();
  private longest = 0;
  private longestCpu = 0;
  private readonly timer = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    this.longest = Math.max(this.longest, now - this.last - 1);
    this.longestCpu = Math.max(this.longestCpu, (cpu.user + cpu.system) / 1000);
    this.last = now;
    this.lastCpu = process.cpuUsage();
  }, 1);

  reset(): void {
    this.last = performance.now();
    this.lastCpu = process.cpuUsage();
    this.longest = 0;
    this.longestCpu = 0;
  }

  get maxCpuMs(): number {
    return this.longestCpu;
  }

  get maxMs(): number {
    return Math.max(this.longest, performance.now() - this.last - 1);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function curl(port: number, accept: string): Promise<{ bytes: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const args = ['-sS', '-o', '/dev/null', '-H', `Accept: ${accept}`, '-w', '%{size_download} %{time_total}', `http://127.0.0.1:${port}/metrics`];
    execFile('curl', args, (err, stdout) => {
      if (err) return reject(err);
      const [bytes, seconds] = stdout.trim().split(' ').map(Number);
      resolve({ bytes: bytes as number, seconds: seconds as number });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { sizes: { type: 'string', default: '1000,10000' }, reals: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' } },
  });
  // As the daemon does at start-up (src/daemon/heap.ts): scavenges copy at most 1 MiB.
  keepYoungGenerationSmall();
  const reals = Number(values.reals);
  const rounds = Number(values.rounds);
  const turns = new TurnTimer();
  for (const services of (values.sizes ?? '').split(',').map(Number)) {
    const snapshot = await new SimSource({ services, reals, churn: 0, seed: 1 }).read();
    const model = new TableModel({ monotonic: false });
    const { rows } = await runCooperatively(model.updateSteps(snapshot, performance.now()));
    const status: AgentStatus = { source: 'sim', status: 'ok', lastReadAt: performance.now(), lastReadDurationMs: 0, readErrors: 0, lastError: '' };
    for (const perReal of [true, false]) {
      const scraper = new Scraper({ rows: () => rows, status: () => status, demand: () => undefined }, () => perReal);
      const server = new MetricsServer({ host: '127.0.0.1', port: 0 }, (format, sink) => scraper.scrape(format, sink), pino({ level: 'silent' }));
      await server.start();
      for (const format of ['prometheus', 'openmetrics'] as const) {
        for (let round = 0; round < rounds; round++) {
          await new Promise((r) => setTimeout(r, 50));
          turns.reset();
          const heapBefore = process.memoryUsage().heapUsed;
          const { bytes, seconds } = await curl(server.port, ACCEPT[format]);
          process.stdout.write(
            JSON.stringify({
              services,
              reals: rows.reals.length,
              perRealSeries: perReal,
              format,
              round,
              pageBytes: bytes,
              pageMiB: Number((bytes / 1048576).toFixed(1)),
              scrapeMs: Math.round(seconds * 1000),
              longestTurnMs: Number(turns.maxMs.toFixed(1)),
              longestTurnCpuMs: Number(turns.maxCpuMs.toFixed(1)),
              loadAverage: Number(loadavg()[0]?.toFixed(1)),
              heapGrowthMiB: Math.round((process.memoryUsage().heapUsed - heapBefore) / 1048576),
              rssMiB: Math.round(process.memoryUsage().rss / 1048576),
            }) + '\n',
          );
        }
      }
      await server.stop();
    }
  }
  turns.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-metrics: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
