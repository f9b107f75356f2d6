import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN } from '../e2e/harness/agent-process.js';
import { Director, FIXTURE, LVS_ROOT } from '../e2e/harness/director.js';
import { snmp } from '../e2e/harness/tools.js';
import { sleep } from './figures.js';

/**
 * Bad input, each answered by one clear line (issue 14): bad flags stop the built agent with exit 2 and a single
 * stderr line (no usage text); bad snapshot files give `lvs-agentx snapshot` a single stderr line, and under a
 * running agent one error log line each, lvsAgentLastError as printable text, and the last good table still served.
 * Runs against dist (npm run build).
 */

const dir = mkdtempSync(join(tmpdir(), 'lvs-bad-input-'));
/** An empty config file, so that nothing in /etc/lvs-agentx takes part. */
const CONFIG = join(dir, 'empty.conf');
const MB = 'a'.repeat(1 << 20);
/** The longest single argument Linux passes to a program is MAX_ARG_STRLEN, 128 KiB: a "1 MB flag" is this. */
const ARG_MAX = 'a'.repeat(128 * 1024 - 1);
const A64 = 'a'.repeat(64);
const HELP = 'see lvs-agentx --help';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [AGENT_BIN, ...args], { timeout: 20_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

/** The one line of stderr (and there is only one). */
function oneLine(r: Run): string {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr.slice(0, 2000)).toHaveLength(1);
  return lines[0] as string;
}

beforeAll(() => {
  if (!existsSync(AGENT_BIN)) throw new Error(`${AGENT_BIN} is missing: run npm run build first`);
  writeFileSync(CONFIG, '# empty\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECONDS = 'expected a number of seconds from 0.1 to 86400';

const FLAGS: readonly [string, readonly string[], string][] = [
  ['-i -5', ['-i', '-5'], `lvs-agentx: --interval: interval "-5": ${SECONDS}; ${HELP}`],
  ['--interval=-5', ['--interval=-5'], `lvs-agentx: --interval: interval "-5": ${SECONDS}; ${HELP}`],
  ['-i without a value', ['-i'], `lvs-agentx: -i (--interval) needs a value: ${SECONDS}; ${HELP}`],
  ['--bogus', ['--bogus'], `lvs-agentx: unknown option "--bogus"; ${HELP}`],
  ['a stray argument', ['serve'], `lvs-agentx: unexpected argument "serve": expected options only; ${HELP}`],
  [
    '-x tcp:HOST:70000',
    ['-x', 'tcp:HOST:70000'],
    `lvs-agentx: --agentx-socket: agentx-socket "tcp:HOST:70000": expected tcp:HOST:PORT with a port from 1 to 65535; ${HELP}`,
  ],
  [
    'sim beyond its limits',
    ['-s', 'sim:services=100000,reals=100'],
    `lvs-agentx: --source: source "sim:services=100000,reals=100": expected sim with services x reals at most 1000000 (every row is held in memory), not 10000000; ${HELP}`,
  ],
  ['a 128 KiB flag value', ['-i', ARG_MAX], `lvs-agentx: --interval: interval "${A64}..." (131071 bytes): ${SECONDS}; ${HELP}`],
  [
    'a 128 KiB file: path',
    ['-s', `file:/${ARG_MAX.slice(6)}`],
    `lvs-agentx: --source: source "file:/${'a'.repeat(58)}..." (131071 bytes): expected file:PATH with a path shorter than 4096 bytes (PATH_MAX); ${HELP}`,
  ],
  ['snapshot --format xml', ['snapshot', '--format', 'xml'], `lvs-agentx: snapshot: --format "xml": expected table or json; ${HELP}`],
];

describe('bad flags: exit 2 and one line, no usage text', () => {
  it.each(FLAGS)('%s', async (_name, args, line) => {
    const r = await run(args[0] === 'snapshot' ? [...args, '-c', CONFIG] : ['-c', CONFIG, ...args]);
    expect(oneLine(r)).toBe(line);
    expect(r.stderr).not.toMatch(/Usage:/);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });

  it('a 1 MB config line or `source = file:` path is quoted by its start and size', async () => {
    const long = join(dir, 'long-line.conf');
    writeFileSync(long, `${MB}\n`);
    expect(oneLine(await run(['-c', long]))).toBe(`lvs-agentx: ${long} line 1: "${A64}..." (1048576 bytes): expected key = value`);
    const path = join(dir, 'long-path.conf');
    writeFileSync(path, `# a path no system call takes\nsource = file:/${MB}\n`);
    const r = await run(['-c', path]);
    expect(oneLine(r)).toBe(
      `lvs-agentx: ${path} line 2: source "file:/${'a'.repeat(58)}..." (1048582 bytes): expected file:PATH with a path shorter than 4096 bytes (PATH_MAX)`,
    );
    expect(r.code).toBe(2);
  });
});

type Content = string | Uint8Array | 'directory';

const fixture = (): { info: object; services: Record<string, unknown>[] } => JSON.parse(readFileSync(FIXTURE, 'utf8'));
function withChange(change: (doc: ReturnType<typeof fixture>) => void): string {
  const doc = fixture();
  change(doc);
  return JSON.stringify(doc);
}
const reals = (doc: ReturnType<typeof fixture>, i: number): Record<string, unknown>[] => doc.services[i]?.reals as Record<string, unknown>[];

/** Bad snapshot files and what follows "snapshot file PATH: " in their one line. */
const FILES: readonly [string, Content, string][] = [
  [
    'a negative weight',
    withChange((d) => void ((reals(d, 1)[0] as Record<string, unknown>).weight = -1)),
    'snapshot: $.services[1].reals[0].weight: expected an integer 0..65535, got -1',
  ],
  [
    'a service listed twice',
    withChange((d) => void d.services.push({ protocol: 'tcp', address: '10.0.0.1', port: 80 })),
    'snapshot: $.services[7]: expected each service once, got TCP/10.0.0.1:80 again (first at $.services[1])',
  ],
  [
    'a real server listed twice',
    withChange((d) => void reals(d, 1).push({ address: '10.0.0.3', port: 8080 })),
    'snapshot: $.services[1].reals[2]: expected each real server of a service once, got 10.0.0.3:8080 again (first at $.services[1].reals[0])',
  ],
  [
    'an IPv4 prefix of 33',
    withChange((d) => void ((d.services[1] as Record<string, unknown>).netmaskPrefix = 33)),
    'snapshot: $.services[1].netmaskPrefix: expected an integer 0..32, got 33',
  ],
  [
    'a counter above 2^64 - 1',
    withChange((d) => void ((d.services[1] as { stats: Record<string, unknown> }).stats.inBytes = '18446744073709551616')),
    'snapshot: $.services[1].stats.inBytes: expected an unsigned 64-bit integer as a decimal string (or a number below 2^53), got "18446744073709551616"',
  ],
  [
    'a 1 MB value',
    withChange((d) => void ((d.services[1] as Record<string, unknown>).scheduler = MB)),
    `snapshot: $.services[1].scheduler: expected a name of 1..15 printable ASCII characters, got "${A64}..." (1048576 bytes)`,
  ],
  ['a directory', 'directory', 'is a directory; expected a JSON file, fix --source'],
  [
    'a binary file',
    Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff),
    'is not UTF-8 text (4096 bytes; a binary file?); expected a JSON snapshot',
  ],
  ['text that is not JSON', 'services: []\n', `is not valid JSON (Unexpected token 's', "services: []\\n" is not valid JSON)`],
  ['an empty file', '', 'is empty; expected a JSON snapshot'],
];

function put(path: string, content: Content): void {
  rmSync(path, { recursive: true, force: true });
  if (content === 'directory') mkdirSync(path);
  else writeFileSync(path, content);
}

describe('bad snapshot files: `lvs-agentx snapshot` says one line (exit 1)', () => {
  it.each(FILES)('%s', async (name, content, detail) => {
    const path = join(dir, `${name.replace(/\W+/g, '-')}.json`);
    put(path, content);
    const r = await run(['snapshot', '-c', CONFIG, '-s', `file:${path}`]);
    expect(oneLine(r)).toBe(`lvs-agentx: snapshot file ${path}: ${detail}`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
  });
});

describe('bad snapshot files under a running agent', () => {
  let director: Director;
  const scalar = (subid: number): string => `${LVS_ROOT}.${subid}.0`;
  const LAST_ERROR = scalar(13);
  const STATUS = scalar(9);
  const NUM_SERVICES = scalar(2);

  beforeAll(async () => {
    director = await Director.start({ agentArgs: ['-c', CONFIG] });
  }, 30_000);

  afterAll(async () => {
    await director?.stop();
  });

  /** lvsAgentStatus, lvsAgentLastError (type and text) and lvsNumServices in one PDU. */
  async function agentState(): Promise<{ status: string; errorType: string; error: string; services: string }> {
    const { stdout } = await snmp('snmpget', ['-v2c', '-c', 'public', '-On', '-t', '2', '-r', '0', director.target, STATUS, LAST_ERROR, NUM_SERVICES]);
    const value = (oid: string): [string, string] => {
      const m = new RegExp(`^${oid.replace(/\./g, '\\.')} = (?:([A-Za-z0-9-]+): )?(.*)$`, 'm').exec(stdout);
      return [m?.[1] ?? '', m?.[2] ?? ''];
    };
    const [errorType, errorText] = value(LAST_ERROR);
    // snmpget quotes a STRING and escapes the quotes and backslashes in it.
    const error = errorText.replace(/^"(.*)"$/s, '$1').replace(/\\(["\\])/g, '$1');
    return { status: value(STATUS)[1], errorType, error, services: value(NUM_SERVICES)[1] };
  }

  async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    const started = Date.now();
    for (;;) {
      const v = await probe();
      if (ok(v)) return v;
      if (Date.now() - started > 10_000) throw new Error(`${what}: still ${JSON.stringify(v)}; log:\n${director.agent.logLines.slice(-20).join('\n')}`);
      await sleep(100);
    }
  }

  const readFailures = (): { err: string }[] =>
    director.agent.logLines.flatMap((l) => {
      try {
        const e = JSON.parse(l) as { level: number; err: string };
        return e.level >= 50 ? [e] : [];
      } catch {
        return [];
      }
    });

  it('logs one error line each, shows it in lvsAgentLastError as printable text, keeps serving the last good table', async () => {
    const path = director.snapshotPath;
    const good = readFileSync(path);
    const numServices = (await agentState()).services;
    expect(numServices).toBe('7');
    for (const [name, content, detail] of FILES) {
      const before = readFailures().length;
      put(path, content);
      const message = `snapshot file ${path}: ${detail}`;
      const state = await until(name, agentState, (s) => s.status === '2' && s.error !== '');
      // An OCTET STRING of printable ASCII prints as STRING (a binary one as Hex-STRING), the message whole or cut at 255.
      expect(state.errorType, name).toBe('STRING');
      expect(state.error, name).toBe(message.length <= 255 ? message : `${message.slice(0, 252)}...`);
      expect(state.services, name).toBe(numServices);
      // The log line travels on its own (pino's stream, then the pipe to this process) and may come after snmpd's
      // answer: wait for it, then it must be exactly one, with the message.
      const failures = await until(`${name}: its log line`, async () => readFailures().slice(before), (f) => f.length > 0);
      expect(failures.map((f) => f.err), name).toEqual([message]);
      put(path, good);
      await until(`${name}: recovery`, agentState, (s) => s.status === '1' && s.error === '');
    }
    expect(director.agent.alive).toBe(true);
  }, 60_000);
});
