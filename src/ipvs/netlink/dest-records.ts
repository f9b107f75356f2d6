import { formatAddressAt } from '../address.js';
import { STAT_COUNT, type Family, type ForwardMethod, type RealServer, type Stats, type TunnelType } from '../snapshot.js';
import { recordAreas } from './bytes.js';
import { AF } from './ipvs-constants.js';

/**
 * The real servers of GET_DEST dumps as the native addon decodes them on its worker thread (dest-records.c, run by
 * batch.c when transact() is given the services' address families): the reader of its two areas.
 *
 *   records  32-bit words, host order. Per request: a count word, DEST_DECLINED when the addon left the request to
 *            the JavaScript decoders (its replies are in the transact() result as always), else that many records
 *            (each real server once: a repeat of an earlier one is left out, as RealList in netlink-source.ts
 *            leaves it out) of DEST_RECORD_WORDS words: family (AF_*), port, forwarding method (0..4), weight (int32), upper and
 *            lower threshold, active, inactive and persistent connections, tunnel type, port and flags (each
 *            0xffffffff when absent), then the address's 16 bytes as they came (4 used for IPv4).
 *   stats    STAT_COUNT u64 per decoded real server, in record order, host order: each real server's Stats is a
 *            window of this area (no copy), as allocStats() windows are.
 *
 * A record holds exactly what decodeDestFast() (ipvs-dest-fast.ts) returns for the same message; the addon declines
 * wherever that function would (test/unit/ipvs/netlink/dest-records.test.ts).
 */
export const DEST_RECORD_WORDS = 16;
export const DEST_DECLINED = 0xffffffff;
const NONE = 0xffffffff;
const ADDRESS_WORD = 12;

const FORWARD: readonly ForwardMethod[] = ['masq', 'local', 'tunnel', 'route', 'bypass'];
const TUNNEL_TYPES: readonly TunnelType[] = ['ipip', 'gue', 'gre'];

/** Reads the records of one batch, request after request, in the order they were sent. */
export class DestRecordReader {
  private readonly words: Uint32Array;
  private readonly bytes: Uint8Array;
  private readonly values: BigUint64Array;
  private readonly statWords: Uint32Array;
  private at = 0;
  private statAt = 0;

  /** `records` and `stats` as the addon hands them over (copied when a runtime gave them unaligned). */
  constructor(records: Uint8Array, stats: Uint8Array) {
    ({ words: this.words, bytes: this.bytes, values: this.values, statWords: this.statWords } = recordAreas(records, stats));
  }

  /**
   * The next request's real servers, in the order the kernel listed them; undefined when the addon declined that
   * request (decode its replies instead). Throws RangeError past the end of what the addon wrote.
   */
  next(): RealServer[] | undefined {
    const span = this.skip();
    return span === undefined ? undefined : this.read(span);
  }

  /** Where the next request's records are, without reading them (read(span) does); undefined when declined. */
  skip(): RecordSpan | undefined {
    const words = this.words;
    if (this.at >= words.length) throw new RangeError(`dest records: no count word at word ${this.at} of ${words.length}`);
    const count = words[this.at++] as number;
    if (count === DEST_DECLINED) return undefined;
    if (this.at + count * DEST_RECORD_WORDS > words.length || (this.statAt + count) * STAT_COUNT > this.values.length) {
      throw new RangeError(`dest records: ${count} records at word ${this.at} run past the end`);
    }
    const span = { at: this.at, statAt: this.statAt, count };
    this.at += count * DEST_RECORD_WORDS;
    this.statAt += count;
    return span;
  }

  /** The real servers of one request's records (a span skip() gave). */
  read(span: RecordSpan): RealServer[] {
    const words = this.words;
    const reals: RealServer[] = new Array<RealServer>(span.count);
    for (let k = 0, w = span.at, statAt = span.statAt; k < span.count; k++, w += DEST_RECORD_WORDS, statAt++) {
      const family: Family = words[w] === AF.INET ? 'inet' : 'inet6';
      const tunnelType = words[w + 9] === NONE ? undefined : TUNNEL_TYPES[words[w + 9] as number];
      const tunnelPort = words[w + 10] as number;
      const tunnelFlags = words[w + 11] as number;
      reals[k] = new RecordReal(
        family,
        formatAddressAt(family, this.bytes, 4 * (w + ADDRESS_WORD), 16),
        words[w + 1] as number,
        FORWARD[words[w + 2] as number] as ForwardMethod,
        (words[w + 3] as number) | 0,
        words[w + 4] as number,
        words[w + 5] as number,
        words[w + 6] as number,
        words[w + 7] as number,
        words[w + 8] as number,
        tunnelType,
        tunnelPort === NONE ? undefined : tunnelPort,
        tunnelFlags === NONE ? undefined : tunnelFlags,
        this.values,
        this.statWords,
        STAT_COUNT * statAt,
      );
    }
    return reals;
  }
}

/** One request's records: from word `at`, stats from real `statAt` on, `count` real servers. */
export interface RecordSpan {
  readonly at: number;
  readonly statAt: number;
  readonly count: number;
}

/**
 * A real server that is its own Stats window (`stats` is the object itself, as the simulator's are): one object per
 * real server rather than two, 100,000 fewer per read of a large table. `stats` is an own property, so a copy made
 * by spreading keeps it.
 */
class RecordReal implements RealServer, Stats {
  readonly stats: Stats;

  constructor(
    readonly family: Family,
    readonly address: string,
    readonly port: number,
    readonly forward: ForwardMethod,
    readonly weight: number,
    readonly upperThreshold: number,
    readonly lowerThreshold: number,
    readonly activeConns: number,
    readonly inactiveConns: number,
    readonly persistentConns: number,
    readonly tunnelType: TunnelType | undefined,
    readonly tunnelPort: number | undefined,
    readonly tunnelFlags: number | undefined,
    readonly values: BigUint64Array,
    readonly words: Uint32Array,
    readonly at: number,
  ) {
    this.stats = this;
  }
}
