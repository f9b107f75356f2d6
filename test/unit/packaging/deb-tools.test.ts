import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * packaging/deb-tools.mjs through its command line, exactly as packaging/build-deb.sh calls it: the package.json
 * fields behind the Version and Depends lines, the bundled packages' lines of debian/copyright, and the check that
 * every bundled package accepts the Node.js floor.
 */

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const TOOL = join(REPO, 'packaging', 'deb-tools.mjs');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function tool(...args: string[]): Run {
  const r = spawnSync(process.execPath, [TOOL, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'deb-tools-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Writes `files` (path relative to `root` → content; objects as JSON) and returns `root`. */
function tree(root: string, files: Record<string, string | object>): string {
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

describe('deb-tools field', () => {
  const pkg = (): string =>
    tree(join(work, 'field'), {
      'package.json': { version: '0.2.0-rc.1', engines: { node: '>=20.11' }, license: 'GPL-2.0-or-later', n: 5, z: null },
    }) + '/package.json';

  it('prints a top-level or nested string without a newline', () => {
    expect(tool('field', pkg(), 'version')).toEqual({ status: 0, stdout: '0.2.0-rc.1', stderr: '' });
    expect(tool('field', pkg(), 'engines.node')).toEqual({ status: 0, stdout: '>=20.11', stderr: '' });
    expect(tool('field', pkg(), 'license')).toEqual({ status: 0, stdout: 'GPL-2.0-or-later', stderr: '' });
  });

  it('exits 1 with nothing on stdout when the key is missing or not a string', () => {
    for (const key of ['missing', 'engines', 'engines.npm', 'n', 'z', 'z.deeper', 'missing.deeper', 'version.length']) {
      const r = tool('field', pkg(), key);
      expect({ key, status: r.status, stdout: r.stdout }).toEqual({ key, status: 1, stdout: '' });
      expect(r.stderr).toContain(`has no string at ${key}`);
    }
  });

  it("reads this repository's package.json as build-deb.sh does", () => {
    const own = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
    expect(tool('field', join(REPO, 'package.json'), 'version').stdout).toBe(own.version);
    expect(tool('field', join(REPO, 'package.json'), 'engines.node').stdout).toBe(own.engines.node);
  });

  it('refuses a wrong command line with the usage (exit 2)', () => {
    for (const args of [[], ['field'], ['field', pkg()], ['field', pkg(), 'version', 'extra'], ['fields', pkg(), 'version']]) {
      const r = tool(...args);
      expect({ args, status: r.status, stdout: r.stdout }).toEqual({ args, status: 2, stdout: '' });
      expect(r.stderr).toMatch(/^usage: deb-tools\.mjs /);
    }
  });
});

describe('deb-tools licenses', () => {
  it('lists every package, scoped and nested, in folder-name order, with its licence text under INSTALLED_AS', () => {
    const lib = tree(join(work, 'lib'), {
      // Code-unit order: "@scope" < "Zed" < "alpha"; "." folders and folders without package.json are skipped.
      'node_modules/.bin/alpha': '#!/bin/sh\n',
      'node_modules/.package-lock.json': {},
      'node_modules/alpha/package.json': { name: 'alpha', version: '1.0.0', license: 'MIT' },
      'node_modules/alpha/LICENSE': 'MIT',
      // Nested dependencies come right after their parent; COPYING sorts before LICENSE and wins.
      'node_modules/alpha/node_modules/beta/package.json': { name: 'beta', version: '2.0.0', license: 'ISC' },
      'node_modules/alpha/node_modules/beta/LICENSE': 'ISC',
      'node_modules/alpha/node_modules/beta/COPYING': 'ISC',
      'node_modules/Zed/package.json': { name: 'Zed', version: '0.0.1', license: { type: 'BSD' } },
      'node_modules/Zed/README.md': 'no licence file',
      'node_modules/@scope/pkg/package.json': { name: '@scope/pkg', version: '3.1.4', license: 'Apache-2.0' },
      'node_modules/@scope/pkg/licence.md': 'Apache',
      'node_modules/@scope/.cache/package.json': { name: 'hidden', version: '9' },
      'node_modules/no-package-json/index.js': '',
      'node_modules/gamma/package.json': { name: 'gamma', version: '4.0.0', license: 'MIT' },
      'node_modules/gamma/License.txt': 'MIT',
    });
    const r = tool('licenses', lib, '/usr/lib/lvs-agentx');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        ' @scope/pkg 3.1.4: Apache-2.0 (/usr/lib/lvs-agentx/node_modules/@scope/pkg/licence.md)',
        ' Zed 0.0.1: see the package',
        ' alpha 1.0.0: MIT (/usr/lib/lvs-agentx/node_modules/alpha/LICENSE)',
        ' beta 2.0.0: ISC (/usr/lib/lvs-agentx/node_modules/alpha/node_modules/beta/COPYING)',
        ' gamma 4.0.0: MIT (/usr/lib/lvs-agentx/node_modules/gamma/License.txt)',
        '',
      ].join('\n'),
    );
  });

  it('prints one empty line for an empty node_modules', () => {
    const lib = join(work, 'empty');
    mkdirSync(join(lib, 'node_modules'), { recursive: true });
    expect(tool('licenses', lib, '/usr/lib/x')).toEqual({ status: 0, stdout: '\n', stderr: '' });
  });

  it('fails when LIB_DIR has no node_modules', () => {
    const r = tool('licenses', join(work, 'nowhere'), '/usr/lib/x');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ENOENT');
  });
});

describe('deb-tools engines', () => {
  /** A node_modules whose one package declares `range` as its engines.node. */
  const withRange = (name: string, range: unknown): string =>
    tree(join(work, 'engines', name), { 'node_modules/dep/package.json': { name: 'dep', version: '1.0.0', engines: { node: range } } });

  // [engines.node, Node.js version, accepted], with npm's reading of each (node-semver's README).
  const table: [string, string, boolean][] = [
    ['*', '18.19', true],
    ['', '18.19', true],
    ['>=18.19', '18.19', true],
    ['>=18.19', '18.18.9', false],
    ['>=20', '18.19', false],
    ['>= 10.x', '18.19', true],
    ['>18.19', '18.19.0', false],
    ['>18.19', '18.20.0', true],
    ['>18.19.0', '18.19.1', true],
    ['<18', '18.0.0', false],
    ['<=18', '18.99.0', true],
    ['<=18.18', '18.19.0', false],
    ['>=14 <18', '18.19', false],
    ['>=14 <19', '18.19', true],
    ['=18.19.0', '18.19.0', true],
    ['18.19.1', '18.19.0', false],
    ['18.x', '18.19', true],
    ['18', '19.0.0', false],
    ['~18.18', '18.19', false],
    ['~18.19', '18.19.5', true],
    ['~>18.19', '18.20.0', false],
    ['^18 || ^20 || >= 21', '18.19', true],
    ['^18 || ^20 || >= 21', '19.0.0', false],
    ['^18.20', '18.19.1', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['^0.0.3', '0.0.4', false],
    ['16 - 18', '18.19', true],
    ['16 - 18.18', '18.19', false],
    ['^20.19.0 || >=22.12.0', '18.19', false],
    ['^20.19.0 || >=22.12.0', '20.19.2', true],
  ];

  it.each(table)("engines.node '%s' with Node.js %s: accepted %s", (range, version, accepted) => {
    const r = tool('engines', withRange(`${range}-${version}`.replace(/[^\w.-]/g, '_'), range), version);
    expect(r.stderr).toBe('');
    if (accepted) {
      expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
    } else {
      expect(r.status).toBe(1);
      expect(r.stdout).toBe(` dep 1.0.0: engines.node '${range}' excludes Node.js ${version.split('.').concat(['0', '0']).slice(0, 3).join('.')}\n`);
    }
  });

  it('names every package that excludes the version, nested ones too, and passes those without engines', () => {
    const lib = tree(join(work, 'engines', 'several'), {
      'node_modules/free/package.json': { name: 'free', version: '1.0.0' },
      'node_modules/old/package.json': { name: 'old', version: '2.0.0', engines: { node: '>=10' } },
      'node_modules/old/node_modules/thread-stream/package.json': { name: 'thread-stream', version: '4.2.1', engines: { node: '>=20' } },
      'node_modules/@s/new/package.json': { name: '@s/new', version: '3.0.0', engines: { node: '^20.19.0 || >=22.12.0' } },
    });
    expect(tool('engines', lib, '18.19')).toEqual({
      status: 1,
      stdout:
        " @s/new 3.0.0: engines.node '^20.19.0 || >=22.12.0' excludes Node.js 18.19.0\n" +
        " thread-stream 4.2.1: engines.node '>=20' excludes Node.js 18.19.0\n",
      stderr: '',
    });
    expect(tool('engines', lib, '22.12')).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('fails on a range it cannot read rather than passing it', () => {
    for (const range of ['>=18.0.0-rc.1', 'latest', '>=18 <', 18]) {
      const r = tool('engines', withRange(`bad-${String(range).replace(/[^\w.-]/g, '_')}`, range), '18.19');
      expect({ range, status: r.status }).toEqual({ range, status: 1 });
      expect(r.stdout).toMatch(/^ dep 1\.0\.0: engines\.node '.*' (unreadable|excludes)/);
    }
  });

  it("accepts this repository's Node.js floor for its runtime dependencies", () => {
    // The same check build-deb.sh runs on its `npm ci --omit=dev` tree, here on the runtime dependencies as
    // package-lock.json resolves them: no engines.node of theirs may exclude package.json's floor.
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; engines?: { node?: string } }>;
    };
    const own = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
    const floor = /^>=\s*([\d.]+)$/.exec(own.engines.node)?.[1];
    expect(floor, own.engines.node).toBeDefined();
    const files: Record<string, object> = {};
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev === true) continue;
      files[`${path}/package.json`] = { name: path.replace(/^.*node_modules\//, ''), version: '0', engines: entry.engines ?? {} };
    }
    expect(Object.keys(files).length).toBeGreaterThan(3);
    const r = tool('engines', tree(join(work, 'engines', 'lock'), files), floor as string);
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});
