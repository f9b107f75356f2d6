import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../../../src/ipvs/netlink/bytes.js';
import { ORDERS, toHex, u16, u32 } from '../nl.js';

describe('ByteWriter', () => {
  it('keeps every byte when it grows past its first buffer, whatever the write', () => {
    for (const o of ORDERS) {
      const w = new ByteWriter(o);
      const want: number[] = [];
      for (let i = 0; i < 100; i++) {
        w.u8(i)
          .u16(i * 3)
          .be16(i * 5)
          .u32(i * 7)
          .bytes(Uint8Array.of(i, i + 1, i + 2));
        want.push(i & 0xff, ...u16(o, i * 3), (i * 5) >> 8, (i * 5) & 0xff, ...u32(o, i * 7), i, i + 1, i + 2);
      }
      expect(toHex(w.finish())).toBe(toHex(Uint8Array.from(want)));
    }
  });
});
