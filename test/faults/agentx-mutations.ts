import { encodePdu, HEADER_LENGTH, HeaderFlag, PduType, ValueType, type Oid, type Pdu, type VarBind } from '../../src/agentx/index.js';

/**
 * Mutations of valid AgentX PDUs for the fuzzer (agentx-fuzz.test.ts): bytes in, bytes out, no sockets. Seeds are
 * real Get/GetNext/GetBulk/TestSet/Close PDUs from the project's encoder, in both byte orders, with the offsets of
 * their OIDs and length fields recorded so that mutations can aim at them.
 *
 * A frame mutation keeps the stream framable (h.payload_length says the frame's true length, a multiple of 4): the
 * agent must answer it, or ignore it when RFC 2741 says so, and go on. A stream mutation breaks the framing
 * (a payload_length the bytes do not follow, a frame cut short, a flipped byte-order flag whose length now reads
 * differently): the agent may have to drop the connection, and must then reconnect.
 */

export const LVS_ROOT: Oid = [1, 3, 6, 1, 4, 1, 8225, 4711];

/** A valid PDU and where its mutable fields are. */
export interface Seed {
  readonly name: string;
  readonly bytes: Buffer;
  readonly networkByteOrder: boolean;
  /** Offsets of every OID header (n_subid, prefix, include, reserved). */
  readonly oids: readonly number[];
  /** Offsets of 4-byte octet-string lengths. */
  readonly lengths32: readonly number[];
  /** Offsets of 2-byte fields (GetBulk non_repeaters and max_repetitions, varbind types). */
  readonly fields16: readonly number[];
  /** How often this seed is picked, relative to the others. */
  readonly weight: number;
}

type Random = () => number;

const OFFSET_PAYLOAD_LENGTH = 16;

function int(random: Random, n: number): number {
  return Math.floor(random() * n);
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[int(random, items.length)] as T;
}

/** Walks the seed's own bytes (as our encoder laid them out) to find its OIDs and length fields. */
function locate(bytes: Buffer, nbo: boolean, type: number): Pick<Seed, 'oids' | 'lengths32' | 'fields16'> {
  const u16 = (at: number): number => (nbo ? bytes.readUInt16BE(at) : bytes.readUInt16LE(at));
  const u32 = (at: number): number => (nbo ? bytes.readUInt32BE(at) : bytes.readUInt32LE(at));
  const oids: number[] = [];
  const lengths32: number[] = [];
  const fields16: number[] = [];
  const oidAt = (at: number): number => {
    oids.push(at);
    return at + 4 + 4 * (bytes[at] as number);
  };
  let at = HEADER_LENGTH;
  if (type === PduType.GetBulk) {
    fields16.push(at, at + 2);
    at += 4;
  }
  if (type === PduType.Get || type === PduType.GetNext || type === PduType.GetBulk) {
    while (at < bytes.length) at = oidAt(oidAt(at));
  } else if (type === PduType.TestSet) {
    while (at < bytes.length) {
      fields16.push(at);
      const vtype = u16(at);
      at = oidAt(at + 4);
      switch (vtype) {
        case ValueType.OctetString:
        case ValueType.Opaque:
        case ValueType.IpAddress:
          lengths32.push(at);
          at += 4 + Math.ceil(u32(at) / 4) * 4;
          break;
        case ValueType.ObjectIdentifier:
          at = oidAt(at);
          break;
        case ValueType.Counter64:
          at += 8;
          break;
        case ValueType.Null:
          break;
        default:
          at += 4;
      }
    }
  }
  return { oids, lengths32, fields16 };
}

/** The seeds, each in both byte orders; sessionId and packetId are patched in per use (setIds). */
export function makeSeeds(): Seed[] {
  const ids = { sessionId: 0, transactionId: 1, packetId: 1 };
  const range = (start: Oid, include = false, end: Oid = []): { start: Oid; include: boolean; end: Oid } => ({ start, include, end });
  const setVarbinds: VarBind[] = [
    { name: [...LVS_ROOT, 17, 1, 6, 3, 65, 66, 67], value: { type: ValueType.Integer, value: 7 } },
    { name: [...LVS_ROOT, 13, 0], value: { type: ValueType.OctetString, value: Buffer.from('abcde') } },
    { name: [...LVS_ROOT, 9, 0], value: { type: ValueType.ObjectIdentifier, value: [1, 3, 6, 1, 2, 1] } },
    { name: [...LVS_ROOT, 12, 0], value: { type: ValueType.Counter64, value: 0xfedcba9876543210n } },
    { name: [...LVS_ROOT, 18, 1, 3, 1, 65, 1, 66], value: { type: ValueType.IpAddress, value: Uint8Array.from([10, 0, 0, 1]) } },
  ];
  const pdus: { name: string; pdu: Pdu; weight: number }[] = [
    { name: 'Get lvsVersion.0', weight: 4, pdu: { type: PduType.Get, ...ids, ranges: [range([...LVS_ROOT, 1, 0])] } },
    {
      name: 'Get of three scalars and sysUpTime.0',
      weight: 4,
      pdu: { type: PduType.Get, ...ids, ranges: [range([...LVS_ROOT, 8, 0]), range([...LVS_ROOT, 3, 0]), range([1, 3, 6, 1, 2, 1, 1, 3, 0])] },
    },
    { name: 'GetNext from the root', weight: 4, pdu: { type: PduType.GetNext, ...ids, ranges: [range(LVS_ROOT, false, [...LVS_ROOT.slice(0, 7), 4712])] } },
    {
      name: 'GetNext into both tables, include set',
      weight: 4,
      pdu: { type: PduType.GetNext, ...ids, ranges: [range([...LVS_ROOT, 17, 1, 2], true), range([...LVS_ROOT, 18, 1, 6, 15], false, [...LVS_ROOT, 19])] },
    },
    {
      name: 'GetBulk: one non-repeater, two repeaters x 10',
      weight: 4,
      pdu: { type: PduType.GetBulk, ...ids, nonRepeaters: 1, maxRepetitions: 10, ranges: [range([...LVS_ROOT, 2]), range([...LVS_ROOT, 17, 1, 10]), range([...LVS_ROOT, 18, 1, 28])] },
    },
    { name: 'TestSet with five value types', weight: 4, pdu: { type: PduType.TestSet, ...ids, varbinds: setVarbinds } },
    // Rare (about 1 PDU in 5,000): every Close that still decodes makes the agent reconnect, about 60 ms each.
    { name: 'Close (other)', weight: 0.005, pdu: { type: PduType.Close, ...ids, reason: 1 } },
  ];
  const seeds: Seed[] = [];
  for (const { name, pdu, weight } of pdus) {
    for (const networkByteOrder of [true, false]) {
      const bytes = encodePdu(pdu, { networkByteOrder });
      seeds.push({ name: `${name} (${networkByteOrder ? 'big' : 'little'} endian)`, bytes, networkByteOrder, weight, ...locate(bytes, networkByteOrder, pdu.type) });
    }
  }
  return seeds;
}

/** Picks a seed by weight. */
export function pickSeed(seeds: readonly Seed[], random: Random): Seed {
  const total = seeds.reduce((a, s) => a + s.weight, 0);
  let r = random() * total;
  for (const s of seeds) {
    r -= s.weight;
    if (r <= 0) return s;
  }
  return seeds[seeds.length - 1] as Seed;
}

function writeU32(bytes: Buffer, at: number, value: number, nbo: boolean): void {
  if (nbo) bytes.writeUInt32BE(value >>> 0, at);
  else bytes.writeUInt32LE(value >>> 0, at);
}

function nboOf(bytes: Buffer): boolean {
  return ((bytes[2] as number) & HeaderFlag.NetworkByteOrder) !== 0;
}

/** A copy of the seed with h.sessionID and h.packetID set (in the seed's byte order). */
export function withIds(seed: Seed, sessionId: number, packetId: number): Buffer {
  const bytes = Buffer.from(seed.bytes);
  writeU32(bytes, 4, sessionId, seed.networkByteOrder);
  writeU32(bytes, 8, packetId, seed.networkByteOrder);
  writeU32(bytes, 12, packetId, seed.networkByteOrder);
  return bytes;
}

/** Sets h.payload_length to the frame's true length, read in the byte order the frame's flags now say. */
function fixLength(bytes: Buffer): Buffer {
  writeU32(bytes, OFFSET_PAYLOAD_LENGTH, bytes.length - HEADER_LENGTH, nboOf(bytes));
  return bytes;
}

const INTERESTING_8 = [0, 1, 2, 3, 4, 0x7f, 0x80, 0x81, 0xfe, 0xff];
const INTERESTING_16 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_32 = [0, 1, 3, 4, 5, 0xff, 0x100, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff, 65536, 1 << 20];

type Mutate = (bytes: Buffer, seed: Seed, random: Random, seeds: readonly Seed[]) => Buffer;

/** The frame mutations: each returns a whole frame whose h.payload_length is right for its bytes. */
export const FRAME_MUTATIONS: Record<string, Mutate> = {
  /** One to three bits flipped anywhere after the header. */
  bits(bytes: Buffer, _seed: Seed, random: Random): Buffer {
    if (bytes.length <= HEADER_LENGTH) return bytes;
    for (let n = 1 + int(random, 3); n > 0; n--) {
      const at = HEADER_LENGTH + int(random, bytes.length - HEADER_LENGTH);
      bytes[at] = (bytes[at] as number) ^ (1 << int(random, 8));
    }
    return bytes;
  },
  /** One to four payload bytes set to edge values. */
  bytes(bytes: Buffer, _seed: Seed, random: Random): Buffer {
    if (bytes.length <= HEADER_LENGTH) return bytes;
    for (let n = 1 + int(random, 4); n > 0; n--) {
      bytes[HEADER_LENGTH + int(random, bytes.length - HEADER_LENGTH)] = random() < 0.5 ? pick(random, INTERESTING_8) : int(random, 256);
    }
    return bytes;
  },
  /** h.version, h.type, h.flags (any bits, NETWORK_BYTE_ORDER and NON_DEFAULT_CONTEXT among them) or reserved. */
  header(bytes: Buffer, _seed: Seed, random: Random): Buffer {
    const at = int(random, 4);
    if (at === 1 && random() < 0.7) bytes[1] = int(random, 20);
    else if (at === 2 && random() < 0.7) bytes[2] = (bytes[2] as number) ^ pick(random, [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x80]);
    else bytes[at] = random() < 0.5 ? pick(random, INTERESTING_8) : int(random, 256);
    return fixLength(bytes); // a flipped byte-order flag changes how h.payload_length reads
  },
  /** h.sessionID, h.transactionID or h.packetID set to an edge value. */
  ids(bytes: Buffer, _seed: Seed, random: Random): Buffer {
    writeU32(bytes, 4 + 4 * int(random, 3), pick(random, INTERESTING_32), nboOf(bytes));
    return bytes;
  },
  /** The byte-order flag flipped, every field left as it was: the whole payload now reads the other way. */
  byteOrder(bytes: Buffer): Buffer {
    const oldNbo = nboOf(bytes);
    const length = oldNbo ? bytes.readUInt32BE(OFFSET_PAYLOAD_LENGTH) : bytes.readUInt32LE(OFFSET_PAYLOAD_LENGTH);
    bytes[2] = (bytes[2] as number) ^ HeaderFlag.NetworkByteOrder;
    writeU32(bytes, OFFSET_PAYLOAD_LENGTH, length, !oldNbo);
    return bytes;
  },
  /** An OID's n_subid, prefix, include or reserved byte. */
  oid(bytes: Buffer, seed: Seed, random: Random): Buffer {
    const at = pick(random, seed.oids.length > 0 ? seed.oids : [HEADER_LENGTH]);
    if (at + 4 > bytes.length) return bytes;
    const n = bytes[at] as number;
    switch (int(random, 4)) {
      case 0:
        bytes[at] = pick(random, [0, 1, n - 1, n + 1, n + 2, 127, 128, 129, 255, int(random, 256)]) & 0xff;
        break;
      case 1:
        bytes[at + 1] = pick(random, [0, 1, 2, 4, 5, 6, 255, int(random, 256)]);
        break;
      case 2:
        bytes[at + 2] = pick(random, [0, 1, 2, 0x80, 255]);
        break;
      default:
        bytes[at + 3] = int(random, 256);
    }
    return bytes;
  },
  /** An octet string's length, a GetBulk count or a varbind type. */
  lengthField(bytes: Buffer, seed: Seed, random: Random): Buffer {
    const nbo = seed.networkByteOrder;
    if (seed.lengths32.length > 0 && (seed.fields16.length === 0 || random() < 0.5)) {
      const at = pick(random, seed.lengths32);
      if (at + 4 > bytes.length) return bytes;
      const old = nbo ? bytes.readUInt32BE(at) : bytes.readUInt32LE(at);
      writeU32(bytes, at, pick(random, [...INTERESTING_32, old + 1, old - 1, old + 4, old * 2]) % 2 ** 32, nbo);
    } else if (seed.fields16.length > 0) {
      const at = pick(random, seed.fields16);
      if (at + 2 > bytes.length) return bytes;
      const value = random() < 0.7 ? pick(random, INTERESTING_16) : pick(random, Object.values(ValueType));
      if (nbo) bytes.writeUInt16BE(value, at);
      else bytes.writeUInt16LE(value, at);
    } else {
      return (FRAME_MUTATIONS.oid as Mutate)(bytes, seed, random, []);
    }
    return bytes;
  },
  /** The payload cut short at a 4-byte boundary (to nothing, sometimes), the length saying so. */
  truncate(bytes: Buffer, _seed: Seed, random: Random): Buffer {
    const payload = bytes.length - HEADER_LENGTH;
    return fixLength(Buffer.from(bytes.subarray(0, HEADER_LENGTH + 4 * int(random, Math.floor(payload / 4)))));
  },
  /** Junk (a multiple of 4 bytes) after the payload, inside the frame. */
  extend(bytes: Buffer, _seed: Seed, random: Random): Buffer {
    const junk = Buffer.alloc(4 * (1 + int(random, 8)));
    for (let i = 0; i < junk.length; i++) junk[i] = random() < 0.5 ? 0 : int(random, 256);
    return fixLength(Buffer.concat([bytes, junk]));
  },
  /** Another seed's payload, or its whole frame, appended inside this frame. */
  concat(bytes: Buffer, _seed: Seed, random: Random, seeds: readonly Seed[]): Buffer {
    const other = pickSeed(seeds, random).bytes;
    return fixLength(Buffer.concat([bytes, random() < 0.5 ? other.subarray(HEADER_LENGTH) : other]));
  },
};

export type FrameMutation = string;
const FRAME_MUTATION_NAMES = Object.keys(FRAME_MUTATIONS);

/** One to three frame mutations of a seed (with its ids set); returns the frame and what was done. */
export function mutateFrame(seed: Seed, base: Buffer, random: Random, seeds: readonly Seed[]): { bytes: Buffer; applied: FrameMutation[] } {
  let bytes = base;
  const applied: FrameMutation[] = [];
  for (let n = 1 + (random() < 0.3 ? 1 + int(random, 2) : 0); n > 0; n--) {
    const name = pick(random, FRAME_MUTATION_NAMES);
    applied.push(name);
    bytes = (FRAME_MUTATIONS[name] as Mutate)(bytes, seed, random, seeds);
  }
  return { bytes, applied };
}

/** The stream mutations: what comes out is not one whole frame, or not a frame its length describes. */
export const STREAM_MUTATIONS = {
  /** h.payload_length overwritten: too big, not a multiple of 4, or a wrong multiple of 4. */
  payloadLength(bytes: Buffer, random: Random): Buffer {
    const length = bytes.length - HEADER_LENGTH;
    writeU32(bytes, OFFSET_PAYLOAD_LENGTH, pick(random, [length + 1, length - 1, length + 4, length - 4, length + 4096, 0, 0x7fff_fff0, 0xffff_ffff, int(random, 2 ** 32)]), nboOf(bytes));
    return bytes;
  },
  /** The frame cut anywhere, header included: the next frame's bytes continue it. */
  cut(bytes: Buffer, random: Random): Buffer {
    return Buffer.from(bytes.subarray(0, 1 + int(random, bytes.length - 1)));
  },
  /** The byte-order flag flipped and nothing else: h.payload_length now reads in the other order. */
  flag(bytes: Buffer): Buffer {
    bytes[2] = (bytes[2] as number) ^ HeaderFlag.NetworkByteOrder;
    return bytes;
  },
} as const;

export type StreamMutation = keyof typeof STREAM_MUTATIONS;

export function mutateStream(base: Buffer, random: Random): { bytes: Buffer; applied: StreamMutation } {
  const applied = pick(random, Object.keys(STREAM_MUTATIONS) as StreamMutation[]);
  return { bytes: STREAM_MUTATIONS[applied](base, random), applied };
}
