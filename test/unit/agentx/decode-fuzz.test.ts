import { describe, expect, it } from 'vitest';
import { decodePdu } from '../../../src/agentx/decode.js';
import { encodePdu } from '../../../src/agentx/encode.js';
import { AgentXDecodeError, AgentXEncodeError } from '../../../src/agentx/errors.js';
import { Framer } from '../../../src/agentx/framer.js';
import { goldens } from './fixtures.js';
import { bytesOf, hexOf, littleEndianOf } from './hex.js';
import { mulberry32 } from '../seeded-random.js';

const seeds: Uint8Array[] = goldens.flatMap((g) => [bytesOf(g.hex), littleEndianOf(g.hex)]);

/** Random buffers: pure noise, noise behind a plausible header, and mutations of golden frames. */
function* buffers(count: number, seed: number): Generator<Uint8Array> {
  const random = mulberry32(seed);
  const int = (n: number) => Math.floor(random() * n);
  const setPayloadLength = (b: Uint8Array) => {
    if (b.length < 20) return;
    const le = ((b[2] ?? 0) & 0x10) === 0;
    new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(16, b.length - 20, le);
  };
  for (let i = 0; i < count; i++) {
    const kind = int(4);
    let b: Uint8Array;
    if (kind === 0) {
      b = new Uint8Array(int(120));
      for (let j = 0; j < b.length; j++) b[j] = int(256);
    } else if (kind === 1) {
      b = new Uint8Array(20 + 4 * int(30));
      for (let j = 0; j < b.length; j++) b[j] = int(256);
      b[0] = 1;
      b[1] = int(21);
      setPayloadLength(b);
    } else {
      const base = seeds[int(seeds.length)] ?? new Uint8Array(0);
      const grow = int(3) === 0 ? 4 * int(4) : 0;
      const shrink = int(3) === 0 ? Math.min(base.length, 1 + int(12)) : 0;
      b = new Uint8Array(base.length - shrink + grow);
      b.set(base.subarray(0, Math.min(base.length, b.length)));
      for (let j = base.length; j < b.length; j++) b[j] = int(256);
      const edits = 1 + int(4);
      for (let e = 0; e < edits && b.length > 0; e++) {
        const at = int(b.length);
        b[at] = int(2) === 0 ? int(256) : (b[at] ?? 0) ^ (1 << int(8));
      }
      if (int(2) === 0) setPayloadLength(b);
    }
    yield b;
  }
}

describe('fuzz', () => {
  it('decodePdu throws only AgentXDecodeError, and what decodes re-encodes stably', () => {
    const unexpected: string[] = [];
    let decoded = 0;
    let reencoded = 0;
    for (const b of buffers(120_000, 0x5eed)) {
      try {
        const pdu = decodePdu(b);
        decoded++;
        let encoded: Buffer;
        try {
          encoded = encodePdu(pdu, { networkByteOrder: ((b[2] ?? 0) & 0x10) !== 0 });
        } catch (err) {
          if (!(err instanceof AgentXEncodeError)) unexpected.push(`encode ${hexOf(b)}: ${String(err)}`);
          continue;
        }
        reencoded++;
        const again = encodePdu(decodePdu(encoded), { networkByteOrder: ((b[2] ?? 0) & 0x10) !== 0 });
        if (hexOf(again) !== hexOf(encoded)) unexpected.push(`unstable ${hexOf(b)}`);
      } catch (err) {
        if (!(err instanceof AgentXDecodeError)) unexpected.push(`decode ${hexOf(b)}: ${String(err)}`);
      }
      if (unexpected.length > 5) break;
    }
    expect(unexpected).toStrictEqual([]);
    // The generator must reach deep into the decoder, not only fail at the header.
    expect(decoded).toBeGreaterThan(10_000);
    expect(reencoded).toBeGreaterThan(5_000);
  });

  it('Framer throws only AgentXDecodeError and every frame it returns is whole', () => {
    const random = mulberry32(0xf4a3e);
    const unexpected: string[] = [];
    let framer = new Framer();
    let frames = 0;
    for (const b of buffers(100_000, 0xbeef)) {
      // Feed each buffer in one to three pieces.
      const cut1 = Math.floor(random() * (b.length + 1));
      const cut2 = cut1 + Math.floor(random() * (b.length - cut1 + 1));
      try {
        for (const piece of [b.subarray(0, cut1), b.subarray(cut1, cut2), b.subarray(cut2)]) {
          for (const frame of framer.push(piece)) {
            frames++;
            const le = ((frame[2] ?? 0) & 0x10) === 0;
            const payloadLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(16, le);
            if (frame.length !== 20 + payloadLength) unexpected.push(`partial frame ${hexOf(frame)}`);
            try {
              decodePdu(frame);
            } catch (err) {
              if (!(err instanceof AgentXDecodeError)) unexpected.push(`decode ${hexOf(frame)}: ${String(err)}`);
            }
          }
        }
      } catch (err) {
        if (!(err instanceof AgentXDecodeError)) unexpected.push(`framer ${hexOf(b)}: ${String(err)}`);
        framer = new Framer(); // the session would reconnect
      }
      if (framer.buffered > 4096) framer = new Framer(); // a huge declared frame: start a fresh stream
      if (unexpected.length > 5) break;
    }
    expect(unexpected).toStrictEqual([]);
    expect(frames).toBeGreaterThan(10_000);
  });
});
