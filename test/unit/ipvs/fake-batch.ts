/**
 * A stand-in for the native addon's transact() (src/ipvs/netlink/batch.c) at the byte level: it splits the requests
 * as the C does (nlmsg_len, 4-byte aligned), asks `answer` for each one's reply messages, stamps them with the
 * request's sequence number, closes a dump with NLMSG_DONE, and lays the result out as the addon does: a 32-bit
 * length in host byte order, then the bytes, per request.
 */
import type { ByteOrder } from '../../../src/ipvs/netlink/bytes.js';
import { concat, nlmsg, s32 } from './nl.js';

/** What a request is answered with: reply messages (then NLMSG_DONE), or a negative errno (NLMSG_ERROR). */
export type FakeAnswer = Uint8Array[] | number;

function read32(b: Uint8Array, at: number, o: ByteOrder): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, o === 'little');
}

function withSeq(m: Uint8Array, seq: number, o: ByteOrder): Uint8Array {
  const copy = Uint8Array.from(m);
  new DataView(copy.buffer).setUint32(8, seq, o === 'little');
  return copy;
}

export interface FakeNative {
  /** The requests of each transact() call, each a copy of the bytes sent. */
  readonly calls: Uint8Array[][];
  transact(protocol: number, requests: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
}

export function fakeNative(o: ByteOrder, answer: (request: Uint8Array) => FakeAnswer | Error): FakeNative {
  const calls: Uint8Array[][] = [];
  return {
    calls,
    async transact(_protocol, requests) {
      const split: Uint8Array[] = [];
      const parts: Uint8Array[] = [];
      for (let at = 0; at < requests.length; ) {
        const len = read32(requests, at, o);
        const request = Uint8Array.from(requests.subarray(at, at + len));
        split.push(request);
        at += (len + 3) & ~3;
        const seq = read32(request, 8, o);
        const a = answer(request);
        if (a instanceof Error) throw a;
        const replies =
          typeof a === 'number'
            ? [nlmsg(o, { type: 2, seq }, [...s32(o, a), ...request.subarray(0, 16)])]
            : [...a.map((m) => withSeq(m, seq, o)), nlmsg(o, { type: 3, flags: 2, seq }, s32(o, 0))];
        const length = new Uint8Array(4);
        const size = replies.reduce((n, m) => n + m.length, 0);
        new DataView(length.buffer).setUint32(0, size, new Uint8Array(new Uint16Array([1]).buffer)[0] === 1);
        parts.push(length, ...replies);
      }
      calls.push(split);
      return concat(...parts);
    },
  };
}
