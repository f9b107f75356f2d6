import { describe, expect, it } from 'vitest';
import { decodePdu } from '../../../src/agentx/decode.js';
import { encodePdu } from '../../../src/agentx/encode.js';
import { CloseReason, PduType, ValueType, type Oid, type Pdu, type Value } from '../../../src/agentx/pdu.js';
import { goldens, lvs } from './fixtures.js';
import { bytesOf, hexOf, littleEndianOf, utf8 } from './hex.js';

const orders = [
  { label: 'network byte order', networkByteOrder: true, bytes: bytesOf },
  { label: 'little endian', networkByteOrder: false, bytes: littleEndianOf },
] as const;

describe('golden PDUs', () => {
  for (const { name, pdu, hex } of goldens) {
    for (const order of orders) {
      describe(`${name} (${order.label})`, () => {
        const bytes = order.bytes(hex);

        it('decodes to the PDU', () => {
          expect(decodePdu(bytes)).toStrictEqual(pdu);
        });

        it('encodes to the bytes', () => {
          expect(hexOf(encodePdu(pdu, { networkByteOrder: order.networkByteOrder }))).toBe(hexOf(bytes));
        });

        it('round trips', () => {
          const encoded = encodePdu(pdu, { networkByteOrder: order.networkByteOrder });
          expect(decodePdu(encoded)).toStrictEqual(pdu);
        });
      });
    }
  }

  it('covers every PDU type the codec handles', () => {
    const types = new Set(goldens.map((g) => g.pdu.type));
    for (const type of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 18]) expect(types.has(type as Pdu['type'])).toBe(true);
  });

  it('encodes network byte order by default', () => {
    const get = goldens.find((g) => g.pdu.type === PduType.Get);
    if (get === undefined) throw new Error('no Get fixture');
    expect(hexOf(encodePdu(get.pdu))).toBe(hexOf(bytesOf(get.hex)));
  });
});

describe('little endian written out by hand', () => {
  // These check littleEndianOf() itself, so a wrong derivation cannot hide a codec bug.
  it('Get', () => {
    const get = goldens.find((g) => g.pdu.type === PduType.Get);
    if (get === undefined) throw new Error('no Get fixture');
    const le = bytesOf(`
      01 05 00 00   # flags 0: little endian
      07 00 00 00   # sessionID 7
      64 00 00 00   # transactionID 100
      c8 00 00 00   # packetID 200
      1c 00 00 00   # payload_length 28
      05 04 00 00 01 00 00 00 21 20 00 00 67 12 00 00 01 00 00 00 00 00 00 00
      00 00 00 00
    `);
    expect(hexOf(littleEndianOf(get.hex))).toBe(hexOf(le));
    expect(decodePdu(le)).toStrictEqual(get.pdu);
    expect(hexOf(encodePdu(get.pdu, { networkByteOrder: false }))).toBe(hexOf(le));
  });

  it('Register with range and context', () => {
    const reg = goldens.find((g) => g.pdu.type === PduType.Register && g.pdu.context !== undefined);
    if (reg === undefined) throw new Error('no Register fixture');
    const le = bytesOf(`
      01 03 09 00   # NON_DEFAULT_CONTEXT | INSTANCE_REGISTRATION, little endian
      07 00 00 00 00 00 00 00 03 00 00 00 24 00 00 00
      03 00 00 00 63 74 78 00
      0a c8 09 00
      04 04 00 00 01 00 00 00 21 20 00 00 67 12 00 00 11 00 00 00
      12 00 00 00
    `);
    expect(hexOf(littleEndianOf(reg.hex))).toBe(hexOf(le));
    expect(decodePdu(le)).toStrictEqual(reg.pdu);
  });

  it('Response with every value type: the Counter64 is one little-endian 64-bit field', () => {
    const res = goldens.find((g) => g.pdu.type === PduType.Response && g.pdu.varbinds.length > 0);
    if (res === undefined) throw new Error('no Response fixture');
    const le = littleEndianOf(res.hex);
    // Counter64 0x0123456789abcdef: low byte first, the whole 8 bytes (not two big-endian words).
    expect(hexOf(le)).toContain('efcdab8967452301');
    // IpAddress 10.0.0.1 keeps its octet order after its little-endian length.
    expect(hexOf(le)).toContain('040000000a000001');
  });
});

describe('decoding input', () => {
  it('reads a frame that sits at an odd offset inside a larger buffer', () => {
    for (const { pdu, hex } of goldens) {
      const frame = bytesOf(hex);
      const backing = new Uint8Array(frame.length + 7);
      backing.set(frame, 3);
      expect(decodePdu(backing.subarray(3, 3 + frame.length))).toStrictEqual(pdu);
      expect(decodePdu(Buffer.from(backing.buffer, 3, frame.length))).toStrictEqual(pdu);
    }
  });

  it('returns octet strings that do not alias the frame', () => {
    const frame = bytesOf(`
      01 0d 18 00 00000007 00000000 00000007 00000008
      00000003 61 62 63 00
    `);
    const pdu = decodePdu(frame);
    frame.fill(0xee, 24);
    expect(pdu.context).toStrictEqual(Uint8Array.from([0x61, 0x62, 0x63]));
  });
});

/** Decodes both ways and encodes both ways against hand-written network-order text. */
function expectGolden(pdu: Pdu, hex: string): void {
  const be = bytesOf(hex);
  const le = littleEndianOf(hex);
  expect(decodePdu(be)).toStrictEqual(pdu);
  expect(decodePdu(le)).toStrictEqual(pdu);
  expect(hexOf(encodePdu(pdu))).toBe(hexOf(be));
  expect(hexOf(encodePdu(pdu, { networkByteOrder: false }))).toBe(hexOf(le));
}

/** A Response carrying one varbind named lvs-mib.99.10; `valueHex` is v.data, `payloadLength` the whole payload. */
function responseHex(type: string, valueHex: string, payloadLength: string): string {
  return `
    01 12 10 00 00000007 00000001 00000002 ${payloadLength}
    00000000 0000 0000                                         # sysUpTime, error, index
    ${type} 0000                                               # v.type, reserved
    05 04 00 00 00000001 00002021 00001267 00000063 0000000a   # lvs-mib.99.10
    ${valueHex}
  `;
}

function response(value: Value): Pdu {
  return {
    type: PduType.Response,
    sessionId: 7,
    transactionId: 1,
    packetId: 2,
    sysUpTime: 0,
    error: 0,
    index: 0,
    varbinds: [{ name: lvs(99, 10), value }],
  };
}

describe('Counter64', () => {
  // Both orders written by hand: the whole 64-bit quantity follows the PDU's byte order.
  const beFrame = (v: string) => `
    01 12 10 00 00 00 00 07 00 00 00 01 00 00 00 02 00 00 00 2c
    00 00 00 00 00 00 00 00
    00 46 00 00
    05 04 00 00 00 00 00 01 00 00 20 21 00 00 12 67 00 00 00 63 00 00 00 0a
    ${v}`;
  const leFrame = (v: string) => `
    01 12 00 00 07 00 00 00 01 00 00 00 02 00 00 00 2c 00 00 00
    00 00 00 00 00 00 00 00
    46 00 00 00
    05 04 00 00 01 00 00 00 21 20 00 00 67 12 00 00 63 00 00 00 0a 00 00 00
    ${v}`;
  const cases: [bigint, string, string][] = [
    [0n, '00 00 00 00 00 00 00 00', '00 00 00 00 00 00 00 00'],
    [2n ** 32n - 1n, '00 00 00 00 ff ff ff ff', 'ff ff ff ff 00 00 00 00'],
    [2n ** 32n, '00 00 00 01 00 00 00 00', '00 00 00 00 01 00 00 00'],
    [2n ** 63n, '80 00 00 00 00 00 00 00', '00 00 00 00 00 00 00 80'],
    [2n ** 64n - 1n, 'ff ff ff ff ff ff ff ff', 'ff ff ff ff ff ff ff ff'],
  ];
  for (const [value, beValue, leValue] of cases) {
    it(`${value} in both byte orders`, () => {
      const pdu = response({ type: ValueType.Counter64, value });
      const be = bytesOf(beFrame(beValue));
      const le = bytesOf(leFrame(leValue));
      expect(decodePdu(be)).toStrictEqual(pdu);
      expect(decodePdu(le)).toStrictEqual(pdu);
      expect(hexOf(encodePdu(pdu))).toBe(hexOf(be));
      expect(hexOf(encodePdu(pdu, { networkByteOrder: false }))).toBe(hexOf(le));
    });
  }
});

describe('Integer is signed 32-bit, the others unsigned', () => {
  const cases: [string, Value, string, string][] = [
    ['Integer -1', { type: ValueType.Integer, value: -1 }, '0002', 'ffffffff'],
    ['Integer -2^31', { type: ValueType.Integer, value: -2147483648 }, '0002', '80000000'],
    ['Integer 2^31-1', { type: ValueType.Integer, value: 2147483647 }, '0002', '7fffffff'],
    ['Counter32 2^31', { type: ValueType.Counter32, value: 2147483648 }, '0041', '80000000'],
    ['Gauge32 2^32-1', { type: ValueType.Gauge32, value: 4294967295 }, '0042', 'ffffffff'],
    ['TimeTicks 2^32-1', { type: ValueType.TimeTicks, value: 4294967295 }, '0043', 'ffffffff'],
  ];
  for (const [name, value, type, data] of cases) {
    it(name, () => {
      expectGolden(response(value), responseHex(type, data, '00000028'));
    });
  }
});

describe('octet string padding', () => {
  const cases: [string, string, string][] = [
    ['', '00000000', '00000028'],
    ['a', '00000001 61 00 00 00', '0000002c'],
    ['ab', '00000002 61 62 00 00', '0000002c'],
    ['abc', '00000003 61 62 63 00', '0000002c'],
    ['abcd', '00000004 61 62 63 64', '0000002c'],
    ['abcde', '00000005 61 62 63 64 65 00 00 00', '00000030'],
  ];
  for (const [text, data, payloadLength] of cases) {
    it(`length ${text.length}`, () => {
      expectGolden(response({ type: ValueType.OctetString, value: utf8(text) }), responseHex('0004', data, payloadLength));
    });
  }

  it('ignores the content of padding bytes', () => {
    const pdu = response({ type: ValueType.OctetString, value: utf8('a') });
    expect(decodePdu(bytesOf(responseHex('0004', '00000001 61 ff ff ff', '0000002c')))).toStrictEqual(pdu);
  });
});

describe('OID encodings', () => {
  /** A Get with one range: start `oid` (include 0), end null; `oidHex` is the start's encoding. */
  function getHex(oidHex: string, payloadLength: string): string {
    return `01 05 10 00 00000007 00000000 00000001 ${payloadLength}
      ${oidHex}
      00 00 00 00`;
  }
  function get(start: Oid, include = false): Pdu {
    return { type: PduType.Get, sessionId: 7, transactionId: 0, packetId: 1, ranges: [{ start, include, end: [] }] };
  }
  const cases: [string, Oid, string, string][] = [
    ['the null OID', [], '00 00 00 00', '00000008'],
    ['1.2.3: no internet prefix', [1, 2, 3], '03 00 00 00 00000001 00000002 00000003', '00000014'],
    ['1.3.6.1: only 4 long', [1, 3, 6, 1], '04 00 00 00 00000001 00000003 00000006 00000001', '00000018'],
    ['1.3.6.1.4: prefix, no subids', [1, 3, 6, 1, 4], '00 04 00 00', '00000008'],
    ['1.3.6.1.255.7: largest prefix', [1, 3, 6, 1, 255, 7], '01 ff 00 00 00000007', '0000000c'],
    [
      '1.3.6.1.256.7: 5th subid over 255',
      [1, 3, 6, 1, 256, 7],
      '06 00 00 00 00000001 00000003 00000006 00000001 00000100 00000007',
      '00000020',
    ],
    [
      '1.3.6.1.0.7: 5th subid 0',
      [1, 3, 6, 1, 0, 7],
      '06 00 00 00 00000001 00000003 00000006 00000001 00000000 00000007',
      '00000020',
    ],
    ['largest subid', [4294967295], '01 00 00 00 ffffffff', '0000000c'],
  ];
  for (const [name, oid, oidHex, payloadLength] of cases) {
    it(name, () => {
      expectGolden(get(oid), getHex(oidHex, payloadLength));
    });
  }

  it('include=1 on the start OID', () => {
    expectGolden(get(lvs(), true), getHex('03 04 01 00 00000001 00002021 00001267', '00000014'));
  });

  it('decodes an uncompressed internet OID the same as its compressed form', () => {
    const hex = getHex('06 00 00 00 00000001 00000003 00000006 00000001 00000004 00000001', '00000020');
    expect(decodePdu(bytesOf(hex))).toStrictEqual(get([1, 3, 6, 1, 4, 1]));
    expect(decodePdu(littleEndianOf(hex))).toStrictEqual(get([1, 3, 6, 1, 4, 1]));
  });

  it('128 subids encode; the prefix counts in the limit', () => {
    const long = Array.from({ length: 128 }, (_, i) => i + 1);
    expect(decodePdu(encodePdu(get(long)))).toStrictEqual(get(long));
    const internet = [1, 3, 6, 1, 4, ...Array.from({ length: 123 }, () => 9)];
    const encoded = encodePdu(get(internet));
    expect(encoded[20]).toBe(123); // n_subid counts what follows the prefix
    expect(decodePdu(encoded)).toStrictEqual(get(internet));
  });

  it('decodes n_subid 128 after a prefix (133 subids), as RFC 2741 section 5.1 allows', () => {
    const subids = Array.from({ length: 128 }, () => '00000002').join(' ');
    const pdu = decodePdu(bytesOf(getHex(`80 04 00 00 ${subids}`, '00000208')));
    expect(pdu.type === PduType.Get && pdu.ranges[0]?.start.length).toBe(133);
  });
});

describe('non-default context', () => {
  it('an empty context still sets the flag', () => {
    const pdu: Pdu = {
      type: PduType.GetNext,
      sessionId: 1,
      transactionId: 2,
      packetId: 3,
      context: new Uint8Array(0),
      ranges: [{ start: lvs(), include: true, end: [] }],
    };
    expectGolden(
      pdu,
      `01 06 18 00 00000001 00000002 00000003 00000018
       00000000                                   # context "", no padding
       03 04 01 00 00000001 00002021 00001267     # start lvs-mib, include 1
       00 00 00 00                                # end: unbounded`,
    );
  });

  it('is read on any PDU type whose flag is set, as Net-SNMP does', () => {
    const hex = `01 09 18 00 00000007 00000001 00000002 00000008
      00000003 61 62 63 00   # a context on a CommitSet`;
    expect(decodePdu(bytesOf(hex))).toStrictEqual({
      type: PduType.CommitSet,
      sessionId: 7,
      transactionId: 1,
      packetId: 2,
      context: utf8('abc'),
    });
  });

  it('keeps other header flags, never the byte order or context bits', () => {
    const hex = `01 03 17 00 00000007 00000000 00000003 00000014
      00 7f 00 00 03 04 00 00 00000001 00002021 00001267`;
    const pdu = decodePdu(bytesOf(hex));
    expect(pdu.flags).toBe(0x07);
    expect(decodePdu(littleEndianOf(hex)).flags).toBe(0x07);
  });
});

describe('other decoding details', () => {
  it('an unknown Close reason is "other"', () => {
    const pdu = decodePdu(bytesOf('01 02 10 00 00000007 00000000 00000009 00000004 63 00 00 00'));
    expect(pdu).toStrictEqual({ type: PduType.Close, sessionId: 7, transactionId: 0, packetId: 9, reason: CloseReason.other });
  });

  it('Unregister ignores the reserved timeout byte', () => {
    const pdu = decodePdu(bytesOf(`01 04 10 00 00000007 00000000 00000004 00000014
      ff 7f 00 00 03 04 00 00 00000001 00002021 00001267`));
    expect(pdu).toStrictEqual({
      type: PduType.Unregister,
      sessionId: 7,
      transactionId: 0,
      packetId: 4,
      priority: 127,
      rangeSubid: 0,
      subtree: lvs(),
    });
  });

  it('header IDs use the full unsigned 32-bit range in both orders', () => {
    const pdu: Pdu = { type: PduType.Ping, sessionId: 0xffffffff, transactionId: 0x80000000, packetId: 0x01020304 };
    expectGolden(pdu, '01 0d 10 00 ffffffff 80000000 01020304 00000000');
  });

  it('an empty Get and an empty Notify', () => {
    const ids = { sessionId: 1, transactionId: 1, packetId: 1 };
    expectGolden({ type: PduType.Get, ...ids, ranges: [] }, '01 05 10 00 00000001 00000001 00000001 00000000');
    expectGolden({ type: PduType.Notify, ...ids, varbinds: [] }, '01 0c 10 00 00000001 00000001 00000001 00000000');
  });

  it('Open with a null id and an empty description', () => {
    expectGolden(
      { type: PduType.Open, sessionId: 0, transactionId: 0, packetId: 1, timeout: 0, id: [], description: '' },
      `01 01 10 00 00000000 00000000 00000001 0000000c
       00 00 00 00   # timeout 0, reserved
       00 00 00 00   # null OID
       00000000      # empty description`,
    );
  });
});
