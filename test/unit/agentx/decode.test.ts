import { describe, expect, it } from 'vitest';
import { decodePdu } from '../../../src/agentx/decode.js';
import { AgentXDecodeError, type DecodeErrorCode } from '../../../src/agentx/errors.js';
import type { Pdu } from '../../../src/agentx/pdu.js';
import { bytesOf, littleEndianOf } from './hex.js';

/** Header IDs every bad frame below carries (unless its header is unreadable). */
const IDS = { sessionId: 7, transactionId: 1, packetId: 2 } as const;
const H = '00000007 00000001 00000002'; // sessionID, transactionID, packetID

interface BadFrame {
  readonly name: string;
  readonly hex: string;
  readonly code: DecodeErrorCode;
  /** h.type when the header is readable; undefined when it is not. */
  readonly type: number | undefined;
  readonly offset: number;
  readonly message?: RegExp;
}

const badFrames: readonly BadFrame[] = [
  { name: 'empty frame', hex: '', code: 'truncated', type: undefined, offset: 0 },
  { name: 'truncated header', hex: '01 05 10 00 00000007 0000', code: 'truncated', type: undefined, offset: 10 },
  { name: '19 bytes', hex: `01 05 10 00 ${H} 00 00 00`, code: 'truncated', type: undefined, offset: 19 },
  { name: 'version 2', hex: `02 05 10 00 ${H} 00000000`, code: 'bad-version', type: 5, offset: 0 },
  {
    name: 'payload length not a multiple of 4',
    hex: `01 05 10 00 ${H} 00000006 00 00 00 00 00 00`,
    code: 'length-not-multiple-of-4',
    type: 5,
    offset: 16,
  },
  {
    name: 'payload length longer than the frame',
    hex: `01 0d 10 00 ${H} 00000008 00000000`,
    code: 'bad-length',
    type: 13,
    offset: 16,
  },
  {
    name: 'payload length shorter than the frame', hex: `01 0d 10 00 ${H} 00000000 00000000`,
    code: 'bad-length', type: 13, offset: 16,
  },
  { name: 'PDU type 0', hex: `01 00 10 00 ${H} 00000000`, code: 'bad-type', type: 0, offset: 1 },
  { name: 'PDU type 19', hex: `01 13 10 00 ${H} 00000000`, code: 'bad-type', type: 19, offset: 1 },
  { name: 'PDU type 255', hex: `01 ff 10 00 ${H} 00000000`, code: 'bad-type', type: 255, offset: 1 },
  { name: 'IndexAllocate', hex: `01 0e 10 00 ${H} 00000000`, code: 'unsupported-pdu', type: 14, offset: 1 },
  { name: 'RemoveAgentCaps', hex: `01 11 10 00 ${H} 00000000`, code: 'unsupported-pdu', type: 17, offset: 1 },
  {
    name: 'payload truncated inside a Counter64 varbind',
    hex: `01 12 10 00 ${H} 00000028
      00000000 0000 0000
      0046 0000 05 04 00 00 00000001 00002021 00001267 00000063 0000000a
      00000000   # only 4 of the 8 bytes`,
    code: 'truncated',
    type: 18,
    offset: 56,
  },
  {
    name: 'octet string length beyond the frame',
    hex: `01 12 10 00 ${H} 0000002c
      00000000 0000 0000
      0004 0000 05 04 00 00 00000001 00002021 00001267 00000063 0000000a
      00000384 61 62 63 64   # length 900`,
    code: 'bad-length',
    type: 18,
    offset: 56,
    message: /octet string length 900 exceeds frame at offset 56/,
  },
  {
    name: 'octet string length 2^32-1',
    hex: `01 12 10 00 ${H} 00000014 00000000 0000 0000 0004 0000 00 00 00 00 ffffffff`,
    code: 'bad-length',
    type: 18,
    offset: 36,
  },
  {
    name: 'n_subid beyond the frame',
    hex: `01 12 10 00 ${H} 00000018 00000000 0000 0000
      0005 0000 0a 00 00 00 00000001 00000002   # n_subid 10, 2 subids present`,
    code: 'truncated',
    type: 18,
    offset: 36,
  },
  {
    name: 'n_subid 129',
    hex: `01 12 10 00 ${H} 00000010 00000000 0000 0000 0005 0000 81 00 00 00`,
    code: 'bad-oid',
    type: 18,
    offset: 32,
  },
  {
    name: 'unknown value type 3',
    hex: `01 12 10 00 ${H} 00000010 00000000 0000 0000 0003 0000 00 00 00 00`,
    code: 'bad-value-type',
    type: 18,
    offset: 28,
  },
  {
    name: 'IpAddress of 5 octets',
    hex: `01 12 10 00 ${H} 0000001c 00000000 0000 0000 0040 0000 00 00 00 00 00000005 0a 00 00 01 02 00 00 00`,
    code: 'bad-length',
    type: 18,
    offset: 36,
  },
  {
    name: 'trailing bytes after Close', hex: `01 02 10 00 ${H} 00000008 05 00 00 00 00000000`,
    code: 'trailing-bytes', type: 2, offset: 24,
  },
  {
    name: 'trailing bytes in CommitSet', hex: `01 09 10 00 ${H} 00000004 00000000`,
    code: 'trailing-bytes', type: 9, offset: 20,
  },
  {
    name: 'range_subid beyond the subtree',
    hex: `01 03 10 00 ${H} 00000018 00 7f 09 00 03 04 00 00 00000001 00002021 00001267 00000012`,
    code: 'bad-range',
    type: 3,
    offset: 22,
  },
  {
    name: 'Register range without upper_bound',
    hex: `01 03 10 00 ${H} 00000014 00 7f 08 00 03 04 00 00 00000001 00002021 00001267`,
    code: 'truncated',
    type: 3,
    offset: 40,
  },
  {
    name: 'context beyond the frame', hex: `01 0d 18 00 ${H} 00000004 00000010`,
    code: 'bad-length', type: 13, offset: 20,
  },
  { name: 'Open without o.id', hex: `01 01 10 00 ${H} 00000004 05 00 00 00`, code: 'truncated', type: 1, offset: 24 },
  {
    name: 'SearchRange without its end', hex: `01 06 10 00 ${H} 00000008 01 04 00 00 00000001`,
    code: 'truncated', type: 6, offset: 28,
  },
  { name: 'GetBulk without its counts', hex: `01 07 10 00 ${H} 00000000`, code: 'truncated', type: 7, offset: 20 },
  {
    name: 'Response without res.index', hex: `01 12 10 00 ${H} 00000004 00000000`,
    code: 'truncated', type: 18, offset: 24,
  },
];

function decodeError(frame: Uint8Array): AgentXDecodeError {
  let result: Pdu | undefined;
  try {
    result = decodePdu(frame);
  } catch (err) {
    expect(err).toBeInstanceOf(AgentXDecodeError);
    if (err instanceof AgentXDecodeError) return err;
  }
  const shown = JSON.stringify(result, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  throw new Error(`decoded instead of failing: ${shown}`);
}

describe('decode errors', () => {
  for (const bad of badFrames) {
    for (const networkByteOrder of [true, false]) {
      it(`${bad.name} (${networkByteOrder ? 'network byte order' : 'little endian'})`, () => {
        const frame = networkByteOrder ? bytesOf(bad.hex) : littleEndianOf(bad.hex);
        const err = decodeError(frame);
        expect(err.code).toBe(bad.code);
        expect(err.offset).toBe(bad.offset);
        expect(err.message).toMatch(/^agentx: /);
        if (bad.message) expect(err.message).toMatch(bad.message);
        if (bad.type === undefined) {
          expect(err.header).toBeUndefined();
        } else {
          expect(err.header).toStrictEqual({ type: bad.type, ...IDS, networkByteOrder });
        }
      });
    }
  }
});
