import { describe, expect, it } from 'vitest';
import { AttrBuilder, parseAttrs } from '../../../../src/ipvs/netlink/attr.js';
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
import { attr, concat, genl, hex, nlmsg, ORDERS, s32, str, toHex, u16, u32 } from '../nl.js';
import { decodeErrorOf } from './decode-error-of.js';

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
