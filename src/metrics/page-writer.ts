/**
 * The bytes of a metrics page as they are made, in buffers of CHUNK_BYTES that the caller takes away between two
 * steps of a render (and writes to the scraper's socket). Samples are copied in as bytes: a page of 1.4 million
 * samples makes no string per line, only the value's digits, so the render leaves the garbage collector little to do.
 */
export const CHUNK_BYTES = 64 * 1024;

/** Label sets of many rows as one buffer and their offsets: each row's set is copied into the page, never re-made. */
export interface LabelBytes {
  readonly bytes: Buffer;
  /** Row i's labels are bytes[offsets[i], offsets[i + 1]). */
  readonly offsets: Uint32Array;
}

/** Rows handled between two yields. */
const ROWS_PER_STEP = 256;

/** The label sets as LabelBytes, in steps (100,000 sets are too many for one turn of the event loop). */
export function* labelBytesSteps(sets: readonly string[]): Generator<void, LabelBytes> {
  const offsets = new Uint32Array(sets.length + 1);
  let total = 0;
  for (let i = 0; i < sets.length; i++) {
    offsets[i] = total;
    total += Buffer.byteLength(sets[i] as string, 'utf8');
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
  }
  offsets[sets.length] = total;
  const bytes = Buffer.allocUnsafeSlow(total);
  for (let i = 0; i < sets.length; i++) {
    bytes.write(sets[i] as string, offsets[i] as number, 'utf8');
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
  }
  return { bytes, offsets };
}

const OPEN = 0x7b; // {
const CLOSE_SPACE = Buffer.from('} ');
const NEWLINE = 0x0a;

export class PageWriter {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private done: Buffer[] = [];
  private total = 0;

  /** Bytes written so far. */
  get size(): number {
    return this.total + this.used;
  }

  /** Appends text (headers, agent samples). */
  text(s: string): void {
    this.room(Buffer.byteLength(s, 'utf8'));
    this.used += this.chunk.write(s, this.used, 'utf8');
  }

  /** Appends `name{labels} value\n`: name and value ASCII, the labels row `row` of `labels`. */
  sample(name: Buffer, labels: LabelBytes, row: number, value: string): void {
    const from = labels.offsets[row] as number;
    const to = labels.offsets[row + 1] as number;
    this.room(name.length + (to - from) + value.length + 4);
    const c = this.chunk;
    let at = this.used + name.copy(c, this.used);
    c[at++] = OPEN;
    at += labels.bytes.copy(c, at, from, to);
    at += CLOSE_SPACE.copy(c, at);
    at += c.write(value, at, 'latin1');
    c[at++] = NEWLINE;
    this.used = at;
  }

  /** The full buffers written since the last take (all of them, the last partial one too, when `all`). */
  take(all = false): Buffer[] {
    if (all) this.flush();
    const out = this.done;
    this.done = [];
    return out;
  }

  private room(bytes: number): void {
    if (this.used + bytes <= this.chunk.length) return;
    this.flush();
    if (bytes > this.chunk.length) this.chunk = Buffer.allocUnsafe(bytes);
  }

  private flush(): void {
    if (this.used === 0) return;
    this.done.push(this.chunk.subarray(0, this.used));
    this.total += this.used;
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }
}
