import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../../src/daemon/cli.js';
import { parseConfigText } from '../../../src/daemon/config-file.js';
import { resolveSettings, SettingError } from '../../../src/daemon/settings.js';

describe('command line', () => {
  it('has defaults an operator expects', () => {
    const cmd = parseCommandLine([]);
    expect(cmd).toEqual({ kind: 'run', config: { path: '/etc/lvs-agentx/lvs-agentx.conf', required: false }, flags: {} });
    expect(resolveSettings({}, {})).toEqual({
      address: { kind: 'unix', path: '/var/agentx/master' },
      source: 'netlink',
      intervalMs: 5000,
      idleIntervalMs: 60000,
      monotonic: false,
      pingIntervalMs: 15000,
      logLevel: 'info',
      notifications: true,
      notificationLimit: 60,
    });
  });

  it('reads on a fixed clock when both intervals are equal, and never idles faster than a long interval', () => {
    const flags = (argv: string[]) => {
      const cmd = parseCommandLine(argv);
      if (cmd.kind !== 'run') throw new Error('not run');
      return resolveSettings({}, cmd.flags);
    };
    expect(flags(['-i', '10', '--idle-interval', '10'])).toMatchObject({ intervalMs: 10000, idleIntervalMs: 10000 });
    expect(flags(['-i', '120'])).toMatchObject({ intervalMs: 120000, idleIntervalMs: 120000 });
    expect(flags(['--idle-interval', '300'])).toMatchObject({ intervalMs: 5000, idleIntervalMs: 300000 });
  });

  it('takes snmpd-style socket addresses', () => {
    const address = (x: string) => {
      const cmd = parseCommandLine(['-x', x]);
      if (cmd.kind !== 'run') throw new Error('not run');
      return resolveSettings({}, cmd.flags).address;
    };
    expect(address('tcp:localhost:705')).toEqual({ kind: 'tcp', host: 'localhost', port: 705 });
    expect(address('/run/agentx.sock')).toEqual({ kind: 'unix', path: '/run/agentx.sock' });
    expect(address('tcp:[::1]:705')).toEqual({ kind: 'tcp', host: '::1', port: 705 });
  });

  it('rejects bad values naming the flag and what was expected', () => {
    const settle = (argv: string[]) => {
      const cmd = parseCommandLine(argv);
      if (cmd.kind !== 'run') throw new Error('not run');
      return resolveSettings({}, cmd.flags);
    };
    expect(() => settle(['-i', 'soon'])).toThrow('--interval: interval "soon": expected a number of seconds from 0.1 to 86400');
    expect(() => settle(['-x', 'udp:1.2.3.4:161'])).toThrow(/--agentx-socket: .*expected unix:\/path, \/path or tcp:HOST:PORT/);
    expect(() => settle(['--log-level', 'loud'])).toThrow(/expected one of fatal/);
    expect(() => settle(['-s', 'kernel'])).toThrow(/--source: source "kernel": expected netlink, ipvsadm/);
    expect(() => parseCommandLine(['--bogus'])).toThrow(UsageError);
  });

  it('has help, version and the helper commands', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['-V'])).toEqual({ kind: 'version' });
    expect(parseCommandLine(['oid', 'TCP/10.0.0.1:80', 'StatsInBytes'])).toEqual({ kind: 'oid', args: ['TCP/10.0.0.1:80', 'StatsInBytes'] });
    expect(parseCommandLine(['snapshot', '--format', 'json', '-s', 'sim'])).toMatchObject({ kind: 'snapshot', format: 'json', flags: { source: { value: 'sim' } } });
    expect(() => parseCommandLine(['mrtg'])).toThrow(/--host HOST is required/);
  });
});

describe('config file', () => {
  const path = '/etc/lvs-agentx/lvs-agentx.conf';

  it('reads key = value lines with comments; flags win over the file', () => {
    const file = parseConfigText(
      ['# lvs-agentx', '', 'source = file:/var/lib/lvs/snap.json   # JSON', 'interval=2', 'monotonic-counters = yes', 'log-level = "debug"'].join('\n'),
      path,
    );
    const cmd = parseCommandLine(['-i', '7']);
    if (cmd.kind !== 'run') throw new Error('not run');
    expect(resolveSettings(file, cmd.flags)).toMatchObject({ source: 'file:/var/lib/lvs/snap.json', intervalMs: 7000, monotonic: true, logLevel: 'debug' });
  });

  it('names the file, the line and the expectation in every error', () => {
    expect(() => parseConfigText('interval = 5\nsauce = netlink\n', path)).toThrow(
      `${path} line 2: unknown key "sauce": expected one of agentx-socket, source, interval, idle-interval, monotonic-counters, ping-interval, log-level, notifications, notification-limit`,
    );
    expect(() => parseConfigText('\n\ninterval 5\n', path)).toThrow(`${path} line 3: "interval 5": expected key = value`);
    expect(() => parseConfigText('interval = 5\ninterval = 6\n', path)).toThrow(`${path} line 2: "interval" is set twice`);
    expect(() => resolveSettings(parseConfigText('\ninterval = 0\n', path), {})).toThrow(
      new SettingError(`${path} line 2: interval "0": expected a number of seconds from 0.1 to 86400`),
    );
    expect(() => resolveSettings(parseConfigText('interval = 30\nidle-interval = 10\n', path), {})).toThrow(
      `${path} line 2: idle-interval "10": expected at least the interval (30 s): reads are never more frequent when nobody asks`,
    );
    expect(() => resolveSettings(parseConfigText('monotonic-counters = maybe\n', path), {})).toThrow(
      `${path} line 1: monotonic-counters "maybe": expected true or false`,
    );
  });
});
