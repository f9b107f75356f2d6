import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Director, FIXTURE, LVS_ROOT } from '../e2e/harness/director.js';
import { stringIndex } from '../e2e/harness/expected.js';
import { snmp } from '../e2e/harness/tools.js';

/**
 * Debian's Prometheus (2.42) against the agent's /metrics: a private snmpd and agent (file source) with
 * metrics-listen on a free loopback port, and a prometheus of our own (own config and data directory, 1 s scrape
 * interval, loopback port; not the system service). promtool accepts the page; a PromQL query over the HTTP API
 * returns, for one service counter and one real-server counter, exactly what snmpget returns for the same row
 * through the real snmpd.
 *
 * Prometheus keeps every sample as a float64, exact for whole numbers up to 2^53 only: the values compared are
 * 2^52 + 1 and 2^53 - 1, which survive it; the page itself carries 2^64 - 1 exactly (checked below), and
 * Prometheus's copy of that one is the nearest float64.
 */

const SERVICE = 'TCP/10.0.0.1:80';
const REAL = '10.0.0.2:80';
const SERVICE_IN_BYTES = 4503599627370497n; // 2^52 + 1
const REAL_IN_BYTES = 9007199254740991n; // 2^53 - 1
const U64_MAX = 18446744073709551615n;

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** The all-kinds fixture (TCP, UDP over IPv6, SCTP, fwmark v4 and v6) with the compared counters set. */
function snapshotDoc(): unknown {
  const doc = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { services: Record<string, unknown>[] };
  const service = doc.services.find((s) => s.protocol === 'tcp' && s.address === '10.0.0.1' && s.port === 80) as Record<string, unknown>;
  (service.stats as Record<string, string>).inBytes = String(SERVICE_IN_BYTES);
  (service.stats as Record<string, string>).outBytes = String(U64_MAX);
  const real = (service.reals as Record<string, unknown>[]).find((r) => r.address === '10.0.0.2') as Record<string, unknown>;
  (real.stats as Record<string, string>).inBytes = String(REAL_IN_BYTES);
  return doc;
}

function run(command: string, args: readonly string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

let director: Director;
let prometheus: ChildProcess | undefined;
let prometheusLog = '';
let dir: string;
let metricsPort: number;
let apiPort: number;

async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  expect(body.status).toBe('success');
  return body.data.result;
}

/** Polls a query until it has a result (Prometheus has scraped), or fails with the server's log. */
async function queryWhenScraped(promql: string, timeoutMs = 30_000): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const started = Date.now();
  for (;;) {
    try {
      const result = await query(promql);
      if (result.length > 0) return result;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`no result for ${promql} after ${timeoutMs} ms; prometheus log:\n${prometheusLog.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function snmpget(oid: string): Promise<string> {
  const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', '-On', '-Oqv', director.target, oid]);
  return stdout.trim();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-prometheus-'));
  metricsPort = await freeTcpPort();
  apiPort = await freeTcpPort();
  director = await Director.start({ snapshot: snapshotDoc(), agentArgs: ['--metrics-listen', `127.0.0.1:${metricsPort}`] });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: lvs',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${metricsPort}']`,
      '',
    ].join('\n'),
  );
  const child = spawn('/usr/bin/prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${apiPort}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (prometheusLog += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (prometheusLog += c.toString()));
  prometheus = child;
}, 60_000);

afterAll(async () => {
  if (prometheus !== undefined && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus?.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
  await director?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("Debian's Prometheus scrapes /metrics", () => {
  it('promtool check metrics accepts the page: no errors, no lint warnings', async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const page = await res.text();
    // The page carries u64 counters exactly, above what Prometheus's float64 holds.
    expect(page).toContain(`lvs_service_out_bytes_total{service="${SERVICE}",protocol="tcp",address="10.0.0.1",port="80"} ${U64_MAX}\n`);
    expect(page).toMatch(/^lvs_service_reals\{service="FWM6\/7",fwmark="7"\} 1$/m);
    expect(page).toMatch(/^lvs_real_weight\{service="UDP\/\[2001:db8::1\]:53",real="\[2001:db8::2\]:53"\} 10$/m);
    // promtool 2.42 reads the text format only (OpenMetrics' counter families, named without _total, look to it
    // like samples without HELP): the text page is the one it checks; Prometheus itself scrapes OpenMetrics.
    const checked = await run('/usr/bin/promtool', ['check', 'metrics'], page);
    expect({ code: checked.code, out: checked.stdout + checked.stderr }).toEqual({ code: 0, out: '' });
  });

  it('scrapes the OpenMetrics page with the target up and no scrape error', async () => {
    await queryWhenScraped('up{job="lvs"} == 1');
    const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/targets`);
    const body = (await res.json()) as { data: { activeTargets: { health: string; lastError: string; scrapeUrl: string }[] } };
    const target = body.data.activeTargets.find((t) => t.scrapeUrl === `http://127.0.0.1:${metricsPort}/metrics`);
    expect(target).toMatchObject({ health: 'up', lastError: '' });
    const om = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
      headers: { Accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' },
    });
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect((await om.text()).endsWith('# EOF\n')).toBe(true);
  });

  it('a PromQL query for a service counter returns exactly what snmpget returns for the same row', async () => {
    const fromSnmp = await snmpget(`${LVS_ROOT}.17.1.13${stringIndex(SERVICE)}`); // lvsServiceStatsInBytes
    expect(fromSnmp).toBe(String(SERVICE_IN_BYTES));
    const result = await queryWhenScraped(`lvs_service_in_bytes_total{service="${SERVICE}"}`);
    expect(result).toHaveLength(1);
    expect(result[0]?.metric).toMatchObject({ job: 'lvs', service: SERVICE, protocol: 'tcp', address: '10.0.0.1', port: '80' });
    expect(result[0]?.value[1]).toBe(fromSnmp);
  });

  it('and the same for a real server series', async () => {
    const fromSnmp = await snmpget(`${LVS_ROOT}.18.1.10${stringIndex(SERVICE)}${stringIndex(REAL)}`); // lvsRealStatsInBytes
    expect(fromSnmp).toBe(String(REAL_IN_BYTES));
    const result = await queryWhenScraped(`lvs_real_in_bytes_total{service="${SERVICE}",real="${REAL}"}`);
    expect(result).toHaveLength(1);
    expect(result[0]?.value[1]).toBe(fromSnmp);
  });
});
