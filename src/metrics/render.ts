/**
 * The metrics page of one snapshot, in the Prometheus text format 0.0.4 or OpenMetrics 1.0.0: pure (rows and
 * status in, page bytes out), in steps that a caller runs in time slices (the generator yields every few rows).
 *
 * Hand-written rather than prom-client 15.1.3, measured at 10,000 services x 10 reals (1.3 million series, Node 20,
 * throwaway script, not kept): filling its registry from a snapshot took 1.7 s and 150 MiB of heap per scrape, and
 * Registry.metrics() rendered the 109 MB page in one 4.4 s turn of the event loop; snmpd drops a subagent that
 * leaves requests unanswered for its 1 s timeout. Its counters also only go up by inc() of a JS number, where
 * kernel counters are set, are u64 and pass 2^53. The page here is written straight from the table model's rows.
 */
import type { AgentStatus } from '../mib/lvs-mib.js';
import type { RealRow, Rows, ServiceRow } from '../mib/rows.js';
import { REAL_FAMILIES, SERVICE_FAMILIES, type Family, type MetricType } from './families.js';
import { escapeHelp, escapeLabelValue, type ExpositionFormat } from './format.js';
import { labelBytesSteps, PageWriter, type LabelBytes } from './page-writer.js';
import { runToEnd } from '../util/time-slices.js';

export interface PageInput {
  readonly rows: Rows;
  readonly status: AgentStatus;
  /** Monotonic ms (performance.now()) of the scrape, for the age of the last read. */
  readonly now: number;
  /** Whether to write the per-real-server series (setting metrics-reals). */
  readonly reals: boolean;
}

/** Rows handled between two yields. */
const ROWS_PER_STEP = 64;

/** The labels of a service's series: its canonical name and what identifies it in the kernel. */
export function serviceLabels(row: ServiceRow): string {
  const key = row.service.key;
  const service = `service="${escapeLabelValue(row.name)}"`;
  if (key.kind === 'fwmark') return `${service},fwmark="${key.fwmark}"`;
  return `${service},protocol="${key.protocol}",address="${escapeLabelValue(key.address)}",port="${key.port}"`;
}

/** The labels of a real server's series: its service's canonical name and its own (join on `service` for more). */
export function realLabels(row: RealRow): string {
  return `service="${escapeLabelValue(row.service.name)}",real="${escapeLabelValue(row.name)}"`;
}

function header(out: PageWriter, format: ExpositionFormat, name: string, type: MetricType, help: string, unit?: string): void {
  // The text format names a counter family by its samples' name; OpenMetrics by the name without _total.
  const family = type === 'counter' && format === 'prometheus' ? `${name}_total` : name;
  out.text(`# HELP ${family} ${escapeHelp(help, format)}\n# TYPE ${family} ${type}\n`);
  if (unit !== undefined && format === 'openmetrics') out.text(`# UNIT ${family} ${unit}\n`);
}

function sampleName(name: string, type: MetricType): string {
  return type === 'counter' ? `${name}_total` : name;
}

/** The agent's own series: whether reads succeed, their age and errors, and the table's size. */
function agentFamilies(out: PageWriter, input: PageInput, format: ExpositionFormat): void {
  const { status, rows } = input;
  const one = (name: string, type: MetricType, help: string, value: string | undefined, unit?: 'seconds'): void => {
    header(out, format, name, type, help, unit);
    if (value !== undefined) out.text(`${sampleName(name, type)} ${value}\n`);
  };
  one('lvs_agent_up', 'gauge', '1 when the last read of the IPVS table succeeded; 0 when the data served is stale or there is none.', status.status === 'ok' ? '1' : '0');
  const age = status.lastReadAt === undefined ? undefined : seconds(Math.max(0, input.now - status.lastReadAt));
  one('lvs_agent_last_read_age_seconds', 'gauge', 'Seconds since the last successful read of the IPVS table (absent before the first).', age, 'seconds');
  one('lvs_agent_last_read_duration_seconds', 'gauge', 'How long the last read of the IPVS table took.', seconds(status.lastReadDurationMs), 'seconds');
  one('lvs_agent_read_errors', 'counter', 'Failed reads of the IPVS table since the agent started.', String(status.readErrors));
  one('lvs_services', 'gauge', 'Virtual services in the IPVS table.', String(rows.services.length));
  one('lvs_reals', 'gauge', 'Real servers in the IPVS table, over all virtual services.', String(rows.reals.length));
}

function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

function* families<Row extends ServiceRow | RealRow>(out: PageWriter, format: ExpositionFormat, list: readonly Family<Row>[], rows: readonly Row[], labels: LabelBytes): Generator<void, void> {
  for (const f of list) {
    header(out, format, f.name, f.type, f.help, f.unit);
    const name = Buffer.from(sampleName(f.name, f.type), 'latin1');
    const v = f.value;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      if ('stat' in v) {
        const { words, values, at } = (row as ServiceRow | RealRow).stats;
        out.sampleStat(name, labels, i, words, values, at, v.stat);
      } else {
        out.sampleNumber(name, labels, i, v.of(row));
      }
      if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    }
  }
}

/**
 * Label bytes by the rows array they were made for. The table model keeps its row arrays from read to read while
 * no key comes or goes (and makes new ones when one does), and a row's labels are fixed by its identity: so the
 * labels are made once per shape of the table, not once per scrape. Made per scrape they were most of a scrape's
 * garbage (about 22 MiB of heap for a 10,000 x 10 page, old generation that V8 collected only now and then: RSS
 * rose by 30 MiB a scrape to 340 MiB).
 */
const labelCache = new WeakMap<readonly object[], LabelBytes>();

/** Every row's label set, copied into each family's samples. */
function* labelsOf<Row extends object>(rows: readonly Row[], labels: (row: Row) => string): Generator<void, LabelBytes> {
  const cached = labelCache.get(rows);
  if (cached !== undefined && cached.offsets.length === rows.length + 1) return cached;
  const sets = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    sets[i] = labels(rows[i] as Row);
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
  }
  const made = yield* labelBytesSteps(sets);
  labelCache.set(rows, made);
  return made;
}

/**
 * The page, family by family (both formats want a family's samples together), into `out`, in steps: between two,
 * the caller takes the bytes made so far (out.take()). The rows must not change until the generator is done.
 */
export function* renderSteps(input: PageInput, format: ExpositionFormat, out: PageWriter): Generator<void, void> {
  agentFamilies(out, input, format);
  const { services, reals } = input.rows;
  yield* families(out, format, SERVICE_FAMILIES, services, yield* labelsOf(services, serviceLabels));
  if (input.reals) yield* families(out, format, REAL_FAMILIES, reals, yield* labelsOf(reals, realLabels));
  if (format === 'openmetrics') out.text('# EOF\n');
}

/** The whole page at once (tests, tools): fine for small tables, never in the daemon. */
export function renderPage(input: PageInput, format: ExpositionFormat): Buffer {
  const out = new PageWriter();
  runToEnd(renderSteps(input, format, out));
  return Buffer.concat(out.take(true));
}
