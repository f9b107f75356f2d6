// Run shell scripts inside a qemu guest that boots Debian's kernel (which has IPVS), for tests that need a real
// IPVS when the host kernel has none. A thin wrapper around scripts/kernel/run-guest.sh, which documents the guest:
// the host's root is mounted read-only (so the host's node, snmpd, ipvsadm, ip, setpriv run inside the guest),
// /tmp and /run are tmpfs, the guest has no network device except lo (create namespaces and veth pairs inside it),
// and `outDir` is shared writable at the same absolute path. Everything the guest needs (e.g. `npm run build`
// output) must exist on the host before the boot.
//
// Prepare once with `scripts/kernel/prepare.sh` (installs qemu, downloads the kernel into .cache/kernel).
//
//   const r = await runInGuest('ipvsadm -Ln', { timeoutMs: 120_000 });
//   r.exitCode, r.output (stdout+stderr of the script), r.timings.bootMs
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const kernelCache = process.env['KERNEL_CACHE'] ?? path.join(repoRoot, '.cache/kernel');
const runGuestScript = path.join(repoRoot, 'scripts/kernel/run-guest.sh');

export interface GuestOptions {
  /** Working directory of the script inside the guest (default: the repository). Must exist on the host. */
  repo?: string;
  /** Host directory shared writable at the same path ($GUEST_OUT). Default: a temporary directory, removed after. */
  outDir?: string;
  /** Keep the temporary outDir (ignored when outDir is given: that one is never removed). */
  keepOutDir?: boolean;
  /** Wall-clock limit for the whole guest, boot (~6-8 s under TCG) included. Default 300 000. */
  timeoutMs?: number;
  /** Environment of the script, in addition to GUEST_OUT, GUEST_REPO, GUEST_KERNEL. */
  env?: Record<string, string>;
  /** Modules to load before the script, after the default set (veth, nf_conntrack, ip_vs, rr/wrr/lc/wlc/sh/dh). */
  modules?: string[];
  /** false: load only `modules` (virtio/9p are always loaded). Default true. */
  defaultModules?: boolean;
  /** Extra tmpfs mounts in the guest (directories that exist on the host, e.g. /var/lib/snmp). */
  tmpfs?: string[];
  /** Interpreter of the script inside the guest. Default /bin/bash. */
  shell?: string;
  /** Guest CPUs (default 2) and memory in MB (default 2048). */
  smp?: number;
  memMb?: number;
  /** Called with the script's output while it runs. */
  onOutput?: (chunk: string) => void;
  /** Copy the guest's console (kernel messages, init) to this process's stderr. */
  verbose?: boolean;
}

export interface GuestTimings {
  /** qemu start until the script starts, measured on the host. */
  bootMs?: number;
  /** The script's run time (host clock). */
  scriptMs?: number;
  /** Whole run including qemu shutdown. */
  totalMs: number;
}

export interface GuestResult {
  /** The script's exit status; 124 on timeout and 125 on harness failure when the script did not finish. */
  exitCode: number;
  /** The script's stdout and stderr, interleaved. */
  output: string;
  /** The guest was killed by the timeout before the script finished. */
  timedOut: boolean;
  /** The guest failed before or around the script (boot, mounts, modules): see `console` and `harnessLog`. */
  harnessFailed: boolean;
  /** The guest's serial console (init's markers, kernel emergencies, init failures with a dmesg tail). */
  console: string;
  /** run-guest.sh's own stderr (timing summary, failure diagnosis). */
  harnessLog: string;
  kernel: string;
  outDir: string;
  timings: GuestTimings;
}

/**
 * Whether the guest can run here. Tests must not skip silently when it cannot: they fail with the reason (see
 * requireGuest and the first test of smoke.test.ts).
 */
export function guestStatus(): { ok: true; kernel: string } | { ok: false; reason: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { ok: false, reason: 'needs x86_64 Linux' };
  for (const f of ['vmlinuz', 'initramfs.cpio.gz', 'version']) {
    if (!existsSync(path.join(kernelCache, f))) {
      return { ok: false, reason: `guest kernel not prepared (${f} missing): run scripts/kernel/prepare.sh` };
    }
  }
  return { ok: true, kernel: readFileSync(path.join(kernelCache, 'version'), 'utf8').trim() };
}

/** Throws the reason the guest cannot run here (for the first line of every kernel test). */
export function requireGuest(): void {
  const status = guestStatus();
  if (!status.ok) throw new Error(`kernel test cannot run: ${status.reason}`);
}

/** run-guest.sh waits up to GUEST_LOCK_WAIT_S (default 900) for other guests to finish: one guest at a time. */
const lockWaitS = Number(process.env['GUEST_LOCK_WAIT_S'] ?? 900);

function parseTimings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const toMs = (s: string | undefined): number | undefined =>
  s === undefined || s === '' ? undefined : Math.round(Number(s) * 1000);

async function readOr(file: string, fallback = ''): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** Boot the guest, run `script` (a shell script text) in it, power it off. Never rejects for a failing script. */
export async function runInGuest(script: string, opts: GuestOptions = {}): Promise<GuestResult> {
  const status = guestStatus();
  if (!status.ok) throw new Error(status.reason);
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const ownOut = opts.outDir === undefined;
  const outDir = opts.outDir ?? (await mkdtemp(path.join(tmpdir(), 'lvs-guest-')));

  const args = [runGuestScript, '--out', outDir, '--timeout', String(Math.max(1, Math.ceil(timeoutMs / 1000)))];
  if (opts.repo !== undefined) args.push('--repo', opts.repo);
  if (opts.smp !== undefined) args.push('--smp', String(opts.smp));
  if (opts.memMb !== undefined) args.push('--mem', String(opts.memMb));
  if (opts.shell !== undefined) args.push('--shell', opts.shell);
  if (opts.defaultModules === false) args.push('--no-default-modules');
  if (opts.modules?.length) args.push('--modules', opts.modules.join(' '));
  for (const d of opts.tmpfs ?? []) args.push('--tmpfs', d);
  for (const [k, v] of Object.entries(opts.env ?? {})) args.push('--env', `${k}=${v}`);
  if (opts.verbose) args.push('--verbose');
  if (!opts.onOutput) args.push('--quiet');
  // Passed as one argument: keep scripts well under Linux's 128 KiB limit per argument.
  args.push('-c', script);

  // Own process group, so that a stuck run can be killed as a whole; run-guest.sh forwards SIGTERM to qemu
  // (which timeout(1) keeps in a process group of its own).
  const child = spawn('bash', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let harnessLog = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    harnessLog += s;
    if (opts.verbose) process.stderr.write(s);
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => opts.onOutput?.(s));

  const killGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  // run-guest.sh enforces the timeout itself; this is the backstop should it hang.
  let backstopKill: NodeJS.Timeout | undefined;
  const backstop = setTimeout(() => {
    killGroup('SIGTERM');
    backstopKill = setTimeout(() => killGroup('SIGKILL'), 10_000);
  }, timeoutMs + lockWaitS * 1000 + 30_000);

  const code = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(125));
    child.on('close', (c, sig) => resolve(c ?? (sig ? 128 + 15 : 125)));
  });
  clearTimeout(backstop);
  if (backstopKill) clearTimeout(backstopKill);

  const h = path.join(outDir, '.harness');
  const finished = existsSync(path.join(h, 'exit-code'));
  const t = parseTimings(await readOr(path.join(h, 'timings')));
  const result: GuestResult = {
    exitCode: code,
    output: await readOr(path.join(h, 'output.log')),
    timedOut: !finished && code === 124,
    harnessFailed: !finished && code !== 124,
    console: await readOr(path.join(h, 'console.log')),
    harnessLog,
    kernel: t['kernel'] ?? status.kernel,
    outDir,
    timings: { bootMs: toMs(t['boot_s']), scriptMs: toMs(t['script_s']), totalMs: toMs(t['total_s']) ?? 0 },
  };
  if (ownOut && !opts.keepOutDir) await rm(outDir, { recursive: true, force: true });
  return result;
}

/** Split output into sections introduced by lines `=== name` (what the tests' scripts print). */
export function sections(output: string): Map<string, string> {
  const map = new Map<string, string>();
  let name = '';
  let buf: string[] = [];
  const flush = () => {
    if (name) map.set(name, buf.join('\n'));
  };
  for (const line of output.split('\n')) {
    const m = /^=== (.+)$/.exec(line);
    if (m) {
      flush();
      name = m[1]!.trim();
      buf = [];
    } else buf.push(line);
  }
  flush();
  return map;
}
