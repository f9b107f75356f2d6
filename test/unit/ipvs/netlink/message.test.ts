import { describe, expect, it } from 'vitest';
import { AttrBuilder, AttrSet, parseAttrs } from '../../../../src/ipvs/netlink/attr.js';
import { NLM_F, NLMSG } from '../../../../src/ipvs/netlink/constants.js';
import { NetlinkDecodeError, NetlinkError } from '../../../../src/ipvs/netlink/errors.js';
import {
  decodeDone,
  decodeError,
  decodeGenl,
  decodeHeader,
  decodeMessage,
  encodeGenlRequest,
  encodeMessage,
  setSequence,
  splitMessages,
} from '../../../../src/ipvs/netlink/message.js';
import { ReplyCollector } from '../../../../src/ipvs/netlink/reply.js';
import { attr, concat, genl, hex, nlmsg, ORDERS, s32, str, toHex, u16, u32, u64 } from '../nl.js';

function decodeErrorOf(thrown: () => unknown): NetlinkDecodeError {
  try {
    thrown();
  } catch (err) {
    expect(err).toBeInstanceOf(NetlinkDecodeError);
    return err as NetlinkDecodeError;
  }
  throw new Error('expected a NetlinkDecodeError');
}

describe('nlmsghdr', () => {
  it('encodes field by field (little endian, literal bytes)', () => {
    const m = encodeMessage(
      { type: 0x10, flags: NLM_F.REQUEST | NLM_F.ACK, seq: 7, pid: 0 },
      Uint8Array.of(1, 2, 3),
      'little',
    );
    expect(toHex(m)).toBe(
      toHex(hex`
        13000000   # nlmsg_len 19: header 16 + payload 3 (padding not counted)
        1000       # nlmsg_type 0x10 (GENL_ID_CTRL)
        0500       # nlmsg_flags NLM_F_REQUEST | NLM_F_ACK
        07000000   # nlmsg_seq 7
        00000000   # nlmsg_pid 0
        010203 00  # payload, padded to 4
      `),
    );
  });

  for (const o of ORDERS) {
    describe(`${o} endian`, () => {
      it('decodes what it encodes', () => {
        const m = encodeMessage({ type: 0x1234, flags: 0x0301, seq: 0xdeadbeef, pid: 42 }, new Uint8Array(8), o);
        expect(decodeHeader(m, 0, o)).toEqual({ length: 24, type: 0x1234, flags: 0x0301, seq: 0xdeadbeef, pid: 42 });
        setSequence(m, 99, o);
        expect(decodeHeader(m, 0, o).seq).toBe(99);
        expect(toHex(m.subarray(0, 16))).toBe(
          toHex(Uint8Array.from([...u32(o, 24), ...u16(o, 0x1234), ...u16(o, 0x0301), ...u32(o, 99), ...u32(o, 42)])),
        );
      });

      it('decodeMessage takes exactly one message (its trailing padding allowed), and refuses two or a short one', () => {
        const one = nlmsg(o, { type: 0x1b, seq: 3 }, [1, 2, 3, 4, 5]); // nlmsg_len 21, padded to 24
        const m = decodeMessage(one, o);
        expect([m.header.length, m.header.seq, [...m.payload], m.bytes.length]).toEqual([21, 3, [1, 2, 3, 4, 5], 21]);
        expect(decodeMessage(one.subarray(0, 21), o).payload).toHaveLength(5);
        expect(() => decodeMessage(concat(one, one), o)).toThrow(/expected one message, found 2/);
        expect(() => decodeMessage(one.subarray(0, 20), o)).toThrow(NetlinkDecodeError);
        expect(() => decodeMessage(concat(one, new Uint8Array(4)), o)).toThrow(NetlinkDecodeError);
      });

      it('splits a datagram holding several messages, each 4-byte aligned', () => {
        const a = nlmsg(o, { type: 0x20, flags: NLM_F.MULTI, seq: 1 }, [1, 2, 3, 4, 5]); // 21 bytes + 3 padding
        const b = nlmsg(o, { type: NLMSG.DONE, flags: NLM_F.MULTI, seq: 1 }, s32(o, 0));
        const list = splitMessages(concat(a, b), o);
        expect(list.map((m) => [m.header.type, m.offset, m.payload.length])).toEqual([
          [0x20, 0, 5],
          [NLMSG.DONE, 24, 4],
        ]);
        expect(toHex(list[0]?.payload ?? new Uint8Array())).toBe('0102030405');
      });

      it('rejects a length shorter than the header or longer than the datagram', () => {
        const short = nlmsg(o, { type: 0x20 }, []);
        short.set(u32(o, 12), 0);
        expect(decodeErrorOf(() => splitMessages(short, o))).toMatchObject({ field: 'nlmsghdr', offset: 0 });

        const second = nlmsg(o, { type: 0x20 }, [0, 0, 0, 0]);
        second.set(u32(o, 64), 0);
        const err = decodeErrorOf(() => splitMessages(concat(nlmsg(o, { type: 0x20 }, []), second), o));
        expect(err).toMatchObject({ field: 'nlmsghdr', offset: 16 });
        expect(err.message).toMatch(/nlmsg_len 64, 20 byte\(s\) available/);

        expect(decodeErrorOf(() => splitMessages(new Uint8Array(10), o))).toMatchObject({
          field: 'nlmsghdr',
          offset: 0,
        });
      });

      it('encodes a genl request and reads the genl header back', () => {
        const attrs = new AttrBuilder(o).u32(1, 5).finish();
        const m = encodeGenlRequest({ family: 0x1a, cmd: 4, version: 1, flags: NLM_F.REQUEST | NLM_F.DUMP }, attrs, o);
        expect(toHex(m)).toBe(toHex(nlmsg(o, { type: 0x1a, flags: 0x301 }, genl(4, 1, attr(o, 1, u32(o, 5))))));
        const g = decodeGenl(splitMessages(m, o)[0]!);
        expect([g.cmd, g.version, g.attrsOffset, g.attrs.length]).toEqual([4, 1, 20, 8]);
      });
    });
  }
});

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

describe('NLMSG_ERROR and NLMSG_DONE', () => {
  for (const o of ORDERS) {
    describe(`${o} endian`, () => {
      const request = nlmsg(o, { type: 0x10, flags: 5, seq: 2 }, genl(3, 1, attr(o, 2, str('IPVS'))));
      const errorMsg = (error: number, flags = 0, extra: number[] = []) =>
        splitMessages(nlmsg(o, { type: NLMSG.ERROR, flags, seq: 2 }, [...s32(o, error), ...request, ...extra]), o)[0]!;

      it.each([
        [-2, 2, 'ENOENT'],
        [-1, 1, 'EPERM'],
        [-3, 3, 'ESRCH'],
        [-22, 22, 'EINVAL'],
      ])('error %i → errno %i (%s)', (error, errno, code) => {
        const e = decodeError(errorMsg(error), o);
        expect(e.errno).toBe(errno);
        const c = new ReplyCollector(request, o, 'resolve family IPVS');
        const state = c.feed(errorMsg(error).bytes);
        expect(state.kind).toBe('error');
        const err = (state as { error: NetlinkError }).error;
        expect(err).toBeInstanceOf(NetlinkError);
        expect([err.errno, err.code]).toEqual([errno, code]);
        expect(err.message).toContain(`resolve family IPVS: ${code}`);
      });

      it('an error of 0 is an ACK', () => {
        expect(decodeError(errorMsg(0), o).errno).toBe(0);
      });

      it('reads the extended ack message (NLM_F_ACK_TLVS)', () => {
        const e = decodeError(errorMsg(-22, NLM_F.ACK_TLVS, attr(o, 1, str('Unknown family'))), o);
        expect(e).toEqual({ errno: 22, kernelMessage: 'Unknown family' });
        const capped = splitMessages(
          nlmsg(o, { type: NLMSG.ERROR, flags: NLM_F.ACK_TLVS | NLM_F.CAPPED, seq: 2 }, [
            ...s32(o, -95),
            ...request.subarray(0, 16),
            ...attr(o, 1, str('nope')),
          ]),
          o,
        )[0]!;
        expect(decodeError(capped, o)).toEqual({ errno: 95, kernelMessage: 'nope' });
      });

      it('NLMSG_DONE carries 0 or a negative errno', () => {
        const done = (v: number) => splitMessages(nlmsg(o, { type: NLMSG.DONE, flags: NLM_F.MULTI }, s32(o, v)), o)[0]!;
        expect(decodeDone(done(0), o)).toBe(0);
        expect(decodeDone(done(-90), o)).toBe(90);
      });
    });
  }

  it('decodes a real NLMSG_ERROR from this kernel: CTRL_CMD_GETFAMILY "IPVS" → ENOENT', () => {
    const bytes = hex`
      34000000          # nlmsg_len 52
      0200              # nlmsg_type NLMSG_ERROR
      0000              # nlmsg_flags 0 (not capped: the request follows)
      02000000          # nlmsg_seq 2
      025e0008          # nlmsg_pid (our port)
      feffffff          # error -2 (-ENOENT)
        20000000 1000 0500 02000000 00000000   # the request's nlmsghdr: len 32, GENL_ID_CTRL, REQUEST|ACK, seq 2
        03 01 0000                             # genlmsghdr: CTRL_CMD_GETFAMILY, version 1
        0900 0200 4950565300 000000            # CTRL_ATTR_FAMILY_NAME "IPVS\0" + 3 padding
    `;
    const [m] = splitMessages(bytes, 'little');
    expect(decodeError(m!, 'little')).toEqual({ errno: 2, kernelMessage: undefined });
  });
});

describe('ReplyCollector', () => {
  for (const o of ORDERS) {
    describe(`${o} endian`, () => {
      const dump = nlmsg(o, { type: 0x1a, flags: NLM_F.REQUEST | NLM_F.DUMP, seq: 5 }, genl(4, 1));
      const doit = nlmsg(o, { type: 0x1a, flags: NLM_F.REQUEST | NLM_F.ACK, seq: 6 }, genl(15, 1));
      const part = (seq: number, n: number, flags: number = NLM_F.MULTI) =>
        nlmsg(o, { type: 0x1a, flags, seq }, genl(1, 1, attr(o, 1, u32(o, n))));
      const done = (seq: number, status = 0) => nlmsg(o, { type: NLMSG.DONE, flags: NLM_F.MULTI, seq }, s32(o, status));
      const ack = (seq: number) =>
        nlmsg(o, { type: NLMSG.ERROR, flags: NLM_F.CAPPED, seq }, [...s32(o, 0), ...doit.subarray(0, 16)]);

      it('collects a multipart dump across datagrams until NLMSG_DONE', () => {
        const c = new ReplyCollector(dump, o, 'dump');
        expect(c.feed(concat(part(5, 1), part(5, 2))).kind).toBe('pending');
        const state = c.feed(concat(part(5, 3), done(5)));
        if (state.kind !== 'done') throw new Error(`expected done, got ${state.kind}`);
        expect(state.messages.map((m) => toHex(m))).toEqual([part(5, 1), part(5, 2), part(5, 3)].map(toHex));
      });

      it('ignores messages of other sequence numbers (late answers)', () => {
        const c = new ReplyCollector(dump, o, 'dump');
        c.feed(concat(part(4, 9), done(4)));
        expect(c.result.kind).toBe('pending');
        expect(c.feed(done(5))).toEqual({ kind: 'done', messages: [] });
      });

      it('an empty dump is just NLMSG_DONE', () => {
        expect(new ReplyCollector(dump, o, 'dump').feed(done(5))).toEqual({ kind: 'done', messages: [] });
      });

      it('a negative NLMSG_DONE status fails the dump', () => {
        const state = new ReplyCollector(dump, o, 'dump').feed(concat(part(5, 1), done(5, -12)));
        expect(state.kind === 'error' && state.error.code).toBe('ENOMEM');
      });

      it('a doit request with NLM_F_ACK ends at the ACK, keeping the reply', () => {
        const c = new ReplyCollector(doit, o, 'get info');
        expect(c.feed(part(6, 1, 0)).kind).toBe('pending');
        const state = c.feed(ack(6));
        expect(state.kind === 'done' && state.messages.length).toBe(1);
      });

      it('a request without ACK or DUMP ends at its first reply', () => {
        const plain = nlmsg(o, { type: 0x1a, flags: NLM_F.REQUEST, seq: 8 }, genl(15, 1));
        expect(new ReplyCollector(plain, o, 'x').feed(part(8, 1, 0)).kind).toBe('done');
      });

      it('NLMSG_OVERRUN fails the request', () => {
        const state = new ReplyCollector(dump, o, 'dump').feed(nlmsg(o, { type: NLMSG.OVERRUN, seq: 5 }, []));
        expect(state.kind === 'error' && state.error.code).toBe('ENOBUFS');
      });

      it('throws a decode error on broken framing', () => {
        const bad = part(5, 1);
        bad.set(u32(o, 200), 0);
        expect(() => new ReplyCollector(dump, o, 'dump').feed(bad)).toThrow(NetlinkDecodeError);
      });
    });
  }
});

describe('ByteWriter', () => {
  it('keeps every byte when it grows past its first buffer, whatever the write', async () => {
    const { ByteWriter } = await import('../../../../src/ipvs/netlink/bytes.js');
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

describe('fuzz', () => {
  it('random datagrams never crash the framer or the attribute walker: only NetlinkDecodeError', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let n = 0; n < 20000; n++) {
      const len = rnd() % 64;
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = rnd() & 0xff;
      // Plausible lengths more often than not.
      if (len >= 4 && rnd() % 2 === 0) b[0] = len - (rnd() % 8);
      for (const o of ORDERS) {
        for (const f of [() => splitMessages(b, o), () => parseAttrs(b, 0, o, 'fuzz')]) {
          try {
            f();
          } catch (err) {
            expect(err).toBeInstanceOf(NetlinkDecodeError);
          }
        }
      }
    }
  });
});
