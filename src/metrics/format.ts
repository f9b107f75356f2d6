/**
 * The two exposition formats and the choice between them by the scraper's Accept header.
 *
 * - Prometheus text format 0.0.4 (the default; what `curl` gets): prometheus/docs, "Exposition formats".
 * - OpenMetrics 1.0.0 (RFC-style spec at openmetrics.io), when Accept asks for application/openmetrics-text with
 *   version 1.0.0 or no version, ranked by q no lower than text/plain. Prometheus 2.x sends
 *   `application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,
 *   text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`.
 */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPE: Record<ExpositionFormat, string> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
}

function mediaRanges(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    if (type === undefined || type === '') continue;
    const params = new Map<string, string>();
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
    }
    const qText = params.get('q');
    const q = qText === undefined ? 1 : Number(qText);
    out.push({ type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 });
  }
  return out;
}

/** The format to answer with; anything this endpoint cannot serve better falls back to the text format. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined) return 'prometheus';
  let openMetrics = 0;
  let text = 0;
  for (const r of mediaRanges(accept)) {
    if (r.type === 'application/openmetrics-text') {
      const version = r.params.get('version');
      if (version === undefined || version === '1.0.0') openMetrics = Math.max(openMetrics, r.q);
    } else if (r.type === 'text/plain') {
      text = Math.max(text, r.q);
    }
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'prometheus';
}

/**
 * A label value as both formats write it: backslash, double quote and line feed escaped (`\\`, `\"`, `\n`).
 * Canonical service and real server names never hold them; the escape is there for whatever a source may bring.
 */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : value;
}

/** HELP text: the text format escapes backslash and line feed; OpenMetrics also the double quote. */
export function escapeHelp(text: string, format: ExpositionFormat): string {
  const special = format === 'openmetrics' ? /[\\"\n]/g : /[\\\n]/g;
  return text.replace(special, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}
