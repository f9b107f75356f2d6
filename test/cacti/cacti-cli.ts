import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Thin wrappers around the real Cacti 1.2 of Debian 12 (package `cacti`): its CLI scripts, its poller, its
 * MariaDB database and RRDtool. Cacti's own programs run as www-data, as Debian's cron job and postinst run them,
 * so that every file Cacti writes (RRDs, logs) belongs to the web server's user.
 */

export const CACTI_SITE = '/usr/share/cacti/site';
export const CACTI_CLI = '/usr/share/cacti/cli';
/** <path_cacti>/resource/snmp_queries on Debian (site/resource is a symlink to it). */
export const SNMP_QUERY_DIR = '/usr/share/cacti/resource/snmp_queries';
export const RRA_DIR = '/var/lib/cacti/rra';
/** Written by test/cacti/install-cacti.sh right after it installed Cacti: the database as Debian left it. */
export const PRISTINE_DUMP = '/var/lib/lvs-agentx-cacti-test/cacti.sql';

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      [...args],
      { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 1 << 28, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        if (err) {
          reject(Object.assign(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`), { stdout, stderr }));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a PHP script as www-data; `php` prints PHP warnings to stdout, so callers check the text they expect. */
export function phpAsCacti(script: string, args: readonly string[], timeoutMs = 120_000): Promise<RunResult> {
  return run('runuser', ['-u', 'www-data', '--', 'php', script, ...args], { timeoutMs });
}

export function cli(script: string, args: readonly string[], timeoutMs?: number): Promise<RunResult> {
  return phpAsCacti(`${CACTI_CLI}/${script}`, args, timeoutMs);
}

/** One SQL statement against Cacti's database as MariaDB's root (unix socket); rows of tab-separated columns. */
export async function sql(query: string, params: readonly (string | number)[] = []): Promise<string[][]> {
  const parts = query.split('?');
  if (parts.length !== params.length + 1) throw new Error(`sql: ${parts.length - 1} placeholders, ${params.length} values`);
  const text = parts
    .map((part, i) => {
      const p = params[i - 1];
      if (i === 0 || p === undefined) return part;
      return (typeof p === 'number' ? String(p) : `'${p.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`) + part;
    })
    .join('');
  const { stdout } = await run('mariadb', ['-N', '-B', '-r', 'cacti', '-e', text]);
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

export async function sqlValue(query: string, params: readonly (string | number)[] = []): Promise<string> {
  const rows = await sql(query, params);
  const value = rows[0]?.[0];
  if (value === undefined) throw new Error(`no row for: ${query} [${params.join(', ')}]`);
  return value;
}

/** `rrdtool lastupdate`: the time and the raw values (as RRDtool stored them: the counters as text) of the last update. */
export async function rrdLastUpdate(file: string): Promise<{ time: number; values: Record<string, string> }> {
  const { stdout } = await run('rrdtool', ['lastupdate', file]);
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const names = (lines[0] ?? '').trim().split(/\s+/);
  const m = /^(\d+):\s+(.*)$/.exec(lines[lines.length - 1] ?? '');
  if (!m) throw new Error(`rrdtool lastupdate ${file}: unexpected output\n${stdout}`);
  const vals = (m[2] as string).trim().split(/\s+/);
  const values: Record<string, string> = {};
  names.forEach((n, i) => (values[n] = vals[i] ?? ''));
  return { time: Number(m[1]), values };
}

/** `rrdtool fetch FILE AVERAGE`: rows of [time, value per data source] (NaN for unknown). */
export async function rrdFetch(file: string, start: number, end: number): Promise<{ names: string[]; rows: [number, number[]][] }> {
  const { stdout } = await run('rrdtool', ['fetch', file, 'AVERAGE', '--start', String(start), '--end', String(end)]);
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const names = (lines[0] ?? '').trim().split(/\s+/);
  const rows: [number, number[]][] = [];
  for (const line of lines.slice(1)) {
    const m = /^(\d+):\s+(.*)$/.exec(line);
    if (m) rows.push([Number(m[1]), (m[2] as string).trim().split(/\s+/).map((v) => (/nan/i.test(v) ? NaN : Number(v)))]);
  }
  return { names, rows };
}

export function requireCactiInstalled(): void {
  for (const f of [`${CACTI_CLI}/import_template.php`, `${CACTI_SITE}/poller.php`, '/usr/bin/rrdtool', '/usr/bin/mariadb']) {
    if (!existsSync(f)) throw new Error(`${f} is missing: Cacti is not installed (run: bash test/cacti/install-cacti.sh)`);
  }
}
