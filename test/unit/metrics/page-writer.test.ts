import { describe, expect, it } from 'vitest';
import { makeStats, STAT } from '../../../src/ipvs/snapshot.js';
import { runToEnd } from '../../../src/util/time-slices.js';
import { CHUNK_BYTES, labelBytesSteps, PageWriter } from '../../../src/metrics/page-writer.js';

const labels = runToEnd(labelBytesSteps(['a="1"', '', 'service="FWM/7",fwmark="7"', 'x="é"']));
const name = Buffer.from('m');

function sampleOf(write: (out: PageWriter) => void): string {
  const out = new PageWriter();
  write(out);
  return Buffer.concat(out.take(true)).toString('utf8');
}

describe('PageWriter', () => {
  it.each([0, 7, 9, 10, 99, 100, 4294967295, 4294967296, 999999999999999, 1e15, 9999999999999999, 1e16, 9007199254740991, -1, -2147483648])(
    'writes the whole number %d digit by digit, as String() would',
    (n) => {
      expect(sampleOf((out) => out.sampleNumber(name, labels, 0, n))).toBe(`m{a="1"} ${n}\n`);
    },
  );

  it.each([0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n])('writes the u64 %d exactly', (v) => {
    const s = makeStats({ outBytes: v });
    expect(sampleOf((out) => out.sampleStat(name, labels, 2, s.words, s.values, s.at, STAT.outBytes))).toBe(`m{service="FWM/7",fwmark="7"} ${v}\n`);
  });

  it('copies each row its own label bytes, UTF-8 included', () => {
    expect(sampleOf((out) => [1, 3].forEach((row) => out.sampleNumber(name, labels, row, row)))).toBe('m{} 1\nm{x="é"} 3\n');
  });

  it('hands out full chunks of at most CHUNK_BYTES as they fill, the rest on the last take', () => {
    const out = new PageWriter();
    const taken: Buffer[] = [];
    for (let i = 0; i < 20_000; i++) {
      out.sampleNumber(name, labels, 0, i);
      taken.push(...out.take());
    }
    expect(taken.length).toBeGreaterThan(2);
    expect(taken.every((c) => c.length <= CHUNK_BYTES && c.length > CHUNK_BYTES - 32)).toBe(true);
    taken.push(...out.take(true));
    const text = Buffer.concat(taken).toString('utf8');
    expect(text.split('\n')[12345]).toBe('m{a="1"} 12345');
    expect(out.size).toBe(Buffer.byteLength(text));
  });
});
