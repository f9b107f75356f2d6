import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Director, LVS_ROOT } from '../e2e/harness/director.js';
import { stringIndex } from '../e2e/harness/expected.js';
import { REPO, snmp } from '../e2e/harness/tools.js';
import { ZabbixStack } from './zabbix/stack.js';
import { waitFor } from './zabbix/processes.js';

/**
 * packaging/zabbix/lvs-agentx.yaml in Debian 12's Zabbix 6.0 (zabbix-server-pgsql, zabbix-frontend-php): imported
 * through the frontend's API, linked to a host whose SNMP v2c interface is a private snmpd with the agent reading a
 * snapshot file this test rewrites. Discovery is started with "check now" tasks instead of waiting for its interval;
 * items are polled every 5 s (the template's {$LVS.POLL.INTERVAL} set on the host).
 */

const TEMPLATE = join(REPO, 'packaging', 'zabbix', 'lvs-agentx.yaml');
const POLL = 5; // seconds, {$LVS.POLL.INTERVAL} on the host

interface Real {
  address: string;
  port: number;
  weight: number;
  activeConns: number;
  inactiveConns: number;
  stats: Record<string, string>;
}
interface Service {
  protocol: string;
  address: string;
  port: number;
  scheduler: string;
  stats: Record<string, string>;
  reals: Real[];
}

const stats = (inBytes: bigint, outBytes: bigint, conns: bigint, inPkts: bigint, outPkts: bigint): Record<string, string> => ({
  conns: String(conns),
  inPkts: String(inPkts),
  outPkts: String(outPkts),
  inBytes: String(inBytes),
  outBytes: String(outBytes),
});

const WEB: Service = {
  protocol: 'tcp',
  address: '10.0.0.1',
  port: 80,
  scheduler: 'wlc',
  // In-bytes near 2^63: a rate from a double would be off by kilobytes there; the template keeps them unsigned.
  stats: stats(9223372036854770000n, 1_000_000_000_000n, 1000n, 50_000n, 40_000n),
  reals: [
    { address: '10.0.1.1', port: 80, weight: 10, activeConns: 5, inactiveConns: 7, stats: stats(100n, 200n, 3n, 4n, 5n) },
    { address: '10.0.1.2', port: 80, weight: 20, activeConns: 2, inactiveConns: 9, stats: stats(300n, 400n, 6n, 7n, 8n) },
  ],
};
const DNS: Service = {
  protocol: 'udp',
  address: '2001:db8::53',
  port: 53,
  scheduler: 'rr',
  stats: stats(5000n, 6000n, 70n, 80n, 90n),
  reals: [{ address: '2001:db8::1:1', port: 53, weight: 5, activeConns: 0, inactiveConns: 3, stats: stats(5000n, 6000n, 70n, 80n, 90n) }],
};
// Added later in front of the others: first in the kernel's order and first in index order ("TCP/10.0.0.0:80").
const FRONT: Service = {
  protocol: 'tcp',
  address: '10.0.0.0',
  port: 80,
  scheduler: 'rr',
  stats: stats(1n, 2n, 3n, 4n, 5n),
  reals: [{ address: '10.0.2.1', port: 80, weight: 1, activeConns: 1, inactiveConns: 1, stats: stats(1n, 2n, 3n, 4n, 5n) }],
};

const INFO = { version: '1.2.1', connTableSize: 4096, tcpTimeout: 900, tcpFinTimeout: 120, udpTimeout: 300, daemons: [] };
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

interface Item {
  itemid: string;
  name: string;
  key_: string;
  snmp_oid: string;
  type: string;
  value_type: string;
  lastvalue: string;
  lastclock: string;
  state: string;
  error: string;
}
interface HistoryValue {
  clock: string;
  ns: string;
  value: string;
}

const SERVICE_KEYS = ['bytes.in', 'bytes.out', 'packets.in', 'packets.out', 'conns', 'conns.active', 'conns.inactive', 'reals', 'reals.live'];
const REAL_KEYS = ['weight', 'live', 'bytes.in', 'bytes.out', 'packets.in', 'packets.out', 'conns', 'conns.active', 'conns.inactive'];
const serviceKey = (what: string, service: string): string => `lvs.service.${what}["${service}"]`;
const realKey = (what: string, service: string, real: string): string => `lvs.real.${what}["${service}","${real}"]`;

describe('Zabbix 6.0 with the LVS template', () => {
  let zabbix: ZabbixStack;
  let director: Director;
  let hostid: string;
  let services: Service[];
  let failed = false;

  const api = <T>(method: string, params: unknown): Promise<T> => zabbix.api.call<T>(method, params);
  const items = async (): Promise<Map<string, Item>> => {
    const list = await api<Item[]>('item.get', {
      hostids: [hostid],
      output: ['itemid', 'name', 'key_', 'snmp_oid', 'type', 'value_type', 'lastvalue', 'lastclock', 'state', 'error'],
    });
    return new Map(list.map((i) => [i.key_, i]));
  };
  const history = (item: Item, extra: Record<string, unknown> = {}): Promise<HistoryValue[]> =>
    api<HistoryValue[]>('history.get', { itemids: [item.itemid], history: Number(item.value_type), sortfield: 'clock', sortorder: 'ASC', output: 'extend', ...extra });
  const write = (): void => director.writeSnapshot({ info: INFO, services });
  const checkNow = async (): Promise<void> => {
    const rules = await api<{ itemid: string }[]>('discoveryrule.get', { hostids: [hostid], output: ['itemid'] });
    await api('task.create', rules.map((r) => ({ type: 6, request: { itemid: r.itemid } })));
  };
  const snmpget = async (oid: string): Promise<string> => (await snmp('snmpget', ['-v2c', '-c', 'public', '-On', '-Oqv', director.target, oid])).stdout.trim();
  const problems = async (): Promise<string[]> =>
    (await api<{ name: string }[]>('problem.get', { hostids: [hostid], output: ['name'], recent: false })).map((p) => p.name).sort();

  beforeAll(async () => {
    services = [clone(WEB), clone(DNS)];
    // Up when lvsServiceDisplayName of the first service is served.
    director = await Director.start({ snapshot: { info: INFO, services }, waitFor: `${LVS_ROOT}.17.1.38${stringIndex('TCP/10.0.0.1:80')}` });
    zabbix = await ZabbixStack.start();
    const imported = await api<boolean>('configuration.import', {
      format: 'yaml',
      source: readFileSync(TEMPLATE, 'utf8'),
      rules: {
        groups: { createMissing: true },
        templates: { createMissing: true, updateExisting: true },
        items: { createMissing: true, updateExisting: true },
        discoveryRules: { createMissing: true, updateExisting: true },
        triggers: { createMissing: true, updateExisting: true },
        graphs: { createMissing: true, updateExisting: true },
        valueMaps: { createMissing: true, updateExisting: true },
      },
    });
    expect(imported).toBe(true);
    const [template] = await api<{ templateid: string }[]>('template.get', { filter: { host: ['LVS by SNMP'] }, output: ['templateid'] });
    const group = await api<{ groupids: string[] }>('hostgroup.create', { name: 'LVS directors' });
    const port = director.target.split(':')[1] as string;
    const created = await api<{ hostids: string[] }>('host.create', {
      host: 'lvs-director',
      groups: [{ groupid: group.groupids[0] }],
      templates: [{ templateid: template!.templateid }],
      interfaces: [{ type: 2, main: 1, useip: 1, ip: '127.0.0.1', dns: '', port, details: { version: 2, bulk: 1, community: '{$SNMP_COMMUNITY}' } }],
      macros: [
        { macro: '{$LVS.POLL.INTERVAL}', value: `${POLL}s` },
        { macro: '{$LVS.AGENT.STALE.PERIOD}', value: '12s' },
      ],
    });
    hostid = created.hostids[0] as string;
  }, 240_000);

  afterAll(async () => {
    // A failed run keeps the Zabbix directory (server log, database log) and says where it is.
    if (failed && zabbix) console.log(`zabbix test: logs kept in ${zabbix.dir}`);
    await zabbix?.stop(failed);
    await director?.stop();
  }, 90_000);

  const step = (name: string, fn: () => Promise<void>, timeout = 120_000): void => {
    it(
      name,
      async () => {
        try {
          await fn();
        } catch (err) {
          failed = true;
          throw err;
        }
      },
      timeout,
    );
  };

  step('discovery creates one item set per service and per real server, named by the canonical names', async () => {
    const want = [
      ...services.flatMap((s) => {
        const name = `${s.protocol.toUpperCase()}/${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port}`;
        return [
          ...SERVICE_KEYS.map((k) => serviceKey(k, name)),
          ...s.reals.flatMap((r) => REAL_KEYS.map((k) => realKey(k, name, r.address.includes(':') ? `[${r.address}]:${r.port}` : `${r.address}:${r.port}`))),
        ];
      }),
    ].sort();
    const found = await waitFor('the discovered items', 90_000, async () => {
      await checkNow().catch(() => undefined);
      const all = await items();
      const discovered = [...all.keys()].filter((k) => k.startsWith('lvs.service.') || k.startsWith('lvs.real.')).sort();
      return discovered.length >= want.length ? all : undefined;
    }, 3000);
    expect([...found.keys()].filter((k) => k.startsWith('lvs.service.') || k.startsWith('lvs.real.')).sort()).toEqual(want);
    const names = [...found.values()].map((i) => i.name);
    expect(names).toContain('LVS TCP/10.0.0.1:80: bytes in');
    expect(names).toContain('LVS UDP/[2001:db8::53]:53: live real servers');
    expect(names).toContain('LVS TCP/10.0.0.1:80 -> 10.0.1.1:80: weight');
    expect(names).toContain('LVS UDP/[2001:db8::53]:53 -> [2001:db8::1:1]:53: active connections');
    // Low-level discovery makes the graphs from their prototypes after the items: the items can be there first.
    const wantGraphs = ['TCP/10.0.0.1:80', 'UDP/[2001:db8::53]:53'].flatMap((s) => ['connections', 'packets', 'traffic'].map((g) => `LVS ${s}: ${g}`)).sort();
    const graphNames = async (): Promise<string[]> =>
      (await api<{ name: string }[]>('graph.get', { hostids: [hostid], output: ['name'] })).map((g) => g.name).sort();
    const graphs = await waitFor('the discovered graphs', 30_000, async () => {
      const got = await graphNames();
      return got.length >= wantGraphs.length ? got : undefined;
    }).catch(() => graphNames());
    expect(graphs).toEqual(wantGraphs);
    console.log(
      'zabbix test: discovered items\n' +
        [...found.values()]
          .filter((i) => i.key_.includes('TCP/10.0.0.1:80'))
          .map((i) => `${i.name}  ${i.key_}`)
          .sort()
          .join('\n'),
    );
  });

  step('stored values equal what snmpget returns for the same rows', async () => {
    const gauges = (all: Map<string, Item>): Item[] =>
      [...all.values()].filter((i) => i.type === '20' && /\.(conns\.active|conns\.inactive|reals|weight)\[/.test(i.key_));
    const all = await waitFor('a value for every gauge item', 60_000, async () => {
      const got = await items();
      return gauges(got).every((i) => i.lastclock !== '0') ? got : undefined;
    }, 1000);
    const polled = gauges(all);
    expect(polled.length).toBe(2 * 3 + 3 * 3); // 2 services x (active, inactive, reals) + 3 reals x (weight, active, inactive)
    for (const item of polled) {
      expect({ key: item.key_, value: item.lastvalue }).toEqual({ key: item.key_, value: await snmpget(item.snmp_oid) });
    }
    expect(all.get(serviceKey('conns.active', 'TCP/10.0.0.1:80'))?.lastvalue).toBe('7');
    expect(all.get(realKey('weight', 'TCP/10.0.0.1:80', '10.0.1.2:80'))?.lastvalue).toBe('20');
    // Calculated from the real servers' live items: right once each of those has a value.
    let live: (string | undefined)[] = [];
    await waitFor('live real server counts 2 and 1', 60_000, async () => {
      const got = await items();
      live = ['TCP/10.0.0.1:80', 'UDP/[2001:db8::53]:53'].map((s) => got.get(serviceKey('reals.live', s))).map((i) => `${i?.lastvalue} ${i?.error}`.trim());
      return live[0] === '2' && live[1] === '1' ? true : undefined;
    }, 1000).catch(() => undefined);
    expect(live).toEqual(['2', '1']);
    expect((await items()).get('lvs.agent.status')?.lastvalue).toBe('1');
  });

  step('rates are the counter change over the time between two polls; a counter going backwards stores no negative rate', async () => {
    const all = await items();
    const bytesIn = all.get(serviceKey('bytes.in', 'TCP/10.0.0.1:80')) as Item;
    const pktsIn = all.get(serviceKey('packets.in', 'TCP/10.0.0.1:80')) as Item;
    const bytesOut = all.get(serviceKey('bytes.out', 'TCP/10.0.0.1:80')) as Item;
    // Unchanged counters first: two polls, rate 0.
    await waitFor('two rate values', 60_000, async () => ((await history(bytesIn)).length >= 2 ? true : undefined), 1000);
    expect((await history(bytesIn)).map((h) => Number(h.value))).toEqual(expect.arrayContaining([0]));
    const before = (await history(bytesIn)).length;
    const D = 123_456_789_000n; // bytes
    const P = 4_321n; // packets
    const web = services[0] as Service;
    web.stats.inBytes = String(BigInt(web.stats.inBytes as string) + D);
    web.stats.inPkts = String(BigInt(web.stats.inPkts as string) + P);
    write();
    const at = (h: HistoryValue): number => Number(h.clock) + Number(h.ns) / 1e9;
    const jump = async (item: Item): Promise<{ rate: number; dt: number }> =>
      waitFor(`a non-zero rate of ${item.key_}`, 60_000, async () => {
        const h = await history(item);
        const k = h.findIndex((v, i) => i > 0 && Number(v.value) > 0);
        return k > 0 ? { rate: Number(h[k]!.value), dt: at(h[k]!) - at(h[k - 1]!) } : undefined;
      }, 1000);
    const b = await jump(bytesIn);
    expect(b.dt).toBeGreaterThan(POLL * 0.5);
    // The times Zabbix divides by and the ones it stores with the values differ by some microseconds: 1e-4.
    expect(Math.abs(b.rate - Number(D) / b.dt) / (Number(D) / b.dt)).toBeLessThan(1e-4);
    expect(Number.isInteger(b.rate)).toBe(true); // numeric unsigned: computed from the exact 64-bit counters
    const p = await jump(pktsIn);
    expect(Math.abs(p.rate - Number(P) / p.dt) / (Number(P) / p.dt)).toBeLessThan(1e-4);
    console.log(`zabbix test: +${D} bytes, +${P} packets over ${b.dt.toFixed(3)} s: stored ${b.rate} B/s and ${p.rate} pps`);
    expect((await history(bytesIn)).length).toBeGreaterThan(before);

    // ipvsadm --zero: the counter goes backwards.
    const outBefore = (await history(bytesOut)).length;
    web.stats.outBytes = '1000';
    write();
    const after = await waitFor('two polls after the counter went backwards', 60_000, async () => {
      const h = await history(bytesOut);
      return h.length >= outBefore + 2 ? h : undefined;
    }, 1000);
    expect(after.filter((h) => Number(h.value) < 0)).toEqual([]);
    expect(Number(after.at(-1)!.value)).toBe(0);
  }, 180_000);

  step('a service whose real servers are all quiesced raises the no-live-real trigger; restoring a weight clears it', async () => {
    const web = services[0] as Service;
    const weights = web.reals.map((r) => r.weight);
    for (const r of web.reals) r.weight = 0;
    write();
    const raised = await waitFor('the no-live-real problem', 90_000, async () => {
      const p = await problems();
      return p.includes('LVS TCP/10.0.0.1:80: no live real server') ? p : undefined;
    }, 1000);
    expect(raised).toEqual(
      expect.arrayContaining([
        'LVS TCP/10.0.0.1:80 -> 10.0.1.1:80: real server quiesced (weight 0)',
        'LVS TCP/10.0.0.1:80 -> 10.0.1.2:80: real server quiesced (weight 0)',
      ]),
    );
    expect(raised.filter((p) => p.includes('UDP/'))).toEqual([]);
    const [trigger] = await api<{ priority: string }[]>('trigger.get', { hostids: [hostid], filter: { description: 'LVS TCP/10.0.0.1:80: no live real server' }, output: ['priority'] });
    expect(trigger?.priority).toBe('4'); // High
    console.log(`zabbix test: problems with every real of TCP/10.0.0.1:80 at weight 0:\n${raised.join('\n')}`);

    web.reals.forEach((r, i) => (r.weight = weights[i] as number));
    write();
    const cleared = await waitFor('the problems to clear', 90_000, async () => {
      const p = await problems();
      return p.some((n) => n.includes('TCP/10.0.0.1:80')) ? undefined : p;
    }, 1000);
    expect(cleared).toEqual([]);
  }, 200_000);

  step('a service added in front of the others leaves their item ids and history in place', async () => {
    const old = await items();
    const oldIds = new Map([...old].filter(([k]) => k.startsWith('lvs.')).map(([k, i]) => [k, i.itemid]));
    const watched = old.get(serviceKey('conns.active', 'TCP/10.0.0.1:80')) as Item;
    const watchedHistory = await history(watched);
    expect(watchedHistory.length).toBeGreaterThan(0);
    services.unshift(clone(FRONT));
    write();
    // The agent reads the file every 0.5 s.
    await waitFor('lvsNumServices 3', 10_000, async () => ((await snmpget('.1.3.6.1.4.1.8225.4711.2.0')) === '3' ? true : undefined), 200);
    const now = await waitFor('the new service\'s items', 90_000, async () => {
      await checkNow().catch(() => undefined);
      const got = await items();
      return got.has(serviceKey('bytes.in', 'TCP/10.0.0.0:80')) && got.has(realKey('weight', 'TCP/10.0.0.0:80', '10.0.2.1:80')) ? got : undefined;
    }, 3000);
    for (const [key, id] of oldIds) expect({ key, id: now.get(key)?.itemid }).toEqual({ key, id });
    const newIds = [...now.values()].filter((i) => i.key_.includes('TCP/10.0.0.0:80')).map((i) => i.itemid);
    expect(newIds.length).toBe(SERVICE_KEYS.length + REAL_KEYS.length);
    expect(newIds.filter((id) => [...oldIds.values()].includes(id))).toEqual([]);
    // The old history is still there, and the old row's item goes on with its own values.
    const kept = await history(watched, { time_till: Number(watchedHistory.at(-1)!.clock) });
    expect(kept.map((h) => [h.clock, h.ns, h.value])).toEqual(watchedHistory.map((h) => [h.clock, h.ns, h.value]));
    const first = await waitFor('the new service\'s first active-connection value', 60_000, async () => {
      const got = await items();
      const item = got.get(serviceKey('conns.active', 'TCP/10.0.0.0:80'));
      return item && item.lastclock !== '0' ? got : undefined;
    }, 1000);
    expect(first.get(serviceKey('conns.active', 'TCP/10.0.0.0:80'))?.lastvalue).toBe('1');
    expect(first.get(serviceKey('conns.active', 'TCP/10.0.0.1:80'))?.lastvalue).toBe('7');
  }, 200_000);

  step('a snapshot the agent cannot read makes lvsAgentStatus stale and raises the stale-data trigger until it reads again', async () => {
    const name = 'LVS agent: IPVS data stale or missing for 12s';
    writeFileSync(director.snapshotPath, '{ "info": ');
    const raised = await waitFor('the stale-data problem', 90_000, async () => ((await problems()).includes(name) ? true : undefined), 1000);
    expect(raised).toBe(true);
    const all = await items();
    expect(all.get('lvs.agent.status')?.lastvalue).toBe('2'); // stale(2)
    expect(all.get('lvs.agent.error')?.lastvalue).not.toBe('');
    write();
    await waitFor('the stale-data problem to clear', 90_000, async () => ((await problems()).includes(name) ? undefined : true), 1000);
  }, 200_000);
});
