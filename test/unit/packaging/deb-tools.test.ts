import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * packaging/deb-tools.mjs through its command line, exactly as packaging/build-deb.sh calls it: the package.json
 * fields behind the Version and Depends lines, and the bundled packages' lines of debian/copyright.
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
