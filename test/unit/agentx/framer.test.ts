import { describe, expect, it } from 'vitest';
import { decodePdu } from '../../../src/agentx/decode.js';
import { Framer } from '../../../src/agentx/framer.js';
import { goldens } from './fixtures.js';
import { bytesOf, concat, hexOf, littleEndianOf } from './hex.js';

/** Every golden frame, alternating byte orders, so payload_length is read both ways within one stream. */
const frames: Uint8Array[] = goldens.map((g, i) => (i % 2 === 0 ? bytesOf(g.hex) : littleEndianOf(g.hex)));
const stream = concat(frames);
const expected = frames.map(hexOf);

/** Feeds `chunks` in order and returns the hex of every frame that came out. */
function feed(chunks: readonly Uint8Array[], framer = new Framer()): string[] {
  const out: string[] = [];
  for (const chunk of chunks) for (const frame of framer.push(chunk)) out.push(hexOf(frame));
  return out;
}

describe('Framer', () => {
  it('cuts several PDUs from one chunk', () => {
    const framer = new Framer();
    expect(feed([stream], framer)).toStrictEqual(expected);
    expect(framer.buffered).toBe(0);
  });

  it('returns nothing for an empty chunk', () => {
    expect(new Framer().push(new Uint8Array(0))).toStrictEqual([]);
  });

  it('gives the same frames for a split at every offset', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const framer = new Framer();
      const out = feed([stream.subarray(0, cut)], framer);
      let complete = 0; // where the last frame wholly before `cut` ends
      for (const f of frames) {
        if (complete + f.length > cut) break;
        complete += f.length;
      }
      expect(framer.buffered).toBe(cut - complete);
      out.push(...feed([stream.subarray(cut)], framer));
      expect(out).toStrictEqual(expected);
      expect(framer.buffered).toBe(0);
    }
  });

  it('gives the same frames for every pair of split offsets in a short stream', () => {
    const short = concat(frames.slice(0, 4));
    const shortExpected = frames.slice(0, 4).map(hexOf);
    for (let a = 0; a <= short.length; a++) {
      for (let b = a; b <= short.length; b++) {
        const out = feed([short.subarray(0, a), short.subarray(a, b), short.subarray(b)]);
        if (out.length !== shortExpected.length || out.some((h, i) => h !== shortExpected[i])) {
          throw new Error(`split at ${a} and ${b} gave ${JSON.stringify(out)}`);
        }
      }
    }
  });

  it('byte at a time', () => {
    const framer = new Framer();
    const out: string[] = [];
    for (let i = 0; i < stream.length; i++) {
      for (const frame of framer.push(stream.subarray(i, i + 1))) out.push(hexOf(frame));
    }
    expect(out).toStrictEqual(expected);
    expect(framer.buffered).toBe(0);
  });

  it('in uneven chunks that end mid-header and mid-payload', () => {
    const sizes = [1, 19, 20, 21, 3, 7, 64, 2, 100, 5];
    const chunks: Uint8Array[] = [];
    for (let at = 0, i = 0; at < stream.length; i++) {
      const size = sizes[i % sizes.length] ?? 1;
      chunks.push(stream.subarray(at, at + size));
      at += size;
    }
    expect(feed(chunks)).toStrictEqual(expected);
  });

  it('returns copies: reusing the input buffer does not change a frame', () => {
    const input = Buffer.from(stream);
    const framer = new Framer();
    const first = framer.push(input.subarray(0, 30));
    const rest = framer.push(input.subarray(30));
    input.fill(0xee);
    expect([...first, ...rest].map(hexOf)).toStrictEqual(expected);
    for (const frame of [...first, ...rest]) expect(() => decodePdu(frame)).not.toThrow();
  });

  it('reads payload_length in each header\'s own byte order', () => {
    // The same Ping-with-context, big endian then little endian: payload_length 12 is 0000000c vs 0c000000.
    const ping = goldens.find((g) => g.name === 'Ping with a non-default context');
    if (ping === undefined) throw new Error('no fixture');
    const be = bytesOf(ping.hex);
    const le = littleEndianOf(ping.hex);
    expect(feed([concat([le, be, le])])).toStrictEqual([hexOf(le), hexOf(be), hexOf(le)]);
  });

  it('reports what it holds while a frame is incomplete', () => {
    const framer = new Framer();
    const first = frames[0];
    if (first === undefined) throw new Error('no frame');
    framer.push(first.subarray(0, 5));
    expect(framer.buffered).toBe(5);
    framer.push(first.subarray(5, 25));
    expect(framer.buffered).toBe(25);
    expect(framer.push(first.subarray(25)).map(hexOf)).toStrictEqual([hexOf(first)]);
    expect(framer.buffered).toBe(0);
  });
});
