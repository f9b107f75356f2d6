import { IP_VS_SVC_F } from '../ipvs/netlink/ipvs-constants.js';
import { realName, serviceName } from '../ipvs/service-key.js';
import { STAT, statText, type RealServer, type Service, type Snapshot, type Stats } from '../ipvs/snapshot.js';
import { compareNames } from '../mib/string-index.js';

/**
 * `lvs-agentx snapshot`: what the agent would serve, as a table in the spirit of `ipvsadm -Ln --stats`, rows in
 * the MIB's order and named by their index. Counters are printed exactly (no K/M/G suffixes).
 *
 * The table is written as bytes, not assembled from strings: at 10,000 services × 10 reals it has 1.2 million cells,
 * and making a string of each, an array of each row and a line of each made the table the larger half of the
 * command's time and nearly all of its garbage. Column widths come from a first pass that counts digits; the second
 * writes every cell in place. Numbers below 2^53 are written digit by digit from the Stats words; larger counters go
 * through statText() (exact, by BigInt).
 */

const HEADER = ['Name', 'Sched/Fwd', 'Weight', 'ActConn', 'InActConn', 'Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'] as const;
const COUNTERS = [STAT.conns, STAT.inPkts, STAT.outPkts, STAT.inBytes, STAT.outBytes] as const;
/** Columns: name, sched/fwd, then these right-aligned numbers. */
const WEIGHT = 2;
const ACTIVE = 3;
const INACTIVE = 4;
const FIRST_COUNTER = 5;
const SEPARATOR = 2;
const REAL_PREFIX = '  -> ';
const TWO_32 = 4294967296;
/** Below this high word a u64 is below 2^53: exact as a Number. */
const SAFE_HIGH = 0x200000;
const LOW = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;

export function snapshotTable(snapshot: Snapshot): string {
  return snapshotTableBytes(snapshot).toString('utf8');
}

/** The table as UTF-8 bytes (what `lvs-agentx snapshot` writes). */
export function snapshotTableBytes(snapshot: Snapshot): Buffer {
  const i = snapshot.info;
  const title =
    `IPVS ${i.version} (connection table ${i.connTableSize}), timeouts tcp ${i.tcpTimeout} s, tcpfin ${i.tcpFinTimeout} s, udp ${i.udpTimeout} s` +
    (i.daemons.length > 0 ? `, sync ${i.daemons.map((d) => `${d.state} ${d.interface} id ${d.syncId}`).join(', ')}` : '');

  // Service names made once, not once per comparison; rows in index order. Real servers are ordered and written
  // without a name string each (realsInOrder, ByteOutput.realName): at 100,000 of them the strings were a fifth of
  // the table's time.
  const services = byName(snapshot.services, (s) => serviceName(s.key));
  const reals = services.items.map((s) => realsInOrder(s.reals));

  // Widths from each column's extremes: a number's width grows with it, so one numberWidth() per column, not per cell.
  const widths: number[] = HEADER.map((h) => h.length);
  const widen = (column: number, width: number): void => {
    if (width > (widths[column] as number)) widths[column] = width;
  };
  const counters = new ColumnExtremes(COUNTERS.length);
  const scheds: string[] = new Array<string>(services.items.length);
  const actives = new Float64Array(services.items.length);
  const inactives = new Float64Array(services.items.length);
  let maxWeight = 0;
  let minWeight = 0;
  let maxActive = 0;
  let maxInactive = 0;
  let rows = 1;
  services.items.forEach((s, n) => {
    const sched = schedText(s);
    scheds[n] = sched;
    widen(0, (services.names[n] as string).length);
    widen(1, sched.length);
    const active = sum(s.reals, 'activeConns');
    const inactive = sum(s.reals, 'inactiveConns');
    actives[n] = active;
    inactives[n] = inactive;
    if (active > maxActive) maxActive = active;
    if (inactive > maxInactive) maxInactive = inactive;
    counters.add(s.stats);
    for (const r of reals[n] as readonly RealServer[]) {
      widen(0, REAL_PREFIX.length + realNameLength(r));
      widen(1, r.forward.length);
      if (r.weight > maxWeight) maxWeight = r.weight;
      if (r.weight < minWeight) minWeight = r.weight;
      if (r.activeConns > maxActive) maxActive = r.activeConns;
      if (r.inactiveConns > maxInactive) maxInactive = r.inactiveConns;
      counters.add(r.stats);
    }
    rows += 1 + s.reals.length;
  });
  widen(WEIGHT, Math.max(numberWidth(maxWeight), numberWidth(minWeight)));
  widen(ACTIVE, numberWidth(maxActive));
  widen(INACTIVE, numberWidth(maxInactive));
  for (let k = 0; k < COUNTERS.length; k++) widen(FIRST_COUNTER + k, counters.width(k));

  const lineBytes = widths.reduce((a, w) => a + w, 0) + SEPARATOR * (widths.length - 1) + 1;
  // Names and scheduler names are ASCII in practice; a wider character only grows the buffer (see text()).
  const out = new ByteOutput(Buffer.byteLength(title) + 1 + rows * lineBytes);
  out.text(title);
  out.newline();
  HEADER.forEach((h, c) => (c < 2 ? out.left(h, widths[c] as number, c > 0) : out.right(h, widths[c] as number)));
  out.newline();
  services.items.forEach((s, n) => {
    out.left(services.names[n] as string, widths[0] as number);
    out.left(scheds[n] as string, widths[1] as number, true);
    out.spaces(SEPARATOR + (widths[WEIGHT] as number));
    out.number(actives[n] as number, widths[ACTIVE] as number);
    out.number(inactives[n] as number, widths[INACTIVE] as number);
    out.stats(s.stats, widths);
    out.newline();
    for (const r of reals[n] as readonly RealServer[]) {
      out.text(REAL_PREFIX);
      out.realName(r, (widths[0] as number) - REAL_PREFIX.length);
      out.left(r.forward, widths[1] as number, true);
      out.number(r.weight, widths[WEIGHT] as number);
      out.number(r.activeConns, widths[ACTIVE] as number);
      out.number(r.inactiveConns, widths[INACTIVE] as number);
      out.stats(r.stats, widths);
      out.newline();
    }
  });
  return out.finish();
}

/** The largest value of each counter column, as a Number below 2^53, and the longest text of any above. */
class ColumnExtremes {
  private readonly max: Float64Array;
  private readonly textWidth: Uint8Array;

  constructor(columns: number) {
    this.max = new Float64Array(columns);
    this.textWidth = new Uint8Array(columns);
  }

  add(s: Stats): void {
    for (let k = 0; k < COUNTERS.length; k++) {
      const index = COUNTERS[k] as number;
      const n = safeStat(s, index);
      if (n === undefined) this.textWidth[k] = Math.max(this.textWidth[k] as number, statText(s, index).length);
      else if (n > (this.max[k] as number)) this.max[k] = n;
    }
  }

  width(k: number): number {
    return Math.max(numberWidth(this.max[k] as number), this.textWidth[k] as number);
  }
}

/**
 * A service's real servers in index order (compareNames() of their names), without making a name: as they come when
 * they are in order already; reversed when they come in reverse order, as the kernel lists them when they were added
 * in order (ip_vs_ctl.c adds each one at the head of the service's list); else sorted by compareReals().
 */
function realsInOrder(reals: readonly RealServer[]): readonly RealServer[] {
  let ascending = true;
  let descending = true;
  for (let i = 1; i < reals.length && (ascending || descending); i++) {
    const c = compareReals(reals[i - 1] as RealServer, reals[i] as RealServer);
    if (c > 0) ascending = false;
    else if (c < 0) descending = false;
  }
  if (ascending) return reals;
  if (descending) return reals.slice().reverse();
  return reals.slice().sort(compareReals);
}

/** Length of realName(r): addresses are canonical text (formatAddress()), ASCII, so characters are octets. */
function realNameLength(r: RealServer): number {
  return (r.family === 'inet6' ? 2 : 0) + r.address.length + 1 + numberWidth(r.port);
}

/**
 * compareNames(realName(a), realName(b)) without the names: fewer octets first; of two names as long, with addresses
 * as long, the address decides where it differs (it sits at the same place in both), else the port (as many digits,
 * so numbers order as their texts). Anything else compares the names.
 */
function compareReals(a: RealServer, b: RealServer): number {
  const la = realNameLength(a);
  const lb = realNameLength(b);
  if (la !== lb) return la - lb;
  if (a.family === b.family && a.address.length === b.address.length) {
    if (a.address !== b.address) return a.address < b.address ? -1 : 1;
    return a.port - b.port;
  }
  return compareNames(realName(a), realName(b));
}

function schedText(s: Service): string {
  return s.scheduler + (s.flags & IP_VS_SVC_F.PERSISTENT ? ` persistent ${s.timeout}` : '');
}

function sum(reals: readonly RealServer[], field: 'activeConns' | 'inactiveConns'): number {
  let n = 0;
  for (const r of reals) n += r[field];
  return n;
}

/** Items and their names, both in index order. */
interface Named<T> {
  readonly names: readonly string[];
  readonly items: readonly T[];
}

/**
 * The items with their names, in index order: each name made once, and no pair per item. Names are nearly always
 * ASCII, where compareNames() is length, then code units: checked once per name here rather than twice per
 * comparison. Items already in order (a file or simulated source's services) are not sorted.
 */
function byName<T>(items: readonly T[], nameOf: (item: T) => string): Named<T> {
  const names = items.map(nameOf);
  const ascii = names.every(isAscii);
  const compare = ascii
    ? (a: string, b: string): number => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0)
    : compareNames;
  let sorted = true;
  for (let i = 1; i < names.length && sorted; i++) sorted = compare(names[i - 1] as string, names[i] as string) <= 0;
  if (sorted) return { names, items };
  const order = names.map((_, i) => i).sort((a, b) => compare(names[a] as string, names[b] as string));
  return { names: order.map((i) => names[i] as string), items: order.map((i) => items[i] as T) };
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A counter as an exact Number, or undefined at 2^53 and above. */
function safeStat(s: Stats, index: number): number | undefined {
  const w = 2 * (s.at + index);
  const high = s.words[w + 1 - LOW] as number;
  return high < SAFE_HIGH ? high * TWO_32 + (s.words[w + LOW] as number) : undefined;
}

/** Digits of a whole number from 0 to 2^53 (anything else: the length of its text). */
function numberWidth(n: number): number {
  if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) return String(n).length;
  let digits = 1;
  for (let limit = 10; n >= limit && digits < 16; limit *= 10) digits++;
  return digits;
}

const SPACE = 0x20;

/** A byte buffer the table is written into, cell by cell, in columns separated by SEPARATOR spaces. */
class ByteOutput {
  private buf: Buffer;
  private at = 0;

  /**
   * The buffer starts out as spaces (one memset), so padding is skipped over rather than written: most of a table of
   * numbers is padding, and writing it a byte at a time was the larger part of the table's time in the kernel guest.
   */
  constructor(estimate: number) {
    this.buf = Buffer.alloc(Math.max(estimate, 64), SPACE);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.at + n), SPACE);
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  /** UTF-8; an ASCII text (every name in practice) byte by byte, which beats a call into Buffer#write per cell. */
  text(s: string): void {
    this.room(s.length);
    const buf = this.buf;
    const start = this.at;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.room(Buffer.byteLength(s));
        this.at = start + this.buf.write(s, start, 'utf8');
        return;
      }
      buf[start + i] = c;
    }
    this.at = start + s.length;
  }

  /** `n` spaces: skipped over, the buffer holds spaces wherever nothing was written. */
  spaces(n: number): void {
    this.room(n);
    this.at += n;
  }

  /** Left-aligned in `width` (counted in UTF-16 units, as String#padEnd counts), after a separator if `separate`. */
  left(s: string, width: number, separate = false): void {
    if (separate) this.spaces(SEPARATOR);
    this.text(s);
    if (width > s.length) this.spaces(width - s.length);
  }

  /** Right-aligned text in `width`, after a separator if `separate`. */
  right(s: string, width: number, separate = true): void {
    if (separate) this.spaces(SEPARATOR);
    if (width > s.length) this.spaces(width - s.length);
    this.text(s);
  }

  /** A number right-aligned in `width`, after a separator; whole numbers to 2^53 digit by digit. */
  number(n: number, width: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) {
      this.right(String(n), width);
      return;
    }
    this.spaces(SEPARATOR + width);
    let p = this.at - 1;
    do {
      this.buf[p--] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  stats(s: Stats, widths: readonly number[]): void {
    for (let k = 0; k < COUNTERS.length; k++) {
      const index = COUNTERS[k] as number;
      const width = widths[FIRST_COUNTER + k] as number;
      const n = safeStat(s, index);
      if (n === undefined) this.right(statText(s, index), width);
      else this.number(n, width);
    }
  }

  /** realName(r), left-aligned in `width`: the address, a colon and the port, brackets around an IPv6 address. */
  realName(r: RealServer, width: number): void {
    const v6 = r.family === 'inet6';
    if (v6) this.text('[');
    this.text(r.address);
    this.text(v6 ? ']:' : ':');
    const digits = numberWidth(r.port);
    this.spaces(digits);
    let p = this.at - 1;
    for (let n = r.port, d = 0; d < digits; d++, n = Math.floor(n / 10)) this.buf[p--] = 0x30 + (n % 10);
    const length = (v6 ? 2 : 0) + r.address.length + 1 + digits;
    if (width > length) this.spaces(width - length);
  }

  newline(): void {
    this.room(1);
    this.buf[this.at++] = 0x0a;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}
