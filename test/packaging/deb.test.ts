import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceNameOf, stringIndex } from '../e2e/harness/expected.js';
import { freeUdpPort } from '../e2e/harness/snmpd.js';
import { parseVarBinds, REPO, snmp } from '../e2e/harness/tools.js';
import { ConfiguredSnmpd, Daemon, installedVersion, must, PathState, run, socketInUse, versionAtLeast } from './host.js';

/**
 * The Debian package, end to end, on this machine: build it (packaging/build-deb.sh), install it, install it again,
 * upgrade it, run the agent the way lvs-agentx.service does (user lvs-agentx, CAP_NET_ADMIN only) behind an snmpd
 * whose AgentX and view settings come from the package's drop-in alone, then purge it and start snmpd with the
 * system's own config. Needs root, dpkg, snmpd and snmpwalk, adduser, setpriv (util-linux) and systemd-analyze
 * (package systemd; no running systemd needed). Everything is put back afterwards, even when a step fails.
 *
 *   npx vitest run --config test/vitest.config.ts test/packaging
 *   LVS_DEB=/path/to/lvs-agentx_X_ARCH.deb ...   test that .deb instead of building one
 *
 * The private snmpd uses the real /var/agentx/master when nothing listens there (no system snmpd running), so the
 * drop-in is tested as written, including the package's fix of an existing /var/agentx. When a system snmpd holds
 * the socket, the test adds an agentXSocket line for a private path to its main config (the drop-in stays as it is)
 * and tells the agent that path (LVS_PKGTEST_PRIVATE_SOCKET=1 forces this).
 */

const ROOT_OID = '.1.3.6.1.4.1.8225.4711';
const AGENTX_DIR = '/var/agentx';
const AGENTX_SOCKET = '/var/agentx/master';
const CONFIG = '/etc/lvs-agentx/lvs-agentx.conf';
const DROP_IN = '/etc/snmp/snmpd.conf.d/lvs-agentx.conf';
const UNIT = '/usr/lib/systemd/system/lvs-agentx.service';
const TEMPLATE = '/usr/lib/systemd/system/lvs-agentx@.service';
const USER = 'lvs-agentx';
// The environment systemd gives a service (no login shell, no HOME of its own).
const SERVICE_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/nonexistent', LANG: 'C.UTF-8' };

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
const VERSION = pkg.version.replace('-', '~');
const NODE_MIN = /^>=\s*([\d.]+)$/.exec(pkg.engines.node)?.[1] ?? 'unparsed';
const FIXTURE = join(REPO, 'test', 'fixtures', 'all-kinds.json');
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { services: Record<string, unknown>[] };

const isRoot = process.getuid?.() === 0;
const canRun = isRoot && existsSync('/usr/bin/dpkg') && existsSync('/usr/sbin/snmpd');

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms; log:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!canRun)('Debian package', () => {
  let work = '';
  let deb = '';
  let arch = '';
  let weInstalled = false;
  /** dpkg -i options: --force-depends when Node.js is not a dpkg package here (see 'installs'). */
  const force: string[] = [];
  let useDefaultSocket = true;
  let agentSocket = AGENTX_SOCKET;
  let dirState: PathState | undefined;
  let socketState: PathState | undefined;
  let snmpd: ConfiguredSnmpd | undefined;
  let agent: Daemon | undefined;
  /** The agent config the serving test wrote (file: source, the socket), for the namespace instance too. */
  let agentConfigPath = '';
  /** A network namespace the instance test made (ip netns add), deleted in afterAll if the test did not. */
  let netns = '';
  /** Every snmpd and agent the test started, stopped in afterAll whatever happened. */
  const started: { stop(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    // Never touch an installation that is not ours: the purge at the end would remove it and its user.
    const status = (await run('dpkg-query', ['-W', '-f=${db:Status-Status}', 'lvs-agentx'])).stdout.trim();
    if (status !== '' && status !== 'not-installed') throw new Error(`lvs-agentx is already on this machine (${status})`);
    if ((await run('getent', ['passwd', USER])).code === 0) throw new Error(`user ${USER} already exists`);

    dirState = new PathState(AGENTX_DIR);
    socketState = new PathState(AGENTX_SOCKET);
    work = mkdtempSync(join(tmpdir(), 'lvs-agentx-deb-'));
    // The agent (user lvs-agentx) must reach its config, the snapshot and a private socket below this folder.
    chmodSync(work, 0o711);
    useDefaultSocket = process.env.LVS_PKGTEST_PRIVATE_SOCKET !== '1' && !(await socketInUse(AGENTX_SOCKET));
    if (!useDefaultSocket) agentSocket = join(work, 'agentx', 'master');

    // build-deb.sh packages for this machine's architecture unless DEB_ARCH says otherwise (e.g. all).
    arch = process.env.DEB_ARCH || (await must('dpkg', ['--print-architecture'])).stdout.trim();
    if (process.env.LVS_DEB) {
      deb = process.env.LVS_DEB;
    } else {
      await must('bash', [join(REPO, 'packaging', 'build-deb.sh'), join(work, 'out')], 600_000);
      deb = join(work, 'out', `lvs-agentx_${VERSION}_${arch}.deb`);
    }
    expect(existsSync(deb), deb).toBe(true);
  }, 660_000);

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    for (const d of started) await d.stop();
    if (weInstalled) {
      const status = (await run('dpkg-query', ['-W', '-f=${db:Status-Status}', 'lvs-agentx'])).stdout.trim();
      if (status !== '' && status !== 'not-installed') await run('dpkg', ['--purge', 'lvs-agentx']);
      // The user did not exist before (checked in beforeAll): if a failed step kept it, it goes now.
      if ((await run('getent', ['passwd', USER])).code === 0) await run('deluser', ['--system', '--quiet', USER]);
      if ((await run('getent', ['group', USER])).code === 0) await run('delgroup', ['--system', '--quiet', USER]);
    }
    if (netns !== '') await run('ip', ['netns', 'del', netns]);
    socketState?.restore();
    dirState?.restore();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('declares its dependencies and conffiles', async () => {
    const field = async (name: string): Promise<string> => (await must('dpkg-deb', ['-f', deb, name])).stdout.trim();
    expect(await field('Package')).toBe('lvs-agentx');
    expect(await field('Version')).toBe(VERSION);
    // Built per architecture by default: the netlink dependency carries a compiled (N-API) binary.
    expect(await field('Architecture')).toBe(arch);
    // Node.js from a package named nodejs: Debian 12's 18.20, Debian 13's 20.19, Ubuntu 24.04's 18.19 (the floor,
    // package.json's engines.node; test/packaging/distro installs it from those archives).
    expect(await field('Depends')).toBe(`nodejs (>= ${NODE_MIN}), adduser`);
    // snmpd may run on another host (tcp: AgentX): recommended, not required.
    expect(await field('Recommends')).toBe('snmpd');
    const conffiles = (await must('dpkg-deb', ['--info', deb, 'conffiles'])).stdout.trim().split('\n');
    expect(conffiles.sort()).toEqual([CONFIG, DROP_IN].sort());
  });

  it('installs', async () => {
    // Honest about Node.js: a nodejs package that satisfies the Depends line means a plain dpkg -i. A Node.js
    // installed without dpkg (tarball, nvm) is invisible to dpkg; then --force-depends is used, and only after
    // checking that every other dependency is installed, so that it overrides the nodejs dependency alone.
    const nodejs = await installedVersion('nodejs');
    if (nodejs === undefined || !(await versionAtLeast(nodejs, NODE_MIN))) {
      expect(await installedVersion('adduser'), 'adduser must be installed').toBeDefined();
      console.warn(`nodejs ${nodejs ?? 'is not a dpkg package here'}: installing with --force-depends (nodejs only)`);
      force.push('--force-depends');
    }
    weInstalled = true;
    await must('dpkg', ['-i', ...force, deb]);
    expect(await installedVersion('lvs-agentx')).toBe(VERSION);
  });

  it('puts its files where they belong, and nothing of the build', async () => {
    const files = new Set((await must('dpkg', ['-L', 'lvs-agentx'])).stdout.trim().split('\n'));
    for (const f of [
      '/usr/bin/lvs-agentx',
      '/usr/lib/lvs-agentx/package.json',
      '/usr/lib/lvs-agentx/dist/src/daemon/main.js',
      '/usr/lib/lvs-agentx/node_modules/pino/package.json',
      '/usr/lib/lvs-agentx/node_modules/netlink/package.json',
      // lvs-agentx check's SNMP manager side.
      '/usr/lib/lvs-agentx/node_modules/net-snmp/package.json',
      '/usr/share/snmp/mibs/LVS-MIB.txt',
      UNIT,
      TEMPLATE,
      CONFIG,
      DROP_IN,
      '/usr/share/doc/lvs-agentx/README.md',
      '/usr/share/doc/lvs-agentx/README.Debian',
      '/usr/share/doc/lvs-agentx/copyright',
      '/usr/share/doc/lvs-agentx/changelog.Debian.gz',
      '/usr/share/lvs-agentx/zabbix/lvs-agentx.yaml',
      '/usr/share/lvs-agentx/zabbix/README.md',
    ]) {
      expect(files.has(f), f).toBe(true);
    }
    const list = [...files];
    expect(list.filter((f) => /\/node_modules\/(typescript|vitest|asn1js|@types)\//.test(f) && !f.includes('/netlink/node_modules/'))).toEqual([]);
    // net-snmp's library only: not its example programs nor its copies of the RFCs.
    expect(list.filter((f) => /\/node_modules\/net-snmp\/(example|ref)(\/|$)/.test(f))).toEqual([]);
    expect(list.filter((f) => f.startsWith('/usr/lib/lvs-agentx/dist/') && !f.startsWith('/usr/lib/lvs-agentx/dist/src'))).toEqual([]);
    // Source maps of our code point at TypeScript that is not shipped (the dependencies' files stay as published).
    expect(list.filter((f) => f.startsWith('/usr/lib/lvs-agentx/dist/') && f.endsWith('.map'))).toEqual([]);
    // One netlink binary for this architecture and our batch addon; Architecture: all carries the four prebuilt
    // netlink ones and no addon of ours.
    expect(list.filter((f) => f.endsWith('.node'))).toHaveLength(arch === 'all' ? 4 : 2);
    if (arch !== 'all') {
      // The packaged Node.js loads the packaged addon.
      const probe = "console.log(typeof require('/usr/lib/lvs-agentx/build/netlink-batch.node').transact)";
      expect((await must('/usr/bin/node', ['-e', probe])).stdout.trim()).toBe('function');
    }
    // The wrapper finds the compiled entry point and the version in the shipped package.json.
    expect((await must('/usr/bin/lvs-agentx', ['--version'])).stdout.trim()).toBe(`lvs-agentx ${pkg.version}`);
  });

  it('ships a unit that systemd-analyze verifies', async () => {
    // On merged-/usr Debian, /lib/systemd/system is the same folder.
    expect(existsSync('/lib/systemd/system/lvs-agentx.service')).toBe(true);
    const verify = await run('systemd-analyze', ['verify', UNIT]);
    expect(verify.code, `systemd-analyze missing? (package systemd)\n${verify.stderr}`).toBe(0);
    expect(verify.stderr.split('\n').filter((l) => l.includes('lvs-agentx'))).toEqual([]);
    const security = await run('systemd-analyze', ['security', '--offline=true', UNIT]);
    const exposure = /Overall exposure level for lvs-agentx\.service: ([\d.]+)/.exec(security.stdout);
    console.info(exposure?.[0] ?? security.stdout);
    expect(Number(exposure?.[1])).toBeLessThanOrEqual(4);
  });

  it('creates the system user lvs-agentx with no home, no shell and no other groups', async () => {
    const [name, , uid, gid, , home, shell] = (await must('getent', ['passwd', USER])).stdout.trim().split(':');
    expect(name).toBe(USER);
    expect(Number(uid)).toBeLessThan(1000);
    expect(home).toBe('/nonexistent');
    expect(shell).toBe('/usr/sbin/nologin');
    expect(existsSync('/nonexistent')).toBe(false);
    expect((await must('getent', ['group', USER])).stdout.split(':')[2]).toBe(gid);
    expect((await must('id', ['-Gn', USER])).stdout.trim()).toBe(USER);
  });

  it('lets the agent search an existing /var/agentx, and nothing more', () => {
    if (!dirState?.existed) return; // snmpd will create it with the drop-in's mode
    const now = new PathState(AGENTX_DIR).mode ?? 0;
    expect(now & 0o011).toBe(0o011);
    expect(now & ~0o011).toBe((dirState.mode ?? 0) & ~0o011);
  });

  it('installs again over itself without changes', async () => {
    const before = (await must('getent', ['passwd', USER])).stdout;
    await must('dpkg', ['-i', ...force, deb]);
    expect((await must('getent', ['passwd', USER])).stdout).toBe(before);
    expect(await installedVersion('lvs-agentx')).toBe(VERSION);
  });

  it('upgrades, keeping an edited config file', async () => {
    const tree = join(work, 'upgrade');
    await must('dpkg-deb', ['-R', deb, tree]);
    const control = join(tree, 'DEBIAN', 'control');
    const next = `${VERSION}+pkgtest1`;
    writeFileSync(control, readFileSync(control, 'utf8').replace(/^Version: .*$/m, `Version: ${next}`));
    const upgrade = join(work, `lvs-agentx_${next}_${arch}.deb`);
    await must('dpkg-deb', ['--root-owner-group', '--build', tree, upgrade]);
    appendFileSync(CONFIG, '# edited by the package test\n');
    await must('dpkg', ['-i', ...force, upgrade]);
    expect(await installedVersion('lvs-agentx')).toBe(next);
    expect(readFileSync(CONFIG, 'utf8')).toContain('# edited by the package test');
  });

  it('serves LVS-MIB through snmpd to community public, as user lvs-agentx with CAP_NET_ADMIN only', async () => {
    const port = await freeUdpPort();
    const snmpdDir = join(work, 'snmpd');
    mkdirSync(snmpdDir);
    const mainConfig = join(snmpdDir, 'snmpd.conf');
    // Debian 12's snmpd.conf, reduced to its access lines and its includeDir at the end. No master, agentX* or
    // LVS-MIB view line here: those must come from the package's drop-in.
    writeFileSync(
      mainConfig,
      [
        `agentaddress udp:127.0.0.1:${port}`,
        'view   systemonly  included   .1.3.6.1.2.1.1',
        'view   systemonly  included   .1.3.6.1.2.1.25.1',
        'rocommunity  public default -V systemonly',
        'dontLogTCPWrappersConnects yes',
        ...(useDefaultSocket ? [] : [`agentXSocket unix:${agentSocket}`]),
        'includeDir /etc/snmp/snmpd.conf.d',
        '',
      ].join('\n'),
    );
    snmpd = await ConfiguredSnmpd.start(mainConfig, port, snmpdDir);
    started.push(snmpd);

    // The drop-in's agentXPerms at work on the socket snmpd created.
    const socket = (await must('stat', ['-c', '%a %U %G', agentSocket])).stdout.trim();
    expect(socket).toBe(`660 Debian-snmp ${USER}`);

    // The agent's config: the installed file with every commented-out default made active (so each key and
    // value the file documents is accepted by the agent), then a source, a faster interval and the socket.
    const agentDir = join(work, 'agent');
    mkdirSync(agentDir, { mode: 0o755 });
    const snapshot = join(agentDir, 'snapshot.json');
    writeFileSync(snapshot, readFileSync(FIXTURE));
    chmodSync(snapshot, 0o644);
    const settings: Record<string, string> = { source: `file:${snapshot}`, interval: '1', 'agentx-socket': `unix:${agentSocket}` };
    const shipped = readFileSync(CONFIG, 'utf8').split('\n');
    const active = shipped.map((line) => {
      const m = /^#([a-z-]+) = (.*)$/.exec(line);
      if (!m) return line;
      const key = m[1] as string;
      return `${key} = ${settings[key] ?? m[2]}`;
    });
    expect(active.filter((l) => /^[a-z]/.test(l)).length, 'documented defaults').toBeGreaterThanOrEqual(6);
    const agentConfig = join(agentDir, 'lvs-agentx.conf');
    writeFileSync(agentConfig, active.join('\n'));
    chmodSync(agentConfig, 0o644);
    agentConfigPath = agentConfig;

    // As lvs-agentx.service runs it: User=/Group=, AmbientCapabilities= and CapabilityBoundingSet= CAP_NET_ADMIN,
    // NoNewPrivileges=yes.
    agent = new Daemon(
      spawn(
        'setpriv',
        [
          `--reuid=${USER}`, `--regid=${USER}`, '--init-groups',
          '--inh-caps=-all,+net_admin', '--ambient-caps=-all,+net_admin', '--bounding-set=-all,+net_admin',
          '--no-new-privs',
          '/usr/bin/lvs-agentx', '--config', agentConfig,
        ],
        { env: SERVICE_ENV, cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    );
    started.push(agent);
    const running = agent;
    const target = snmpd.target;
    const first = fixture.services[0] as Record<string, unknown>;
    const probe = `${ROOT_OID}.17.1.2${stringIndex(serviceNameOf(first))}`;
    const serving = async (): Promise<boolean> => {
      if (!running.alive) throw new Error(`agent exited (${running.child.exitCode}):\n${running.log.join('')}`);
      const r = await run('snmpget', ['-v2c', '-c', 'public', '-t', '0.3', '-r', '0', '-On', target, probe]);
      return r.code === 0 && /STRING/.test(r.stdout);
    };
    await waitFor('agent not serving', serving, 15_000, () => running.log.join(''));

    const status = readFileSync(`/proc/${running.child.pid}/status`, 'utf8');
    const uid = (await must('id', ['-u', USER])).stdout.trim();
    expect(status).toMatch(new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'));
    expect(status).toMatch(/^CapEff:\s+0000000000001000$/m); // bit 12: CAP_NET_ADMIN
    expect(status).toMatch(/^CapBnd:\s+0000000000001000$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);

    const walk = parseVarBinds((await snmp('snmpwalk', ['-v2c', '-c', 'public', '-On', target, ROOT_OID])).stdout);
    const schedulers = new Map(walk.filter((v) => v.oid.startsWith(`${ROOT_OID}.17.1.2.`)).map((v) => [v.oid, v.value]));
    for (const s of fixture.services) {
      expect(schedulers.get(`${ROOT_OID}.17.1.2${stringIndex(serviceNameOf(s))}`), serviceNameOf(s)).toBe(`"${String(s.scheduler)}"`);
    }
    expect(schedulers.size).toBe(fixture.services.length);
  });

  it('re-reads its config on SIGHUP (ExecReload) and stops cleanly on SIGTERM', async () => {
    const running = agent as Daemon;
    const target = (snmpd as ConfiguredSnmpd).target;
    running.child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 1500));
    expect(running.alive, running.log.join('')).toBe(true);
    const r = await run('snmpget', ['-v2c', '-c', 'public', '-On', target, `${ROOT_OID}.9.0`]);
    expect(r.stdout).toMatch(/INTEGER: 1$/m); // lvsAgentStatus ok(1)
    expect(await running.stop('SIGTERM')).toBe(0);
    agent = undefined;
    await snmpd?.stop();
    snmpd = undefined;
  });

  it('ships a namespace template unit that systemd-analyze verifies as an instance', async () => {
    // An instance is verified through a link named like one (systemd takes %i from the file name).
    const dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-unit-'));
    try {
      const instance = join(dir, 'lvs-agentx@blue.service');
      symlinkSync(TEMPLATE, instance);
      const verify = await run('systemd-analyze', ['verify', instance]);
      expect(verify.code, verify.stderr).toBe(0);
      expect(verify.stderr.split('\n').filter((l) => l.includes('lvs-agentx'))).toEqual([]);
      const security = await run('systemd-analyze', ['security', '--offline=true', instance]);
      const exposure = /Overall exposure level for lvs-agentx@blue\.service: ([\d.]+)/.exec(security.stdout);
      console.info(exposure?.[0] ?? security.stdout);
      expect(Number(exposure?.[1])).toBeLessThanOrEqual(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs an instance as lvs-agentx@NAME.service would: in namespace NAME, context NAME, read through the drop-in\'s com2sec -Cn and SNMPv3 lines', async () => {
    const canNetns = (await run('ip', ['netns', 'list'])).code === 0 && (await run('nsenter', ['--version'])).code === 0;
    if (!canNetns) {
      console.warn('no ip netns or nsenter here: the namespace instance is not run');
      return;
    }
    netns = `lvspkg${process.pid}`;
    await must('ip', ['netns', 'add', netns]);

    // The instance's unit lines, %i being the instance name; the [Service] values the test reproduces by hand.
    const unit = readFileSync(TEMPLATE, 'utf8').replaceAll('%i', netns);
    const service = unit.slice(unit.indexOf('[Service]'), unit.indexOf('[Install]'));
    const value = (key: string): string => {
      const lines = service.split('\n').filter((l) => l.startsWith(`${key}=`));
      return (lines.at(-1) ?? '').slice(key.length + 1);
    };
    const nsPath = value('NetworkNamespacePath');
    expect(nsPath).toBe(`/run/netns/${netns}`);
    const words = value('ExecStart').split(' ');
    expect(words).toEqual(['/usr/bin/lvs-agentx', '--config', CONFIG, '--netns', nsPath, '--context', netns]);
    expect([value('User'), value('Group'), value('AmbientCapabilities'), value('CapabilityBoundingSet'), value('NoNewPrivileges')]).toEqual(
      [USER, USER, 'CAP_NET_ADMIN', 'CAP_NET_ADMIN', 'yes'],
    );
    // The serving test's config (its file: source and socket) stands in for the installed one.
    words[2] = agentConfigPath;

    // snmpd: the test's main config, the package's drop-in, and the drop-in's commented namespace lines made active
    // for this instance (blue -> the namespace's name), plus the SNMPv3 user they name.
    const port = await freeUdpPort();
    const snmpdDir = join(work, 'snmpd-netns');
    mkdirSync(snmpdDir);
    const documented = readFileSync(DROP_IN, 'utf8')
      .split('\n')
      .filter((l) => /^#(com2sec|group|access) /.test(l))
      .map((l) => l.slice(1).replaceAll('blue', netns));
    expect(documented.length, 'documented com2sec/group/access lines').toBe(5);
    const mainConfig = join(snmpdDir, 'snmpd.conf');
    writeFileSync(
      mainConfig,
      [
        `agentaddress udp:127.0.0.1:${port}`,
        'rocommunity  public default -V systemonly',
        'view   systemonly  included   .1.3.6.1.2.1.1',
        'dontLogTCPWrappersConnects yes',
        ...(useDefaultSocket ? [] : [`agentXSocket unix:${agentSocket}`]),
        'includeDir /etc/snmp/snmpd.conf.d',
        'createUser lvsmon SHA lvs-package-test-1 AES lvs-package-test-1',
        ...documented,
        '',
      ].join('\n'),
    );
    const nsSnmpd = await ConfiguredSnmpd.start(mainConfig, port, snmpdDir);
    started.push(nsSnmpd);

    // systemd's NetworkNamespacePath= (as root, before dropping privileges), then User=, capabilities, NoNewPrivileges=.
    const instance = new Daemon(
      spawn(
        'nsenter',
        [
          `--net=${nsPath}`,
          'setpriv', `--reuid=${USER}`, `--regid=${USER}`, '--init-groups',
          '--inh-caps=-all,+net_admin', '--ambient-caps=-all,+net_admin', '--bounding-set=-all,+net_admin',
          '--no-new-privs',
          ...words,
        ],
        { env: SERVICE_ENV, cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    );
    started.push(instance);
    const first = fixture.services[0] as Record<string, unknown>;
    const probe = `${ROOT_OID}.17.1.2${stringIndex(serviceNameOf(first))}`;
    const community = `lvs-${netns}`;
    await waitFor(
      'instance not serving its context',
      async () => {
        if (!instance.alive) throw new Error(`instance exited (${instance.child.exitCode}):\n${instance.log.join('')}`);
        const r = await run('snmpget', ['-v2c', '-c', community, '-t', '0.3', '-r', '0', '-On', nsSnmpd.target, probe]);
        return r.code === 0 && /STRING/.test(r.stdout);
      },
      15_000,
      () => instance.log.join(''),
    );
    // In the namespace: /proc/PID/ns/net is the nsfs file ip netns bind-mounted.
    // nsenter, setpriv and the wrapper each exec the next: the agent keeps the spawned process id.
    expect(statSync(`/proc/${instance.child.pid as number}/ns/net`).ino).toBe(statSync(nsPath).ino);

    const schedulers = async (args: readonly string[]): Promise<string[]> =>
      parseVarBinds((await snmp('snmpwalk', [...args, '-On', nsSnmpd.target, `${ROOT_OID}.17.1.2`])).stdout)
        .filter((v) => v.oid.startsWith(`${ROOT_OID}.17.1.2.`))
        .map((v) => v.oid);
    const expected = fixture.services.map((s) => `${ROOT_OID}.17.1.2${stringIndex(serviceNameOf(s))}`).sort();
    expect((await schedulers(['-v2c', '-c', community])).sort()).toEqual(expected);
    const v3 = ['-v3', '-l', 'authPriv', '-u', 'lvsmon', '-a', 'SHA', '-A', 'lvs-package-test-1', '-x', 'AES', '-X', 'lvs-package-test-1'];
    expect((await schedulers([...v3, '-n', netns])).sort()).toEqual(expected);
    // Nothing of it in the default context (no lvs-agentx.service runs now).
    expect(await schedulers(['-v2c', '-c', 'public'])).toEqual([]);
    expect(await schedulers([...v3, '-n', ''])).toEqual([]);

    // ip netns del under the running instance: one line, exit 1 (Restart=on-failure takes over under systemd).
    await must('ip', ['netns', 'del', netns]);
    netns = '';
    // The check runs before a read; requests make reads (the config's interval is 1 s).
    const deadline = Date.now() + 15_000;
    while (instance.alive && Date.now() < deadline) {
      await run('snmpget', ['-v2c', '-c', community, '-t', '0.3', '-r', '0', nsSnmpd.target, probe]);
      await new Promise((r) => setTimeout(r, 300));
    }
    const code = await Promise.race([instance.exited(), new Promise((r) => setTimeout(() => r('still running'), 1000))]);
    expect(code, instance.log.join('')).toBe(1);
    const fatal = instance.log
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level >= 50);
    expect(fatal.map((l) => l.msg)).toEqual([expect.stringMatching(/^the network namespace this agent serves is gone/)]);
    await nsSnmpd.stop();
  });

  it('removes its files but keeps config, drop-in and user until purged', async () => {
    // As prerm does under systemd: nothing may run as lvs-agentx when the user is deleted.
    await agent?.stop('SIGKILL');
    await must('dpkg', ['--remove', 'lvs-agentx']);
    expect((await must('dpkg-query', ['-W', '-f=${db:Status-Status}', 'lvs-agentx'])).stdout).toBe('config-files');
    expect(existsSync('/usr/lib/lvs-agentx')).toBe(false);
    expect(existsSync(CONFIG)).toBe(true);
    expect(existsSync(DROP_IN)).toBe(true);
    expect((await run('getent', ['passwd', USER])).code).toBe(0);
  });

  const purged = [
    '/usr/bin/lvs-agentx',
    '/usr/lib/lvs-agentx',
    '/usr/share/doc/lvs-agentx',
    '/usr/share/lvs-agentx',
    '/usr/share/snmp/mibs/LVS-MIB.txt',
    UNIT,
    '/etc/lvs-agentx',
    DROP_IN,
    '/var/lib/lvs-agentx',
    '/etc/systemd/system/lvs-agentx.service',
    '/etc/systemd/system/multi-user.target.wants/lvs-agentx.service',
    '/var/lib/systemd/deb-systemd-helper-enabled/lvs-agentx.service.dsh-also',
    '/var/lib/systemd/deb-systemd-helper-masked/lvs-agentx.service',
  ];

  it('purges everything: files, config, drop-in, state, unit records, user and group', async () => {
    await must('dpkg', ['--purge', 'lvs-agentx']);
    expect(await installedVersion('lvs-agentx')).toBeUndefined();
    for (const p of purged) {
      expect(existsSync(p), p).toBe(false);
    }
    expect((await run('getent', ['passwd', USER])).code).not.toBe(0);
    expect((await run('getent', ['group', USER])).code).not.toBe(0);
  });

  it('purges an installed package in one step just as well', async () => {
    await must('dpkg', ['-i', ...force, deb]);
    expect((await run('getent', ['passwd', USER])).code).toBe(0);
    await must('dpkg', ['--purge', 'lvs-agentx']);
    expect(await installedVersion('lvs-agentx')).toBeUndefined();
    for (const p of purged) {
      expect(existsSync(p), p).toBe(false);
    }
    expect((await run('getent', ['passwd', USER])).code).not.toBe(0);
    expect((await run('getent', ['group', USER])).code).not.toBe(0);
  });

  it("leaves an snmpd that starts with the system's snmpd.conf", async () => {
    const port = await freeUdpPort();
    const snmpdDir = join(work, 'snmpd-after');
    mkdirSync(snmpdDir);
    const config = join(snmpdDir, 'snmpd.conf');
    // The system's own config, with only its listening address moved to a private port.
    const system = readFileSync('/etc/snmp/snmpd.conf', 'utf8')
      .split('\n')
      .map((line) => (/^\s*agentaddress\b/i.test(line) ? `agentaddress udp:127.0.0.1:${port}` : line));
    if (!system.some((l) => l.startsWith('agentaddress udp:127.0.0.1:'))) system.unshift(`agentaddress udp:127.0.0.1:${port}`);
    if (!useDefaultSocket) system.unshift(`agentXSocket unix:${join(work, 'agentx-after', 'master')}`);
    writeFileSync(config, `dontLogTCPWrappersConnects yes\n${system.join('\n')}\n`);
    snmpd = await ConfiguredSnmpd.start(config, port, snmpdDir);
    started.push(snmpd);
    const walk = parseVarBinds((await snmp('snmpwalk', ['-v2c', '-c', 'public', '-On', snmpd.target, ROOT_OID])).stdout);
    // Past the end of the view: systemonly no longer includes LVS-MIB.
    expect(walk.filter((v) => v.oid.startsWith(ROOT_OID) && v.type !== 'NONE')).toEqual([]);
    expect(walk.map((v) => v.value).join('\n')).toMatch(/No more variables left in this MIB View|No Such Object/);
    await snmpd.stop();
    snmpd = undefined;
  });
});
