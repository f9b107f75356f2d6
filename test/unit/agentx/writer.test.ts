import { describe, expect, it, vi } from 'vitest';
import { decodePdu } from '../../../src/agentx/decode.js';
import { encodePdu } from '../../../src/agentx/encode.js';
import { PduType, ValueType, type Pdu, type Value } from '../../../src/agentx/pdu.js';
import { FrameWriter } from '../../../src/agentx/writer.js';

/**
 * PDUs far larger than the encoder's first size guess, so that its buffer grows in the middle of every kind of
 * field (a regression: a field written right after the buffer grew went to the old, smaller buffer).
 */
describe('encoder buffer growth', () => {
  const longOid = [1, 3, 6, 1, 4, 1, 8225, 4711, 18, 1, 3, ...Array.from({ length: 100 }, (_, i) => 40 + i)];
  const values: Value[] = [
    { type: ValueType.OctetString, value: new Uint8Array(Buffer.from('x'.repeat(301))) },
    { type: ValueType.Counter64, value: 2n ** 64n - 1n },
    { type: ValueType.Integer, value: -5 },
    { type: ValueType.Gauge32, value: 4294967295 },
    { type: ValueType.ObjectIdentifier, value: longOid },
    { type: ValueType.IpAddress, value: new Uint8Array([10, 0, 0, 1]) },
    { type: ValueType.TimeTicks, value: 12345 },
  ];
  for (const networkByteOrder of [true, false]) {
    it(`round trips a Response of many large varbinds (${networkByteOrder ? 'network' : 'little-endian'} order)`, () => {
      for (let n = 1; n <= 40; n++) {
        const pdu: Pdu = {
          type: PduType.Response,
          sessionId: 1,
          transactionId: 2,
          packetId: 3,
          sysUpTime: 4,
          error: 0,
          index: 0,
          varbinds: Array.from({ length: n }, (_, i) => ({ name: longOid.slice(0, 12 + ((i * 7) % 90)), value: values[i % values.length] as Value })),
        };
        expect(decodePdu(encodePdu(pdu, { networkByteOrder }))).toEqual(pdu);
      }
    });
  }
});

describe('FrameWriter storage', () => {
  it('leaves reserved and padding bytes zero when the memory it is given holds old bytes (Buffer.allocUnsafe)', () => {
    const dirty = vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => Buffer.alloc(size, 0xff));
    try {
      const w = new FrameWriter(true, 8);
      w.zeros(4);
      w.octetString(Uint8Array.of(7), 'value');
      for (let i = 0; i < 20; i++) w.zeros(4); // past the first buffer: what grow() copies into is clean too
      w.u8(9, 'last');
      expect([...w.finish()]).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 7, 0, 0, 0, ...new Array<number>(80).fill(0), 9]);
    } finally {
      dirty.mockRestore();
    }
  });
});
