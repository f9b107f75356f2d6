import { describe, expect, it } from 'vitest';
import { parseCommandLine, USAGE, UsageError } from '../../../src/daemon/cli.js';
import { toBigInt } from '../../../src/tools/check/fetch.js';
import { parseCheckOptions, type CheckOptions } from '../../../src/tools/check/options.js';

function options(argv: string[]): CheckOptions {
  const command = parseCheckOptions(argv);
  if (command.kind !== 'check') throw new Error('expected a check');
  return command.options;
}

describe('lvs-agentx check options', () => {
  it('defaults: port 161, timeout 10 s, v2c community public', () => {
    const o = options(['-H', 'director', '--all']);
    expect(o).toMatchObject({ host: 'director', port: 161, timeoutSeconds: 10, credentials: { version: '2c', community: 'public' }, selection: { kind: 'all' } });
  });

  it('output limits: 5 listed and 8192 bytes (Nagios 4) by default, --min-services only with --all', () => {
    expect(options(['-H', 'd', '--all'])).toMatchObject({ maxListed: 5, maxOutput: 8192 });
    expect(options(['-H', 'd', '--all', '--max-listed', '20', '--max-output', '0', '--min-services', '3'])).toMatchObject({
      maxListed: 20,
      maxOutput: 0,
      selection: { kind: 'all', minServices: 3 },
    });
  });

  it('takes the service by its canonical name, written any accepted way', () => {
    expect(options(['-H', 'd', '--service', 'tcp/10.0.0.1:80']).selection).toEqual({ kind: 'service', name: 'TCP/10.0.0.1:80' });
    expect(options(['-H', 'd', '-s', 'UDP/[2001:0db8::1]:53']).selection).toEqual({ kind: 'service', name: 'UDP/[2001:db8::1]:53' });
  });

  it('parses every threshold as a range', () => {
    const t = options(['-H', 'd', '--all', '-w', '2:', '-c', '@0', '--warning-percent', '50:', '--critical-percent', '~:10', '--warning-active', '5', '--critical-active', '10:20']).thresholds;
    expect([t.warning?.text, t.critical?.inside, t.warningPercent?.start, t.criticalPercent?.start, t.warningActive?.end, t.criticalActive?.end]).toEqual(['2:', true, 50, -Infinity, 5, 20]);
  });

  it('SNMPv3: level from the passphrases given, protocols by name in any case', () => {
    expect(options(['-H', 'd', '--all', '-u', 'mon', '-a', 'sha-256', '-A', 'authsecret', '-x', 'aes-256b', '-X', 'privsecret']).credentials).toEqual({
      version: '3',
      user: 'mon',
      level: 'authPriv',
      authProtocol: 'SHA-256',
      authKey: 'authsecret',
      privProtocol: 'AES-256B',
      privKey: 'privsecret',
    });
    expect(options(['-H', 'd', '--all', '-u', 'mon', '-A', 'authsecret']).credentials).toMatchObject({ level: 'authNoPriv', authProtocol: 'SHA' });
    expect(options(['-H', 'd', '--all', '-u', 'mon']).credentials).toMatchObject({ level: 'noAuthNoPriv' });
  });

  it.each([
    [[], /-H HOST is required/],
    [['-H', 'd'], /exactly one of --service NAME and --all/],
    [['-H', 'd', '--all', '-s', 'TCP/10.0.0.1:80'], /exactly one of/],
    [['-H', 'd', '-s', 'TCP/10.0.0.1'], /--service: /],
    [['-H', 'd', '--all', '-p', '0'], /-p "0": expected a port/],
    [['-H', 'd', '--all', '-t', '0'], /-t "0": expected seconds/],
    [['-H', 'd', '--all', '-w', '10:1'], /-w: range "10:1": start 10 is above end 1/],
    [['-H', 'd', '--all', '--critical-active', 'lots'], /--critical-active: range "lots"/],
    [['-H', 'd', '--all', '-A', 'authsecret'], /--auth-passphrase is for SNMPv3/],
    [['-H', 'd', '--all', '-u', 'mon', '-C', 'public'], /exclude each other/],
    [['-H', 'd', '--all', '-u', 'mon', '-a', 'SHA-1024', '-A', 'authsecret'], /-a "SHA-1024": expected one of MD5, SHA/],
    [['-H', 'd', '--all', '-u', 'mon', '-l', 'authPriv', '-A', 'authsecret'], /authPriv needs -X/],
    [['-H', 'd', '--all', '-u', 'mon', '-A', 'short'], /at least 8 characters/],
    [['-H', 'd', '--all', '--bogus'], /unknown option "--bogus"/],
    [['-H'], /-H \(--host\) needs a value/],
    [['-H', 'd', '-s', 'TCP/10.0.0.1:80', '--min-services', '1'], /--min-services is for --all/],
    [['-H', 'd', '--all', '--min-services', '-1'], /--min-services "-1": expected a whole number from 0/],
    [['-H', 'd', '--all', '--max-listed', '0'], /--max-listed "0": expected a whole number from 1 to 1000/],
    [['-H', 'd', '--all', '--max-output', '100'], /--max-output 100: expected 0 \(no bound\) or 256 to 1048576 bytes/],
    [['-H', 'd', '--all', '--max-output', '8k'], /--max-output "8k": expected a whole number/],
  ])('%j is refused in one line with the check hint', (argv, message) => {
    let error: unknown;
    try {
      parseCheckOptions(argv);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/; see lvs-agentx check --help$/);
    expect((error as Error).message).not.toContain('\n');
  });

  it("lvs-agentx check hands every argument to the check, whose -c and -x are not the daemon's", () => {
    expect(parseCommandLine(['check', '-H', 'd', '-c', '1:', '-x', 'AES', '--bogus'])).toEqual({ kind: 'check', args: ['-H', 'd', '-c', '1:', '-x', 'AES', '--bogus'] });
    expect(USAGE).toContain('lvs-agentx check -H HOST');
  });

  it('-h asks for the help text', () => {
    expect(parseCheckOptions(['-h'])).toEqual({ kind: 'help' });
  });
});

describe('Counter64 from net-snmp', () => {
  it.each([
    [Buffer.from([]), 0n],
    [Buffer.from([0]), 0n],
    [Buffer.from([0xff, 0xff, 0xff, 0xff]), 4294967295n],
    [Buffer.from([1, 0, 0, 0, 0]), 4294967296n],
    [Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0]), 9223372036854775808n],
    [Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 18446744073709551615n],
    [Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 18446744073709551615n],
    [42, 42n],
  ] as const)('%o is %s', (value, expected) => {
    expect(toBigInt(value)).toBe(expected);
  });
});
