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

export type Selection = { readonly kind: 'service'; readonly name: string } | { readonly kind: 'all' };

export interface CheckResult {
  readonly state: StateName;
  readonly summary: string;
  readonly perfdata: readonly string[];
}

const WORSE: readonly StateName[] = ['OK', 'WARNING', 'UNKNOWN', 'CRITICAL'];

function worst(a: StateName, b: StateName): StateName {
  return WORSE.indexOf(a) >= WORSE.indexOf(b) ? a : b;
}

/** `LVS <STATE> - <summary> | <perfdata>` (the perfdata part only when there is some). */
export function statusLine(result: CheckResult): string {
  const line = `LVS ${result.state} - ${result.summary}`;
  return result.perfdata.length === 0 ? line : `${line} | ${result.perfdata.join(' ')}`;
}

/**
 * A perfdata label: single-quoted when it holds anything but letters, digits and `_./:-` (guidelines: "the single
 * quotes for the label are optional, required if spaces are in the label"). `=` and `'` cannot appear in one, so
 * they are replaced by `_`.
 */
export function perfLabel(label: string): string {
  const clean = label.replace(/['=]/g, '_');
  return /^[A-Za-z0-9_./:-]+$/.test(clean) ? clean : `'${clean}'`;
}

/** `'label'=value[UOM];[warn];[crit];[min];[max]`, trailing empty fields dropped. */
export function perfItem(
  label: string,
  value: number | bigint,
  uom = '',
  fields: { warn?: Range | undefined; crit?: Range | undefined; min?: number; max?: number } = {},
): string {
  const parts = [fields.warn?.text ?? '', fields.crit?.text ?? '', fields.min === undefined ? '' : String(fields.min), fields.max === undefined ? '' : String(fields.max)];
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return [`${perfLabel(label)}=${value.toString()}${uom}`, ...parts].join(';');
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

export function evaluate(fetched: Fetched, selection: Selection, thresholds: Thresholds): CheckResult {
  if (fetched.agentStatus !== 'ok') {
    const reason = AGENT_PROBLEM[fetched.agentStatus];
    return { state: 'UNKNOWN', summary: fetched.lastError === '' ? reason : `${reason}: ${fetched.lastError}`, perfdata: [] };
  }
  let services = fetched.services;
  if (selection.kind === 'service') {
    services = services.filter((s) => s.name === selection.name);
    if (services.length === 0) return { state: 'CRITICAL', summary: `${selection.name}: no such virtual service`, perfdata: [] };
  }
  if (services.length === 0) return { state: 'OK', summary: 'no virtual services', perfdata: [] };
  const verdicts = services.map((s) => judge(s, thresholds));
  const state = verdicts.reduce<StateName>((acc, v) => worst(acc, v.state), 'OK');
  const quiesced = services.flatMap((s, i) => ((verdicts[i] as ServiceVerdict).quiesced.length === 0 ? [] : [`${s.name} ${(verdicts[i] as ServiceVerdict).quiesced.join(' ')}`]));
  let summary: string;
  if (selection.kind === 'service') {
    summary = (verdicts[0] as ServiceVerdict).text;
  } else {
    const count = (st: StateName): number => verdicts.filter((v) => v.state === st).length;
    const counts = (['CRITICAL', 'WARNING', 'OK'] as const).filter((st) => count(st) > 0).map((st) => `${count(st)} ${st}`);
    const problems = verdicts.filter((v) => v.state !== 'OK').map((v) => v.text);
    summary = `${services.length} services (${counts.join(', ')})${problems.length > 0 ? `; ${problems.join('; ')}` : ''}`;
  }
  if (quiesced.length > 0) summary += `; quiesced: ${quiesced.join(', ')}`;
  return { state, summary, perfdata: services.flatMap((s) => perfdataOf(s, thresholds)) };
}
