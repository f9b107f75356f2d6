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
      metricsListen: undefined,
      metricsReals: true,
      context: '',
      netns: '',
    });
  });

  it('serves /metrics only where --metrics-listen says, IPv6 in brackets, per-real series unless switched off', () => {
    const settle = (argv: string[]) => {
      const cmd = parseCommandLine(argv);
      if (cmd.kind !== 'run') throw new Error('not run');
      return resolveSettings({}, cmd.flags);
    };
    expect(settle(['--metrics-listen', '127.0.0.1:9650'])).toMatchObject({ metricsListen: { host: '127.0.0.1', port: 9650 }, metricsReals: true });
    expect(settle(['--metrics-listen=[::1]:9650', '--metrics-reals', 'false'])).toMatchObject({ metricsListen: { host: '::1', port: 9650 }, metricsReals: false });
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

describe('command line errors: one line each, with the flag, the value bounded, what is accepted and the help hint', () => {
  /** The one message a command line gives, from parsing or from validating its settings. */
  const messageOf = (argv: string[]): string => {
    try {
      const cmd = parseCommandLine(argv);
      if (cmd.kind === 'run' || cmd.kind === 'snapshot' || cmd.kind === 'mrtg') resolveSettings({}, cmd.flags);
    } catch (err) {
      expect(err instanceof UsageError || err instanceof SettingError).toBe(true);
      const message = (err as Error).message;
      expect(message).not.toContain('\n');
      expect(message.length).toBeLessThan(300);
      expect(message).toMatch(/; see lvs-agentx --help$/);
      return message;
    }
    throw new Error(`${argv.join(' ')} was accepted`);
  };

  it.each([
    [['-i', '-5'], '--interval: interval "-5": expected a number of seconds from 0.1 to 86400; see lvs-agentx --help'],
    [['--interval=-5'], '--interval: interval "-5": expected a number of seconds from 0.1 to 86400; see lvs-agentx --help'],
    [['-i-5'], '--interval: interval "-5": expected a number of seconds from 0.1 to 86400; see lvs-agentx --help'],
    [['-i'], '-i (--interval) needs a value: expected a number of seconds from 0.1 to 86400; see lvs-agentx --help'],
    [['--ping-interval'], '--ping-interval needs a value: expected a number of seconds from 1 to 3600; see lvs-agentx --help'],
    [['--bogus'], 'unknown option "--bogus"; see lvs-agentx --help'],
    [['--bogus=1'], 'unknown option "--bogus"; see lvs-agentx --help'],
    [['-q'], 'unknown option "-q"; see lvs-agentx --help'],
    [['-hq'], 'unknown option "-q" in "-hq"; see lvs-agentx --help'],
    [['--help=yes'], '--help takes no value, got "yes"; see lvs-agentx --help'],
    [['stray'], 'unexpected argument "stray": expected options only; see lvs-agentx --help'],
    [['--notification-limit', '100001'], '--notification-limit: notification-limit "100001": expected a whole number from 0 to 100000; see lvs-agentx --help'],
    [['--metrics-listen', '9650'], '--metrics-listen: metrics-listen "9650": expected HOST:PORT or [IPV6]:PORT with a port from 1 to 65535, like 127.0.0.1:9650 or [::1]:9650; see lvs-agentx --help'],
    [['--metrics-listen', '[::1]:0'], '--metrics-listen: metrics-listen "[::1]:0": expected a port from 1 to 65535; see lvs-agentx --help'],
    [['--metrics-listen'], '--metrics-listen needs a value: expected HOST:PORT or [IPV6]:PORT with a port from 1 to 65535, like 127.0.0.1:9650 or [::1]:9650; see lvs-agentx --help'],
    [['--metrics-reals', 'some'], '--metrics-reals: metrics-reals "some": expected true or false; see lvs-agentx --help'],
    [['--monotonic-counters=maybe'], '--monotonic-counters: monotonic-counters "maybe": expected true or false; see lvs-agentx --help'],
    [['snapshot', '--format', 'xml'], 'snapshot: --format "xml": expected table or json; see lvs-agentx --help'],
    [['mrtg', '--host', 'h', '--port', '0'], 'mrtg: --port "0": expected a port from 1 to 65535; see lvs-agentx --help'],
    [['oid'], 'oid: 0 arguments: expected a service name (like TCP/10.0.0.1:80), optionally a real server name and a column; see lvs-agentx --help'],
  ])('%j', (argv, message) => {
    expect(messageOf(argv)).toBe(message);
  });

  it('lets the transport say the port is out of range, not only which forms exist', () => {
    expect(messageOf(['-x', 'tcp:HOST:70000'])).toBe(
      '--agentx-socket: agentx-socket "tcp:HOST:70000": expected tcp:HOST:PORT with a port from 1 to 65535; see lvs-agentx --help',
    );
    expect(messageOf(['-x', 'unix:relative'])).toMatch(/expected unix:\/absolute\/path; see/);
    expect(messageOf(['-x', `/run/${'s'.repeat(200)}`])).toMatch(/expected a socket path of at most 107 bytes \(sun_path\); see/);
  });

  it('lets the simulator say its limits', () => {
    expect(messageOf(['-s', 'sim:services=2000000'])).toMatch(/source "sim:services=2000000": expected sim with services=N at most 1000000; see/);
    expect(messageOf(['-s', 'sim:services=100000,reals=100'])).toMatch(/expected sim with services x reals at most 1000000 \(every row is held in memory\), not 10000000; see/);
    expect(messageOf(['-s', 'sim:reals=70000'])).toMatch(/expected sim with reals=N at most 65535/);
  });

  it('never echoes a 1 MB value whole', () => {
    const huge = 'x'.repeat(1 << 20);
    expect(messageOf(['-i', huge])).toBe(`--interval: interval "${'x'.repeat(64)}..." (1048576 bytes): expected a number of seconds from 0.1 to 86400; see lvs-agentx --help`);
    expect(messageOf([`--${huge}`])).toMatch(/^unknown option "--x{62}\.\.\." \(1048578 bytes\); see/);
    expect(messageOf(['-s', `file:/${huge}`])).toMatch(/^--source: source "file:\/x+\.\.\." \(1048582 bytes\): expected file:PATH with a path shorter than 4096 bytes \(PATH_MAX\); see/);
    expect(messageOf(['-s', `sim:${huge}`])).toMatch(/^--source: source "sim:x+\.\.\." \(1048580 bytes\): expected sim\[:OPTIONS\] with OPTIONS like/);
    expect(messageOf(['-l', `\u001b[31m${huge}`])).toMatch(/^--log-level: log-level "\\u001b\[31mx+\.\.\." \(1048581 bytes\): expected one of/);
  });

  it('still takes values that start with a dash where one is meant, and -- ends the options', () => {
    const cmd = parseCommandLine(['-s', 'file:-odd-name.json', '-iO.5'.replace('O', '0')]);
    expect(cmd).toMatchObject({ kind: 'run', flags: { source: { value: 'file:-odd-name.json' }, interval: { value: '0.5' } } });
    expect(parseCommandLine(['oid', '--', 'TCP/10.0.0.1:80'])).toEqual({ kind: 'oid', args: ['TCP/10.0.0.1:80'] });
    expect(parseCommandLine(['-hV'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--monotonic-counters'])).toMatchObject({ flags: { 'monotonic-counters': { value: true } } });
  });
});

describe('config file', () => {
  const path = '/etc/lvs-agentx/lvs-agentx.conf';

  it('reads key = value lines with comments; flags win over the file', () => {
    const file = parseConfigText(
      ['# lvs-agentx', '', 'source = file:/var/lib/lvs/snap.json   # JSON', 'interval=2', 'monotonic-counters = yes', 'log-level = "debug"', 'metrics-listen = 127.0.0.1:9650', 'metrics-reals = no'].join('\n'),
      path,
    );
    const cmd = parseCommandLine(['-i', '7']);
    if (cmd.kind !== 'run') throw new Error('not run');
    expect(resolveSettings(file, cmd.flags)).toMatchObject({ source: 'file:/var/lib/lvs/snap.json', intervalMs: 7000, monotonic: true, logLevel: 'debug',
      metricsListen: { host: '127.0.0.1', port: 9650 }, metricsReals: false });
  });

  it('names the file, the line and the expectation in every error', () => {
    expect(() => parseConfigText('interval = 5\nsauce = netlink\n', path)).toThrow(
      `${path} line 2: unknown key "sauce": expected one of agentx-socket, source, interval, idle-interval, monotonic-counters, ping-interval, log-level, notifications, notification-limit, metrics-listen, metrics-reals`,
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
    expect(() => resolveSettings(parseConfigText('metrics-listen = [127.0.0.1]:9650\n', path), {})).toThrow(
      `${path} line 1: metrics-listen "[127.0.0.1]:9650": expected an IPv6 address inside the brackets, like [::1]:9650`,
    );
  });

  it('quotes a 1 MB line, key or value by its start and size, and says nothing of --help', () => {
    const huge = 'y'.repeat(1 << 20);
    const line = (text: string): string => {
      try {
        resolveSettings(parseConfigText(text, path), {});
      } catch (err) {
        expect(err).toBeInstanceOf(SettingError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(line(`${huge}\n`)).toBe(`${path} line 1: "${'y'.repeat(64)}..." (1048576 bytes): expected key = value`);
    expect(line(`${huge} = 1\n`)).toMatch(/line 1: unknown key "y{64}\.\.\." \(1048576 bytes\): expected one of agentx-socket/);
    expect(line(`interval = ${huge}\n`)).toBe(`${path} line 1: interval "${'y'.repeat(64)}..." (1048576 bytes): expected a number of seconds from 0.1 to 86400`);
    expect(line(`source = file:/${huge}\n`)).toMatch(/line 1: source "file:\/y+\.\.\." \(1048582 bytes\): expected file:PATH with a path shorter than 4096 bytes \(PATH_MAX\)$/);
  });
});
