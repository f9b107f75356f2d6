import { describe, expect, it } from 'vitest';
import { NativeBatchTransport, splitReplies } from '../../../../src/ipvs/netlink/batch.js';
import { HOST_BYTE_ORDER } from '../../../../src/ipvs/netlink/bytes.js';
import { NLM_F, NLMSG } from '../../../../src/ipvs/netlink/constants.js';
import { NetlinkDecodeError, NetlinkError } from '../../../../src/ipvs/netlink/errors.js';
import { ReplyCollector } from '../../../../src/ipvs/netlink/reply.js';
import { fakeNative } from '../fake-batch.js';
import { attr, concat, genl, hostLength, nlmsg, ORDERS, s32, toHex, u32 } from '../nl.js';


describe('NativeBatchTransport', () => {
  for (const o of ORDERS) {
    describe(`${o} endian`, () => {
      const dump = (tag: number, extra = 0) =>
        nlmsg(o, { type: 0x1a, flags: NLM_F.REQUEST | NLM_F.DUMP }, genl(8, 1, attr(o, 1, u32(o, tag)), ...(extra ? [[1, 2]] : [])));
      const reply = (n: number) => nlmsg(o, { type: 0x1a, flags: NLM_F.MULTI }, genl(5, 1, attr(o, 1, u32(o, n))));

      it('sends copies with distinct sequence numbers, 4-byte aligned; each request gets its own replies', async () => {
        const tagOf = (r: Uint8Array) => new DataView(r.buffer, r.byteOffset).getUint32(24, o === 'little');
        const native = fakeNative(o, (r) => (tagOf(r) === 2 ? -2 : [reply(tagOf(r) * 10), reply(tagOf(r) * 10 + 1)]));
        const transport = new NativeBatchTransport(native, 1000, o);
        // The second request's length is not a multiple of 4 (a 2-byte attribute tail).
        const requests = [dump(1), dump(2, 1), dump(3)];
        const before = requests.map(toHex);
        const replies = await transport.transact(requests, (i) => `request ${i + 1}`);

        expect(requests.map(toHex)).toEqual(before); // the caller's bytes stay as they were
        const sent = native.calls[0] ?? [];
        expect(sent.map(tagOf)).toEqual([1, 2, 3]);
        const seqs = sent.map((r) => new DataView(r.buffer).getUint32(8, o === 'little'));
        expect(new Set(seqs).size).toBe(3);
        expect(seqs.every((s) => s > 0)).toBe(true);

        expect(replies[0]).toEqual([reply(10), reply(11)].map((m, i) => withSeqOf(m, seqs[0] ?? 0, i)));
        expect(replies[1]).toBeInstanceOf(NetlinkError);
        expect(replies[1]).toMatchObject({ errno: 2, code: 'ENOENT', message: 'netlink: request 2: ENOENT (No such file or directory)' });
        expect(Array.isArray(replies[2]) && replies[2].length).toBe(2);

        // The next batch goes on numbering.
        await transport.transact([dump(4)], () => 'again');
        const next = native.calls[1]?.[0] as Uint8Array;
        expect(new DataView(next.buffer).getUint32(8, o === 'little')).toBe(Math.max(...seqs) + 1);

        function withSeqOf(m: Uint8Array, seq: number, _i: number): Uint8Array {
          const c = Uint8Array.from(m);
          new DataView(c.buffer).setUint32(8, seq, o === 'little');
          return c;
        }
      });

      it('a failing socket rejects the whole batch with the errno, naming the call and the first request', async () => {
        const failing = {
          transact: async () => {
            throw Object.assign(new Error('Connection timed out'), { errno: 110, syscall: 'recvfrom' });
          },
        };
        const err = await new NativeBatchTransport(failing, 1000, o)
          .transact([dump(1), dump(2), dump(3)], (i) => `IPVS_CMD_GET_DEST ${i}`)
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NetlinkError);
        expect(err).toMatchObject({ errno: 110, code: 'ETIMEDOUT' });
        expect((err as Error).message).toBe(
          'netlink: recvfrom (IPVS_CMD_GET_DEST 0 and 2 more): ETIMEDOUT (Connection timed out)',
        );
      });
    });
  }
});

describe('splitReplies', () => {
  const o = HOST_BYTE_ORDER;
  const request = (seq: number) => nlmsg(o, { type: 0x1a, flags: NLM_F.REQUEST | NLM_F.DUMP, seq }, genl(8, 1));
  const part = (seq: number, n: number) => nlmsg(o, { type: 0x1a, flags: NLM_F.MULTI, seq }, genl(5, 1, attr(o, 1, u32(o, n))));
  const done = (seq: number) => nlmsg(o, { type: NLMSG.DONE, flags: NLM_F.MULTI, seq }, s32(o, 0));
  const collectors = (...seqs: number[]) => seqs.map((s) => new ReplyCollector(request(s), o, `request ${s}`));
  const framed = (...replies: Uint8Array[]) => concat(...replies.flatMap((r) => [hostLength(r.length), r]));

  it('splits by the length prefixes; replies spread over several datagrams are one run of messages', () => {
    const out = framed(concat(part(1, 1), part(1, 2), done(1)), done(2));
    const replies = splitReplies(out, collectors(1, 2));
    expect((replies[0] as Uint8Array[]).map(toHex)).toEqual([part(1, 1), part(1, 2)].map(toHex));
    expect(replies[1]).toEqual([]);
  });

  it('replies that end before NLMSG_DONE, a length past the end, a missing length: decode errors in their places', () => {
    const out = concat(framed(part(1, 1), done(2)), hostLength(999), part(3, 1));
    const replies = splitReplies(out, collectors(1, 2, 3, 4));
    expect(replies[0]).toBeInstanceOf(NetlinkDecodeError);
    expect((replies[0] as Error).message).toMatch(/ended before NLMSG_DONE/);
    expect(replies[1]).toEqual([]);
    expect(replies[2]).toBeInstanceOf(NetlinkDecodeError);
    expect((replies[2] as Error).message).toMatch(/reply of 999 bytes, \d+ left/);
    expect(replies[3]).toBeInstanceOf(NetlinkDecodeError);
    expect((replies[3] as Error).message).toMatch(/no reply length for request 4/);
  });

  it('malformed framing inside a reply is that request\'s decode error; the others are unaffected', () => {
    const broken = Uint8Array.from(part(1, 1));
    new DataView(broken.buffer).setUint32(0, 4000, o === 'little'); // nlmsg_len past its datagram
    const replies = splitReplies(framed(broken, concat(part(2, 7), done(2))), collectors(1, 2));
    expect(replies[0]).toBeInstanceOf(NetlinkDecodeError);
    expect((replies[0] as Error).message).toMatch(/nlmsg_len 4000/);
    expect((replies[1] as Uint8Array[]).map(toHex)).toEqual([toHex(part(2, 7))]);
  });
});
