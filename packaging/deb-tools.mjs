#!/usr/bin/env node
// The two things packaging/build-deb.sh asks of Node.js, kept here rather than inline so that they are tested
// (test/unit/packaging/deb-tools.test.ts). Plain JavaScript with no dependencies: it runs at build time, before
// tsc, on any Node.js from 18 on.
//
//   node deb-tools.mjs field PACKAGE_JSON KEY[.KEY...]
//       Prints the string at that key path of PACKAGE_JSON ("version", "engines.node") without a newline.
//       Exit status 1, and nothing on stdout, when it is missing or not a string.
//
//   node deb-tools.mjs licenses LIB_DIR INSTALLED_AS
//       One line per npm package installed under LIB_DIR/node_modules (scoped and nested ones included), for
//       debian/copyright: " NAME VERSION: LICENSE" and, when the package carries a licence text, the path it has
//       once LIB_DIR is installed as INSTALLED_AS: " pino 10.0.0: MIT (/usr/lib/lvs-agentx/node_modules/pino/LICENSE)".
//       Packages in code-unit order of their folder names, each followed by those nested in its own node_modules;
//       LICENSE is "see the package" when package.json's license is not a string. Folders whose names start with
//       "." and folders without a package.json are not packages.
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The string at `keyPath` ("engines.node") of the parsed package.json `pkg`, or undefined. */
export function packageField(pkg, keyPath) {
  const value = keyPath.split('.').reduce((o, k) => (o === null || o === undefined ? o : o[k]), pkg);
  return typeof value === 'string' ? value : undefined;
}

/** The copyright lines of every package below `libDir`/node_modules, licence paths under `installedAs`. */
export function licenseLines(libDir, installedAs) {
  const lines = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const d = join(dir, name);
      if (name.startsWith('@')) {
        walk(d);
        continue;
      }
      const pj = join(d, 'package.json');
      if (!existsSync(pj)) continue;
      const p = JSON.parse(readFileSync(pj, 'utf8'));
      const license = typeof p.license === 'string' ? p.license : 'see the package';
      const text = readdirSync(d)
        .sort()
        .find((f) => /^(licen[cs]e|copying)/i.test(f));
      const where = text === undefined ? '' : ` (${installedAs}/${relative(libDir, join(d, text))})`;
      lines.push(` ${p.name} ${p.version}: ${license}${where}`);
      if (existsSync(join(d, 'node_modules'))) walk(join(d, 'node_modules'));
    }
  };
  walk(join(libDir, 'node_modules'));
  return lines;
}

const USAGE = 'usage: deb-tools.mjs field PACKAGE_JSON KEY.PATH | licenses LIB_DIR INSTALLED_AS';

function main(args) {
  const [command, a, b] = args;
  if (command === 'field' && a !== undefined && b !== undefined && args.length === 3) {
    const value = packageField(JSON.parse(readFileSync(a, 'utf8')), b);
    if (value === undefined) {
      process.stderr.write(`deb-tools: ${a} has no string at ${b}\n`);
      return 1;
    }
    process.stdout.write(value);
    return 0;
  }
  if (command === 'licenses' && a !== undefined && b !== undefined && args.length === 3) {
    process.stdout.write(`${licenseLines(a, b).join('\n')}\n`);
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
