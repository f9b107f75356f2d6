import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSource, MAX_SNAPSHOT_BYTES, SnapshotFileError } from '../../../src/ipvs/file-source.js';

const dir = mkdtempSync(join(tmpdir(), 'lvs-file-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The message of the one read of `path` (which must fail). */
async function readError(path: string): Promise<string> {
  const source = new FileSource(path);
  try {
    await source.read();
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotFileError);
    return (err as Error).message;
  } finally {
    await source.close();
  }
  throw new Error(`${path} was read`);
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** One line of printable ASCII, bounded. */
function oneLine(message: string): string {
  expect(message).toMatch(/^[\x20-\x7e]*$/);
  expect(message.length).toBeLessThanOrEqual(300);
  return message;
}

describe('FileSource errors', () => {
  it('names the path of a missing file and what to do', async () => {
    const path = join(dir, 'missing.json');
    expect(await readError(path)).toBe(`snapshot file ${path}: does not exist (ENOENT); create it or fix --source`);
  });

  it('says a directory is a directory, with its path (not a bare EISDIR)', async () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    expect(await readError(path)).toBe(`snapshot file ${path}: is a directory; expected a JSON file, fix --source`);
  });

  it('refuses a FIFO without opening it (a read would wait for a writer)', async () => {
    const path = join(dir, 'fifo');
    execFileSync('mkfifo', [path]);
    expect(await readError(path)).toBe(`snapshot file ${path}: is a FIFO; expected a regular JSON file, fix --source`);
  });

  it('describes a binary file without its bytes', async () => {
    const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff);
    const path = file('binary.json', bytes);
    expect(oneLine(await readError(path))).toBe(`snapshot file ${path}: is not UTF-8 text (4096 bytes; a binary file?); expected a JSON snapshot`);
    // Valid UTF-8 full of control characters: V8's excerpt of it comes escaped.
    const controls = file('controls.json', Uint8Array.from({ length: 64 }, (_, i) => i % 32));
    expect(oneLine(await readError(controls))).toMatch(/^snapshot file .*controls\.json: is not valid JSON \(Unexpected token '\\u0000'/);
  });

  it('refuses a file larger than MAX_SNAPSHOT_BYTES by its size, without reading it', async () => {
    const path = join(dir, 'huge.json');
    // Sparse: no disk space used, and reading it would take seconds and gigabytes.
    execFileSync('truncate', ['-s', String(MAX_SNAPSHOT_BYTES + 1), path]);
    const started = performance.now();
    const message = oneLine(await readError(path));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(message).toContain(path);
    expect(message).toContain(`is ${MAX_SNAPSHOT_BYTES + 1} bytes, more than the 256 MiB a snapshot file may have`);
    rmSync(path);
  });

  it('says an empty or non-JSON file is not a snapshot', async () => {
    const empty = file('empty.json', '');
    expect(await readError(empty)).toBe(`snapshot file ${empty}: is empty; expected a JSON snapshot`);
    const text = file('text.json', `${'x'.repeat(1 << 20)}\n`);
    expect(oneLine(await readError(text))).toMatch(/: is not valid JSON \(Unexpected token 'x', "x+"\.\.\. is not valid JSON\)$/);
  });

  it('names the file and the JSON path of a value the kernel would refuse', async () => {
    const path = file('negative-weight.json', JSON.stringify({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, reals: [{ address: '10.0.0.2', port: 80, weight: -1 }] }] }));
    expect(await readError(path)).toBe(`snapshot file ${path}: snapshot: $.services[0].reals[0].weight: expected an integer 0..65535, got -1`);
    const long = file('long-value.json', JSON.stringify({ services: [{ protocol: 'tcp', address: 'a'.repeat(1 << 20), port: 80 }] }));
    expect(oneLine(await readError(long))).toMatch(/address: expected an IPv4 or IPv6 address, got "a{64}\.\.\." \(1048576 bytes\)$/);
  });

  it('shows a long or unprintable path cut and escaped', async () => {
    const path = join(dir, `new\nline-${'p'.repeat(200)}.json`);
    const message = oneLine(await readError(path));
    expect(message).toMatch(/^snapshot file "\/.*\\nline-p+\.\.\." \(\d+ bytes\): does not exist \(ENOENT\); create it or fix --source$/);
  });
});
