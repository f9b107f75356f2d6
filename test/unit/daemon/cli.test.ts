import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../../src/daemon/cli.js';

describe('command line', () => {
  it('has defaults an operator expects', () => {
    expect(parseCommandLine([])).toEqual({
      kind: 'run',
      options: {
        address: { kind: 'unix', path: '/var/agentx/master' },
        source: 'netlink',
        intervalMs: 5000,
        monotonic: false,
        pingIntervalMs: 15000,
        logLevel: 'info',
      },
    });
  });
  it('takes snmpd-style socket addresses', () => {
    const run = (x: string) => parseCommandLine(['-x', x]);
    expect(run('tcp:localhost:705')).toMatchObject({ options: { address: { kind: 'tcp', host: 'localhost', port: 705 } } });
    expect(run('/run/agentx.sock')).toMatchObject({ options: { address: { kind: 'unix', path: '/run/agentx.sock' } } });
    expect(run('tcp:[::1]:705')).toMatchObject({ options: { address: { kind: 'tcp', host: '::1', port: 705 } } });
  });
  it('rejects bad values with what was expected', () => {
    expect(() => parseCommandLine(['-i', 'soon'])).toThrow(/--interval "soon": expected a number of seconds/);
    expect(() => parseCommandLine(['-x', 'udp:1.2.3.4:161'])).toThrow(UsageError);
    expect(() => parseCommandLine(['--log-level', 'loud'])).toThrow(/expected one of fatal/);
    expect(() => parseCommandLine(['--bogus'])).toThrow(UsageError);
  });
  it('has help and version', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['-V'])).toEqual({ kind: 'version' });
  });
});
