import { describe, expect, it } from 'vitest';
import { decodePdu } from '../../../src/agentx/decode.js';
import { encodePdu } from '../../../src/agentx/encode.js';
import { PduType, type Pdu } from '../../../src/agentx/pdu.js';
import { goldens } from './fixtures.js';
import { bytesOf, hexOf, littleEndianOf } from './hex.js';

const orders = [
  { label: 'network byte order', networkByteOrder: true, bytes: bytesOf },
  { label: 'little endian', networkByteOrder: false, bytes: littleEndianOf },
] as const;

describe('golden PDUs', () => {
  for (const { name, pdu, hex } of goldens) {
    for (const order of orders) {
      describe(`${name} (${order.label})`, () => {
        const bytes = order.bytes(hex);

        it('decodes to the PDU', () => {
          expect(decodePdu(bytes)).toStrictEqual(pdu);
        });

        it('encodes to the bytes', () => {
          expect(hexOf(encodePdu(pdu, { networkByteOrder: order.networkByteOrder }))).toBe(hexOf(bytes));
        });

        it('round trips', () => {
          const encoded = encodePdu(pdu, { networkByteOrder: order.networkByteOrder });
          expect(decodePdu(encoded)).toStrictEqual(pdu);
        });
      });
    }
  }

  it('covers every PDU type the codec handles', () => {
    const types = new Set(goldens.map((g) => g.pdu.type));
    for (const type of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 18]) expect(types.has(type as Pdu['type'])).toBe(true);
  });

  it('encodes network byte order by default', () => {
    const get = goldens.find((g) => g.pdu.type === PduType.Get);
    if (get === undefined) throw new Error('no Get fixture');
    expect(hexOf(encodePdu(get.pdu))).toBe(hexOf(bytesOf(get.hex)));
  });
});

describe('little endian written out by hand', () => {
  // These check littleEndianOf() itself, so a wrong derivation cannot hide a codec bug.
  it('Get', () => {
    const get = goldens.find((g) => g.pdu.type === PduType.Get);
    if (get === undefined) throw new Error('no Get fixture');
    const le = bytesOf(`
      01 05 00 00   # flags 0: little endian
      07 00 00 00   # sessionID 7
      64 00 00 00   # transactionID 100
      c8 00 00 00   # packetID 200
      1c 00 00 00   # payload_length 28
      05 04 00 00 01 00 00 00 21 20 00 00 67 12 00 00 01 00 00 00 00 00 00 00
      00 00 00 00
    `);
    expect(hexOf(littleEndianOf(get.hex))).toBe(hexOf(le));
    expect(decodePdu(le)).toStrictEqual(get.pdu);
    expect(hexOf(encodePdu(get.pdu, { networkByteOrder: false }))).toBe(hexOf(le));
  });

  it('Register with range and context', () => {
    const reg = goldens.find((g) => g.pdu.type === PduType.Register && g.pdu.context !== undefined);
    if (reg === undefined) throw new Error('no Register fixture');
    const le = bytesOf(`
      01 03 09 00   # NON_DEFAULT_CONTEXT | INSTANCE_REGISTRATION, little endian
      07 00 00 00 00 00 00 00 03 00 00 00 24 00 00 00
      03 00 00 00 63 74 78 00
      0a c8 09 00
      04 04 00 00 01 00 00 00 21 20 00 00 67 12 00 00 11 00 00 00
      12 00 00 00
    `);
    expect(hexOf(littleEndianOf(reg.hex))).toBe(hexOf(le));
    expect(decodePdu(le)).toStrictEqual(reg.pdu);
  });

  it('Response with every value type: the Counter64 is one little-endian 64-bit field', () => {
    const res = goldens.find((g) => g.pdu.type === PduType.Response && g.pdu.varbinds.length > 0);
    if (res === undefined) throw new Error('no Response fixture');
    const le = littleEndianOf(res.hex);
    // Counter64 0x0123456789abcdef: low byte first, the whole 8 bytes (not two big-endian words).
    expect(hexOf(le)).toContain('efcdab8967452301');
    // IpAddress 10.0.0.1 keeps its octet order after its little-endian length.
    expect(hexOf(le)).toContain('040000000a000001');
  });
});

describe('decoding input', () => {
  it('reads a frame that sits at an odd offset inside a larger buffer', () => {
    for (const { pdu, hex } of goldens) {
      const frame = bytesOf(hex);
      const backing = new Uint8Array(frame.length + 7);
      backing.set(frame, 3);
      expect(decodePdu(backing.subarray(3, 3 + frame.length))).toStrictEqual(pdu);
      expect(decodePdu(Buffer.from(backing.buffer, 3, frame.length))).toStrictEqual(pdu);
    }
  });

  it('returns octet strings that do not alias the frame', () => {
    const frame = bytesOf(`
      01 0d 18 00 00000007 00000000 00000007 00000008
      00000003 61 62 63 00
    `);
    const pdu = decodePdu(frame);
    frame.fill(0xee, 24);
    expect(pdu.context).toStrictEqual(Uint8Array.from([0x61, 0x62, 0x63]));
  });
});
