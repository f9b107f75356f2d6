import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDaemons } from '../../../../src/ipvs/ipvsadm/formats.js';
import { invocationError, IpvsadmSource, type Runner } from '../../../../src/ipvs/ipvsadm/ipvsadm-source.js';
import { snapshotFromIpvsadm } from '../../../../src/ipvs/ipvsadm/merge.js';
import { IpvsReadError } from '../../../../src/ipvs/read-error.js';
import { realName, serviceName } from '../../../../src/ipvs/service-key.js';
import { snapshotFromJson } from '../../../../src/ipvs/snapshot-json.js';
import type { Snapshot } from '../../../../src/ipvs/snapshot.js';
import { plainStats } from '../../plain-stats.js';
import { ALL, FIXTURES } from './fixtures.js';

describe('IpvsadmSource', () => {
  const byArgs: Record<string, string> = {
    '-L -n --exact': ALL.list,
    '-L -n --exact --stats': ALL.stats,
    '-L -n --exact --rate': ALL.rate,
    '-L -n --exact --thresholds': ALL.thresholds,
    '-L -n --exact --persistent-conn': ALL.persistentConn,
    '-L -n --exact --tun-info': ALL.tunInfo,
    '-L --timeout': ALL.timeout,
    '-L --daemon': ALL.daemon,
  };

  it('runs every listing and merges them', async () => {
    const calls: string[] = [];
    const run: Runner = async (file, args) => {
      calls.push(`${file} ${args.join(' ')}`);
      const out = byArgs[args.join(' ')];
      if (out === undefined) throw new Error(`unexpected ${args.join(' ')}`);
      return out;
    };
    const source = new IpvsadmSource({ path: '/usr/sbin/ipvsadm', run });
    expect(source.name).toBe('ipvsadm:/usr/sbin/ipvsadm');
    const snap = await source.read();
    expect(plainStats(snap)).toEqual(plainStats(snapshotFromIpvsadm(ALL)));
    expect(calls.sort()).toEqual(
      Object.keys(byArgs)
        .map((a) => `/usr/sbin/ipvsadm ${a}`)
        .sort(),
    );
    await source.close();
  });

  it('an ipvsadm without --tun-info still works (no tunnel details)', async () => {
    const run: Runner = async (_file, args) => {
      if (args.includes('--tun-info'))
        throw Object.assign(new Error('exit 2'), { code: 2, stderr: 'ipvsadm: bad option' });
      return byArgs[args.join(' ')] as string;
    };
    const snap = await new IpvsadmSource({ run }).read();
    expect(snap.services[1]?.reals[1]?.tunnelType).toBeUndefined();
  });

  it('maps ipvsadm failures to IpvsReadError with hints', () => {
    const noModule = invocationError(
      'ipvsadm -L -n --exact',
      Object.assign(new Error('Command failed'), {
        code: 2,
        stderr:
          "Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?\n",
      }),
    );
    expect(noModule).toMatchObject({ errno: 'ENOPROTOOPT', hint: 'IPVS kernel module not loaded: modprobe ip_vs' });
    const notRoot = invocationError(
      'ipvsadm -L -n --exact',
      Object.assign(new Error('Command failed'), {
        code: 2,
        stderr: "Can't initialize ipvs: Permission denied (you must be root)\n",
      }),
    );
    expect(notRoot).toMatchObject({
      errno: 'EPERM',
      hint: 'needs CAP_NET_ADMIN: run as root or grant AmbientCapabilities=CAP_NET_ADMIN',
    });
    const missing = invocationError(
      'ipvsadm -L -n --exact',
      Object.assign(new Error('spawn ipvsadm ENOENT'), { code: 'ENOENT' }),
    );
    expect(missing).toMatchObject({ errno: 'ENOENT' });
    expect(missing.hint).toMatch(/install ipvsadm/);
    const slow = invocationError(
      'ipvsadm -L -n --exact',
      Object.assign(new Error('killed'), { killed: true, signal: 'SIGTERM' }),
    );
    expect(slow).toMatchObject({ errno: 'ETIMEDOUT' });
  });

  describe('with a stand-in ipvsadm executable (real execFile)', () => {
    let tmp = '';
    beforeAll(async () => {
      tmp = await mkdtemp(path.join(tmpdir(), 'ipvsadm-test-'));
      const cases = Object.entries(byArgs)
        .map(([args, _]) => `  "${args}") cat "${FIXTURES}/ipvsadm/${fileFor(args)}.txt" ;;`)
        .join('\n');
      await writeFile(
        path.join(tmp, 'ipvsadm'),
        `#!/bin/sh\ncase "$*" in\n${cases}\n  *) echo "unexpected: $*" >&2; exit 2 ;;\nesac\n`,
      );
      await chmod(path.join(tmp, 'ipvsadm'), 0o755);
      await writeFile(
        path.join(tmp, 'ipvsadm-nomod'),
        `#!/bin/sh\necho "Can't initialize ipvs: Protocol not available" >&2\necho "Are you sure that IP Virtual Server is built in the kernel or as module?" >&2\nexit 2\n`,
      );
      await chmod(path.join(tmp, 'ipvsadm-nomod'), 0o755);
    });
    afterAll(async () => {
      await rm(tmp, { recursive: true, force: true });
    });

    it('reads a snapshot', async () => {
      const snap = await new IpvsadmSource({ path: path.join(tmp, 'ipvsadm') }).read();
      expect(plainStats(snap)).toEqual(plainStats(snapshotFromIpvsadm(ALL)));
    });

    it('reports a missing module with the modprobe hint', async () => {
      const err = await new IpvsadmSource({ path: path.join(tmp, 'ipvsadm-nomod') }).read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IpvsReadError);
      expect(err).toMatchObject({ hint: 'IPVS kernel module not loaded: modprobe ip_vs' });
    });

    it('reports a missing executable', async () => {
      const err = await new IpvsadmSource({ path: path.join(tmp, 'nope') }).read().catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'IpvsReadError', errno: 'ENOENT' });
    });
  });
});

function fileFor(args: string): string {
  const map: Record<string, string> = {
    '-L -n --exact': 'list',
    '-L -n --exact --stats': 'stats',
    '-L -n --exact --rate': 'rate',
    '-L -n --exact --thresholds': 'thresholds',
    '-L -n --exact --persistent-conn': 'persistent-conn',
    '-L -n --exact --tun-info': 'tun-info',
    '-L --timeout': 'timeout',
    '-L --daemon': 'daemon',
  };
  return map[args] as string;
}

describe('outputs captured from a real kernel (Linux 6.1, ipvsadm 1.31)', () => {
  const real = path.join(FIXTURES, 'ipvsadm-linux-6.1');
  const read = (name: string): string => readFileSync(path.join(real, name), 'utf8');
  // What NetlinkSource read from the same table (JSON snapshot format: bigints as decimal strings).
  const parsed: unknown = JSON.parse(read('netlink-snapshot.json'));
  const fromNetlink = snapshotFromJson(parsed);

  /** Services and reals by name: ipvsadm sorts, the netlink dump does not. */
  const byName = (snap: Snapshot) =>
    Object.fromEntries(
      snap.services.map((s) => [
        serviceName(s.key),
        { ...s, reals: Object.fromEntries(s.reals.map((r) => [realName(r), { ...r }])) },
      ]),
    );

  it('the ipvsadm source and the netlink source agree on the same table', () => {
    const fromIpvsadm = snapshotFromIpvsadm({
      list: read('list.txt'),
      stats: read('stats.txt'),
      rate: read('rate.txt'),
      thresholds: read('thresholds.txt'),
      persistentConn: read('persistent-conn.txt'),
      tunInfo: read('tun-info.txt'),
      timeout: read('timeout.txt'),
      daemon: read('daemon.txt'),
    });
    expect(fromIpvsadm.info).toEqual(fromNetlink.info);
    expect(plainStats(byName(fromIpvsadm))).toEqual(plainStats(byName(fromNetlink)));
    expect(Object.keys(byName(fromIpvsadm))).toEqual([
      'TCP/10.0.0.1:80',
      'SCTP/10.0.0.1:9000',
      'TCP/[2001:db8::10]:443',
      'UDP/[2001:db8::1]:53',
      'FWM/1',
      'FWM6/7',
    ]);
  });

  it('running sync daemons', () => {
    expect(parseDaemons(read('daemon-running.txt'))).toEqual([
      { state: 'master', interface: 'va', syncId: 1 },
      { state: 'backup', interface: 'vb', syncId: 2 },
    ]);
  });
});
