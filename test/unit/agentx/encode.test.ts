import { describe, expect, it } from 'vitest';
import { decodePdu } from '../../../src/agentx/decode.js';
import { encodePdu } from '../../../src/agentx/encode.js';
import { AgentXEncodeError, type EncodeErrorCode } from '../../../src/agentx/errors.js';
import { MAX_PAYLOAD } from '../../../src/agentx/framer.js';
import { PduType, ValueType, type Pdu } from '../../../src/agentx/pdu.js';
import { lvs } from './fixtures.js';

// PDU objects that would make malformed PDUs. They are built as `unknown` on purpose: the type system already
// refuses most of them, and the encoder must refuse the rest at run time (snmpd 5.9.3 can double free on a
// malformed Register, so nothing malformed may be sent).

interface BadPdu {
  readonly name: string;
  readonly pdu: unknown;
  readonly code: EncodeErrorCode;
  readonly field: string;
}

const ids = { sessionId: 1, transactionId: 2, packetId: 3 };
const ping = { type: PduType.Ping, ...ids };
const open = { type: PduType.Open, ...ids, timeout: 0, id: [], description: 'x' };
const register = { type: PduType.Register, ...ids, timeout: 0, priority: 127, rangeSubid: 0, subtree: lvs() };
const getNext = (...starts: unknown[]) => ({
  type: PduType.GetNext,
  ...ids,
  ranges: starts.map((start) => ({ start, include: false, end: [] })),
});

/** A Response whose second varbind (index 1) carries `value` under `name`. */
function responseWith(value: unknown, name: unknown = lvs(1, 0)): Record<string, unknown> {
  return {
    type: PduType.Response,
    ...ids,
    sysUpTime: 0,
    error: 0,
    index: 0,
    varbinds: [{ name: lvs(), value: { type: ValueType.Null } }, { name, value }],
  };
}
const nullValue = { type: ValueType.Null };
const v1 = 'varbinds[1].value';

const badPdus: readonly BadPdu[] = [
  // Header.
  { name: 'sessionId 2^32', pdu: { ...ping, sessionId: 2 ** 32 }, code: 'bad-field', field: 'sessionId' },
  { name: 'negative packetId', pdu: { ...ping, packetId: -1 }, code: 'bad-field', field: 'packetId' },
  { name: 'fractional transactionId', pdu: { ...ping, transactionId: 1.5 }, code: 'bad-field', field: 'transactionId' },
  { name: 'flags with the byte order bit', pdu: { ...ping, flags: 0x10 }, code: 'bad-flags', field: 'flags' },
  { name: 'flags with the context bit', pdu: { ...ping, flags: 0x08 }, code: 'bad-flags', field: 'flags' },
  { name: 'flags with a reserved bit', pdu: { ...ping, flags: 0x80 }, code: 'bad-flags', field: 'flags' },
  {
    name: 'a context on a Response',
    pdu: { ...responseWith(nullValue), context: new Uint8Array(0) },
    code: 'bad-context',
    field: 'context',
  },
  { name: 'a context on Open', pdu: { ...open, context: new Uint8Array(1) }, code: 'bad-context', field: 'context' },
  {
    name: 'a context on CommitSet',
    pdu: { ...ping, type: PduType.CommitSet, context: new Uint8Array(1) },
    code: 'bad-context',
    field: 'context',
  },
  { name: 'IndexAllocate', pdu: { ...ping, type: 14 }, code: 'unsupported-pdu', field: 'type' },
  { name: 'PDU type 300', pdu: { ...ping, type: 300 }, code: 'bad-field', field: 'h.type' },

  // Open, Close.
  { name: 'Open timeout 256', pdu: { ...open, timeout: 256 }, code: 'bad-field', field: 'timeout' },
  {
    name: 'Open description over 255 bytes',
    pdu: { ...open, description: 'é'.repeat(128) },
    code: 'bad-field',
    field: 'description',
  },
  { name: 'Close reason 0', pdu: { ...ping, type: PduType.Close, reason: 0 }, code: 'bad-field', field: 'reason' },
  { name: 'Close reason 7', pdu: { ...ping, type: PduType.Close, reason: 7 }, code: 'bad-field', field: 'reason' },

  // Register: every field a malformed registration could come from.
  { name: 'Register priority -1', pdu: { ...register, priority: -1 }, code: 'bad-field', field: 'priority' },
  { name: 'Register priority 256', pdu: { ...register, priority: 256 }, code: 'bad-field', field: 'priority' },
  { name: 'Register timeout 1000', pdu: { ...register, timeout: 1000 }, code: 'bad-field', field: 'timeout' },
  { name: 'Register of the null OID', pdu: { ...register, subtree: [] }, code: 'bad-oid', field: 'subtree' },
  {
    name: 'range_subid past the subtree',
    pdu: { ...register, rangeSubid: 9, upperBound: 10 },
    code: 'bad-range',
    field: 'rangeSubid',
  },
  { name: 'range_subid without upperBound', pdu: { ...register, rangeSubid: 8 }, code: 'bad-range', field: 'upperBound' },
  { name: 'upperBound without range_subid', pdu: { ...register, upperBound: 8 }, code: 'bad-range', field: 'upperBound' },
  {
    name: 'upperBound below the range start',
    pdu: { ...register, rangeSubid: 8, upperBound: 4710 },
    code: 'bad-range',
    field: 'upperBound',
  },
  {
    name: 'upperBound 2^32',
    pdu: { ...register, rangeSubid: 8, upperBound: 2 ** 32 },
    code: 'bad-field',
    field: 'upperBound',
  },
  { name: 'subtree subid 2^32', pdu: { ...register, subtree: [1, 2 ** 32] }, code: 'bad-oid', field: 'subtree' },
  {
    name: 'Unregister priority 300',
    pdu: { ...register, type: PduType.Unregister, priority: 300 },
    code: 'bad-field',
    field: 'priority',
  },

  // Requests.
  {
    name: 'GetBulk maxRepetitions 65536',
    pdu: { ...ping, type: PduType.GetBulk, nonRepeaters: 0, maxRepetitions: 65536, ranges: [] },
    code: 'bad-field',
    field: 'maxRepetitions',
  },
  { name: 'a range start of 129 subids', pdu: getNext(lvs(1), Array(129).fill(1)), code: 'bad-oid', field: 'ranges[1].start' },
  {
    name: 'a 133-subid internet OID (128 after the prefix)',
    pdu: getNext([1, 3, 6, 1, 4, ...Array<number>(128).fill(1)]),
    code: 'bad-oid',
    field: 'ranges[0].start',
  },

  // VarBinds.
  { name: 'varbind name subid -1', pdu: responseWith(nullValue, [1, -1]), code: 'bad-oid', field: 'varbinds[1].name' },
  { name: 'varbind name subid NaN', pdu: responseWith(nullValue, [1, NaN]), code: 'bad-oid', field: 'varbinds[1].name' },
  { name: 'Integer 2^31', pdu: responseWith({ type: ValueType.Integer, value: 2 ** 31 }), code: 'bad-field', field: v1 },
  {
    name: 'Integer -2^31-1',
    pdu: responseWith({ type: ValueType.Integer, value: -(2 ** 31) - 1 }),
    code: 'bad-field',
    field: v1,
  },
  { name: 'Counter32 -1', pdu: responseWith({ type: ValueType.Counter32, value: -1 }), code: 'bad-field', field: v1 },
  { name: 'Gauge32 2^32', pdu: responseWith({ type: ValueType.Gauge32, value: 2 ** 32 }), code: 'bad-field', field: v1 },
  { name: 'TimeTicks 0.5', pdu: responseWith({ type: ValueType.TimeTicks, value: 0.5 }), code: 'bad-field', field: v1 },
  { name: 'Counter64 -1', pdu: responseWith({ type: ValueType.Counter64, value: -1n }), code: 'bad-field', field: v1 },
  { name: 'Counter64 2^64', pdu: responseWith({ type: ValueType.Counter64, value: 2n ** 64n }), code: 'bad-field', field: v1 },
  { name: 'Counter64 as a number', pdu: responseWith({ type: ValueType.Counter64, value: 5 }), code: 'bad-field', field: v1 },
  {
    name: 'IpAddress of 3 octets',
    pdu: responseWith({ type: ValueType.IpAddress, value: new Uint8Array(3) }),
    code: 'bad-value',
    field: v1,
  },
  {
    name: 'IpAddress of 16 octets',
    pdu: responseWith({ type: ValueType.IpAddress, value: new Uint8Array(16) }),
    code: 'bad-value',
    field: v1,
  },
  {
    name: 'OctetString not bytes',
    pdu: responseWith({ type: ValueType.OctetString, value: 'text' }),
    code: 'bad-value',
    field: v1,
  },
  {
    name: 'OBJECT IDENTIFIER value with subid 2^32',
    pdu: responseWith({ type: ValueType.ObjectIdentifier, value: [2 ** 32] }),
    code: 'bad-oid',
    field: v1,
  },
  { name: 'unknown value type', pdu: responseWith({ type: 3, value: 1 }), code: 'bad-value', field: 'varbinds[1].type' },
  { name: 'Response error 65536', pdu: { ...responseWith(nullValue), error: 65536 }, code: 'bad-field', field: 'error' },
  { name: 'Response index -1', pdu: { ...responseWith(nullValue), index: -1 }, code: 'bad-field', field: 'index' },
  {
    name: 'a payload over MAX_PAYLOAD',
    pdu: responseWith({ type: ValueType.OctetString, value: new Uint8Array(MAX_PAYLOAD) }),
    code: 'frame-too-large',
    field: 'payload',
  },
];

describe('encode errors', () => {
  for (const bad of badPdus) {
    it(bad.name, () => {
      let caught: unknown;
      let encoded: Buffer | undefined;
      try {
        encoded = encodePdu(bad.pdu as Pdu);
      } catch (err) {
        caught = err;
      }
      expect(encoded).toBeUndefined();
      expect(caught).toBeInstanceOf(AgentXEncodeError);
      if (!(caught instanceof AgentXEncodeError)) return;
      expect(caught.code).toBe(bad.code);
      expect(caught.field).toBe(bad.field);
      expect(caught.message).toMatch(/^agentx: /);
    });
  }

  it('names the list position in the message', () => {
    expect(() => encodePdu(responseWith({ type: ValueType.Integer, value: 2 ** 31 }) as unknown as Pdu)).toThrow(
      /cannot encode varbinds\[1\]\.value: 2147483648 is not a 32-bit signed integer/,
    );
  });

  it('accepts the edges of every range', () => {
    const pdus: unknown[] = [
      { ...register, timeout: 255, priority: 255, rangeSubid: 8, upperBound: 4711 },
      { ...register, priority: 0, rangeSubid: 1, upperBound: 4294967295 },
      { ...ping, sessionId: 4294967295, transactionId: 0, packetId: 4294967295, flags: 0x07 },
      { ...open, timeout: 255, description: 'x'.repeat(255) },
      responseWith({ type: ValueType.Integer, value: -(2 ** 31) }),
      responseWith({ type: ValueType.Counter64, value: 2n ** 64n - 1n }),
      responseWith(nullValue, Array<number>(128).fill(4294967295)),
    ];
    for (const pdu of pdus) expect(decodePdu(encodePdu(pdu as Pdu))).toStrictEqual(pdu);
  });
});
