import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/daemon/agent.js';
import { resolveSettings, type RawSettings } from '../../../src/daemon/settings.js';
import { SimSource } from '../../../src/ipvs/sim-source.js';

/**
 * The daemon's wiring of the endpoint: an Agent (sim source, no snmpd: its AgentX session keeps retrying) with
 * metrics-listen set serves /metrics from the view in service, a scrape starts a read like an SNMP request, and
 * SIGHUP-style reconfiguration moves, stops and restarts the endpoint.
 */

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      server.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

const flags = (raw: Record<string, string>): RawSettings =>
  Object.fromEntries(Object.entries(raw).map(([k, value]) => [k, { value, origin: `--${k}` }])) as RawSettings;

let agent: Agent;
let port: number;
const base = { 'agentx-socket': 'tcp:127.0.0.1:1', source: 'sim:services=20,reals=3,churn=0', interval: '0.1', 'idle-interval': '3600' };

beforeAll(async () => {
  port = await freeTcpPort();
  const settings = resolveSettings({}, flags({ ...base, 'metrics-listen': `127.0.0.1:${port}` }));
  agent = new Agent({ settings, source: new SimSource({ services: 20, reals: 3, churn: 0, seed: 1 }), logger: pino({ level: 'silent' }), version: 'test' });
  agent.start();
  for (let i = 0; i < 100 && agent.metricsServer === undefined; i++) await new Promise((r) => setTimeout(r, 20));
});

afterAll(async () => {
  await agent.stop();
});

const metrics = async (p = port): Promise<string> => (await fetch(`http://127.0.0.1:${p}/metrics`)).text();
const value = (page: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(page)?.[1]);

describe('the agent with metrics-listen', () => {
  it('serves the view in service', async () => {
    const page = await metrics();
    expect(value(page, 'lvs_services')).toBe(20);
    expect(value(page, 'lvs_reals')).toBe(60);
    expect(value(page, 'lvs_agent_up')).toBe(1);
  });

  it('counts a scrape as demand: data older than the interval starts a read', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const before = agent.poller.status.lastReadAt as number;
    await metrics();
    await new Promise((r) => setTimeout(r, 200));
    expect(agent.poller.status.lastReadAt as number).toBeGreaterThan(before);
    // Without scrapes (idle interval one hour) no read happens.
    const quiet = agent.poller.status.lastReadAt as number;
    await new Promise((r) => setTimeout(r, 300));
    expect(agent.poller.status.lastReadAt).toBe(quiet);
  });

  it('follows reconfiguration: per-real switch, a new address, then off', async () => {
    const next = await freeTcpPort();
    await agent.reconfigure(resolveSettings({}, flags({ ...base, 'metrics-listen': `127.0.0.1:${port}`, 'metrics-reals': 'false' })), () => {
      throw new Error('same source');
    });
    expect(await metrics()).not.toMatch(/lvs_real_/);
    await agent.reconfigure(resolveSettings({}, flags({ ...base, 'metrics-listen': `[::1]:${next}` })), () => {
      throw new Error('same source');
    });
    expect(agent.metricsServer?.address).toEqual({ host: '::1', port: next });
    expect(value(await (await fetch(`http://[::1]:${next}/metrics`)).text(), 'lvs_services')).toBe(20);
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
    await agent.reconfigure(resolveSettings({}, flags(base)), () => {
      throw new Error('same source');
    });
    expect(agent.metricsServer).toBeUndefined();
    await expect(fetch(`http://[::1]:${next}/metrics`)).rejects.toThrow();
  });
});
