import { describe, expect, it } from 'vitest';
import { NLM_F, NLMSG } from '../../../../src/ipvs/netlink/constants.js';
import { NetlinkDecodeError } from '../../../../src/ipvs/netlink/errors.js';
import { ReplyCollector } from '../../../../src/ipvs/netlink/reply.js';
import { attr, concat, genl, nlmsg, ORDERS, s32, toHex, u32 } from '../nl.js';

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

      it('a request without ACK or DUMP answered with NLM_F_MULTI parts waits for NLMSG_DONE', () => {
        const plain = nlmsg(o, { type: 0x1a, flags: NLM_F.REQUEST, seq: 8 }, genl(15, 1));
        const c = new ReplyCollector(plain, o, 'x');
        expect(c.feed(part(8, 1)).kind).toBe('pending');
        expect(c.feed(concat(part(8, 2), done(8)))).toMatchObject({ kind: 'done', messages: [part(8, 1), part(8, 2)] });
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
