import { perfItem } from './perfdata.js';
import { alerts, type Range } from './range.js';

/**
 * What a fetched LVS-MIB says about the services a check watches: a state, a one-line summary and perfdata, per the
 * Monitoring Plugins development guidelines. Pure: figures in (already read from the agent), a result out.
 */

/** Plugin return codes (guidelines, "Plugin Return Codes"). */
export const STATE = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type StateName = keyof typeof STATE;

export interface RealFigures {
  /** lvsRealName, the canonical host:port. */
  readonly name: string;
  readonly weight: number;
}

export interface ServiceFigures {
  /** lvsServiceName, the canonical name. */
  readonly name: string;
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly conns: bigint;
  readonly inPkts: bigint;
  readonly outPkts: bigint;
  readonly inBytes: bigint;
  readonly outBytes: bigint;
  readonly reals: readonly RealFigures[];
}

/** lvsAgentStatus: ok(1), stale(2), noData(3). */
export type AgentState = 'ok' | 'stale' | 'noData';

export interface Fetched {
  readonly agentStatus: AgentState;
  readonly lastError: string;
  readonly services: readonly ServiceFigures[];
}

export interface Thresholds {
  /** On the number of live reals (weight > 0). */
  readonly warning?: Range | undefined;
  readonly critical?: Range | undefined;
  /** On the percentage of live reals. */
  readonly warningPercent?: Range | undefined;
  readonly criticalPercent?: Range | undefined;
  /** On lvsServiceActiveConns. */
  readonly warningActive?: Range | undefined;
  readonly criticalActive?: Range | undefined;
}

/** One service by name, or all of them (`minServices`: fewer is CRITICAL; an empty table is OK by default). */
export type Selection = { readonly kind: 'service'; readonly name: string } | { readonly kind: 'all'; readonly minServices?: number };

/** How many problem services, and how many quiesced reals, a summary names before it says "and K more". */
export const DEFAULT_MAX_LISTED = 5;

export interface CheckResult {
  readonly state: StateName;
  readonly summary: string;
  /** Perfdata always written: the one service's items, or with --all the totals over the table. */
  readonly perfdata: readonly string[];
  /** With --all, every service's own items: written whole when the line has room for them, else left out whole. */
  readonly detail?: readonly string[];
}

const WORSE: readonly StateName[] = ['OK', 'WARNING', 'UNKNOWN', 'CRITICAL'];

function worst(a: StateName, b: StateName): StateName {
  return WORSE.indexOf(a) >= WORSE.indexOf(b) ? a : b;
}

interface ServiceVerdict {
  readonly state: StateName;
  readonly text: string;
  readonly quiesced: readonly string[];
}

function judge(s: ServiceFigures, t: Thresholds): ServiceVerdict {
  const total = s.reals.length;
  const live = s.reals.filter((r) => r.weight > 0).length;
  const quiesced = s.reals.filter((r) => r.weight <= 0).map((r) => r.name);
  const percent = total === 0 ? 0 : (live * 100) / total;
  let text = `${s.name}: ${live} of ${total} reals live`;
  if (live === 0) return { state: 'CRITICAL', text: `${s.name}: no real server with weight > 0 (${total} reals)`, quiesced };
  const over = (level: 'critical' | 'warning'): string[] => {
    const [n, p, a] = level === 'critical' ? [t.critical, t.criticalPercent, t.criticalActive] : [t.warning, t.warningPercent, t.warningActive];
    const why: string[] = [];
    if (n && alerts(n, live)) why.push(`live reals ${live} outside ${n.text}`);
    if (p && alerts(p, percent)) why.push(`live ${formatPercent(percent)}% outside ${p.text}`);
    if (a && alerts(a, s.activeConns)) why.push(`active connections ${s.activeConns} outside ${a.text}`);
    return why;
  };
  const critical = over('critical');
  const warning = critical.length > 0 ? [] : over('warning');
  const why = critical.length > 0 ? critical : warning;
  if (why.length > 0) text += ` (${why.join(', ')})`;
  text += `, ${s.activeConns} active`;
  return { state: critical.length > 0 ? 'CRITICAL' : warning.length > 0 ? 'WARNING' : 'OK', text, quiesced };
}

function formatPercent(p: number): string {
  return Number.isInteger(p) ? String(p) : p.toFixed(1);
}

function perfdataOf(s: ServiceFigures, t: Thresholds): string[] {
  const live = s.reals.filter((r) => r.weight > 0).length;
  const total = s.reals.length;
  const percent = total === 0 ? 0 : (live * 100) / total;
  const n = s.name;
  return [
    perfItem(`${n} live`, live, '', { warn: t.warning, crit: t.critical, min: 0, max: total }),
    perfItem(`${n} live_pct`, Number(formatPercent(percent)), '%', { warn: t.warningPercent, crit: t.criticalPercent, min: 0, max: 100 }),
    perfItem(`${n} active`, s.activeConns, '', { warn: t.warningActive, crit: t.criticalActive, min: 0 }),
    perfItem(`${n} inactive`, s.inactiveConns, '', { min: 0 }),
    perfItem(`${n} conns`, s.conns, 'c'),
    perfItem(`${n} inpkts`, s.inPkts, 'c'),
    perfItem(`${n} outpkts`, s.outPkts, 'c'),
    perfItem(`${n} inbytes`, s.inBytes, 'c'),
    perfItem(`${n} outbytes`, s.outBytes, 'c'),
  ];
}

const AGENT_PROBLEM: Readonly<Record<Exclude<AgentState, 'ok'>, string>> = {
  stale: 'agent data is stale (its last reads of the IPVS table failed)',
  noData: 'agent has no data (no read of the IPVS table has succeeded yet)',
};

function sum(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => a + b, 0n);
}

/** Totals over the whole table for --all: a bounded perfdata whatever the table's size. */
function totalsOf(services: readonly ServiceFigures[], verdicts: readonly ServiceVerdict[], minServices: number): string[] {
  const count = (st: StateName): number => verdicts.filter((v) => v.state === st).length;
  const reals = services.flatMap((s) => s.reals);
  const atLeast: Range | undefined = minServices > 0 ? { text: `${minServices}:`, start: minServices, end: Infinity, inside: false } : undefined;
  return [
    perfItem('services', services.length, '', { crit: atLeast, min: 0 }),
    perfItem('services_warning', count('WARNING'), '', { min: 0 }),
    perfItem('services_critical', count('CRITICAL'), '', { min: 0 }),
    perfItem('reals', reals.length, '', { min: 0 }),
    perfItem('reals_live', reals.filter((r) => r.weight > 0).length, '', { min: 0 }),
    perfItem('active', services.reduce((a, s) => a + s.activeConns, 0), '', { min: 0 }),
    perfItem('inactive', services.reduce((a, s) => a + s.inactiveConns, 0), '', { min: 0 }),
    perfItem('conns', sum(services.map((s) => s.conns)), 'c'),
    perfItem('inpkts', sum(services.map((s) => s.inPkts)), 'c'),
    perfItem('outpkts', sum(services.map((s) => s.outPkts)), 'c'),
    perfItem('inbytes', sum(services.map((s) => s.inBytes)), 'c'),
    perfItem('outbytes', sum(services.map((s) => s.outBytes)), 'c'),
  ];
}

/**
 * Between the parts of a summary. Not `;`: Debian 12's nagios4 turns every `;` of a plugin's output into `:` (seen
 * in its status.dat by test/monitoring/nagios.test.ts), which would run into the `:` of the names.
 */
export const SEPARATOR = ' - ';

/** The first `max` items, then "and K more" when there are more. */
function listed(items: readonly string[], max: number, more: (k: number) => string): string[] {
  return items.length <= max ? [...items] : [...items.slice(0, max), more(items.length - max)];
}

/** Quiesced reals as `SERVICE real real, SERVICE real`, the first `max` of them, then "and K more". */
function quiescedText(services: readonly ServiceFigures[], verdicts: readonly ServiceVerdict[], max: number): string {
  const pairs = services.flatMap((s, i) => (verdicts[i] as ServiceVerdict).quiesced.map((real) => ({ service: s.name, real })));
  const groups: string[] = [];
  let last: string | undefined;
  for (const { service, real } of pairs.slice(0, max)) {
    if (service === last) groups[groups.length - 1] += ` ${real}`;
    else groups.push(`${service} ${real}`);
    last = service;
  }
  return pairs.length === 0 ? '' : `${SEPARATOR}quiesced: ${groups.join(', ')}${pairs.length > max ? ` and ${pairs.length - max} more` : ''}`;
}

export function evaluate(fetched: Fetched, selection: Selection, thresholds: Thresholds, maxListed = DEFAULT_MAX_LISTED): CheckResult {
  if (fetched.agentStatus !== 'ok') {
    const reason = AGENT_PROBLEM[fetched.agentStatus];
    return { state: 'UNKNOWN', summary: fetched.lastError === '' ? reason : `${reason}: ${fetched.lastError}`, perfdata: [] };
  }
  if (selection.kind === 'service') {
    const s = fetched.services.find((x) => x.name === selection.name);
    if (s === undefined) return { state: 'CRITICAL', summary: `${selection.name}: no such virtual service`, perfdata: [] };
    const verdict = judge(s, thresholds);
    return { state: verdict.state, summary: verdict.text + quiescedText([s], [verdict], maxListed), perfdata: perfdataOf(s, thresholds) };
  }

  const services = fetched.services;
  const minServices = selection.minServices ?? 0;
  const verdicts = services.map((s) => judge(s, thresholds));
  let state = verdicts.reduce<StateName>((acc, v) => worst(acc, v.state), 'OK');
  const count = (st: StateName): number => verdicts.filter((v) => v.state === st).length;
  const counts = (['CRITICAL', 'WARNING', 'OK'] as const).filter((st) => count(st) > 0).map((st) => `${count(st)} ${st}`);
  let summary = services.length === 0 ? '0 services' : `${services.length} services (${counts.join(', ')})`;
  if (services.length < minServices) {
    state = 'CRITICAL';
    summary += `, fewer than --min-services ${minServices}`;
  }
  // The worst first, then table order; at most maxListed of them named.
  const problems = (['CRITICAL', 'WARNING'] as const).flatMap((st) => verdicts.filter((v) => v.state === st).map((v) => v.text));
  summary += listed(problems, maxListed, (k) => `and ${k} more not OK`).map((p) => SEPARATOR + p).join('');
  summary += quiescedText(services, verdicts, maxListed);
  return { state, summary, perfdata: totalsOf(services, verdicts, minServices), detail: services.flatMap((s) => perfdataOf(s, thresholds)) };
}
