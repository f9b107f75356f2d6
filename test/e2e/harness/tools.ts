import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the nearest folder up with package.json: this file also runs compiled, from dist/). */
function findRepo(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (package.json) above the test harness');
    dir = up;
  }
  return dir;
}

/** The repository root, and the MIB search path the tests give the Net-SNMP tools (scripts/mib-env.sh agrees). */
export const REPO = findRepo();
export const MIB_DIRS = [join(REPO, 'mibs'), join(REPO, '.cache', 'mibs')].join(':');

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a Net-SNMP command-line tool; rejects with its stderr when it exits non-zero. */
export function snmp(tool: string, args: readonly string[], timeoutMs = 120_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      [...args],
      { timeout: timeoutMs, maxBuffer: 1 << 30, env: { ...process.env, MIBS: '', MIBDIRS: MIB_DIRS } },
      (err, stdout, stderr) => {
        if (err) reject(Object.assign(new Error(`${tool} ${args.join(' ')}: ${stderr || err.message}`), { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });
}

export interface WalkedVarBind {
  readonly oid: string;
  readonly type: string;
  readonly value: string;
}

/**
 * Parses tool output printed with -On -Ox -Oe (numeric OIDs, octet strings in hex, numeric
 * enums): `.1.3.6 = Counter64: 18446744073709551615`, `.1.3 = Hex-STRING: 77 6C 63`, `.1.3 = ""`.
 * Hex strings longer than one line continue on following lines.
 */
export function parseVarBinds(text: string): WalkedVarBind[] {
  const out: WalkedVarBind[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^(\.[\d.]+) = (?:([A-Za-z0-9-]+): )?(.*)$/.exec(line);
    if (m) {
      out.push({ oid: m[1] as string, type: m[2] ?? (m[3] === '""' ? 'STRING' : 'NONE'), value: m[3] as string });
    } else if (out.length > 0) {
      const last = out.pop() as WalkedVarBind;
      out.push({ ...last, value: `${last.value} ${line.trim()}`.trim() });
    }
  }
  return out.map((v) => (v.type === 'Hex-STRING' ? { ...v, value: v.value.replace(/\s+/g, ' ').trim() } : v));
}

export const NUMERIC = ['-On', '-Ox', '-Oe'];
