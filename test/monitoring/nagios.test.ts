import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN } from '../e2e/harness/agent-process.js';
import { Director } from '../e2e/harness/director.js';
import { REPO } from '../e2e/harness/tools.js';

/**
 * Debian's Nagios 4 runs `lvs-agentx check` as a configured service command against a private snmpd and the agent
 * (SNMPv3 authPriv, as README.md's "Nagios / Icinga check" section configures it), and its status.dat follows the
 * simulated director: OK, WARNING when one real is quiesced, CRITICAL when the last live real goes, OK again when
 * the reals come back. Checks are forced through the external command file, not waited for. The nagios4 here has
 * its own nagios.cfg in a temporary directory (status, command, lock, log and check result files all there) and
 * runs as Debian's `nagios` user (started as root, it drops to nagios_user); `test/monitoring/install-nagios.sh`
 * installs it.
 */

const NAGIOS = '/usr/sbin/nagios4';
const SERVICE = 'TCP/192.0.2.10:80';
// As README.md's block names them.
const HOST = 'director';
const WEB = 'LVS web';
const ALL = 'LVS all';

/** README.md's Nagios 4 block, run as written but for the host's address and SNMP port. */
const README_BLOCK = ((): string => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const block = /```conf\n(# Nagios 4 objects\.[\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ```conf block starting "# Nagios 4 objects."');
  return block[1] as string;
})();

const SNMPD_V3 = ['createUser lvsmon SHA-256 "lvs-auth-secret" AES "lvs-priv-secret"', 'rouser lvsmon priv'];

function snapshot(weights: readonly number[]): unknown {
  return {
    services: [
      {
        protocol: 'tcp',
        address: '192.0.2.10',
        port: 80,
        scheduler: 'wlc',
        stats: { conns: '1200', inBytes: '9000000000' },
        reals: weights.map((weight, i) => ({ address: `192.0.2.${11 + i}`, port: 80, forward: 'masq', weight, activeConns: 3 * (i + 1) })),
      },
      { protocol: 'udp', address: '192.0.2.10', port: 53, scheduler: 'rr', reals: [{ address: '192.0.2.21', port: 53, forward: 'route', weight: 1 }] },
    ],
  };
}

/** The README's objects on the private snmpd, with the templates and the rest they assume, all of this test's own. */
function objects(snmpPort: number): string {
  const readme = README_BLOCK.replace(/^(\s*address\s+)\S+$/m, '$1127.0.0.1').replace(/^(\s*_snmp_port\s+)\S+$/m, `$1${snmpPort}`);
  if (!readme.includes('127.0.0.1') || !readme.includes(String(snmpPort))) throw new Error('README block: no address or _snmp_port line to point at the test snmpd');
  return `${readme}
define timeperiod {
    timeperiod_name always
    alias always
    sunday 00:00-24:00
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
}
define command {
    command_name no_op
    command_line /bin/true
}
define contact {
    contact_name nobody
    host_notifications_enabled 0
    service_notifications_enabled 0
    host_notification_period always
    service_notification_period always
    host_notification_options n
    service_notification_options n
    host_notification_commands no_op
    service_notification_commands no_op
}
# Checks run when the test forces them (SCHEDULE_FORCED_SVC_CHECK), not on a schedule; alerts are HARD at once.
define host {
    name generic-host
    register 0
    check_command no_op
    max_check_attempts 1
    check_period always
    active_checks_enabled 0
    contacts nobody
    notification_period always
}
define service {
    name generic-service
    register 0
    max_check_attempts 1
    check_interval 3600
    retry_interval 3600
    check_period always
    contacts nobody
    notification_period always
    notification_interval 0
}
`;
}

function mainConfig(dir: string): string {
  return [
    `log_file=${dir}/nagios.log`,
    `cfg_file=${dir}/objects.cfg`,
    `resource_file=${dir}/resource.cfg`,
    `status_file=${dir}/status.dat`,
    'status_update_interval=1',
    `object_cache_file=${dir}/objects.cache`,
    `precached_object_file=${dir}/objects.precache`,
    `temp_file=${dir}/nagios.tmp`,
    `temp_path=${dir}`,
    `lock_file=${dir}/nagios.lock`,
    `state_retention_file=${dir}/retention.dat`,
    'retain_state_information=0',
    `check_result_path=${dir}/checkresults`,
    `command_file=${dir}/nagios.cmd`,
    'check_external_commands=1',
    'nagios_user=nagios',
    'nagios_group=nagios',
    'enable_notifications=0',
    'use_syslog=0',
    // Debian's own value; without one nagios4 -v warns.
    'illegal_macro_output_chars=`~$&|\'"<>',
    'log_rotation_method=n',
    'interval_length=1',
    '',
  ].join('\n');
}

interface ServiceStatus {
  readonly current_state: string;
  readonly plugin_output: string;
  readonly performance_data: string;
  readonly last_check: string;
}

/** The servicestatus blocks of status.dat, by service_description. */
function readStatus(path: string): Map<string, ServiceStatus> {
  const out = new Map<string, ServiceStatus>();
  if (!existsSync(path)) return out;
  for (const block of readFileSync(path, 'utf8').matchAll(/servicestatus \{\n([\s\S]*?)\n\s*\}/g)) {
    const fields = Object.fromEntries(
      (block[1] as string).split('\n').map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at).trim(), line.slice(at + 1)];
      }),
    ) as Record<string, string> & ServiceStatus;
    out.set(fields['service_description'] as string, fields);
  }
  return out;
}

function run(file: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
}

let director: Director;
let dir: string;
let nagios: ChildProcess | undefined;
let nagiosLog = '';

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (nagios?.exitCode !== null) throw new Error(`nagios4 exited (${nagios?.exitCode}) while waiting for ${what}:\n${nagiosLog}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; nagios.log:\n${readFileSync(join(dir, 'nagios.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Forces a check of `service` now and returns its status once Nagios has a result newer than the request. */
async function forceCheck(service: string): Promise<ServiceStatus> {
  const before = Math.floor(Date.now() / 1000);
  // Nagios's last_check has 1 s resolution: a result newer than the previous second's is this one's.
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 10));
  const now = Math.floor(Date.now() / 1000);
  await writeFile(join(dir, 'nagios.cmd'), `[${now}] SCHEDULE_FORCED_SVC_CHECK;${HOST};${service};${now}\n`);
  return waitFor(`a check of "${service}" after ${now}`, () => {
    const status = readStatus(join(dir, 'status.dat')).get(service);
    return status && Number(status.last_check) > before ? status : undefined;
  });
}

/** The check run directly, as Nagios would: its line split as Nagios splits it. */
async function direct(args: readonly string[]): Promise<{ code: number; output: string; perfdata: string }> {
  const result = await run(process.execPath, [AGENT_BIN, 'check', ...args]);
  const [output, perfdata] = result.stdout.replace(/\n$/, '').split(' | ') as [string, string | undefined];
  return { code: result.code, output, perfdata: perfdata ?? '' };
}

beforeAll(async () => {
  if (!existsSync(NAGIOS)) throw new Error(`${NAGIOS} missing: run test/monitoring/install-nagios.sh (as root)`);
  if (userInfo().uid !== 0) throw new Error('this test starts nagios4 as root so that it drops to the nagios user; run it as root');
  const nagiosUser = await run('/usr/bin/id', ['-u', 'nagios']);
  const nagiosGroup = await run('/usr/bin/id', ['-g', 'nagios']);
  if (nagiosUser.code !== 0) throw new Error('no nagios user: run test/monitoring/install-nagios.sh');

  director = await Director.start({ snapshot: snapshot([1, 1]), snmpdConfig: SNMPD_V3, waitFor: '.1.3.6.1.4.1.8225.4711.2.0' });

  dir = mkdtempSync('/tmp/lvs-agentx-nagios-');
  mkdirSync(join(dir, 'checkresults'));
  writeFileSync(join(dir, 'nagios.cfg'), mainConfig(dir));
  writeFileSync(join(dir, 'objects.cfg'), objects(director.snmpd.port));
  // $USER2$: the plugin as installed here (a package puts /usr/bin/lvs-agentx); $USER3$/$USER4$ keep the secrets
  // out of the object files, as resource.cfg is meant to.
  writeFileSync(join(dir, 'resource.cfg'), `$USER2$=${process.execPath} ${AGENT_BIN}\n$USER3$=lvs-auth-secret\n$USER4$=lvs-priv-secret\n`);
  chownTree(dir, Number(nagiosUser.stdout.trim()), Number(nagiosGroup.stdout.trim()));

  const verify = await run(NAGIOS, ['-v', join(dir, 'nagios.cfg')]);
  if (verify.code !== 0 || !/Total Warnings: 0\s+Total Errors:\s+0/.test(verify.stdout)) {
    throw new Error(`nagios4 -v refused the configuration:\n${verify.stdout}${verify.stderr}`);
  }

  nagios = spawn(NAGIOS, [join(dir, 'nagios.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
  nagios.stdout?.on('data', (chunk: Buffer) => (nagiosLog += chunk.toString('utf8')));
  nagios.stderr?.on('data', (chunk: Buffer) => (nagiosLog += chunk.toString('utf8')));
  // Up when it has made its command file (a FIFO) and written a status.dat with both services.
  await waitFor('nagios4 to start', () => (existsSync(join(dir, 'nagios.cmd')) && readStatus(join(dir, 'status.dat')).size === 2 ? true : undefined));
}, 60_000);

afterAll(async () => {
  if (nagios && nagios.exitCode === null) {
    const exited = new Promise((r) => nagios?.once('exit', r));
    nagios.kill('SIGTERM');
    await exited;
  }
  await director?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Debian's Nagios 4 running lvs-agentx check", () => {
  const target = (): string[] => ['-H', '127.0.0.1', '-p', String(director.snmpd.port), '-u', 'lvsmon', '-l', 'authPriv', '-a', 'SHA-256', '-A', 'lvs-auth-secret', '-x', 'AES', '-X', 'lvs-priv-secret'];
  const web = (): string[] => [...target(), '--service', SERVICE, '-w', '2:', '-c', '1:'];

  /** Rewrites the director's table and waits until the agent serves it (the plugin's own line changes). */
  async function serving(weights: readonly number[], expected: RegExp): Promise<void> {
    director.writeSnapshot(snapshot(weights));
    const deadline = Date.now() + 10_000;
    while (!expected.test((await direct(web())).output)) {
      if (Date.now() > deadline) throw new Error(`the agent did not serve weights ${weights.join(',')} within 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('is OK with both reals live, with the plugin\'s own line and perfdata', async () => {
    const status = await forceCheck(WEB);
    const expected = await direct(web());
    expect(expected.code).toBe(0);
    expect(status.current_state).toBe('0');
    expect(status.plugin_output).toBe(expected.output);
    expect(status.plugin_output).toBe(`LVS OK - ${SERVICE}: 2 of 2 reals live, 9 active`);
    expect(status.performance_data).toBe(expected.perfdata);
    expect(status.performance_data).toContain(`'${SERVICE} inbytes'=9000000000c`);
  });

  it('is WARNING below -w 2: when one real is quiesced (weight 0)', async () => {
    await serving([1, 0], /WARNING/);
    const status = await forceCheck(WEB);
    expect(status.current_state).toBe('1');
    expect(status.plugin_output).toBe((await direct(web())).output);
    expect(status.plugin_output).toBe(`LVS WARNING - ${SERVICE}: 1 of 2 reals live (live reals 1 outside 2:), 9 active - quiesced: ${SERVICE} 192.0.2.12:80`);
  });

  it('is CRITICAL when the service loses its last live real, and --all says so too', async () => {
    await serving([0, 0], /CRITICAL/);
    const status = await forceCheck(WEB);
    expect(status.current_state).toBe('2');
    expect(status.plugin_output).toBe((await direct(web())).output);
    expect(status.plugin_output).toBe(`LVS CRITICAL - ${SERVICE}: no real server with weight > 0 (2 reals) - quiesced: ${SERVICE} 192.0.2.11:80 192.0.2.12:80`);
    const all = await forceCheck(ALL);
    expect(all.current_state).toBe('2');
    expect(all.plugin_output).toBe(`LVS CRITICAL - 2 services (1 CRITICAL, 1 OK) - ${SERVICE}: no real server with weight > 0 (2 reals) - quiesced: ${SERVICE} 192.0.2.11:80 192.0.2.12:80`);
    expect(all.performance_data).toMatch(/^services=2;;1:;0 services_warning=0;;;0 services_critical=1;;;0 reals=3;;;0 reals_live=1;;;0 /);
  });

  it('is OK again when the reals come back', async () => {
    await serving([1, 1], /OK/);
    const status = await forceCheck(WEB);
    expect(status.current_state).toBe('0');
    expect(status.plugin_output).toBe(`LVS OK - ${SERVICE}: 2 of 2 reals live, 9 active`);
    const all = await forceCheck(ALL);
    expect(all.current_state).toBe('0');
    expect(all.plugin_output).toBe('LVS OK - 2 services (2 OK)');
  });

  it('logs the state changes as Nagios service alerts', () => {
    const log = readFileSync(join(dir, 'nagios.log'), 'utf8');
    const alerts = [...log.matchAll(new RegExp(`SERVICE ALERT: ${HOST};${WEB};(\\w+);HARD;1;`, 'g'))].map((m) => m[1]);
    expect(alerts).toEqual(['WARNING', 'CRITICAL', 'OK']);
  });
});
