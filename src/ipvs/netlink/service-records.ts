import { formatAddressAt } from '../address.js';
import { protocolOfNumber } from '../protocol.js';
import { STAT_COUNT, type Family, type Protocol, type ServiceKey, type Stats } from '../snapshot.js';
import { HOST_BYTE_ORDER, readU32, recordAreas } from './bytes.js';
import { AF } from './ipvs-constants.js';
import type { ServiceEntry } from './ipvs-service.js';

/**
 * The services of a GET_SERVICE dump as the native addon decodes them on its worker thread (service-records.c, run
 * by batch.c's dumpServices()), with each one's GET_DEST request: the reader of its three areas.
 *
 *   records   32-bit words, host order: a count word, SERVICES_DECLINED when the addon left the whole dump to the
 *             JavaScript decoders, then how many records were declined, then one record of SERVICE_RECORD_WORDS
 *             words per message of the dump, in the order ReplyCollector gives them; service-records.c describes
 *             the words. A record whose first word is 0 was declined: that message is decoded by
 *             decodeServiceMessage(); one whose first word is 2 repeats an earlier service of the dump.
 *   stats     STAT_COUNT u64 per record, host order: a decoded service's Stats is a window of this area (no copy).
 *   requests  the GET_DEST request of every decoded service, each at the offset its record gives, with the bytes
 *             buildGetDests() writes for its key.
 *
 * A record holds exactly what decodeServiceFast() (ipvs-service-fast.ts) returns for the same message; the addon
 * declines wherever that function would (test/unit/ipvs/netlink/service-records.test.ts).
 */
export const SERVICE_RECORD_WORDS = 32;
export const SERVICES_DECLINED = 0xffffffff;
const HEADER_WORDS = 2;
const DECLINED = 0;
const REPEAT = 2;

const R = { decoded: 0, family: 1, fwmarkKind: 2, protocol: 3, port: 4, fwmark: 5, flags: 6, timeout: 7, netmask: 8, schedLength: 9, peLength: 10, request: 11, address: 12, sched: 16, pe: 24 } as const;

export class ServiceRecords {
  /** Records (one per message of the dump), or undefined when the addon declined the dump as a whole. */
  readonly count: number | undefined;
  /** How many records were declined (their messages to be decoded by decodeServiceMessage()). */
  readonly declined: number = 0;
  private readonly words: Uint32Array;
  private readonly bytes: Uint8Array;
  private readonly values: BigUint64Array;
  private readonly statWords: Uint32Array;
  private readonly requests: Uint8Array;
  /** The last name made and its bytes: the services of a table mostly share their scheduler. */
  private lastName = '';
  private lastAt = -1;
  private lastLength = -1;

  /** The areas as the addon hands them over (copied when a runtime gave them unaligned). */
  constructor(records: Uint8Array, stats: Uint8Array, requests: Uint8Array) {
    ({ words: this.words, bytes: this.bytes, values: this.values, statWords: this.statWords } = recordAreas(records, stats));
    this.requests = requests;
    if (this.words.length < HEADER_WORDS) throw new RangeError('service records: no header');
    const count = this.words[0] as number;
    if (count === SERVICES_DECLINED) {
      this.count = undefined;
      return;
    }
    this.declined = this.words[1] as number;
    if (HEADER_WORDS + count * SERVICE_RECORD_WORDS > this.words.length || count * STAT_COUNT > this.values.length) {
      throw new RangeError(`service records: ${count} records run past the end of ${this.words.length} words`);
    }
    this.count = count;
  }

  /** Whether message i repeats a service listed earlier in the dump (a dump racing with changes): the first is kept. */
  repeated(i: number): boolean {
    return this.words[this.at(i) + R.decoded] === REPEAT;
  }

  /** Message i of the dump as a service entry, or undefined when the addon declined it (decode the message instead). */
  entry(i: number): ServiceEntry | undefined {
    const w = this.at(i);
    const words = this.words;
    if (words[w + R.decoded] === DECLINED) return undefined;
    const family: Family = words[w + R.family] === AF.INET ? 'inet' : 'inet6';
    let key: ServiceKey;
    if (words[w + R.fwmarkKind] !== 0) key = { kind: 'fwmark', family, fwmark: words[w + R.fwmark] as number };
    else {
      key = {
        kind: 'addr',
        family,
        protocol: protocolOfNumber(words[w + R.protocol] as number) as Protocol,
        address: formatAddressAt(family, this.bytes, 4 * (w + R.address), 16),
        port: words[w + R.port] as number,
      };
    }
    const peLength = words[w + R.peLength] as number;
    const stats: Stats = { values: this.values, words: this.statWords, at: STAT_COUNT * i };
    return {
      key,
      scheduler: this.name(4 * (w + R.sched), words[w + R.schedLength] as number),
      flags: words[w + R.flags] as number,
      timeout: words[w + R.timeout] as number,
      netmaskPrefix: words[w + R.netmask] as number,
      peName: peLength === 0 ? '' : this.name(4 * (w + R.pe), peLength),
      stats,
    };
  }

  /** The GET_DEST request of message i's service (a view of the addon's area); undefined when declined or a repeat. */
  request(i: number): Uint8Array | undefined {
    const w = this.at(i);
    if (this.words[w + R.decoded] !== 1) return undefined;
    const at = this.words[w + R.request] as number;
    return this.requests.subarray(at, at + readU32(this.requests, at, HOST_BYTE_ORDER === 'little'));
  }

  private at(i: number): number {
    if (this.count === undefined || !(i >= 0 && i < this.count)) throw new RangeError(`service records: no record ${i} of ${this.count ?? 'none'}`);
    return HEADER_WORDS + i * SERVICE_RECORD_WORDS;
  }

  /** The ASCII name of `length` bytes at byte `at` of the records: the last one made when the bytes are the same. */
  private name(at: number, length: number): string {
    const bytes = this.bytes;
    if (length === this.lastLength) {
      let same = true;
      for (let k = 0; k < length; k++) {
        if (bytes[at + k] !== bytes[this.lastAt + k]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.lastAt = at;
        return this.lastName;
      }
    }
    let text = '';
    for (let k = 0; k < length; k++) text += String.fromCharCode(bytes[at + k] as number);
    this.lastName = text;
    this.lastAt = at;
    this.lastLength = length;
    return text;
  }
}
