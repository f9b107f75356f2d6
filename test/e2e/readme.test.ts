import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN } from './harness/agent-process.js';
import { Director } from './harness/director.js';
import { MIB_DIRS, REPO } from './harness/tools.js';

/**
 * README.md's examples are run, not trusted. In every ```console block, each `$ command` runs in bash against a
 * private snmpd (reached as `localhost` through a client snmp.conf with its port) and the agent reading
 * test/fixtures/all-kinds.json; the lines after it must appear in its output, in order (`...` skips lines;
 * timeticks values and trailing spaces are not compared). Every ```conf block whose first line is
 * `# snmpd.conf` is added to that snmpd's configuration, so the configuration shown is the one tested.
 */

interface Example {
  readonly command: string;
  readonly expected: readonly string[];
}

const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const blocks = [...README.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1] as string, body: m[2] as string }));

function examples(): Example[] {
  const out: Example[] = [];
  for (const block of blocks.filter((b) => b.lang === 'console')) {
    let current: { command: string; expected: string[] } | undefined;
    const lines = block.body.replace(/\n$/, '').split('\n');
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i] as string;
      if (line.startsWith('$ ')) {
        if (current) out.push(current);
        let command = line.slice(2);
        while (command.endsWith('\\') && i + 1 < lines.length) command = command.slice(0, -1) + (lines[++i] as string);
        current = { command, expected: [] };
      } else if (current) {
        current.expected.push(line);
      }
      line = '';
    }
    if (current) out.push(current);
  }
  return out;
}

const normalise = (line: string): string => line.replace(/Timeticks: \(\d+\) [\d:.]+/g, 'Timeticks: (T)').replace(/\s+$/, '');

/** The expected lines, in order, within the actual ones; `...` lets any number of lines pass. */
function contains(actual: readonly string[], expected: readonly string[]): string | undefined {
  let at = 0;
  for (const want of expected) {
    if (want.trim() === '...') continue;
    const w = normalise(want);
    const found = actual.findIndex((line, i) => i >= at && normalise(line) === w);
    if (found < 0) return `missing (in order): ${JSON.stringify(want)}`;
    at = found + 1;
  }
  return undefined;
}

let director: Director;
let dir: string;

beforeAll(async () => {
  const config = blocks.filter((b) => b.lang === 'conf' && b.body.startsWith('# snmpd.conf')).flatMap((b) => b.body.split('\n'));
  // The README's snippets name the system socket; the private snmpd keeps its own, and its own listening address.
  const usable = config.filter((l) => !/^\s*(agentXSocket|agentaddress)\b/.test(l));
  director = await Director.start({ snmpdConfig: usable, agentArgs: ['-i', '1'] });
  dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-readme-'));
  writeFileSync(join(dir, 'snmp.conf'), `defaultPort ${director.snmpd.port}\n`);
}, 30_000);

afterAll(async () => {
  await director?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(command: string): Promise<{ code: number; output: string }> {
  const prelude = `lvs-agentx() { node ${JSON.stringify(AGENT_BIN)} "$@"; }\n`;
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', prelude + command],
      { cwd: REPO, timeout: 60_000, env: { ...process.env, SNMPCONFPATH: dir, MIBDIRS: MIB_DIRS, MIBS: '' } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('README examples', () => {
  const all = examples();
  it("shows the package's snmpd drop-in as it is shipped", () => {
    const shown = blocks.find((b) => b.lang === 'conf' && b.body.startsWith("# snmpd.conf (the package's drop-in"));
    const shipped = readFileSync(join(REPO, 'packaging', 'snmpd.conf.d', 'lvs-agentx.conf'), 'utf8');
    const working = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    expect(shown).toBeDefined();
    expect(working(shown?.body ?? '')).toEqual(working(shipped));
  });

  it('has examples to run', () => {
    expect(all.length).toBeGreaterThan(5);
  });
  for (const example of all) {
    it(`$ ${example.command}`, async () => {
      const { code, output } = await run(example.command);
      const problem = contains(output.split('\n'), example.expected);
      expect(problem, `output was:\n${output}`).toBeUndefined();
      expect(code, `output was:\n${output}`).toBe(0);
    });
  }
});
