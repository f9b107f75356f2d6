/**
 * The bytes of a metrics page as they are made, in buffers of CHUNK_BYTES that the caller takes away between two
 * steps of a render (and writes to the scraper's socket). Samples are copied in as bytes: a page of 1.4 million
 * samples makes no string per line, only the value's digits, so the render leaves the garbage collector little to do.
 */
export const CHUNK_BYTES = 64 * 1024;

/**
 * Page buffers come back once the socket has taken them (releaseChunk, from the server's write callback) and serve
 * the next ones. A page of 10,000 × 10 with per-real series is 2,100 buffers; fresh ones for every scrape raised
 * the agent's RSS by about 30 MiB a scrape (to 337 MiB after six) until V8 got round to collecting them.
 */
const POOL_LIMIT = 32;
const pool: Buffer[] = [];

function newChunk(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
}

/** Gives back a buffer that take() returned, once nothing reads it any more (the socket has written it). */
export function releaseChunk(chunk: Buffer): void {
  if (chunk.byteOffset !== 0 || chunk.buffer.byteLength !== CHUNK_BYTES || pool.length >= POOL_LIMIT) return;
  pool.push(Buffer.from(chunk.buffer, 0, CHUNK_BYTES));
}

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

/** Index of a u64's low word in a Uint32Array over the same memory (platform order, as in ipvs/snapshot.ts). */
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const TWO_32 = 2 ** 32;
/** Below this high word a u64 is exact as a double (2^53). */
const EXACT_HIGH_WORDS = 2 ** 21;
const ZERO = 0x30;

const OPEN = 0x7b; // {
const CLOSE_SPACE = Buffer.from('} ');
const NEWLINE = 0x0a;

export class PageWriter {
  private chunk = newChunk();
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

  /**
   * Appends `name{labels} value\n`, the labels those of row `row`, the value a whole number 0 <= n < 2^53 or
   * negative (a weight), written digit by digit: no string is made.
   */
  sampleNumber(name: Buffer, labels: LabelBytes, row: number, n: number): void {
    this.start(name, labels, row);
    this.used = n < 0 ? this.negative(n) : this.digits(n);
    this.chunk[this.used++] = NEWLINE;
  }

  /** The same with value `index` of a Stats window (u64, exact; a bigint only at 2^53 and above). */
  sampleStat(name: Buffer, labels: LabelBytes, row: number, words: Uint32Array, values: BigUint64Array, at: number, index: number): void {
    this.start(name, labels, row);
    const w = 2 * (at + index);
    const high = words[w + 1 - LOW] as number;
    if (high < EXACT_HIGH_WORDS) this.used = this.digits(high * TWO_32 + (words[w + LOW] as number));
    else this.used += this.chunk.write(String(values[at + index]), this.used, 'latin1');
    this.chunk[this.used++] = NEWLINE;
  }

  /** `name{labels} ` with room for a value of up to 20 digits and the newline after it. */
  private start(name: Buffer, labels: LabelBytes, row: number): void {
    const from = labels.offsets[row] as number;
    const to = labels.offsets[row + 1] as number;
    this.room(name.length + (to - from) + 25);
    const c = this.chunk;
    let at = this.used + name.copy(c, this.used);
    c[at++] = OPEN;
    at += labels.bytes.copy(c, at, from, to);
    c[at++] = CLOSE_SPACE[0] as number;
    c[at++] = CLOSE_SPACE[1] as number;
    this.used = at;
  }

  /** Writes whole n >= 0 (exact as a double) in decimal at `used`; returns where it ends. */
  private digits(n: number): number {
    const c = this.chunk;
    let len = 1;
    for (let p = 10; p <= n && len < 16; p *= 10) len++;
    if (n >= 1e16) len = String(n).length; // 17 digits at most below 2^53; rare
    let at = this.used + len;
    const end = at;
    do {
      const d = n % 10;
      c[--at] = ZERO + d;
      n = (n - d) / 10;
    } while (n > 0);
    return end;
  }

  private negative(n: number): number {
    this.chunk[this.used++] = 0x2d; // -
    return this.digits(-n);
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
    this.chunk = newChunk();
    this.used = 0;
  }
}
