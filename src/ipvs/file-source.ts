import { readFile, stat } from 'node:fs/promises';
import type { Snapshot } from './snapshot.js';
import { snapshotFromJson } from './snapshot-json.js';
import type { Source } from './source.js';

export class SnapshotFileError extends Error {
  override readonly name = 'SnapshotFileError';
}

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
      throw new SnapshotFileError(`snapshot file ${this.path}: ${err.code ?? err.message}; create it or fix --source`);
    });
    if (this.cached && this.cached.mtimeMs === st.mtimeMs && this.cached.size === st.size) return this.cached.snapshot;
    const text = await readFile(this.path, 'utf8');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new SnapshotFileError(`snapshot file ${this.path}: not valid JSON (${(err as Error).message})`);
    }
    let snapshot: Snapshot;
    try {
      snapshot = snapshotFromJson(doc);
    } catch (err) {
      throw new SnapshotFileError(`snapshot file ${this.path}: ${(err as Error).message}`);
    }
    this.cached = { mtimeMs: st.mtimeMs, size: st.size, snapshot };
    return snapshot;
  }

  async close(): Promise<void> {
    this.cached = undefined;
  }
}
