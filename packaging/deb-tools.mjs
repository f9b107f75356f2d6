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
//
//   node deb-tools.mjs engines LIB_DIR NODE_VERSION
//       Checks that every npm package under LIB_DIR/node_modules (as above) accepts Node.js NODE_VERSION ("18.19":
//       missing parts are 0) in its package.json's engines.node. Prints one line per package that does not, or whose
//       range this reader cannot parse, and exits 1 then; exits 0 silently when all accept it. A package without
//       engines.node accepts any version, as npm reads it.
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The string at `keyPath` ("engines.node") of the parsed package.json `pkg`, or undefined. */
export function packageField(pkg, keyPath) {
  const value = keyPath.split('.').reduce((o, k) => (o === null || o === undefined ? o : o[k]), pkg);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Every package below `libDir`/node_modules as { dir, pkg } (pkg: its parsed package.json), in code-unit order of
 * the folder names, each followed by the packages nested in its own node_modules.
 */
export function installedPackages(libDir) {
  const found = [];
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
      found.push({ dir: d, pkg: JSON.parse(readFileSync(pj, 'utf8')) });
      if (existsSync(join(d, 'node_modules'))) walk(join(d, 'node_modules'));
    }
  };
  walk(join(libDir, 'node_modules'));
  return found;
}

/** The copyright lines of every package below `libDir`/node_modules, licence paths under `installedAs`. */
export function licenseLines(libDir, installedAs) {
  return installedPackages(libDir).map(({ dir, pkg: p }) => {
    const license = typeof p.license === 'string' ? p.license : 'see the package';
    const text = readdirSync(dir)
      .sort()
      .find((f) => /^(licen[cs]e|copying)/i.test(f));
    const where = text === undefined ? '' : ` (${installedAs}/${relative(libDir, join(dir, text))})`;
    return ` ${p.name} ${p.version}: ${license}${where}`;
  });
}

// --- engines.node ranges -----------------------------------------------------------------------------------------
// npm's range grammar (node-semver's README), as far as engines fields use it: `||` between alternatives, blanks
// between comparators that must all hold, `A - B`, the operators < <= > >= = ^ ~ (and ~>), x/X/* or missing parts.
// A version here is [major, minor, patch]; pre-release tags in a range are not supported and make it unreadable.

const PART = '(\\d+|[xX*])';
const COMPARATOR = new RegExp(`^(<=|>=|<|>|=|\\^|~>?|)v?${PART}(?:\\.${PART})?(?:\\.${PART})?$`);

function cmp(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** Parses one comparator ("^18.19", ">=10.x") into a list of [operator, version] bounds, each < <= > or >=. */
function bounds(text) {
  const m = COMPARATOR.exec(text);
  if (!m) throw new Error(`cannot read comparator '${text}'`);
  const op = m[1] === '~>' ? '~' : m[1];
  // The parts given, up to the first wildcard: "18.x.5" counts as "18".
  const given = [];
  for (const p of [m[2], m[3], m[4]]) {
    if (p === undefined || !/^\d+$/.test(p)) break;
    given.push(Number(p));
  }
  const n = given.length;
  const low = [given[0] ?? 0, given[1] ?? 0, given[2] ?? 0];
  // The first version above everything "given" matches: 18 -> 19.0.0, 18.19 -> 18.20.0, 18.19.1 -> 18.19.2.
  const next = n === 0 ? undefined : low.map((v, i) => (i < n - 1 ? v : i === n - 1 ? v + 1 : 0));
  if (n === 0) return op === '<' || op === '>' ? [['<', [0, 0, 0]]] : [];
  switch (op) {
    case '':
    case '=':
      return n === 3 ? [['>=', low], ['<=', low]] : [['>=', low], ['<', next]];
    case '>=':
      return [['>=', low]];
    case '>':
      return n === 3 ? [['>', low]] : [['>=', next]];
    case '<':
      return [['<', low]];
    case '<=':
      return n === 3 ? [['<=', low]] : [['<', next]];
    case '~':
      return [['>=', low], ['<', n === 1 ? [low[0] + 1, 0, 0] : [low[0], low[1] + 1, 0]]];
    case '^': {
      // The first non-zero part given may not change; with all given parts zero, the last given one may not.
      const fixed = low.findIndex((v, i) => i < n && v !== 0);
      const at = fixed === -1 ? n - 1 : fixed;
      return [['>=', low], ['<', low.map((v, i) => (i < at ? v : i === at ? v + 1 : 0))]];
    }
    default:
      throw new Error(`cannot read comparator '${text}'`);
  }
}

function holds([op, bound], version) {
  const c = cmp(version, bound);
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

/** [major, minor, patch] of "18", "18.19" or "18.19.1" (missing parts 0); throws on anything else. */
export function parseVersion(text) {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a version: '${text}'`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

/** true when the npm range `range` (an engines.node value) accepts `version` ([major, minor, patch]). */
export function rangeAccepts(range, version) {
  return range.split('||').some((alternative) => {
    const text = alternative.trim().replace(/(<=|>=|<|>|=|\^|~>?)\s+/g, '$1');
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    const list = hyphen
      ? [...bounds(`>=${hyphen[1]}`), ...bounds(`<=${hyphen[2]}`)]
      : text === ''
        ? []
        : text.split(/\s+/).flatMap(bounds);
    return list.every((b) => holds(b, version));
  });
}

/** One line per package below `libDir`/node_modules whose engines.node does not accept `version` (a string). */
export function enginesProblems(libDir, version) {
  const v = parseVersion(version);
  const problems = [];
  for (const { pkg: p } of installedPackages(libDir)) {
    const range = p.engines?.node;
    if (range === undefined) continue;
    let ok;
    try {
      ok = typeof range === 'string' && rangeAccepts(range, v);
    } catch (e) {
      problems.push(` ${p.name} ${p.version}: engines.node '${range}' unreadable (${e.message})`);
      continue;
    }
    if (!ok) problems.push(` ${p.name} ${p.version}: engines.node '${typeof range === 'string' ? range : JSON.stringify(range)}' excludes Node.js ${v.join('.')}`);
  }
  return problems;
}

const USAGE = 'usage: deb-tools.mjs field PACKAGE_JSON KEY.PATH | licenses LIB_DIR INSTALLED_AS | engines LIB_DIR NODE_VERSION';

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
  if (command === 'engines' && a !== undefined && b !== undefined && args.length === 3) {
    const problems = enginesProblems(a, b);
    if (problems.length === 0) return 0;
    process.stdout.write(`${problems.join('\n')}\n`);
    return 1;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
