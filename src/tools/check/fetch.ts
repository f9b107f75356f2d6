import { createRequire } from 'node:module';
import { LVS_MIB_ROOT, LVS_REAL_ENTRY, LVS_SERVICE_ENTRY, REAL_COLUMNS, SCALARS, SERVICE_COLUMNS, type ColumnDef } from '../../mib/lvs-mib.js';
import { compareOids, isPrefixOf, oidToString, parseOid } from '../../mib/oid.js';
import { decodeStringIndex, encodeStringIndex } from '../../mib/string-index.js';
import type { AgentState, Fetched, RealFigures, Selection, ServiceFigures } from './evaluate.js';
import type { CheckOptions, SnmpCredentials } from './options.js';

/**
 * The check's SNMP manager side, with the net-snmp package: one GET of lvsAgentStatus and lvsAgentLastError, then
 * with --all the needed columns of lvsServiceTable walked side by side with GETBULK (one varbind per column in each
 * request), then lvsRealWeight in up to 16 stretches side by side, cut where the service table says services
 * begin; never one request per row. With --service only that service's rows are read (the index is its name).
 */

interface Varbind {
  oid: string;
  type: number;
  value: unknown;
}
interface Session {
  get(oids: string[], cb: (error: Error | null, varbinds: Varbind[]) => void): void;
  getBulk(oids: string[], nonRepeaters: number, maxRepetitions: number, cb: (error: Error | null, varbinds: Varbind[][]) => void): void;
  close(): void;
  on(event: 'error', listener: (err: Error) => void): void;
}
interface NetSnmp {
  createSession(target: string, community: string, options: Record<string, unknown>): Session;
  createV3Session(target: string, user: Record<string, unknown>, options: Record<string, unknown>): Session;
  Version2c: number;
  Version3: number;
  SecurityLevel: Record<string, number>;
  AuthProtocols: Record<string, number>;
  PrivProtocols: Record<string, number>;
  ObjectType: Record<string, number>;
  isVarbindError(v: Varbind): boolean;
}

// The package ships no type declarations; the few calls used here are typed above.
const netSnmp = createRequire(import.meta.url)('net-snmp') as NetSnmp;

/** An SNMP failure (timeout, unreachable, authentication), said in one line. */
export class SnmpFailure extends Error {
  override readonly name = 'SnmpFailure';
}

const AUTH: Record<string, string> = { MD5: 'md5', SHA: 'sha', 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const PRIV: Record<string, string> = { DES: 'des', AES: 'aes', 'AES-256B': 'aes256b', 'AES-256R': 'aes256r' };

/** The host as the socket wants it: an IPv6 literal without its brackets. */
function bareHost(host: string): string {
  return /^\[.*\]$/.test(host) ? host.slice(1, -1) : host;
}

/** host:port for messages, an IPv6 literal in brackets. */
function where(o: CheckOptions): string {
  const host = bareHost(o.host);
  return `${host.includes(':') ? `[${host}]` : host}:${o.port}`;
}

function openSession(o: CheckOptions): Session {
  const host = bareHost(o.host);
  const options = { port: o.port, timeout: Math.ceil(o.timeoutSeconds * 1000), retries: 0, transport: host.includes(':') ? 'udp6' : 'udp4' };
  const c: SnmpCredentials = o.credentials;
  if (c.version === '2c') return netSnmp.createSession(host, c.community, { ...options, version: netSnmp.Version2c });
  const user: Record<string, unknown> = { name: c.user, level: netSnmp.SecurityLevel[c.level] };
  if (c.level !== 'noAuthNoPriv') Object.assign(user, { authProtocol: netSnmp.AuthProtocols[AUTH[c.authProtocol] as string], authKey: c.authKey });
  if (c.level === 'authPriv') Object.assign(user, { privProtocol: netSnmp.PrivProtocols[PRIV[c.privProtocol] as string], privKey: c.privKey });
  return netSnmp.createV3Session(host, user, { ...options, version: netSnmp.Version3 });
}

/** A Counter64 (a Buffer of big-endian octets from net-snmp), Counter32, Gauge32 or Integer as an exact bigint. */
export function toBigInt(value: unknown): bigint {
  if (Buffer.isBuffer(value)) {
    let n = 0n;
    for (const byte of value) n = (n << 8n) | BigInt(byte);
    return n;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'bigint') return value;
  throw new SnmpFailure(`unexpected value ${String(value).slice(0, 40)} where a number was expected`);
}

function column<Row>(columns: readonly ColumnDef<Row>[], name: string): number {
  const c = columns.find((x) => x.name === name);
  if (!c) throw new Error(`LVS-MIB has no column ${name}`);
  return c.subid;
}

const SERVICE_FIELDS = {
  activeConns: column(SERVICE_COLUMNS, 'lvsServiceActiveConns'),
  inactiveConns: column(SERVICE_COLUMNS, 'lvsServiceInactiveConns'),
  conns: column(SERVICE_COLUMNS, 'lvsServiceHCStatsConns'),
  inPkts: column(SERVICE_COLUMNS, 'lvsServiceHCStatsInPkts'),
  outPkts: column(SERVICE_COLUMNS, 'lvsServiceHCStatsOutPkts'),
  inBytes: column(SERVICE_COLUMNS, 'lvsServiceStatsInBytes'),
  outBytes: column(SERVICE_COLUMNS, 'lvsServiceStatsOutBytes'),
} as const;
const REAL_WEIGHT = column(REAL_COLUMNS, 'lvsRealWeight');
const scalarOid = (name: string): string => oidToString([...LVS_MIB_ROOT, (SCALARS.find((s) => s.name === name) as { subid: number }).subid, 0]).slice(1);
const AGENT_STATUS_OID = scalarOid('lvsAgentStatus');
const AGENT_LAST_ERROR_OID = scalarOid('lvsAgentLastError');
const AGENT_STATES: Record<number, AgentState> = { 1: 'ok', 2: 'stale', 3: 'noData' };

function get(session: Session, oids: string[]): Promise<Varbind[]> {
  return new Promise((resolve, reject) => session.get(oids, (err, vbs) => (err ? reject(err) : resolve(vbs))));
}

function getBulk(session: Session, oids: string[], repetitions: number): Promise<Varbind[][]> {
  return new Promise((resolve, reject) => session.getBulk(oids, 0, repetitions, (err, vbs) => (err ? reject(err) : resolve(vbs))));
}

/** One walk: the rows under `prefix` after `start` (default: from the top of `prefix`) and before `stop`. */
interface WalkRange {
  readonly prefix: readonly number[];
  readonly start?: readonly number[];
  readonly stop?: readonly number[];
}

/**
 * Walks `ranges` side by side: each GETBULK asks for every range still open, from where it got to. Returns, per
 * range, the rows' index (the OID after the prefix) and value. snmpd turns each repetition of a GETBULK into one
 * AgentX GetNext to the agent carrying one varbind per range asked, so the more ranges in a request, the fewer
 * round trips between snmpd and the agent.
 */
async function walkRanges(session: Session, ranges: readonly WalkRange[], repetitions = 25): Promise<Map<string, unknown>[]> {
  const out = ranges.map(() => new Map<string, unknown>());
  const cursor = ranges.map((r) => oidToString(r.start ?? r.prefix).slice(1));
  const open = ranges.map(() => true);
  while (open.some((x) => x)) {
    const asked = ranges.flatMap((_, i) => (open[i] ? [i] : []));
    const answers = await getBulk(session, asked.map((i) => cursor[i] as string), repetitions);
    asked.forEach((i, k) => {
      const { prefix, stop } = ranges[i] as WalkRange;
      const rows = answers[k] ?? [];
      for (const vb of rows) {
        const oid = netSnmp.isVarbindError(vb) ? undefined : parseOid(vb.oid);
        if (oid === undefined || !isPrefixOf(prefix, oid) || (stop !== undefined && compareOids(oid, stop) >= 0)) {
          open[i] = false;
          return;
        }
        (out[i] as Map<string, unknown>).set(oid.slice(prefix.length).join('.'), vb.value);
        cursor[i] = vb.oid;
      }
      if (rows.length === 0) open[i] = false;
    });
  }
  return out;
}

/** Ranges of whole subtrees. */
function walkColumns(session: Session, prefixes: readonly number[][]): Promise<Map<string, unknown>[]> {
  return walkRanges(session, prefixes.map((prefix) => ({ prefix })));
}

/** How many stretches of the real table --all walks side by side. */
const REAL_SEGMENTS = 16;

/**
 * lvsRealWeight for every real of `services` (the service table's index suffixes, in table order): the column is
 * cut at service boundaries (its index begins with the service's) into up to REAL_SEGMENTS stretches walked side by
 * side, so a table of 10,000 services x 10 reals takes about 100,000 / 16 AgentX round trips instead of 100,000.
 */
async function walkWeights(session: Session, services: readonly string[]): Promise<Map<string, unknown>> {
  const prefix = [...LVS_REAL_ENTRY, REAL_WEIGHT];
  const count = Math.min(REAL_SEGMENTS, services.length);
  const starts = Array.from({ length: count }, (_, j) => [...prefix, ...(services[Math.floor((j * services.length) / count)] as string).split('.').map(Number)]);
  const ranges: WalkRange[] = starts.map((start, j) => (j === 0 ? { prefix, stop: starts[1] } : { prefix, start, stop: starts[j + 1] }));
  const walked = await walkRanges(session, ranges.length === 0 ? [{ prefix }] : ranges);
  return new Map(walked.flatMap((m) => [...m]));
}

function indexText(suffix: string, offset: number): { text: string; next: number } | undefined {
  return decodeStringIndex(suffix.split('.').map(Number), offset);
}

async function fetchTables(session: Session, selection: Selection): Promise<Fetched> {
  const scalars = await get(session, [AGENT_STATUS_OID, AGENT_LAST_ERROR_OID]);
  const [status, lastError] = scalars as [Varbind, Varbind];
  if (netSnmp.isVarbindError(status)) throw new SnmpFailure('the agent does not serve LVS-MIB here (lvsAgentStatus.0 missing: is lvs-agentx connected to this snmpd, and is LVS-MIB in the view?)');
  const agentStatus = AGENT_STATES[Number(status.value)] ?? 'noData';
  const lastErrorText = Buffer.isBuffer(lastError.value) ? lastError.value.toString('latin1') : '';
  if (agentStatus !== 'ok') return { agentStatus, lastError: lastErrorText, services: [] };

  const serviceIndex = selection.kind === 'service' ? encodeStringIndex(selection.name) : [];
  const fields = Object.entries(SERVICE_FIELDS) as [keyof typeof SERVICE_FIELDS, number][];
  const realsPrefix = [...LVS_REAL_ENTRY, REAL_WEIGHT, ...serviceIndex];
  let serviceValues: Map<string, unknown>[];
  let weights: Map<string, unknown>;
  if (selection.kind === 'service') {
    // One row: a GET of its columns, and a walk of its reals' weights (the index begins with the service name).
    const oids = fields.map(([, subid]) => oidToString([...LVS_SERVICE_ENTRY, subid, ...serviceIndex]).slice(1));
    const [got, [w]] = await Promise.all([get(session, oids), walkColumns(session, [realsPrefix])]);
    const key = serviceIndex.join('.');
    serviceValues = got.map((vb) => new Map(netSnmp.isVarbindError(vb) ? [] : [[key, vb.value]]));
    weights = w as Map<string, unknown>;
  } else {
    // The service table first: its index tells where to cut the real table into stretches walked side by side.
    serviceValues = await walkColumns(session, fields.map(([, subid]) => [...LVS_SERVICE_ENTRY, subid]));
    weights = await walkWeights(session, [...(serviceValues[0] as Map<string, unknown>).keys()]);
  }

  const reals = new Map<string, RealFigures[]>();
  for (const [suffix, value] of weights) {
    // The suffix after the prefix: with --service the real's index alone, else the service's and then the real's.
    const parts = suffix.split('.').map(Number);
    const service = selection.kind === 'service' ? { text: selection.name, next: 0 } : decodeStringIndex(parts, 0);
    const real = service && decodeStringIndex(parts, service.next);
    if (!service || !real) continue;
    const list = reals.get(service.text) ?? [];
    list.push({ name: real.text, weight: Number(value) });
    reals.set(service.text, list);
  }

  const services: ServiceFigures[] = [];
  const first = serviceValues[0] as Map<string, unknown>;
  for (const suffix of first.keys()) {
    const name = selection.kind === 'service' ? selection.name : indexText(suffix, 0)?.text;
    if (name === undefined) continue;
    const value = (field: keyof typeof SERVICE_FIELDS): unknown => (serviceValues[fields.findIndex(([f]) => f === field)] as Map<string, unknown>).get(suffix) ?? 0;
    services.push({
      name,
      activeConns: Number(value('activeConns')),
      inactiveConns: Number(value('inactiveConns')),
      conns: toBigInt(value('conns')),
      inPkts: toBigInt(value('inPkts')),
      outPkts: toBigInt(value('outPkts')),
      inBytes: toBigInt(value('inBytes')),
      outBytes: toBigInt(value('outBytes')),
      reals: reals.get(name) ?? [],
    });
  }
  return { agentStatus, lastError: lastErrorText, services };
}

/** Reads what the check needs from the director, within the timeout; every failure is an SnmpFailure. */
export async function fetchLvs(options: CheckOptions): Promise<Fetched> {
  let session: Session;
  try {
    session = openSession(options);
  } catch (err) {
    throw new SnmpFailure(`SNMP session to ${where(options)}: ${(err as Error).message}`);
  }
  // snmpd does not answer a wrong community or a wrong SNMPv3 privacy passphrase at all: say so with the timeout.
  const silence = `no answer from ${where(options)} within ${options.timeoutSeconds} s (${options.credentials.version === '2c' ? 'snmpd down or unreachable, or the community not accepted' : 'snmpd down or unreachable, or the privacy passphrase wrong'})`;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SnmpFailure(silence)), options.timeoutSeconds * 1000);
  });
  const sessionError = new Promise<never>((_, reject) => session.on('error', (err) => reject(new SnmpFailure(`SNMP: ${err.message}`))));
  try {
    return await Promise.race([fetchTables(session, options.selection), deadline, sessionError]);
  } catch (err) {
    if (err instanceof SnmpFailure) throw err;
    const e = err as Error;
    if (e.name === 'RequestTimedOutError') throw new SnmpFailure(silence);
    // USM reports (unknown user, wrong digest) come as ResponseInvalidError with the report's meaning as message.
    throw new SnmpFailure(`SNMP ${e.name === 'ResponseInvalidError' ? 'refused' : 'error'}: ${e.message} (${where(options)})`);
  } finally {
    clearTimeout(timer);
    try {
      session.close();
    } catch {
      // already closed
    }
  }
}
