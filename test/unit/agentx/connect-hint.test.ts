import { describe, expect, it } from 'vitest';
import { AGENTX_PERMS_LINE, classifyConnectError, isLoopbackHost, tcpExposureWarning, type PathKind } from '../../../src/agentx/connect-hint.js';
import { parseTransportAddress } from '../../../src/agentx/transport.js';

/** Why a connect to the master failed (errno and what stat found at the path), and whether a TCP master is exposed. */

const unix = parseTransportAddress('unix:/var/agentx/master');
const tcp = parseTransportAddress('tcp:192.0.2.7:705');

describe('classifyConnectError: Unix socket', () => {
  const table: [code: string | undefined, stat: PathKind, cause: string, hint: RegExp | undefined][] = [
    ['ENOENT', 'unknown', 'socket-missing', /no socket at \/var\/agentx\/master: is snmpd running, with "master agentx".*agentXSocket this path/],
    ['ECONNREFUSED', 'socket', 'nobody-listening', /nobody accepts connections on \/var\/agentx\/master: a socket left behind/],
    // The socket vanished between the connect and the stat, or could not be looked at: still most likely stale.
    ['ECONNREFUSED', 'missing', 'nobody-listening', /nobody accepts/],
    ['ECONNREFUSED', 'unknown', 'nobody-listening', /nobody accepts/],
    // Linux answers a connect to a regular file or a directory with ECONNREFUSED; stat tells them apart.
    ['ECONNREFUSED', 'file', 'not-a-socket', /\/var\/agentx\/master is a regular file, not a socket: remove it and restart snmpd/],
    ['ECONNREFUSED', 'directory', 'not-a-socket', /is a directory, not a socket/],
    ['ENOTSOCK', 'other', 'not-a-socket', /is a file of another kind, not a socket/],
    ['EACCES', 'socket', 'permission-denied', /may not write to \/var\/agentx\/master: add "agentXPerms 0660 0711 Debian-snmp lvs-agentx".*restart snmpd/],
    ['EACCES', 'no-access', 'permission-denied', /may not search the directory of \/var\/agentx\/master: add "agentXPerms/],
    ['EAGAIN', 'unknown', 'master-busy', /accepts no connections.*stopped/],
    ['ECONNRESET', 'unknown', 'other', undefined],
    [undefined, 'unknown', 'other', undefined],
  ];
  for (const [code, stat, cause, hint] of table) {
    it(`${code ?? 'no errno'} with ${stat} at the path: ${cause}`, () => {
      const problem = classifyConnectError(unix, code, stat);
      expect(problem.cause).toBe(cause);
      if (hint) expect(problem.hint).toMatch(hint);
      else expect(problem.hint).toBeUndefined();
    });
  }

  it("names the package's agentXPerms line, as packaging/snmpd.conf.d/lvs-agentx.conf has it", async () => {
    const { readFileSync } = await import('node:fs');
    const dropIn = readFileSync(new URL('../../../packaging/snmpd.conf.d/lvs-agentx.conf', import.meta.url), 'utf8');
    expect(dropIn.split('\n')).toContain(AGENTX_PERMS_LINE);
  });
});

describe('classifyConnectError: TCP', () => {
  const table: [code: string, cause: string, hint: RegExp][] = [
    ['ECONNREFUSED', 'tcp-refused', /nothing listens on tcp:192\.0\.2\.7:705: is snmpd running.*"agentXSocket tcp:192\.0\.2\.7:705"/],
    ['EHOSTUNREACH', 'tcp-unreachable', /192\.0\.2\.7 cannot be reached on port 705 \(EHOSTUNREACH\): check the address, the route and any firewall/],
    ['ENETUNREACH', 'tcp-unreachable', /ENETUNREACH/],
    // connection.ts gives its own 5 s connect timeout this code.
    ['ETIMEDOUT', 'tcp-unreachable', /ETIMEDOUT/],
    ['ENOTFOUND', 'host-unknown', /the host name 192\.0\.2\.7 does not resolve \(ENOTFOUND\)/],
  ];
  for (const [code, cause, hint] of table) {
    it(`${code}: ${cause}`, () => {
      const problem = classifyConnectError(tcp, code);
      expect(problem.cause).toBe(cause);
      expect(problem.hint).toMatch(hint);
    });
  }

  it('a TCP error that is no connect failure has no hint', () => {
    expect(classifyConnectError(tcp, 'EPIPE')).toEqual({ cause: 'other' });
  });
});

describe('isLoopbackHost', () => {
  const loopback = ['localhost', 'LOCALHOST', 'localhost.', 'agentx.localhost', '127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '0:0:0:0:0:0:0:1', '0000::0001', '::ffff:127.0.0.1', '0:0:0:0:0:ffff:127.9.9.9'];
  const other = ['192.0.2.7', '10.0.0.1', '0.0.0.0', '128.0.0.1', '::', '::2', '1::1', '2001:db8::1', '::ffff:10.0.0.1', '::127.0.0.1', 'snmp.example.net', 'localhost.example.net', 'mylocalhost'];
  for (const host of loopback) it(`${host} is loopback`, () => expect(isLoopbackHost(host)).toBe(true));
  for (const host of other) it(`${host} is not`, () => expect(isLoopbackHost(host)).toBe(false));
});

describe('tcpExposureWarning', () => {
  it('warns for a TCP master that other hosts may reach, naming the Security Considerations of RFC 2741 and the port', () => {
    expect(tcpExposureWarning(tcp)).toMatch(
      /^AgentX over TCP has no authentication \(RFC 2741, Security Considerations\): anyone who can reach 192\.0\.2\.7 port 705 can register with the master and serve MIB data/,
    );
    expect(tcpExposureWarning(parseTransportAddress('tcp:[2001:db8::1]:705'))).toMatch(/reach 2001:db8::1 port 705/);
    expect(tcpExposureWarning(parseTransportAddress('tcp:snmp.example.net:705'))).toBeDefined();
  });

  it('says nothing for a loopback TCP master or a Unix socket', () => {
    for (const text of ['tcp:705', 'tcp:localhost:705', 'tcp:127.0.0.1:705', 'tcp:[::1]:705', 'unix:/var/agentx/master', '/tmp/master']) {
      expect(tcpExposureWarning(parseTransportAddress(text))).toBeUndefined();
    }
  });
});
