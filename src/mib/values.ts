import { ValueType, type Value } from '../agentx/pdu.js';

/**
 * Constructors for the SMI values the LVS-MIB serves. Each one states how a kernel number that may be wider than
 * the SMI type is carried: exact in Counter64, low 32 bits in Counter32 (wraps like a 32-bit counter would),
 * latched at 2^32-1 in Gauge32 (RFC 2578 section 7.1.7: a gauge at its maximum stays there).
 */

const U32_MAX = 0xffffffffn;
const U64_MAX = 0xffffffffffffffffn;

export function integer(value: number): Value {
  return { type: ValueType.Integer, value };
}

export function unsigned32(value: number): Value {
  return { type: ValueType.Gauge32, value: value >>> 0 };
}

/** Gauge32 from a wider number: exact below 2^32, 4294967295 at and above. */
export function gauge32(value: bigint | number): Value {
  const v = typeof value === 'bigint' ? value : BigInt(value);
  return { type: ValueType.Gauge32, value: v >= U32_MAX ? 0xffffffff : v <= 0n ? 0 : Number(v) };
}

/** Counter32 carrying the low 32 bits of a 64-bit counter: it wraps exactly when a 32-bit counter would. */
export function counter32Low(value: bigint): Value {
  return { type: ValueType.Counter32, value: Number(value & U32_MAX) };
}

export function counter64(value: bigint): Value {
  if (value < 0n || value > U64_MAX) throw new RangeError(`mib: Counter64 value ${value} outside 0..2^64-1`);
  return { type: ValueType.Counter64, value };
}

export function timeTicks(value: number): Value {
  return { type: ValueType.TimeTicks, value: value >>> 0 };
}

export function counter32(value: number): Value {
  return { type: ValueType.Counter32, value: value >>> 0 };
}

const EMPTY = new Uint8Array(0);

export function octets(value: Uint8Array): Value {
  return { type: ValueType.OctetString, value };
}

export function displayString(text: string): Value {
  return { type: ValueType.OctetString, value: text === '' ? EMPTY : Buffer.from(text, 'utf8') };
}

export function ipAddress(bytes: Uint8Array): Value {
  return { type: ValueType.IpAddress, value: bytes };
}

/**
 * BITS (RFC 2578 section 7.1.4): bit n of the named-bit list is bit (7 - n % 8) of octet floor(n / 8).
 * `mask` has bit n set for every named bit that is on; `width` is the number of named bits.
 */
export function bits(mask: number, width: number): Value {
  const out = new Uint8Array(Math.ceil(width / 8));
  for (let n = 0; n < width; n++) {
    if (mask & (1 << n)) out[n >> 3] = (out[n >> 3] as number) | (0x80 >> (n & 7));
  }
  return { type: ValueType.OctetString, value: out };
}

export const NO_SUCH_OBJECT: Value = { type: ValueType.NoSuchObject };
export const NO_SUCH_INSTANCE: Value = { type: ValueType.NoSuchInstance };
export const END_OF_MIB_VIEW: Value = { type: ValueType.EndOfMibView };
