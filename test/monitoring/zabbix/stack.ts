import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZabbixApi } from './api.js';
import { PrivatePostgres } from './postgres.js';
import { Daemon, freeTcpPort, waitFor } from './processes.js';

/**
 * Debian's Zabbix 6.0 as the test runs it, all in one temporary directory and stopped afterwards: a private
 * PostgreSQL cluster with a database made from Debian's schema (/usr/share/zabbix-server-pgsql), zabbix_server in
 * the foreground with a one-second configuration cache refresh, and the PHP frontend under PHP's built-in web
 * server for its JSON-RPC API. The frontend's fixed configuration file (/etc/zabbix/zabbix.conf.php, written by
 * test/monitoring/install-zabbix.sh) takes the database from the LVS_ZABBIX_DB_* variables set here.
 */

const SCHEMA_DIR = '/usr/share/zabbix-server-pgsql';
const FRONTEND_DIR = '/usr/share/zabbix';
const FRONTEND_CONF = '/etc/zabbix/zabbix.conf.php';
const CONF_MARKER = 'lvs-agentx test/monitoring/install-zabbix.sh';

export class ZabbixStack {
  private constructor(
    readonly dir: string,
    readonly postgres: PrivatePostgres,
    private readonly server: Daemon,
    private readonly frontend: Daemon,
    readonly api: ZabbixApi,
  ) {}

  get serverLog(): string {
    return join(this.dir, 'zabbix_server.log');
  }

  static async start(): Promise<ZabbixStack> {
    if (!existsSync('/usr/sbin/zabbix_server') || !existsSync(join(FRONTEND_DIR, 'api_jsonrpc.php'))) {
      throw new Error('Zabbix is not installed: run `bash test/monitoring/install-zabbix.sh` as root');
    }
    if (!existsSync(FRONTEND_CONF) || !readFileSync(FRONTEND_CONF, 'utf8').includes(CONF_MARKER)) {
      throw new Error(`${FRONTEND_CONF} was not written by test/monitoring/install-zabbix.sh: not running against another Zabbix's database`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-zabbix-'));
    chmodSync(dir, 0o755);
    let postgres: PrivatePostgres | undefined;
    let server: Daemon | undefined;
    let frontend: Daemon | undefined;
    try {
      postgres = await PrivatePostgres.start(join(dir, 'pg'), await freeTcpPort());
      await postgres.psql('postgres', 'postgres', 'CREATE ROLE zabbix LOGIN');
      await postgres.psql('postgres', 'postgres', 'CREATE DATABASE zabbix OWNER zabbix');
      await postgres.loadGzipped('zabbix', 'zabbix', ['schema', 'images', 'data'].map((f) => join(SCHEMA_DIR, `${f}.sql.gz`)));
      // The stock "Zabbix server" host polls a Zabbix agent that is not there: disabled, so the log stays about us.
      await postgres.psql('zabbix', 'zabbix', "UPDATE hosts SET status = 1 WHERE host = 'Zabbix server'");

      const serverPort = await freeTcpPort();
      const conf = join(dir, 'zabbix_server.conf');
      writeFileSync(
        conf,
        [
          `LogFile=${join(dir, 'zabbix_server.log')}`,
          'LogType=file',
          `PidFile=${join(dir, 'zabbix_server.pid')}`,
          `SocketDir=${dir}`,
          `DBHost=${postgres.socketDir}`,
          `DBPort=${postgres.port}`,
          'DBName=zabbix',
          'DBUser=zabbix',
          'ListenIP=127.0.0.1',
          `ListenPort=${serverPort}`,
          // Run as root without switching to the zabbix user: every file is in this test's directory.
          'AllowRoot=1',
          // New hosts and items reach the pollers within a second instead of a minute.
          'CacheUpdateFrequency=1',
          'StartPollers=2',
          'StartPollersUnreachable=1',
          'StartPingers=0',
          'StartDiscoverers=0',
          'StartHTTPPollers=0',
          'StartTrappers=1',
          'StartLLDProcessors=1',
          'StartPreprocessors=1',
          'StartDBSyncers=1',
          'StartEscalators=1',
          'StartAlerters=1',
          'StartTimers=1',
          'HousekeepingFrequency=0',
          'Timeout=3',
          'UnreachablePeriod=10',
          'UnreachableDelay=5',
          'UnavailableDelay=5',
          '',
        ].join('\n'),
      );
      server = Daemon.start('zabbix_server', '/usr/sbin/zabbix_server', ['-f', '-c', conf], join(dir, 'zabbix_server.out'));

      const webPort = await freeTcpPort();
      const env = {
        ...process.env,
        LVS_ZABBIX_DB_HOST: postgres.socketDir,
        LVS_ZABBIX_DB_PORT: String(postgres.port),
        LVS_ZABBIX_DB_NAME: 'zabbix',
        LVS_ZABBIX_DB_USER: 'zabbix',
        LVS_ZABBIX_SERVER: '127.0.0.1',
        LVS_ZABBIX_SERVER_PORT: String(serverPort),
      };
      frontend = Daemon.start('php -S', 'php', ['-S', `127.0.0.1:${webPort}`, '-t', FRONTEND_DIR], join(dir, 'frontend.log'), env, FRONTEND_DIR);
      const api = new ZabbixApi(`http://127.0.0.1:${webPort}/api_jsonrpc.php`);
      await waitFor('the Zabbix API', 20_000, async () => api.call<string>('apiinfo.version', {}));
      await api.login('Admin', 'zabbix');
      const started = server;
      const tail = (file: string): string => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').slice(-2000) : '');
      await waitFor('zabbix_server to start', 30_000, async () => {
        if (!started.running) throw new Error(`zabbix_server exited: ${tail('zabbix_server.out')} ${tail('zabbix_server.log')}`);
        return tail('zabbix_server.log').includes('started [task manager') ? true : undefined;
      });
      return new ZabbixStack(dir, postgres, server, frontend, api);
    } catch (err) {
      await frontend?.stop();
      await server?.stop();
      await postgres?.stop();
      throw err;
    }
  }

  async stop(keepDir = false): Promise<void> {
    await this.frontend.stop();
    await this.server.stop();
    await this.postgres.stop();
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
