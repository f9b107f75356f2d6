// The real socket layer against this machine's kernel. The generic netlink controller exists on every Linux
// kernel, so resolving "nlctrl" proves open/send/receive/decode. Family "IPVS" exists exactly when ip_vs is loaded:
// the dev/CI host has no IPVS, test/kernel's guest has. The tests that depend on it assert what this kernel must
// answer in the case at hand and say in their titles which case ran; none is skipped.
//
// With ip_vs not loaded, nothing here looks "IPVS" up by name: the kernel would answer the lookup by loading
// ip_vs (its module alias net-pf-16-proto-16-family-IPVS), so only dumps, which load nothing, ask about it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { NetlinkSource } from '../../../../src/ipvs/netlink-source.js';
import { nativeAddonPath } from '../../../../src/ipvs/netlink/batch.js';
import { buildGetDests } from '../../../../src/ipvs/netlink/ipvs-request.js';
import type { ServiceKey } from '../../../../src/ipvs/snapshot.js';
import { HOST_BYTE_ORDER } from '../../../../src/ipvs/netlink/bytes.js';
import { NetlinkError } from '../../../../src/ipvs/netlink/errors.js';
import { buildGetFamily, buildGetFamilyDump, decodeFamily, type GenlFamily } from '../../../../src/ipvs/netlink/genl-ctrl.js';
import { GenlSocket } from '../../../../src/ipvs/netlink/socket.js';
import { HINT_CAPABILITY, HINT_MODULE, IpvsReadError } from '../../../../src/ipvs/read-error.js';
import { plainStats } from '../../plain-stats.js';

const REPO = fileURLToPath(new URL('../../../..', import.meta.url));
const linux = process.platform === 'linux';
// /proc/net/ip_vs exists exactly when the ip_vs module is loaded in this network namespace.
const ipvsLoaded = existsSync('/proc/net/ip_vs');
const ipvsCase = ipvsLoaded ? 'ip_vs loaded here' : 'ip_vs not loaded here';

/** CAP_NET_ADMIN (capability 12, linux/capability.h) in our effective set: every IPVS command needs it. */
function hasNetAdmin(): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m !== null && (BigInt(`0x${m[1]}`) & (1n << 12n)) !== 0n;
}

async function dumpFamilies(): Promise<GenlFamily[]> {
  const socket = await GenlSocket.open();
  try {
    return (await socket.request(buildGetFamilyDump(HOST_BYTE_ORDER), 'dump families')).map((m) => decodeFamily(m, HOST_BYTE_ORDER));
  } finally {
    socket.close();
  }
}

/**
 * Compiles `entry` and every module it imports by relative path (TypeScript's transpileModule, no type check) into
 * `outDir`, keeping the layout below the repository, so that a separate node process can run today's sources.
 */
function transpileWithImports(entry: string, outDir: string): void {
  const queue = [resolve(REPO, entry)];
  const done = new Set<string>();
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    const js = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const out = join(outDir, relative(REPO, file).replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
    for (const { fileName } of ts.preProcessFile(source).importedFiles) {
      if (fileName.startsWith('.')) queue.push(resolve(dirname(file), fileName.replace(/\.js$/, '.ts')));
    }
  }
}

interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why the child had to be killed, if it did not end by itself. */
  readonly killed: string | undefined;
}

/**
 * Runs `node file`, which prints one line once it has nothing left to do, and waits for it to end by itself: it is
 * killed `idleBoundMs` after that line, or `startBoundMs` after its start if the line never comes.
 */
function runUntilIdleExit(file: string, env: NodeJS.ProcessEnv, startBoundMs: number, idleBoundMs: number): Promise<ChildExit> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed: string | undefined;
    let idle = false;
    const kill = (why: string): void => {
      killed = why;
      child.kill('SIGKILL');
    };
    let timer = setTimeout(() => kill(`no output within ${startBoundMs} ms of its start`), startBoundMs);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (!idle && stdout.includes('\n')) {
        idle = true;
        clearTimeout(timer);
        timer = setTimeout(() => kill(`still running ${idleBoundMs} ms after its sockets went idle`), idleBoundMs);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, killed });
    });
  });
}

// Opens two sockets, uses one for a request with a long timeout, and then leaves both open and idle: no close(), no
// timer of its own. Whatever keeps the event loop alive after that line is the sockets' (or their requests').
const IDLE_CHILD = `
import { HOST_BYTE_ORDER } from './src/ipvs/netlink/bytes.js';
import { buildGetFamily } from './src/ipvs/netlink/genl-ctrl.js';
import { GenlSocket } from './src/ipvs/netlink/socket.js';
const unused = await GenlSocket.open({ timeoutMs: 600000 });
const used = await GenlSocket.open({ timeoutMs: 600000 });
const replies = await used.request(buildGetFamily('nlctrl', HOST_BYTE_ORDER), 'resolve nlctrl');
process.stdout.write('idle with ' + [unused, used].length + ' open sockets after ' + replies.length + ' reply\\n');
`;

describe('GenlSocket on this kernel', () => {
  if (!linux) {
    it('cannot run here: AF_NETLINK sockets exist only on Linux', () => {
      throw new Error(`genl-socket test cannot run: AF_NETLINK needs Linux, this is ${process.platform}`);
    });
    return;
  }

  it('lists the registered families with a dump, which loads no module', async () => {
    const families = await dumpFamilies();
    expect(families.find((f) => f.name === 'nlctrl')).toMatchObject({ id: 0x10 });
    expect(families.length).toBeGreaterThan(1);
  });

  it('resolves the generic netlink controller "nlctrl" (id 0x10)', async () => {
    const socket = await GenlSocket.open();
    try {
      const replies = await socket.request(buildGetFamily('nlctrl', HOST_BYTE_ORDER), 'resolve nlctrl');
      expect(replies).toHaveLength(1);
      const family = decodeFamily(replies[0] as Uint8Array, HOST_BYTE_ORDER);
      expect(family).toMatchObject({ name: 'nlctrl', id: 0x10 });
      expect(family.version).toBeGreaterThanOrEqual(1);

      // Several requests on one socket, issued at once: serialized, each gets its own answer.
      const names = ['nlctrl', 'NO_SUCH_FAMILY', 'nlctrl'];
      const results = await Promise.allSettled(names.map((n) => socket.request(buildGetFamily(n, HOST_BYTE_ORDER), n)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const rejected = results[1] as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(NetlinkError);
      expect(rejected.reason).toMatchObject({ errno: 2, code: 'ENOENT' });
    } finally {
      socket.close();
    }
    await expect(socket.request(buildGetFamily('nlctrl', HOST_BYTE_ORDER))).rejects.toThrow(/closed/);
  });

  it('an unregistered family: NLMSG_ERROR ENOENT from our own decoding, with the context in the message', async () => {
    const socket = await GenlSocket.open();
    try {
      const err = await socket
        .request(buildGetFamily('NO_SUCH_FAMILY', HOST_BYTE_ORDER), 'resolve family NO_SUCH_FAMILY')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NetlinkError);
      expect(err).toMatchObject({ errno: 2, code: 'ENOENT' });
      expect((err as Error).message).toBe('netlink: resolve family NO_SUCH_FAMILY: ENOENT (No such file or directory)');
    } finally {
      socket.close();
    }
  });

  it(`family "IPVS" (${ipvsCase}): ${ipvsLoaded ? 'registered, and resolved by name' : 'absent from the dump'}`, async () => {
    const ipvs = (await dumpFamilies()).find((f) => f.name === 'IPVS');
    if (!ipvsLoaded) {
      expect(ipvs).toBeUndefined();
      return;
    }
    // Generic netlink hands out ids above nlctrl's GENL_ID_CTRL (0x10); ip_vs registers IPVS_GENL_VERSION 1.
    expect(ipvs).toMatchObject({ name: 'IPVS', version: 1 });
    expect(ipvs?.id).toBeGreaterThan(0x10);
    const socket = await GenlSocket.open();
    try {
      const replies = await socket.request(buildGetFamily('IPVS', HOST_BYTE_ORDER), 'resolve family IPVS');
      expect(replies).toHaveLength(1);
      expect(decodeFamily(replies[0] as Uint8Array, HOST_BYTE_ORDER)).toMatchObject({ name: 'IPVS', id: ipvs?.id });
    } finally {
      socket.close();
    }
  });

  const netAdmin = hasNetAdmin();
  const readCase = !ipvsLoaded
    ? 'the missing module with the modprobe hint, on every read'
    : netAdmin
      ? 'a snapshot (we hold CAP_NET_ADMIN)'
      : 'EPERM with the capability hint (we lack CAP_NET_ADMIN)';
  it(`NetlinkSource.read() (${ipvsCase}): ${readCase}`, async () => {
    // Both readers: the native one (the default, built by npm test) and the netlink package's (batch: null).
    const native = new NetlinkSource();
    const viaPackage = new NetlinkSource({ batch: null });
    expect(native.batch).toBeDefined();
    try {
      for (const source of [native, viaPackage]) {
        if (!ipvsLoaded) {
          const err = await source.read().catch((e: unknown) => e);
          expect(err).toBeInstanceOf(IpvsReadError);
          expect(err).toMatchObject({ step: 'resolve family IPVS', errno: 'ENOENT', hint: HINT_MODULE });
          // Recoverable: the next read tries again (and fails the same way here).
          await expect(source.read()).rejects.toMatchObject({ errno: 'ENOENT', hint: HINT_MODULE });
        } else if (netAdmin) {
          const snapshot = await source.read();
          expect(snapshot.info.version).toMatch(/^\d+\.\d+\.\d+$/);
          expect(Array.isArray(snapshot.services)).toBe(true);
        } else {
          await expect(source.read()).rejects.toMatchObject({ name: 'IpvsReadError', errno: 'EPERM', hint: HINT_CAPABILITY });
        }
      }
      if (ipvsLoaded && netAdmin) {
        // The same table through both (test/kernel loads one before this runs); stats compared by value (the
        // addon's real servers are their own Stats windows: plainStats() compares the values, not the windows).
        const plain = (x: Awaited<ReturnType<NetlinkSource['read']>>) => plainStats(x);
        const [a, b] = [await native.read(), await viaPackage.read()];
        expect(plain(a)).toEqual(plain(b));
        // test/kernel's table has a service with this many real servers: a GET_DEST dump of many datagrams.
        const most = process.env.IPVS_TABLE_MAX_REALS;
        if (most !== undefined) expect(Math.max(...a.services.map((v) => v.reals.length))).toBe(Number(most));

        // The addon's own result for GET_DEST dumps it decoded (batch.c): the replies' bytes are freed there, since
        // nothing is left to decode; with a request it declines (one without NLM_F_DUMP, which the kernel refuses:
        // GET_DEST has no .doit), they are handed over.
        const id = (await dumpFamilies()).find((f) => f.name === 'IPVS')?.id as number;
        const addon = createRequire(import.meta.url)(nativeAddonPath() as string) as {
          transact(protocol: number, requests: Uint8Array, timeoutMs: number, families: Uint8Array): Promise<Uint8Array[]>;
        };
        const requestsOf = (keys: readonly ServiceKey[], dump: boolean[]) => {
          const parts = keys.map((k, i) => {
            const m = Uint8Array.from(buildGetDests(id, k, HOST_BYTE_ORDER));
            const v = new DataView(m.buffer);
            v.setUint32(8, i + 1, HOST_BYTE_ORDER === 'little');
            if (!dump[i]) v.setUint16(6, 0x1, HOST_BYTE_ORDER === 'little'); // NLM_F_REQUEST only
            return m;
          });
          return Buffer.concat(parts); // each a multiple of 4 bytes long
        };
        const keys = a.services.map((v) => v.key);
        const families = Uint8Array.from(keys.map((k) => (k.family === 'inet' ? 2 : 10)));
        const [raw, records] = await addon.transact(16, requestsOf(keys, keys.map(() => true)), 2000, families);
        expect(raw?.length).toBe(0);
        expect(records?.length).toBeGreaterThan(0);
        const [raw2, records2] = await addon.transact(16, requestsOf(keys, keys.map((_, i) => i !== 0)), 2000, families);
        expect(raw2?.length).toBeGreaterThan(0);
        expect(new Uint32Array(Uint8Array.from(records2 as Uint8Array).buffer)[0]).toBe(0xffffffff); // the first declined
        // Only the declined request's bytes are handed over: every other request's length word is 0.
        const lengths: number[] = [];
        for (let at = 0; at < (raw2 as Uint8Array).length; ) {
          const b = Buffer.from(raw2 as Uint8Array);
          const n = HOST_BYTE_ORDER === 'little' ? b.readUInt32LE(at) : b.readUInt32BE(at);
          lengths.push(n);
          at += 4 + n;
        }
        expect(lengths).toHaveLength(keys.length);
        expect(lengths[0]).toBeGreaterThan(0);
        expect(lengths.slice(1).every((n) => n === 0)).toBe(true);
      }
    } finally {
      await native.close();
      await viaPackage.close();
    }
  });

  it('idle sockets, used or not, do not keep the process alive: a node process holding two exits by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genl-idle-'));
    try {
      transpileWithImports('src/ipvs/netlink/socket.ts', dir);
      transpileWithImports('src/ipvs/netlink/genl-ctrl.ts', dir);
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
      writeFileSync(join(dir, 'idle.js'), IDLE_CHILD);
      // socket.ts loads the netlink package with require(); the copy outside the repository finds it through NODE_PATH.
      const env = { ...process.env, NODE_PATH: join(REPO, 'node_modules') };
      const r = await runUntilIdleExit(join(dir, 'idle.js'), env, 30_000, 5_000);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('idle with 2 open sockets after 1 reply\n');
      expect(r.killed, `the process was killed: ${r.killed}`).toBeUndefined();
      expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a closed socket refuses requests; close() twice is harmless', async () => {
    const socket = await GenlSocket.open({ timeoutMs: 1000 });
    socket.close();
    socket.close();
    await expect(socket.request(buildGetFamily('nlctrl', HOST_BYTE_ORDER))).rejects.toThrow(/closed/);
  });
});
