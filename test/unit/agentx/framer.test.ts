import { describe, expect, it } from 'vitest';
import { decodePdu } from '../../../src/agentx/decode.js';
import { AgentXDecodeError } from '../../../src/agentx/errors.js';
import { Framer, MAX_PAYLOAD } from '../../../src/agentx/framer.js';
import { goldens } from './fixtures.js';
import { bytesOf, concat, hexOf, littleEndianOf } from './hex.js';

const IDS = { sessionId: 7, transactionId: 1, packetId: 2 } as const;
const H = '00000007 00000001 00000002'; // sessionID, transactionID, packetID

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

  it('keeps nothing of a chunk after push returns: the transport reads every chunk into the same buffer', () => {
    const framer = new Framer();
    const buffer = new Uint8Array(64);
    const out: Uint8Array[] = [];
    // Every size of read, each overwriting the one before, the way the transport's one read buffer is reused.
    for (let at = 0, size = 1; at < stream.length; at += size, size = (size % 61) + 1) {
      const piece = stream.subarray(at, at + size);
      buffer.set(piece);
      out.push(...framer.push(buffer.subarray(0, piece.length)));
      buffer.fill(0xee);
    }
    expect(out.map(hexOf)).toStrictEqual(expected);
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

describe('framer errors', () => {
  it('an absurd payload length fails with frame-too-large and the header IDs', () => {
    for (const networkByteOrder of [true, false]) {
      const text = `01 05 10 00 ${H} 7ffffff0`;
      const framer = new Framer();
      let caught: unknown;
      try {
        framer.push(networkByteOrder ? bytesOf(text) : littleEndianOf(text));
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AgentXDecodeError);
      if (!(caught instanceof AgentXDecodeError)) return;
      expect(caught.code).toBe('frame-too-large');
      expect(caught.offset).toBe(16);
      expect(caught.header).toStrictEqual({ type: 5, ...IDS, networkByteOrder });
    }
  });

  it('a payload length not a multiple of 4 fails, even split across chunks', () => {
    const framer = new Framer();
    const bytes = bytesOf(`01 05 10 00 ${H} 00000006`);
    expect(framer.push(bytes.subarray(0, 17))).toStrictEqual([]);
    expect(() => framer.push(bytes.subarray(17))).toThrow(
      expect.objectContaining({ code: 'length-not-multiple-of-4' }) as unknown as Error,
    );
  });

  it('stays failed: later pushes throw and return nothing', () => {
    const framer = new Framer();
    expect(() => framer.push(bytesOf(`01 05 10 00 ${H} ${(MAX_PAYLOAD + 4).toString(16).padStart(8, '0')}`))).toThrow(
      AgentXDecodeError,
    );
    const good = bytesOf(goldens[0]?.hex ?? '');
    expect(() => framer.push(good)).toThrow(AgentXDecodeError);
    expect(() => framer.push(new Uint8Array(0))).toThrow(AgentXDecodeError);
  });

  it('accepts a payload of exactly MAX_PAYLOAD', () => {
    const framer = new Framer();
    const header = bytesOf(`01 0c 10 00 ${H} ${MAX_PAYLOAD.toString(16).padStart(8, '0')}`);
    expect(framer.push(header)).toStrictEqual([]);
    expect(framer.buffered).toBe(20);
  });
});
