import { describe, expect, it } from 'vitest';
import { evaluate, type Fetched, type ServiceFigures, type Thresholds } from '../../../src/tools/check/evaluate.js';
import { statusLine } from '../../../src/tools/check/output.js';
import { perfItem, perfLabel } from '../../../src/tools/check/perfdata.js';
import { parseRange } from '../../../src/tools/check/range.js';

function service(name: string, weights: number[], active = 0): ServiceFigures {
  return {
    name,
    activeConns: active,
    inactiveConns: 7,
    conns: 1n,
    inPkts: 2n,
    outPkts: 3n,
    inBytes: 18446744073709551615n,
    outBytes: 9223372036854775808n,
    reals: weights.map((weight, i) => ({ name: `10.0.0.${i + 2}:80`, weight })),
  };
}

function fetched(...services: ServiceFigures[]): Fetched {
  return { agentStatus: 'ok', lastError: '', services };
}

const WEB = 'TCP/10.0.0.1:80';
const one = { kind: 'service', name: WEB } as const;
const all = { kind: 'all' } as const;
const r = parseRange;

describe('check evaluation', () => {
  const cases: [string, Fetched, Thresholds, string][] = [
    ['all live', fetched(service(WEB, [1, 1])), {}, 'OK'],
    ['missing service', fetched(service('TCP/10.0.0.9:80', [1])), {}, 'CRITICAL'],
    ['all quiesced', fetched(service(WEB, [0, 0])), {}, 'CRITICAL'],
    ['no reals', fetched(service(WEB, [])), {}, 'CRITICAL'],
    ['live 1 below -w 2:', fetched(service(WEB, [1, 0])), { warning: r('2:'), critical: r('1:') }, 'WARNING'],
    ['live 1 at -c 1: boundary', fetched(service(WEB, [1, 0])), { critical: r('1:') }, 'OK'],
    ['live 1 below -c 2:', fetched(service(WEB, [1, 0])), { warning: r('3:'), critical: r('2:') }, 'CRITICAL'],
    ['live 2 inside -c @1:2', fetched(service(WEB, [1, 1])), { critical: r('@1:2') }, 'CRITICAL'],
    ['live 2 outside -c @3:4', fetched(service(WEB, [1, 1])), { critical: r('@3:4') }, 'OK'],
    ['50% below --warning-percent 60:', fetched(service(WEB, [1, 0])), { warningPercent: r('60:') }, 'WARNING'],
    ['50% at --warning-percent 50:', fetched(service(WEB, [1, 0])), { warningPercent: r('50:') }, 'OK'],
    ['50% below --critical-percent 51:', fetched(service(WEB, [1, 0])), { criticalPercent: r('51:') }, 'CRITICAL'],
    ['active 100 above --warning-active 99', fetched(service(WEB, [1], 100)), { warningActive: r('99') }, 'WARNING'],
    ['active 100 at --warning-active 100', fetched(service(WEB, [1], 100)), { warningActive: r('100') }, 'OK'],
    ['active 100 above --critical-active ~:50', fetched(service(WEB, [1], 100)), { warningActive: r('10'), criticalActive: r('~:50') }, 'CRITICAL'],
  ];
  it.each(cases)('%s: %s', (_title, f, t, state) => {
    expect(evaluate(f, one, t).state).toBe(state);
  });

  it('names quiesced reals and counts live ones', () => {
    const result = evaluate(fetched(service(WEB, [5, 0, 0])), one, {});
    expect(statusLine(result).split(' | ')[0]).toBe('LVS OK - TCP/10.0.0.1:80: 1 of 3 reals live, 0 active - quiesced: TCP/10.0.0.1:80 10.0.0.3:80 10.0.0.4:80');
  });

  it('says why a missing service or one without live reals is CRITICAL', () => {
    expect(statusLine(evaluate(fetched(), one, {}))).toBe('LVS CRITICAL - TCP/10.0.0.1:80: no such virtual service');
    expect(evaluate(fetched(service(WEB, [0])), one, {}).summary).toMatch(/^TCP\/10\.0\.0\.1:80: no real server with weight > 0 \(1 reals\)/);
  });

  it('--all takes the worst service and lists the ones not OK', () => {
    const result = evaluate(fetched(service('UDP/10.0.0.1:53', [1, 1]), service(WEB, [0]), service('FWM/7', [1, 0])), all, { warning: r('2:') });
    expect(result.state).toBe('CRITICAL');
    expect(result.summary).toBe(
      '3 services (1 CRITICAL, 1 WARNING, 1 OK) - TCP/10.0.0.1:80: no real server with weight > 0 (1 reals) - FWM/7: 1 of 2 reals live (live reals 1 outside 2:), 0 active - quiesced: TCP/10.0.0.1:80 10.0.0.2:80, FWM/7 10.0.0.3:80',
    );
    expect(evaluate(fetched(), all, {})).toMatchObject({ state: 'OK', summary: '0 services', detail: [] });
  });

  it.each([
    ['stale', /^agent data is stale .*: file: cannot parse$/],
    ['noData', /^agent has no data .*: file: cannot parse$/],
  ] as const)('lvsAgentStatus %s is UNKNOWN with the reason', (status, summary) => {
    const result = evaluate({ agentStatus: status, lastError: 'file: cannot parse', services: [service(WEB, [1])] }, one, {});
    expect(result.state).toBe('UNKNOWN');
    expect(result.summary).toMatch(summary);
    expect(result.perfdata).toEqual([]);
  });

  it('writes perfdata per service: live with thresholds, connections, counters with c', () => {
    const result = evaluate(fetched(service(WEB, [1, 0], 4)), one, { warning: r('2:'), critical: r('@0'), warningActive: r('~:100') });
    expect(result.perfdata).toEqual([
      "'TCP/10.0.0.1:80 live'=1;2:;@0;0;2",
      "'TCP/10.0.0.1:80 live_pct'=50%;;;0;100",
      "'TCP/10.0.0.1:80 active'=4;~:100;;0",
      "'TCP/10.0.0.1:80 inactive'=7;;;0",
      "'TCP/10.0.0.1:80 conns'=1c",
      "'TCP/10.0.0.1:80 inpkts'=2c",
      "'TCP/10.0.0.1:80 outpkts'=3c",
      "'TCP/10.0.0.1:80 inbytes'=18446744073709551615c",
      "'TCP/10.0.0.1:80 outbytes'=9223372036854775808c",
    ]);
  });

  it('quotes labels only when needed and keeps = and quotes out of them', () => {
    expect(perfLabel('FWM/7_live')).toBe('FWM/7_live');
    expect(perfLabel('a b')).toBe("'a b'");
    expect(perfLabel("x='y")).toBe('x__y');
    expect(perfLabel('UDP/[2001:db8::1]:53_live')).toBe("'UDP/[2001:db8::1]:53_live'");
    expect(perfItem('x', 3)).toBe('x=3');
    expect(perfItem('x', 3, '', { crit: r('5'), max: 9 })).toBe('x=3;;5;;9');
  });
});
