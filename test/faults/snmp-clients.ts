import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { MIB_DIRS } from '../e2e/harness/tools.js';

/**
 * SNMP clients for the load and consistency tests: snmpbulkwalk (Net-SNMP's own, one process per walk) with every
 * OID of its output checked to be strictly greater than the one before, and in-process getters from the npm
 * net-snmp package (a process per get would cost more CPU than the agent, on a 2-core machine).
 */

/** Compares two numeric OIDs ("1.3.6.1" and [1,3,6,1] alike) sub-identifier by sub-identifier. */
export function compareOids(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function parseOid(text: string): number[] {
  return text.replace(/^\./, '').split('.').map(Number);
}

export interface WalkResult {
  readonly varbinds: number;
  /** The first pair of OIDs that did not increase, if any. */
  readonly outOfOrder: string | undefined;
  readonly timedOut: boolean;
  readonly exitCode: number | null;
  readonly stderr: string;
}

/**
 * One snmpbulkwalk of `root` through snmpd at `target`, its output read line by line as it comes (-On: numeric
 * OIDs). -Cc turns off the tool's own increasing-OID check, so that this one counts. -r 0: a request not answered
 * within `timeoutSeconds` ends the walk as a timeout.
 */
export function bulkWalk(target: string, root: string, timeoutSeconds: number, repetitions = 10, onSpawn?: (child: ChildProcess) => void): Promise<WalkResult> {
  return new Promise((resolve) => {
    const child = spawn('snmpbulkwalk', ['-v2c', '-c', 'public', '-On', '-Cc', `-Cr${repetitions}`, '-t', String(timeoutSeconds), '-r', '0', target, root], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MIBS: '', MIBDIRS: MIB_DIRS },
    });
    onSpawn?.(child);
    let partial = '';
    let previous: number[] | undefined;
    let previousText = '';
    let varbinds = 0;
    let outOfOrder: string | undefined;
    let stderr = '';
    const line = (text: string): void => {
      // Continuation lines of a long string value do not start with an OID.
      const m = /^(\.[\d.]+) = /.exec(text);
      if (!m) return;
      varbinds++;
      const oid = parseOid(m[1] as string);
      if (previous && outOfOrder === undefined && compareOids(previous, oid) >= 0) outOfOrder = `${previousText} then ${m[1]}`;
      previous = oid;
      previousText = m[1] as string;
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) line(l);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString('utf8');
    });
    child.on('close', (exitCode) => {
      if (partial !== '') line(partial);
      resolve({ varbinds, outOfOrder, timedOut: /Timeout/i.test(stderr), exitCode, stderr: stderr.trim() });
    });
  });
}

export interface Got {
  readonly oid: string;
  readonly type: number;
  readonly value: unknown;
}

/** An SNMPv2c session from the net-snmp package, reduced to what the tests use. */
export interface Getter {
  /** Resolves with the varbinds, rejects with the library's error (RequestTimedOutError on a timeout). */
  get(oids: readonly string[]): Promise<Got[]>;
  close(): void;
}

interface NetSnmpVarbind {
  oid: string;
  type: number;
  value: unknown;
}
interface NetSnmpSession {
  get(oids: string[], callback: (error: Error | null, varbinds: NetSnmpVarbind[]) => void): void;
  close(): void;
}
interface NetSnmp {
  createSession(target: string, community: string, options: Record<string, unknown>): NetSnmpSession;
  Version2c: number;
  RequestTimedOutError: new () => Error;
  ObjectType: Record<string, number>;
}

// The package ships no type declarations; the few calls used here are typed above.
const netSnmp = createRequire(import.meta.url)('net-snmp') as NetSnmp;

export const SnmpType = netSnmp.ObjectType;

export function isTimeout(err: unknown): boolean {
  return err instanceof netSnmp.RequestTimedOutError;
}

/** A getter to snmpd at "127.0.0.1:PORT"; one try per request, `timeoutMs` each. */
export function getter(target: string, timeoutMs: number): Getter {
  const [host, port] = target.split(':');
  const session = netSnmp.createSession(host as string, 'public', { port: Number(port), version: netSnmp.Version2c, timeout: timeoutMs, retries: 0 });
  return {
    get: (oids) =>
      new Promise((resolve, reject) =>
        session.get([...oids], (error, varbinds) => (error ? reject(error) : resolve(varbinds.map((v) => ({ oid: v.oid, type: v.type, value: v.value }))))),
      ),
    close: () => session.close(),
  };
}
