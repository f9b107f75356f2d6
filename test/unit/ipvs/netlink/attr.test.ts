import { describe, expect, it } from 'vitest';
import { AttrBuilder, AttrSet, parseAttrs } from '../../../../src/ipvs/netlink/attr.js';
import { attr, concat, ORDERS, s32, str, toHex, u16, u32, u64 } from '../nl.js';
import { decodeErrorOf } from './decode-error-of.js';

describe('nlattr', () => {
  for (const o of ORDERS) {
    describe(`${o} endian`, () => {
      it('walks attributes with 4-byte alignment and masks NLA_F_NESTED | NLA_F_NET_BYTEORDER off the type', () => {
        const bytes = Uint8Array.from([
          ...attr(o, 6, str('wlc')), // len 8: "wlc\0"
          ...attr(o, 2, [0xaa]), // len 5, padded to 8
          ...attr(o, 0x8000 | 3, attr(o, 1, u32(o, 9))), // NLA_F_NESTED set
          ...attr(o, 0x4000 | 4, [0x12, 0x34]), // NLA_F_NET_BYTEORDER set
        ]);
        const list = parseAttrs(bytes, 100, o, 'test');
        expect(list.map((a) => [a.type, a.flags, a.offset, a.value.length])).toEqual([
          [6, 0, 100, 4],
          [2, 0, 108, 1],
          [3, 0x8000, 116, 8],
          [4, 0x4000, 128, 2],
        ]);
      });

      it('tolerates a missing pad after the last attribute (as the kernel does)', () => {
        const bytes = Uint8Array.from(attr(o, 2, [0xaa])).subarray(0, 5);
        expect(parseAttrs(bytes, 0, o, 'test')).toHaveLength(1);
      });

      it.each([
        ['nla_len below the header size', (o2: typeof o) => [...u16(o2, 3), ...u16(o2, 1), 0, 0, 0, 0], 4],
        ['nla_len past the end', (o2: typeof o) => [...u16(o2, 12), ...u16(o2, 1), 0, 0, 0, 0], 4],
        ['a 2-byte leftover', (o2: typeof o) => [0xff, 0xff], 4],
      ])('rejects %s with a typed error at its offset', (_what, tail, at) => {
        const bytes = Uint8Array.from([...attr(o, 1, []), ...tail(o)]);
        const err = decodeErrorOf(() => parseAttrs(bytes, 20, o, 'IPVS_CMD_ATTR_SERVICE'));
        expect(err.field).toBe('IPVS_CMD_ATTR_SERVICE');
        expect(err.offset).toBe(20 + at);
      });

      it('reads fixed-size values only at their exact size, naming the attribute', () => {
        const names = new Map([[1, 'X_ATTR_PORT']]);
        const set = AttrSet.parse(Uint8Array.from(attr(o, 1, [0, 80, 0])), 8, o, names, 'X');
        const a = set.require(1);
        const err = decodeErrorOf(() => set.be16(a));
        expect(err).toMatchObject({ field: 'X_ATTR_PORT', offset: 8 });
        expect(err.message).toBe('netlink: X_ATTR_PORT at offset 8: length 3, expected 2 (__be16)');
        expect(decodeErrorOf(() => set.require(2))).toMatchObject({ field: 'attribute 2', offset: 8 });
      });

      it('keeps the last of repeated attributes, as nla_parse() does', () => {
        const set = AttrSet.parse(
          Uint8Array.from([...attr(o, 1, u32(o, 1)), ...attr(o, 1, u32(o, 2))]),
          0,
          o,
          new Map(),
          'X',
        );
        expect(set.u32(set.require(1))).toBe(2);
      });

      it('reads nests two deep inside a message that sits at an odd place in a larger buffer', () => {
        // Real datagrams hold several messages: a message's bytes are a subarray at some byteOffset of the receive
        // buffer, and nests are windows of it. Every read must land on the right bytes, in both orders.
        const body = Uint8Array.from([
          ...attr(o, 2, u16(o, 0xbeef)),
          ...attr(o, 5, [
            ...attr(o, 1, [0, 80]),
            ...attr(o, 9, [...attr(o, 3, u64(o, 2n ** 63n + 5n)), ...attr(o, 4, u32(o, 0xfffffffe)), ...attr(o, 7, [1, 2, 3])]),
            ...attr(o, 6, str('wlc')),
          ]),
          ...attr(o, 3, s32(o, -2)),
        ]);
        const buffer = new Uint8Array(body.length + 13);
        buffer.set(body, 13);
        const set = AttrSet.parse(buffer.subarray(13), 40, o, new Map([[5, 'OUTER']]), 'message');
        expect(set.u16(set.require(2))).toBe(0xbeef);
        expect(set.s32(set.require(3))).toBe(-2);
        const outer = set.nest(set.require(5), new Map([[9, 'INNER']]));
        expect(outer.be16(outer.require(1))).toBe(80);
        expect(outer.string(outer.require(6))).toBe('wlc');
        const inner = outer.nest(outer.require(9), new Map([[7, 'X_ATTR_ODD']]));
        expect(inner.u64(inner.require(3))).toBe(2n ** 63n + 5n);
        expect(inner.u32(inner.require(4))).toBe(0xfffffffe);
        expect([...inner.binary(inner.require(7), 3)]).toEqual([1, 2, 3]);
        // Offsets in errors are message offsets: 40 + attr 2 (8) + OUTER header (4) + PORT (8) + INNER header (4)
        // + u64 attribute (12) + u32 attribute (8) = the X_ATTR_ODD header at 84.
        expect(decodeErrorOf(() => inner.u32(inner.require(7)))).toMatchObject({ field: 'X_ATTR_ODD', offset: 84 });
      });

      it('reads messages of one datagram and of different buffers in any order (one DataView per buffer)', () => {
        // The messages of a datagram are views of one buffer; AttrSet keeps a view of the last buffer it saw.
        const one = (v: number) => Uint8Array.from([...attr(o, 1, u32(o, v)), ...attr(o, 2, u16(o, v & 0xffff))]);
        const datagram = concat(new Uint8Array(4), one(11), one(22));
        const other = concat(new Uint8Array(8), one(33));
        const sets = [
          AttrSet.parse(datagram.subarray(4, 20), 0, o, new Map(), 'a'),
          AttrSet.parse(other.subarray(8), 0, o, new Map(), 'c'),
          AttrSet.parse(datagram.subarray(20), 0, o, new Map(), 'b'),
        ];
        expect(sets.map((x) => [x.u32(x.require(1)), x.u16(x.require(2))])).toEqual([
          [11, 11],
          [33, 33],
          [22, 22],
        ]);
      });

      it('reads strings: ASCII up to the NUL, UTF-8, and long ones', () => {
        const long = 'x'.repeat(40);
        const set = AttrSet.parse(
          Uint8Array.from([
            ...attr(o, 1, str('wlc')),
            ...attr(o, 2, [...new TextEncoder().encode('séq'), 0, 0x41]), // text stops at the NUL
            ...attr(o, 3, str(long)),
            ...attr(o, 4, [0x6d, 0x68]), // no NUL at all
          ]),
          0,
          o,
          new Map(),
          'X',
        );
        expect([1, 2, 3, 4].map((t) => set.string(set.require(t)))).toEqual(['wlc', 'séq', long, 'mh']);
      });

      it('builds nests without NLA_F_NESTED, strings with their NUL', () => {
        const built = new AttrBuilder(o).nest(1, (n) => n.u16(1, 10).string(6, 'rr').be16(4, 80)).finish();
        expect(toHex(built)).toBe(
          toHex(
            Uint8Array.from(attr(o, 1, [...attr(o, 1, u16(o, 10)), ...attr(o, 6, str('rr')), ...attr(o, 4, [0, 80])])),
          ),
        );
      });
    });
  }
});
