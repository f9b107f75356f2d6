import { describe, expect, it } from 'vitest';
import { evaluate, type Fetched, type ServiceFigures } from '../../../src/tools/check/evaluate.js';
import { DEFAULT_MAX_OUTPUT, statusLine } from '../../../src/tools/check/output.js';
import { parseRange } from '../../../src/tools/check/range.js';

/** What `lvs-agentx check --all` prints for big and empty tables: bounded summary, bounded line, whole perfdata items. */

function service(i: number, weights: number[], active = 0): ServiceFigures {
  return {
    name: `TCP/10.${i >> 16}.${(i >> 8) & 255}.${i & 255}:80`,
    activeConns: active,
    inactiveConns: 1,
    conns: 10n,
    inPkts: 20n,
    outPkts: 30n,
    inBytes: 2n ** 63n,
    outBytes: 2n ** 63n,
    reals: weights.map((weight, r) => ({ name: `10.200.0.${r + 1}:80`, weight })),
  };
}

const fetched = (services: ServiceFigures[]): Fetched => ({ agentStatus: 'ok', lastError: '', services });
const all = { kind: 'all' } as const;

/** Perfdata items, whole: a quoted label may hold a space. */
const items = (line: string): string[] => line.split(' | ')[1]?.match(/'[^']*'=\S*|[^\s']+=\S*/g) ?? [];

describe('check --all on a big table', () => {
  // 10,000 services of 10 reals: every 1000th has none live, every 100th (other) is below -w 9:, one real quiesced each.
  const big = fetched(Array.from({ length: 10_000 }, (_, i) => service(i + 1, i % 1000 === 999 ? Array(10).fill(0) : i % 100 === 99 ? [1, 1, 1, 1, 1, 1, 1, 1, 0, 0] : [1, 1, 1, 1, 1, 1, 1, 1, 1, 0])));
  const result = evaluate(big, all, { warning: parseRange('9:') });

  it('names the worst first, at most 5 (--max-listed), then says how many more', () => {
    expect(result.state).toBe('CRITICAL');
    const summary = result.summary;
    expect(summary).toMatch(/^10000 services \(10 CRITICAL, 90 WARNING, 9900 OK\) - TCP\/10\.0\.3\.232:80: no real server with weight > 0 \(10 reals\) - /);
    expect(summary.match(/no real server/g)).toHaveLength(5);
    expect(summary).toContain(' - and 95 more not OK - quiesced: TCP/10.0.0.1:80 10.200.0.10:80, ');
    expect(summary).toMatch(/ and 10175 more$/);
    expect(evaluate(big, all, {}, 2).summary).toMatch(/^10000 services \(10 CRITICAL, 9990 OK\) - [^-]+ - [^-]+ - and 8 more not OK - quiesced: \S+ \S+, \S+ \S+ and 10178 more$/);
  });

  it('fits 8192 bytes (what Nagios 3 and Icinga 1 read): the totals stay, the per-service perfdata goes out whole', () => {
    const line = statusLine(result, DEFAULT_MAX_OUTPUT);
    expect(Buffer.byteLength(line) + 1).toBeLessThanOrEqual(8192);
    expect(line).toMatch(/ - per-service perfdata left out \(the line would be \d{7} bytes, over --max-output 8192\) \| services=10000;;;0 /);
    expect(items(line)).toEqual([
      'services=10000;;;0',
      'services_warning=90;;;0',
      'services_critical=10;;;0',
      'reals=100000;;;0',
      'reals_live=89820;;;0',
      'active=0;;;0',
      'inactive=10000;;;0',
      'conns=100000c',
      'inpkts=200000c',
      'outpkts=300000c',
      `inbytes=${10_000n * 2n ** 63n}c`,
      `outbytes=${10_000n * 2n ** 63n}c`,
    ]);
  });

  it('keeps every service\'s perfdata when there is room, or with --max-output 0', () => {
    expect(items(statusLine(result, 0))).toHaveLength(12 + 10_000 * 9);
    const small = evaluate(fetched([service(1, [1]), service(2, [1, 0])]), all, {});
    const line = statusLine(small, DEFAULT_MAX_OUTPUT);
    expect(line).not.toContain('left out');
    expect(items(line)).toHaveLength(12 + 2 * 9);
    expect(items(line)).toContain("'TCP/10.0.0.2:80 live'=1;;;0;2");
  });

  it('cuts only a summary that alone overflows, at a character, and keeps the totals whole', () => {
    const line = statusLine(evaluate(big, all, { warning: parseRange('9:') }, 1000), 1024);
    expect(Buffer.byteLength(line) + 1).toBeLessThanOrEqual(1024);
    expect(line).toMatch(/\.\.\. \| services=10000;;;0 .* outbytes=\d+c$/);
    const unknown = statusLine({ state: 'UNKNOWN', summary: `agent data is stale: ${'é'.repeat(400)}`, perfdata: [] }, 256);
    expect(Buffer.byteLength(unknown) + 1).toBeLessThanOrEqual(256);
    expect(unknown).toMatch(/^LVS UNKNOWN - agent data is stale: é+\.\.\.$/);
  });
});

describe('check --all on an empty table', () => {
  it('is OK with "0 services" and zero totals', () => {
    const result = evaluate(fetched([]), all, {});
    expect(result.state).toBe('OK');
    expect(statusLine(result)).toBe(
      'LVS OK - 0 services | services=0;;;0 services_warning=0;;;0 services_critical=0;;;0 reals=0;;;0 reals_live=0;;;0 active=0;;;0 inactive=0;;;0 conns=0c inpkts=0c outpkts=0c inbytes=0c outbytes=0c',
    );
  });

  it('is CRITICAL below --min-services, which goes into the perfdata as the critical range', () => {
    const empty = evaluate(fetched([]), { kind: 'all', minServices: 1 }, {});
    expect(empty.state).toBe('CRITICAL');
    expect(statusLine(empty)).toMatch(/^LVS CRITICAL - 0 services, fewer than --min-services 1 \| services=0;;1:;0 /);
    const two = evaluate(fetched([service(1, [1]), service(2, [1])]), { kind: 'all', minServices: 3 }, {});
    expect(two.state).toBe('CRITICAL');
    expect(two.summary).toBe('2 services (2 OK), fewer than --min-services 3');
    expect(evaluate(fetched([service(1, [1])]), { kind: 'all', minServices: 1 }, {}).state).toBe('OK');
  });
});
