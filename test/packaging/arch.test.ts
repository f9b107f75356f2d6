import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../e2e/harness/tools.js';
import { must } from './host.js';

/**
 * One checkout, two architectures: packaging/build-deb.sh with DEB_ARCH=amd64 and DEB_ARCH=arm64, then the two
 * .debs compared file by file. They differ only in the `netlink` addon's prebuilt binary and in our own native addon
 * (build/netlink-batch.node, cross-compiled for arm64), and each carries the ones that its Architecture field
 * promises, as ELF files for that machine. Needs dpkg-deb and the arm64 cross compiler
 * (scripts/install-deps.sh --packaging), not root.
 *
 *   npx vitest run --config test/vitest.config.ts test/packaging/arch.test.ts
 */

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
const VERSION = pkg.version.replace('-', '~');
const NODE_MIN = /^>=\s*([\d.]+)$/.exec(pkg.engines.node)?.[1] ?? 'unparsed';
const PREBUILDS = './usr/lib/lvs-agentx/node_modules/netlink/prebuilds/';
const ADDON = './usr/lib/lvs-agentx/build/netlink-batch.node';

// ELF e_machine values (elf.h): the machine a shared object is built for, at byte 18 of its header.
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const ARCHES = {
  amd64: { prebuild: 'linux-x64', machine: EM_X86_64 },
  arm64: { prebuild: 'linux-arm64', machine: EM_AARCH64 },
} as const;
type Arch = keyof typeof ARCHES;

const canRun = existsSync('/usr/bin/dpkg-deb');

/** The ELF class (2: 64-bit) and e_machine of `file` (little-endian, as both targets are). */
function elfHeader(file: string): { magic: string; elfClass: number; machine: number } {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(20);
    readSync(fd, b, 0, 20, 0);
    return { magic: b.subarray(0, 4).toString('latin1'), elfClass: b[4] as number, machine: b.readUInt16LE(18) };
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!canRun)('the .deb of each architecture', () => {
  let work = '';
  const debs: Partial<Record<Arch, string>> = {};
  const files: Partial<Record<Arch, string[]>> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'lvs-agentx-arch-'));
    // Both builds at once, each from its own clean copy of the checkout.
    await Promise.all(
      (Object.keys(ARCHES) as Arch[]).map(async (arch) => {
        const out = join(work, arch);
        await must('env', [`DEB_ARCH=${arch}`, 'bash', join(REPO, 'packaging', 'build-deb.sh'), out], 600_000);
        const deb = join(out, `lvs-agentx_${VERSION}_${arch}.deb`);
        debs[arch] = deb;
        // dpkg-deb -c: "mode owner size date time path"; the path is the last field (no blanks in ours).
        const listing = (await must('dpkg-deb', ['-c', deb])).stdout.trim().split('\n');
        files[arch] = listing.map((l) => l.split(/\s+/).at(-1) as string).sort();
        await must('dpkg-deb', ['-x', deb, join(work, `${arch}-tree`)]);
      }),
    );
  }, 660_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(Object.keys(ARCHES) as Arch[])('%s: names its architecture and the Node.js floor', async (arch) => {
    const deb = debs[arch] as string;
    const field = async (name: string): Promise<string> => (await must('dpkg-deb', ['-f', deb, name])).stdout.trim();
    expect(await field('Architecture')).toBe(arch);
    expect(await field('Version')).toBe(VERSION);
    expect(await field('Depends')).toBe(`nodejs (>= ${NODE_MIN}), adduser`);
  });

  it.each(Object.keys(ARCHES) as Arch[])('%s: carries the netlink binary and the batch addon of its machine, and no other native code', (arch) => {
    const { prebuild, machine } = ARCHES[arch];
    const list = files[arch] as string[];
    const prebuilt = list.filter((p) => p.startsWith(PREBUILDS) && p !== PREBUILDS);
    expect(prebuilt).toEqual([`${PREBUILDS}${prebuild}/`, `${PREBUILDS}${prebuild}/node.napi.node`]);
    expect(list.filter((p) => p.endsWith('.node'))).toEqual([ADDON, `${PREBUILDS}${prebuild}/node.napi.node`]);
    const elf = elfHeader(join(work, `${arch}-tree`, PREBUILDS, prebuild, 'node.napi.node'));
    expect(elf).toEqual({ magic: '\x7fELF', elfClass: 2, machine });
    expect(elfHeader(join(work, `${arch}-tree`, ADDON))).toEqual({ magic: '\x7fELF', elfClass: 2, machine });
  });

  it('amd64 and arm64 hold the same files apart from that binary', () => {
    const common = (arch: Arch): string[] =>
      (files[arch] as string[]).filter((p) => !p.startsWith(`${PREBUILDS}${ARCHES[arch].prebuild}/`));
    expect(common('amd64')).toContain(ADDON); // the same path in both, a binary for each machine
    expect(common('arm64')).toEqual(common('amd64'));
    expect(common('amd64')).toContain('./usr/lib/lvs-agentx/dist/src/daemon/main.js');
    // The JavaScript is the same bytes in both: nothing architecture-specific was compiled into it.
    const main = (arch: Arch): string => readFileSync(join(work, `${arch}-tree`, 'usr/lib/lvs-agentx/dist/src/daemon/main.js'), 'utf8');
    expect(main('arm64')).toBe(main('amd64'));
  });
});
