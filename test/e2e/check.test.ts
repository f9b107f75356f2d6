import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN } from './harness/agent-process.js';
import { Director, FIXTURE, LVS_ROOT } from './harness/director.js';
import { stringIndex } from './harness/expected.js';
import { freeUdpPort } from './harness/snmpd.js';

/**
 * `lvs-agentx check`, the built command as Nagios or Icinga runs it, against a private real snmpd and the agent
 * reading the all-kinds fixture plus a service whose reals are all quiesced: every plugin state, v2c and SNMPv3,
 * a missing service, an unreachable host, bad thresholds, and the agent going stale when its file turns bad.
 */

const QUIESCED = 'TCP/10.0.0.1:81';
const V3 = ['-u', 'lvsmon', '-l', 'authPriv', '-a', 'SHA-256', '-A', 'lvs-auth-secret', '-x', 'AES', '-X', 'lvs-priv-secret'];

interface Run {
  readonly code: number;
  readonly stdout: string;
}

function check(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [AGENT_BIN, 'check', ...args], { timeout: 20_000 }, (error, stdout) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout });
    });
  });
}

let director: Director;
let target: string[];

beforeAll(async () => {
  const doc = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { services: unknown[] };
  doc.services.push({
    protocol: 'tcp',
    address: '10.0.0.1',
    port: 81,
    scheduler: 'rr',
    reals: [
      { address: '10.0.0.2', port: 81, forward: 'route', weight: 0 },
      { address: '10.0.0.3', port: 81, forward: 'route', weight: 0 },
    ],
  });
  director = await Director.start({
    snapshot: doc,
    snmpdConfig: ['createUser lvsmon SHA-256 "lvs-auth-secret" AES "lvs-priv-secret"', 'rouser lvsmon priv'],
  });
  const [host, port] = director.target.split(':') as [string, string];
  target = ['-H', host, '-p', port];
});

afterAll(async () => {
  await director?.stop();
});

describe('lvs-agentx check against the real snmpd and agent', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['OK, quiesced real named', ['--service', 'TCP/10.0.0.1:80'], 0, /^LVS OK - TCP\/10\.0\.0\.1:80: 1 of 2 reals live, 18 active - quiesced: TCP\/10\.0\.0\.1:80 10\.0\.0\.3:8080 \| /],
    ['OK with thresholds met', ['--service', 'TCP/10.0.0.1:80', '-w', '1:', '-c', '@0'], 0, /^LVS OK - /],
    ['WARNING on live reals', ['--service', 'TCP/10.0.0.1:80', '-w', '2:', '-c', '1:'], 1, /^LVS WARNING - TCP\/10\.0\.0\.1:80: 1 of 2 reals live \(live reals 1 outside 2:\)/],
    ['CRITICAL on live reals', ['--service', 'TCP/10.0.0.1:80', '-w', '3:', '-c', '2:'], 2, /^LVS CRITICAL - .*live reals 1 outside 2:/],
    ['WARNING on percent live', ['--service', 'TCP/10.0.0.1:80', '--warning-percent', '60:'], 1, /^LVS WARNING - .*live 50% outside 60:/],
    ['WARNING on active connections', ['--service', 'TCP/10.0.0.1:80', '--warning-active', '10', '--critical-active', '20'], 1, /active connections 18 outside 10/],
    ['CRITICAL on active connections', ['--service', 'TCP/10.0.0.1:80', '--critical-active', '17'], 2, /active connections 18 outside 17/],
    ['CRITICAL: missing service', ['--service', 'TCP/10.0.0.1:99'], 2, /^LVS CRITICAL - TCP\/10\.0\.0\.1:99: no such virtual service$/m],
    ['CRITICAL: all reals quiesced', ['--service', QUIESCED], 2, /^LVS CRITICAL - TCP\/10\.0\.0\.1:81: no real server with weight > 0 \(2 reals\) - quiesced: TCP\/10\.0\.0\.1:81 10\.0\.0\.2:81 10\.0\.0\.3:81/],
    ['CRITICAL: a service whose reals were all removed', ['--service', 'TCP/10.0.0.9:25'], 2, /^LVS CRITICAL - TCP\/10\.0\.0\.9:25: no real server with weight > 0 \(0 reals\) \| 'TCP\/10\.0\.0\.9:25 live'=0;;;0;0 /],
    ['CRITICAL: --all has a service without reals', ['--all'], 2, /^LVS CRITICAL - 8 services \(2 CRITICAL, 6 OK\) - .*TCP\/10\.0\.0\.9:25: no real server with weight > 0 \(0 reals\)/],
    ['OK over SNMPv3 authPriv', ['--service', 'UDP/[2001:db8::1]:53', ...V3], 0, /^LVS OK - UDP\/\[2001:db8::1\]:53: 2 of 2 reals live/],
    ['UNKNOWN: SNMPv3 wrong privacy passphrase', ['--service', 'TCP/10.0.0.1:80', ...V3.slice(0, -1), 'not-the-secret', '-t', '1'], 3, /^LVS UNKNOWN - no answer from 127\.0\.0\.1:\d+ within 1 s \(.*privacy passphrase wrong\)\n$/],
    ['UNKNOWN: SNMPv3 wrong authentication passphrase', ['--service', 'TCP/10.0.0.1:80', ...V3.slice(0, 7), 'not-the-secret', ...V3.slice(8)], 3, /^LVS UNKNOWN - SNMP refused: Wrong Digest .*\n$/],
    ['UNKNOWN: SNMPv3 unknown user', ['--service', 'TCP/10.0.0.1:80', '-u', 'nobody', '-A', 'lvs-auth-secret'], 3, /^LVS UNKNOWN - SNMP refused: Unknown User Name \(127\.0\.0\.1:\d+\)\n$/],
    ['UNKNOWN: wrong community', ['--service', 'TCP/10.0.0.1:80', '-C', 'wrong', '-t', '1'], 3, /^LVS UNKNOWN - no answer .*community not accepted\)\n$/],
    ['UNKNOWN: bad threshold', ['--service', 'TCP/10.0.0.1:80', '-w', '5:1'], 3, /^LVS UNKNOWN - check: -w: range "5:1": start 5 is above end 1; see lvs-agentx check --help\n$/],
    ['UNKNOWN: bad option', ['--service', 'TCP/10.0.0.1:80', '--bogus'], 3, /^LVS UNKNOWN - check: unknown option "--bogus"; see lvs-agentx check --help\n$/],
    ['UNKNOWN: neither --service nor --all', [], 3, /exactly one of --service NAME and --all/],
    ['UNKNOWN: --min-services without --all', ['--service', 'TCP/10.0.0.1:80', '--min-services', '1'], 3, /^LVS UNKNOWN - check: --min-services is for --all; see lvs-agentx check --help\n$/],
  ];
  it.each(cases)('%s', async (_title, args, code, line) => {
    const run = await check([...target, ...args]);
    expect(run.stdout).toMatch(line);
    expect(run.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(run.code).toBe(code);
  });

  it('perfdata carries live reals with thresholds, connections, and the exact 64-bit counters with c', async () => {
    const run = await check([...target, '--service', 'TCP/10.0.0.1:80', '-w', '2:', '-c', '1:']);
    // Items are separated by spaces; a quoted label may hold one.
    const perfdata = run.stdout.trim().split(' | ')[1]?.match(/'[^']*'=\S*|[^\s']+=\S*/g) ?? [];
    expect(perfdata).toHaveLength(9);
    expect(perfdata).toContain("'TCP/10.0.0.1:80 live'=1;2:;1:;0;2");
    expect(perfdata).toContain("'TCP/10.0.0.1:80 active'=18;;;0");
    expect(perfdata).toContain("'TCP/10.0.0.1:80 inbytes'=9223372036854775808c");
    expect(perfdata).toContain("'TCP/10.0.0.1:80 outbytes'=18446744073709551615c");
    expect(perfdata.filter((p) => p.endsWith('c'))).toHaveLength(5);
  });

  it('UNKNOWN when nothing answers (a closed port, -t 1)', async () => {
    const started = Date.now();
    const run = await check(['-H', '127.0.0.1', '-p', String(await freeUdpPort()), '-t', '1', '--all']);
    expect(run.stdout).toMatch(/^LVS UNKNOWN - no answer from 127\.0\.0\.1:\d+ within 1 s \(snmpd down or unreachable, or the community not accepted\)\n$/);
    expect(run.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('UNKNOWN when the host name does not resolve', async () => {
    const run = await check(['-H', 'director.invalid', '-t', '2', '--all']);
    expect(run.stdout).toMatch(/^LVS UNKNOWN - SNMP error: getaddrinfo (ENOTFOUND|EAI_AGAIN) director\.invalid \(director\.invalid:161\)\n$/);
    expect(run.code).toBe(3);
  });

  it('UNKNOWN with the reason when the agent serves stale data (its file turned invalid)', async () => {
    director.writeSnapshot('not json');
    const deadline = Date.now() + 10_000;
    let run: Run;
    do {
      run = await check([...target, '--service', 'TCP/10.0.0.1:80']);
    } while (run.code !== 3 && Date.now() < deadline);
    expect(run.stdout).toMatch(/^LVS UNKNOWN - agent data is stale \(its last reads of the IPVS table failed\): .+\n$/);
    expect(run.code).toBe(3);
  });
});

describe('lvs-agentx check --all over a table larger than one GETBULK', () => {
  // 60 services x 4 reals: the real table takes about 10 rounds of 25 repetitions, the service table 3.
  const N = 60;
  let big: Director;
  beforeAll(async () => {
    const services = Array.from({ length: N }, (_, i) => ({
      protocol: 'tcp',
      address: `10.1.0.${i + 1}`,
      port: 80,
      scheduler: 'wrr',
      stats: { inBytes: (2n ** 40n + BigInt(i + 1)).toString(), conns: String(i + 1) },
      reals: [1, 2, 3, 0].map((weight, r) => ({ address: `10.2.${i + 1}.${r + 1}`, port: 80, forward: 'route', weight })),
    }));
    big = await Director.start({ snapshot: { services }, waitFor: `${LVS_ROOT}.17.1.2${stringIndex('TCP/10.1.0.1:80')}` });
  });
  afterAll(async () => {
    await big?.stop();
  });

  it('with --max-output 0 sees every service and every real, with each service its own counters', async () => {
    const [host, port] = big.target.split(':') as [string, string];
    const run = await check(['-H', host, '-p', port, '--all', '-w', '3:', '--max-output', '0', '--max-listed', String(N)]);
    expect(run.code).toBe(0);
    const [summary, perf] = run.stdout.trim().split(' | ') as [string, string];
    expect(summary).toMatch(new RegExp(`^LVS OK - ${N} services \\(${N} OK\\) - quiesced: `));
    for (let i = 1; i <= N; i++) expect(summary).toContain(`TCP/10.1.0.${i}:80 10.2.${i}.4:80`);
    const items = perf.match(/'[^']*'=\S*|[^\s']+=\S*/g) ?? [];
    expect(items).toHaveLength(12 + N * 9);
    expect(items).toContain(`'TCP/10.1.0.37:80 live'=3;3:;;0;4`);
    expect(items).toContain(`'TCP/10.1.0.37:80 inbytes'=${2n ** 40n + 37n}c`);
    expect(items).toContain(`'TCP/10.1.0.37:80 conns'=37c`);
  });

  it('by default stays within 8192 bytes: 5 names then "and K more", totals whole, per-service perfdata left out', async () => {
    const [host, port] = big.target.split(':') as [string, string];
    const run = await check(['-H', host, '-p', port, '--all', '-w', '4:']);
    expect(run.code).toBe(1);
    expect(Buffer.byteLength(run.stdout)).toBeLessThanOrEqual(8192);
    const [summary, perf] = run.stdout.trim().split(' | ') as [string, string];
    expect(summary).toMatch(new RegExp(`^LVS WARNING - ${N} services \\(${N} WARNING\\)( - TCP/10\\.1\\.0\\.\\d+:80: 3 of 4 reals live \\(live reals 3 outside 4:\\), 0 active){5} - and ${N - 5} more not OK - quiesced: `));
    expect(summary).toMatch(new RegExp(`10\\.2\\.5\\.4:80 and ${N - 5} more - per-service perfdata left out \\(the line would be \\d+ bytes, over --max-output 8192\\)$`));
    const inBytes = Array.from({ length: N }, (_, i) => 2n ** 40n + BigInt(i + 1)).reduce((a, b) => a + b);
    expect(perf.split(' ')).toEqual([
      `services=${N};;;0`,
      `services_warning=${N};;;0`,
      'services_critical=0;;;0',
      `reals=${N * 4};;;0`,
      `reals_live=${N * 3};;;0`,
      expect.stringMatching(/^active=\d+;;;0$/),
      expect.stringMatching(/^inactive=\d+;;;0$/),
      `conns=${(N * (N + 1)) / 2}c`,
      expect.stringMatching(/^inpkts=\d+c$/),
      expect.stringMatching(/^outpkts=\d+c$/),
      `inbytes=${inBytes}c`,
      expect.stringMatching(/^outbytes=\d+c$/),
    ]);
  });
});

describe('lvs-agentx check --all when the director has no virtual service', () => {
  let bare: Director;
  beforeAll(async () => {
    bare = await Director.start({ snapshot: { services: [] }, waitFor: `${LVS_ROOT}.2.0` });
  });
  afterAll(async () => {
    await bare?.stop();
  });

  it('is OK with "0 services" and zero totals, CRITICAL with --min-services 1', async () => {
    const [host, port] = bare.target.split(':') as [string, string];
    const ok = await check(['-H', host, '-p', port, '--all']);
    expect(ok.stdout).toBe('LVS OK - 0 services | services=0;;;0 services_warning=0;;;0 services_critical=0;;;0 reals=0;;;0 reals_live=0;;;0 active=0;;;0 inactive=0;;;0 conns=0c inpkts=0c outpkts=0c inbytes=0c outbytes=0c\n');
    expect(ok.code).toBe(0);
    const critical = await check(['-H', host, '-p', port, '--all', '--min-services', '1']);
    expect(critical.stdout).toMatch(/^LVS CRITICAL - 0 services, fewer than --min-services 1 \| services=0;;1:;0 services_warning=0;;;0 /);
    expect(critical.code).toBe(2);
  });
});

describe('lvs-agentx check when the agent has never read its source', () => {
  let empty: Director;
  beforeAll(async () => {
    // A snapshot file that is valid JSON but no snapshot: the agent connects and serves lvsAgentStatus noData(3).
    empty = await Director.start({ snapshot: 'not a snapshot', waitFor: `${LVS_ROOT}.9.0` });
  });
  afterAll(async () => {
    await empty?.stop();
  });

  it('is UNKNOWN with lvsAgentLastError', async () => {
    const [host, port] = empty.target.split(':') as [string, string];
    const run = await check(['-H', host, '-p', port, '--all']);
    expect(run.stdout).toMatch(/^LVS UNKNOWN - agent has no data \(no read of the IPVS table has succeeded yet\): snapshot file .*\n$/);
    expect(run.code).toBe(3);
  });
});
