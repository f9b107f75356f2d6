import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A private PostgreSQL cluster for the Zabbix test: initdb in a temporary directory, trust authentication, a Unix
 * socket in that directory and no TCP listener, fsync off. Runs as the system user postgres (initdb refuses root).
 * Nothing here touches the system's clusters.
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly socketDir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  static async start(dir: string, port: number): Promise<PrivatePostgres> {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
    const version = versions.sort((a, b) => Number(b) - Number(a))[0];
    if (version === undefined) throw new Error('PostgreSQL server binaries missing: run test/monitoring/install-zabbix.sh');
    const bin = `/usr/lib/postgresql/${version}/bin`;
    const data = join(dir, 'data');
    const socketDir = join(dir, 'socket');
    for (const d of [dir, data, socketDir]) mkdirSync(d, { recursive: true });
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    for (const d of [dir, data, socketDir]) chownSync(d, uid, gid);
    const pg = new PrivatePostgres(dir, socketDir, port, bin);
    await pg.asPostgres(`${bin}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8']);
    const options = `-k ${socketDir} -p ${port} -c listen_addresses= -c fsync=off -c synchronous_commit=off`;
    await pg.asPostgres(`${bin}/pg_ctl`, ['-D', data, '-o', options, '-l', join(dir, 'postgres.log'), '-w', 'start']);
    return pg;
  }

  private asPostgres(command: string, args: readonly string[]): Promise<unknown> {
    return run('runuser', ['-u', 'postgres', '--', command, ...args], { cwd: '/tmp', maxBuffer: 1 << 26 });
  }

  /** Runs SQL (a string, or a shell pipeline's output via `input`) with psql as `user` on `database`. */
  async psql(user: string, database: string, sql: string): Promise<string> {
    const { stdout } = await run('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', this.socketDir, '-p', String(this.port), '-U', user, '-d', database, '-c', sql], {
      maxBuffer: 1 << 26,
    });
    return stdout;
  }

  /** Loads gzipped SQL files (Debian's Zabbix schema) into `database` as `user`. */
  async loadGzipped(user: string, database: string, files: readonly string[]): Promise<void> {
    const psql = `psql -X -q -v ON_ERROR_STOP=1 -h '${this.socketDir}' -p ${this.port} -U ${user} -d ${database}`;
    await run('bash', ['-o', 'pipefail', '-c', `zcat ${files.map((f) => `'${f}'`).join(' ')} | ${psql} >/dev/null`], { maxBuffer: 1 << 26 });
  }

  async stop(): Promise<void> {
    await this.asPostgres(`${this.bin}/pg_ctl`, ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  }
}
