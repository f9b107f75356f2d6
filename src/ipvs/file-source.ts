import { isUtf8 } from 'node:buffer';
import type { Stats as FileStats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { asciiLine, shown } from '../util/bounded-text.js';
import type { Snapshot } from './snapshot.js';
import { snapshotFromJson } from './snapshot-json.js';
import type { Source } from './source.js';

/** Longest message a file error makes: one log line, and lvsAgentLastError's 255 with room to spare. */
const MESSAGE_MAX = 300;
/** How much of the path a message shows before cutting it (the path is in lvsAgentSource whole). */
const PATH_SHOWN = 96;

/**
 * A snapshot file that cannot be served: the message names the file and says what is wrong with it, in one line
 * of printable ASCII (no raw bytes of the file, no value longer than a few dozen characters).
 */
export class SnapshotFileError extends Error {
  override readonly name = 'SnapshotFileError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(asciiLine(`snapshot file ${shown(path, PATH_SHOWN)}: ${detail}`, MESSAGE_MAX));
  }
}

/** What a failed stat() or read means, in words, with the errno name. */
function ioProblem(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'does not exist (ENOENT); create it or fix --source';
    case 'ENOTDIR':
      return 'a part of the path is not a directory (ENOTDIR); fix --source';
    case 'EACCES':
    case 'EPERM':
      return `cannot be read by this user (${err.code}); give the agent's user read access`;
    case 'EISDIR':
      return 'is a directory (EISDIR); expected a JSON file, fix --source';
    default:
      return `cannot be read (${err.code ?? asciiLine(err.message, 80)})`;
  }
}

/** Anything but a regular file is refused before it is opened: reading a FIFO would wait for a writer. */
function notAFile(st: FileStats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'is a directory; expected a JSON file, fix --source';
  const kind = st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
  return `is ${kind}; expected a regular JSON file, fix --source`;
}

/**
 * The largest snapshot file read: about 400,000 rows as `lvs-agentx snapshot --format json` writes them (643 bytes
 * a row at 10 reals a service; 750,000 written compact). Whole-file reading and
 * JSON.parse need several times the file's size in memory, and V8 cannot hold a string much past 512 MiB at all;
 * a larger file is refused by its size, before it is opened.
 */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

/**
 * `file:PATH`: a JSON snapshot (README, "Snapshot file"), re-read whenever its modification time or size
 * changes. A file that fails to parse is an error for that read; the poller keeps serving the last good one.
 */
export class FileSource implements Source {
  readonly name: string;
  private cached: { mtimeMs: number; size: number; snapshot: Snapshot } | undefined;

  constructor(readonly path: string) {
    this.name = `file:${path}`;
  }

  async read(): Promise<Snapshot> {
    const st = await stat(this.path).catch((err: NodeJS.ErrnoException) => {
      throw new SnapshotFileError(this.path, ioProblem(err));
    });
    const wrongKind = notAFile(st);
    if (wrongKind !== undefined) throw new SnapshotFileError(this.path, wrongKind);
    if (st.size > MAX_SNAPSHOT_BYTES) {
      throw new SnapshotFileError(
        this.path,
        `is ${st.size} bytes, more than the ${MAX_SNAPSHOT_BYTES / 1048576} MiB a snapshot file may have; write a smaller table (fields at their defaults and zero counters can be left out)`,
      );
    }
    if (this.cached && this.cached.mtimeMs === st.mtimeMs && this.cached.size === st.size) return this.cached.snapshot;
    const bytes = await readFile(this.path).catch((err: NodeJS.ErrnoException) => {
      throw new SnapshotFileError(this.path, ioProblem(err));
    });
    const snapshot = parseSnapshotFile(this.path, bytes);
    this.cached = { mtimeMs: st.mtimeMs, size: st.size, snapshot };
    return snapshot;
  }

  async close(): Promise<void> {
    this.cached = undefined;
  }
}

/** The snapshot in a file's bytes; SnapshotFileError naming `path` when they are not one. */
export function parseSnapshotFile(path: string, bytes: Uint8Array): Snapshot {
  if (bytes.length === 0) throw new SnapshotFileError(path, 'is empty; expected a JSON snapshot');
  if (!isUtf8(bytes)) throw new SnapshotFileError(path, `is not UTF-8 text (${bytes.length} bytes; a binary file?); expected a JSON snapshot`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch (err) {
    // V8's message quotes a few characters of the text; asciiLine escapes any that are not printable.
    throw new SnapshotFileError(path, `is not valid JSON (${asciiLine((err as Error).message, 120)})`);
  }
  try {
    return snapshotFromJson(doc);
  } catch (err) {
    throw new SnapshotFileError(path, (err as Error).message);
  }
}
