import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotFromJson } from '../../../src/ipvs/snapshot-json.js';
import type { ExpositionFormat } from '../../../src/metrics/format.js';
import { PageWriter } from '../../../src/metrics/page-writer.js';
import { renderPage, renderSteps, type PageInput } from '../../../src/metrics/render.js';
import { TableModel } from '../../../src/mib/model.js';
import { smallRows, SMALL_TABLE, STATUS } from './small-table.js';

const GOLDEN = join(import.meta.dirname, 'golden');

function page(format: ExpositionFormat, over: Partial<PageInput> = {}): string {
  const input: PageInput = { rows: smallRows(), status: STATUS, now: 3500, reals: true, ...over };
  return renderPage(input, format).toString('utf8');
}

/** The golden page; UPDATE_GOLDEN=1 rewrites it (then read the diff before committing). */
function golden(name: string, actual: string): string {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  return readFileSync(path, 'utf8');
}

const lines = (text: string): string[] => text.split('\n');

describe('metrics page', () => {
  it('is the golden page in the Prometheus text format 0.0.4', () => {
    const text = page('prometheus');
    expect(text).toBe(golden('small.prom', text));
  });

  it('is the golden page in OpenMetrics 1.0.0: families without _total, UNIT for bytes and seconds, # EOF last', () => {
    const text = page('openmetrics');
    expect(text).toBe(golden('small.om', text));
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(lines(text)).toContain('# TYPE lvs_service_in_bytes counter');
    expect(lines(text)).toContain('# UNIT lvs_service_in_bytes bytes');
    expect(lines(text)).toContain('# UNIT lvs_agent_last_read_age_seconds seconds');
  });

  it('writes u64 counters exactly, 2^64 - 1 and 2^53 + 1 included', () => {
    const text = lines(page('prometheus'));
    expect(text).toContain('lvs_service_in_bytes_total{service="TCP/10.0.0.1:80",protocol="tcp",address="10.0.0.1",port="80"} 18446744073709551615');
    expect(text).toContain('lvs_service_in_packets_total{service="TCP/10.0.0.1:80",protocol="tcp",address="10.0.0.1",port="80"} 9007199254740993');
    expect(text).toContain('lvs_real_in_bytes_total{service="TCP/10.0.0.1:80",real="10.0.0.2:80"} 18446744073709551615');
  });

  it('labels fwmark and IPv6 services by their canonical names and kernel identity', () => {
    const text = lines(page('prometheus'));
    expect(text).toContain('lvs_service_reals{service="FWM/7",fwmark="7"} 1');
    expect(text).toContain('lvs_service_reals{service="FWM6/7",fwmark="7"} 0');
    expect(text).toContain('lvs_service_connections_total{service="UDP/[2001:db8::1]:53",protocol="udp",address="2001:db8::1",port="53"} 12');
    expect(text).toContain('lvs_real_weight{service="UDP/[2001:db8::1]:53",real="[2001:db8::2]:53"} 10');
    expect(text).toContain('lvs_real_weight{service="TCP/10.0.0.1:80",real="10.0.0.3:8080"} 0');
    expect(text).toContain('lvs_service_live_reals{service="TCP/10.0.0.1:80",protocol="tcp",address="10.0.0.1",port="80"} 1');
  });

  it('drops every per-real series when metrics-reals is off, and still counts the reals', () => {
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const text = page(format, { reals: false });
      expect(text).not.toMatch(/lvs_real_/);
      expect(lines(text)).toContain('lvs_reals 4');
      expect(text).toContain('lvs_service_reals{service="TCP/10.0.0.1:80",protocol="tcp",address="10.0.0.1",port="80"} 2');
    }
  });

  it('says the agent state: stale data is not up, and there is no age before the first read', () => {
    const text = lines(page('prometheus', { status: { ...STATUS, status: 'noData', lastReadAt: undefined }, rows: { services: [], reals: [] } }));
    expect(text).toContain('lvs_agent_up 0');
    expect(text).toContain('# TYPE lvs_agent_last_read_age_seconds gauge');
    expect(text.some((l) => l.startsWith('lvs_agent_last_read_age_seconds '))).toBe(false);
    expect(text).toContain('lvs_agent_read_errors_total 2');
    expect(text).toContain('lvs_services 0');
  });

  it('keeps each family together, each sample after its TYPE, and yields between rows of a large table', () => {
    const snapshot = snapshotFromJson({
      ...SMALL_TABLE,
      services: Array.from({ length: 300 }, (_, i) => ({ protocol: 'tcp', address: `10.1.${i >> 8}.${i & 255}`, port: 80, scheduler: 'rr', reals: [] })),
    });
    const rows = new TableModel({ monotonic: false }).update(snapshot, 0).rows;
    const out = new PageWriter();
    const steps = renderSteps({ rows, status: STATUS, now: 0, reals: true }, 'prometheus', out);
    let yields = 0;
    const chunks: Buffer[] = [];
    for (let next = steps.next(); !next.done; next = steps.next()) {
      yields++;
      chunks.push(...out.take());
    }
    chunks.push(...out.take(true));
    expect(yields).toBeGreaterThan(30);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.slice(0, -1).every((c) => c.length > 60_000 && c.length <= 65_536)).toBe(true);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text).toBe(renderPage({ rows, status: STATUS, now: 0, reals: true }, 'prometheus').toString('utf8'));
    const seen = new Set<string>();
    let current = '';
    for (const line of lines(text)) {
      const m = /^# TYPE (\S+)/.exec(line);
      if (m) {
        expect(seen.has(m[1] as string)).toBe(false);
        seen.add((current = m[1] as string));
      } else if (line !== '' && !line.startsWith('#')) {
        expect(line.split(/[{ ]/)[0]).toBe(current);
      }
    }
  });

  it('labels stay right as the same model reads again: same keys, a key swapped for another, a real moved', () => {
    const model = new TableModel({ monotonic: false });
    const table = (services: { address: string; reals: string[] }[]): ReturnType<typeof snapshotFromJson> =>
      snapshotFromJson({
        info: SMALL_TABLE.info,
        services: services.map((s) => ({ protocol: 'tcp', address: s.address, port: 80, scheduler: 'rr', reals: s.reals.map((r) => ({ address: r, port: 80, weight: 1 })) })),
      });
    const page = (): string => renderPage({ rows: model.rows, status: STATUS, now: 0, reals: true }, 'prometheus').toString('utf8');
    const fresh = (): string => {
      // The same table read by a model of its own: nothing cached from earlier reads.
      const rows = new TableModel({ monotonic: false }).update(lastTable, 0).rows;
      return renderPage({ rows, status: STATUS, now: 0, reals: true }, 'prometheus').toString('utf8');
    };
    let lastTable = table([{ address: '10.0.0.1', reals: ['10.1.0.1', '10.1.0.2'] }, { address: '10.0.0.2', reals: ['10.2.0.1'] }]);
    model.update(lastTable, 1);
    expect(page()).toBe(fresh());
    model.update(lastTable, 2); // same keys: the cached labels serve
    expect(page()).toBe(fresh());
    // One service swapped for another, one real for another: as many rows as before, other names.
    lastTable = table([{ address: '10.0.0.1', reals: ['10.1.0.1', '10.1.0.9'] }, { address: '10.0.0.3', reals: ['10.2.0.1'] }]);
    model.update(lastTable, 3);
    const after = page();
    expect(after).toBe(fresh());
    expect(after).toContain('service="TCP/10.0.0.3:80"');
    expect(after).not.toContain('TCP/10.0.0.2:80');
    expect(after).toContain('real="10.1.0.9:80"');
    expect(after).not.toContain('10.1.0.2:80');
  });
});
