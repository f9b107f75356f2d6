import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_COLUMNS, SCALARS, SERVICE_COLUMNS } from '../../src/mib/lvs-mib.js';

/**
 * mibs/LVS-MIB.txt checked by the tools that consume it: libsmi's smilint must find nothing to say about it, and
 * Net-SNMP's snmptranslate must map every object name to the number the agent serves it at. The table below is
 * the contract; columns 2-19 (services) and 3-16 (real servers) are the 2001 module's and must never move.
 *
 * Needs smilint (Debian smitools), snmptranslate (Debian snmp) and the base MIBs in .cache/mibs, all provided by
 * scripts/install-deps.sh. Missing tools fail the suite: a MIB that nobody compiled is not known to compile.
 */

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const MIB_FILE = join(REPO, 'mibs', 'LVS-MIB.txt');
const BASE_MIB_DIR = join(REPO, '.cache', 'mibs');
/** Only the project's MIB directories: the result must not depend on what else a machine has installed. */
const MIB_PATH = `${join(REPO, 'mibs')}:${BASE_MIB_DIR}`;
const BASE_MODULES = ['SNMPv2-SMI', 'SNMPv2-TC', 'SNMPv2-CONF', 'INET-ADDRESS-MIB'];
const INSTALL_HINT = 'run scripts/install-deps.sh (as root) to install smitools, snmp and the base MIBs';

/** enterprises.8225.4711 */
const LVS = '.1.3.6.1.4.1.8225.4711';

/** Every node LVS-MIB defines, with its number below `lvs` ('' is `lvs` itself). */
const EXPECTED: ReadonlyArray<readonly [name: string, suffix: string]> = [
  ['lvs', ''],
  // Scalars
  ['lvsVersion', '1'],
  ['lvsNumServices', '2'],
  ['lvsHashTableSize', '3'],
  ['lvsTcpTimeOut', '4'],
  ['lvsTcpFinTimeOut', '5'],
  ['lvsUdpTimeOut', '6'],
  ['lvsDaemonState', '7'],
  ['lvsAgentSource', '8'],
  ['lvsAgentStatus', '9'],
  ['lvsAgentLastReadTime', '10'],
  ['lvsAgentLastReadDuration', '11'],
  ['lvsAgentReadErrors', '12'],
  ['lvsAgentLastError', '13'],
  ['lvsNumReals', '14'],
  // lvsServiceTable
  ['lvsServiceTable', '17'],
  ['lvsServiceEntry', '17.1'],
  ['lvsServiceSchedType', '17.1.2'],
  ['lvsServiceProto', '17.1.3'],
  ['lvsServiceAddr', '17.1.4'],
  ['lvsServicePort', '17.1.5'],
  ['lvsServiceFwMark', '17.1.6'],
  ['lvsServicePersistTimeout', '17.1.7'],
  ['lvsServicePersistNetmask', '17.1.8'],
  ['lvsServiceNumDests', '17.1.9'],
  ['lvsServiceStatsConns', '17.1.10'],
  ['lvsServiceStatsInPkts', '17.1.11'],
  ['lvsServiceStatsOutPkts', '17.1.12'],
  ['lvsServiceStatsInBytes', '17.1.13'],
  ['lvsServiceStatsOutBytes', '17.1.14'],
  ['lvsServiceRateCps', '17.1.15'],
  ['lvsServiceRateInPPS', '17.1.16'],
  ['lvsServiceRateOutPPS', '17.1.17'],
  ['lvsServiceRateInBPS', '17.1.18'],
  ['lvsServiceRateOutBPS', '17.1.19'],
  ['lvsServiceName', '17.1.20'],
  ['lvsServiceAddrType', '17.1.21'],
  ['lvsServiceAddress', '17.1.22'],
  ['lvsServiceFlags', '17.1.23'],
  ['lvsServicePersistPrefixLen', '17.1.24'],
  ['lvsServicePeName', '17.1.25'],
  ['lvsServiceActiveConns', '17.1.26'],
  ['lvsServiceInactiveConns', '17.1.27'],
  ['lvsServicePersistConns', '17.1.28'],
  ['lvsServiceHCStatsConns', '17.1.29'],
  ['lvsServiceHCStatsInPkts', '17.1.30'],
  ['lvsServiceHCStatsOutPkts', '17.1.31'],
  ['lvsServiceHCRateCps', '17.1.32'],
  ['lvsServiceHCRateInPPS', '17.1.33'],
  ['lvsServiceHCRateOutPPS', '17.1.34'],
  ['lvsServiceHCRateInBPS', '17.1.35'],
  ['lvsServiceHCRateOutBPS', '17.1.36'],
  ['lvsServiceDiscontinuityTime', '17.1.37'],
  ['lvsServiceDisplayName', '17.1.38'],
  // lvsRealTable
  ['lvsRealTable', '18'],
  ['lvsRealEntry', '18.1'],
  ['lvsRealAddr', '18.1.3'],
  ['lvsRealPort', '18.1.4'],
  ['lvsRealFlags', '18.1.5'],
  ['lvsRealWeight', '18.1.6'],
  ['lvsRealStatsConns', '18.1.7'],
  ['lvsRealStatsInPkts', '18.1.8'],
  ['lvsRealStatsOutPkts', '18.1.9'],
  ['lvsRealStatsInBytes', '18.1.10'],
  ['lvsRealStatsOutBytes', '18.1.11'],
  ['lvsRealRateCps', '18.1.12'],
  ['lvsRealRateInPPS', '18.1.13'],
  ['lvsRealRateOutPPS', '18.1.14'],
  ['lvsRealRateInBPS', '18.1.15'],
  ['lvsRealRateOutBPS', '18.1.16'],
  ['lvsRealName', '18.1.17'],
  ['lvsRealAddrType', '18.1.18'],
  ['lvsRealAddress', '18.1.19'],
  ['lvsRealUpperThreshold', '18.1.20'],
  ['lvsRealLowerThreshold', '18.1.21'],
  ['lvsRealActiveConns', '18.1.22'],
  ['lvsRealInactiveConns', '18.1.23'],
  ['lvsRealPersistConns', '18.1.24'],
  ['lvsRealTunnelType', '18.1.25'],
  ['lvsRealTunnelPort', '18.1.26'],
  ['lvsRealTunnelFlags', '18.1.27'],
  ['lvsRealHCStatsConns', '18.1.28'],
  ['lvsRealHCStatsInPkts', '18.1.29'],
  ['lvsRealHCStatsOutPkts', '18.1.30'],
  ['lvsRealHCRateCps', '18.1.31'],
  ['lvsRealHCRateInPPS', '18.1.32'],
  ['lvsRealHCRateOutPPS', '18.1.33'],
  ['lvsRealHCRateInBPS', '18.1.34'],
  ['lvsRealHCRateOutBPS', '18.1.35'],
  ['lvsRealDiscontinuityTime', '18.1.36'],
  ['lvsRealDisplayName', '18.1.37'],
  // Conformance and the notification root
  ['lvsConformance', '19'],
  ['lvsCompliances', '19.1'],
  ['lvsCompliance', '19.1.1'],
  ['lvsGroups', '19.2'],
  ['lvsGlobalGroup', '19.2.1'],
  ['lvsAgentGroup', '19.2.2'],
  ['lvsServiceGroup', '19.2.3'],
  ['lvsServiceInetGroup', '19.2.4'],
  ['lvsServiceHCGroup', '19.2.5'],
  ['lvsRealGroup', '19.2.6'],
  ['lvsRealInetGroup', '19.2.7'],
  ['lvsRealTunnelGroup', '19.2.8'],
  ['lvsRealHCGroup', '19.2.9'],
  ['lvsNotifyObjectsGroup', '19.2.10'],
  ['lvsNotificationGroup', '19.2.11'],
  ['lvsServiceNameGroup', '19.2.12'],
  ['lvsRealNameGroup', '19.2.13'],
  ['lvsNotifications', '20'],
  ['lvsNotificationPrefix', '20.0'],
  ['lvsServiceAdded', '20.0.1'],
  ['lvsServiceRemoved', '20.0.2'],
  ['lvsRealAdded', '20.0.3'],
  ['lvsRealRemoved', '20.0.4'],
  ['lvsRealWeightChanged', '20.0.5'],
  ['lvsNotifyObjects', '20.1'],
  ['lvsNotifyServiceName', '20.1.1'],
  ['lvsNotifyRealName', '20.1.2'],
  ['lvsNotifyPreviousWeight', '20.1.3'],
];

const expectedOid = (suffix: string): string => (suffix === '' ? LVS : `${LVS}.${suffix}`);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const r = spawnSync(command, args, { env, encoding: 'utf8', timeout: 30_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`mib-compile: ${command} not found; ${INSTALL_HINT}`);
    throw new Error(`mib-compile: ${command} failed to run: ${r.error.message}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The caller's environment without anything that would change which MIBs or config files the tools read. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['MIBS', 'MIBDIRS', 'MIBFILES', 'SMIPATH', 'SNMPCONFPATH', 'SNMP_PERSISTENT_DIR']) delete env[key];
  return { ...env, ...extra };
}

let scratch = '';
let smiEnv: NodeJS.ProcessEnv = {};
let snmpEnv: NodeJS.ProcessEnv = {};
/** Why the tools cannot run here, if they cannot. Every test that needs them fails with it (none is skipped). */
let missingTools: string | undefined;

function needTools(): void {
  if (missingTools !== undefined) throw new Error(missingTools);
}

beforeAll(() => {
  for (const tool of ['smilint', 'snmptranslate']) {
    const r = spawnSync(tool, ['-V'], { encoding: 'utf8' });
    if (r.error) {
      missingTools = `mib-compile: ${tool} not found (${r.error.message}); ${INSTALL_HINT}`;
      return;
    }
  }
  const missing = BASE_MODULES.filter((m) => !existsSync(join(BASE_MIB_DIR, `${m}.txt`)));
  if (missing.length > 0) {
    missingTools = `mib-compile: base MIBs missing in ${BASE_MIB_DIR}: ${missing.join(', ')}; ${INSTALL_HINT}`;
    return;
  }
  scratch = mkdtempSync(join(tmpdir(), 'lvs-mib-test-'));
  // An empty config path keeps ~/.snmp/snmp.conf and /etc/snmp/snmp.conf out; Net-SNMP creates cert_indexes in
  // its persistent directory and says so on stderr unless it already exists.
  mkdirSync(join(scratch, 'conf'));
  mkdirSync(join(scratch, 'persist', 'cert_indexes'), { recursive: true });
  smiEnv = cleanEnv({ SMIPATH: MIB_PATH });
  snmpEnv = cleanEnv({ SNMPCONFPATH: join(scratch, 'conf'), SNMP_PERSISTENT_DIR: join(scratch, 'persist') });
});

afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

/** One smilint diagnostic with -s: `file:line: [severity] text`. */
interface Diagnostic {
  line: number;
  severity: number;
  text: string;
}

function smilint(file: string): { output: string; diagnostics: Diagnostic[] } {
  needTools();
  const r = run('smilint', ['-l', '6', '-s', file], smiEnv);
  const output = (r.stdout + r.stderr).trim();
  const diagnostics: Diagnostic[] = [];
  for (const line of output.split('\n')) {
    const m = /^.*?:(\d+): \[(\d+)\] (.*)$/.exec(line);
    if (m) diagnostics.push({ line: Number(m[1]), severity: Number(m[2]), text: m[3] as string });
  }
  return { output, diagnostics };
}

/** libsmi severities 0-3 are errors (internal, major, error, minor); 4 and above are warnings and notices. */
const isError = (d: Diagnostic): boolean => d.severity <= 3;

describe('smilint -l 6 on mibs/LVS-MIB.txt', () => {
  it('reports nothing at all: no errors, no warnings', () => {
    const { output, diagnostics } = smilint(MIB_FILE);
    expect(diagnostics.filter(isError), output).toEqual([]);
    expect(output).toBe('');
  });

  // The check above passes on empty output, so prove that this invocation does report a broken module.
  it('does report an error in a deliberately broken copy', () => {
    needTools();
    const broken = readFileSync(MIB_FILE, 'utf8').replace('::= { lvs 14 }', '::= { lvs 13 }');
    const file = join(scratch, 'LVS-MIB.txt');
    writeFileSync(file, broken);
    const { output, diagnostics } = smilint(file);
    expect(diagnostics.filter(isError).map((d) => d.text), output).toContainEqual(
      expect.stringContaining('already registered'),
    );
  });
});

function translate(args: string[]): Run {
  needTools();
  const r = run('snmptranslate', ['-M', MIB_PATH, '-m', 'LVS-MIB', ...args], snmpEnv);
  return { ...r, stderr: r.stderr.replace(/^Created directory: .*\n/gm, '') };
}

describe('snmptranslate -m LVS-MIB', () => {
  it.each(EXPECTED)('LVS-MIB::%s is lvs.%s', (name, suffix) => {
    const r = translate(['-On', `LVS-MIB::${name}`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(expectedOid(suffix));
  });

  it('defines no node under lvs beyond the table above', () => {
    // -Tso prints every loaded node as a numeric line followed by its symbolic path.
    const r = translate(['-Tso']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    const found = new Map<string, string>();
    for (let i = 0; i + 1 < lines.length; i++) {
      const oid = lines[i] as string;
      if (oid.startsWith(`${LVS}.`) || oid === LVS) found.set((lines[i + 1] as string).split('.').pop() as string, oid);
    }
    expect(Object.fromEntries(found)).toEqual(Object.fromEntries(EXPECTED.map(([n, s]) => [n, expectedOid(s)])));
  });

  it('gives the new columns their textual conventions and types', () => {
    // Spot checks of what Net-SNMP will use to render the values of the new columns.
    const types: Array<[string, RegExp]> = [
      ['lvsServiceHCRateCps', /Counter64/],
      ['lvsServiceAddress', /InetAddress/],
      ['lvsServiceFlags', /BITS/],
      ['lvsServiceDiscontinuityTime', /TimeStamp/],
      ['lvsRealTunnelFlags', /BITS/],
    ];
    for (const [name, syntax] of types) {
      const r = translate(['-Td', `LVS-MIB::${name}`]);
      expect(r.stderr, name).toBe('');
      expect(r.stdout, name).toMatch(syntax);
    }
  });
});

describe('the agent serves every object at the number the MIB gives it', () => {
  const byName = new Map(EXPECTED.map(([n, s]) => [n, s]));
  it.each([
    ...SCALARS.map((s) => [s.name, `${s.subid}`] as const),
    ...SERVICE_COLUMNS.map((c) => [c.name, `17.1.${c.subid}`] as const),
    ...REAL_COLUMNS.map((c) => [c.name, `18.1.${c.subid}`] as const),
  ])('%s at %s', (name, suffix) => {
    expect(byName.get(name)).toBe(suffix);
  });

  it('leaves out only the not-accessible index columns and non-leaf nodes', () => {
    const served = new Set([...SCALARS, ...SERVICE_COLUMNS, ...REAL_COLUMNS].map((d) => d.name));
    // Scalars (lvs 1..14) and columns (lvs 17.1.n, 18.1.n).
    const leaves = EXPECTED.filter(([, s]) => /^([1-9]|1[0-4]|1[78]\.1\.\d+)$/.test(s));
    const unserved = leaves.map(([n]) => n).filter((n) => !served.has(n));
    expect(unserved).toEqual(['lvsServiceName', 'lvsRealName']);
  });
});
