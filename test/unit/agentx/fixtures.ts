import {
  CloseReason,
  HeaderFlag,
  PduType,
  ResponseError,
  ValueType,
  type Oid,
  type Pdu,
} from '../../../src/agentx/pdu.js';
import { utf8 } from './hex.js';

/**
 * Golden PDUs: each a PDU object and its exact bytes in network byte order, written by hand field by field
 * (see hex.ts for the token rules; the little-endian form is derived by littleEndianOf()).
 *
 * Recurring encodings:
 *   lvs-mib 1.3.6.1.4.1.8225.4711 → 03 04 00 00 00000001 00002021 00001267
 *     n_subid 3, prefix 4 (= 1.3.6.1.4), include 0, reserved; then .1 .8225 (0x2021) .4711 (0x1267)
 *   the null OID                  → 00 00 00 00
 */
export interface Golden {
  readonly name: string;
  readonly pdu: Pdu;
  readonly hex: string;
}

/** 1.3.6.1.4.1.8225.4711 (the 2001 LVS-MIB), optionally extended. */
export function lvs(...rest: number[]): Oid {
  return [1, 3, 6, 1, 4, 1, 8225, 4711, ...rest];
}

/** Response varbinds: one of every value type, named lvs-mib.99.n. */
const everyValueType: Golden = {
  name: 'Response with a varbind of every value type',
  pdu: {
    type: PduType.Response,
    sessionId: 7,
    transactionId: 104,
    packetId: 207,
    sysUpTime: 123456,
    error: ResponseError.noAgentXError,
    index: 0,
    varbinds: [
      { name: lvs(99, 1), value: { type: ValueType.Integer, value: -5 } },
      { name: lvs(99, 2), value: { type: ValueType.OctetString, value: utf8('hello') } },
      { name: lvs(99, 3), value: { type: ValueType.Null } },
      { name: lvs(99, 4), value: { type: ValueType.ObjectIdentifier, value: [1, 2, 3] } },
      { name: lvs(99, 5), value: { type: ValueType.IpAddress, value: Uint8Array.from([10, 0, 0, 1]) } },
      { name: lvs(99, 6), value: { type: ValueType.Counter32, value: 4294967295 } },
      { name: lvs(99, 7), value: { type: ValueType.Gauge32, value: 1000 } },
      { name: lvs(99, 8), value: { type: ValueType.TimeTicks, value: 0 } },
      {
        name: lvs(99, 9),
        value: { type: ValueType.Opaque, value: Uint8Array.from([0x9f, 0x78, 0x04, 0x3f, 0x80, 0x00, 0x00]) },
      },
      { name: lvs(99, 10), value: { type: ValueType.Counter64, value: 0x0123456789abcdefn } },
      { name: lvs(99, 11), value: { type: ValueType.NoSuchObject } },
      { name: lvs(99, 12), value: { type: ValueType.NoSuchInstance } },
      { name: lvs(99, 13), value: { type: ValueType.EndOfMibView } },
    ],
  },
  hex: `
    01 12 10 00   # version 1, type Response (18), flags NETWORK_BYTE_ORDER, reserved
    00000007      # sessionID 7
    00000068      # transactionID 104
    000000cf      # packetID 207
    000001bc      # payload_length 444
    0001e240      # res.sysUpTime 123456
    0000 0000     # res.error noAgentXError, res.index 0

    0002 0000     # v.type Integer, reserved
    05 04 00 00 00000001 00002021 00001267 00000063 00000001   # lvs-mib.99.1 (n_subid 5, prefix 4)
    fffffffb      # -5

    0004 0000     # OctetString
    05 04 00 00 00000001 00002021 00001267 00000063 00000002
    00000005 68 65 6c 6c 6f 00 00 00   # length 5, "hello", 3 bytes padding

    0005 0000     # Null: no data
    05 04 00 00 00000001 00002021 00001267 00000063 00000003

    0006 0000     # ObjectIdentifier
    05 04 00 00 00000001 00002021 00001267 00000063 00000004
    03 00 00 00 00000001 00000002 00000003   # 1.2.3: n_subid 3, prefix 0 (no compression)

    0040 0000     # IpAddress (64): an octet string of 4, the address in network order in either byte order
    05 04 00 00 00000001 00002021 00001267 00000063 00000005
    00000004 0a 00 00 01

    0041 0000     # Counter32 (65)
    05 04 00 00 00000001 00002021 00001267 00000063 00000006
    ffffffff

    0042 0000     # Gauge32 (66)
    05 04 00 00 00000001 00002021 00001267 00000063 00000007
    000003e8      # 1000

    0043 0000     # TimeTicks (67)
    05 04 00 00 00000001 00002021 00001267 00000063 00000008
    00000000

    0044 0000     # Opaque (68): an octet string
    05 04 00 00 00000001 00002021 00001267 00000063 00000009
    00000007 9f 78 04 3f 80 00 00 00   # length 7, 1 byte padding

    0046 0000     # Counter64 (70): one 64-bit field
    05 04 00 00 00000001 00002021 00001267 00000063 0000000a
    0123456789abcdef

    0080 0000     # noSuchObject (128): no data
    05 04 00 00 00000001 00002021 00001267 00000063 0000000b
    0081 0000     # noSuchInstance (129)
    05 04 00 00 00000001 00002021 00001267 00000063 0000000c
    0082 0000     # endOfMibView (130)
    05 04 00 00 00000001 00002021 00001267 00000063 0000000d
  `,
};

export const goldens: readonly Golden[] = [
  {
    name: 'Open',
    pdu: { type: PduType.Open, sessionId: 0, transactionId: 0, packetId: 1, timeout: 5, id: lvs(), description: 'lvs' },
    hex: `
      01 01 10 00   # version 1, type Open, flags NETWORK_BYTE_ORDER, reserved
      00000000      # sessionID 0 (none yet)
      00000000      # transactionID
      00000001      # packetID 1
      0000001c      # payload_length 28
      05 00 00 00   # o.timeout 5 s, 3 reserved bytes
      03 04 00 00 00000001 00002021 00001267   # o.id lvs-mib
      00000003 6c 76 73 00                     # o.descr "lvs", 1 byte padding
    `,
  },
  {
    name: 'Close',
    pdu: { type: PduType.Close, sessionId: 7, transactionId: 0, packetId: 9, reason: CloseReason.shutdown },
    hex: `
      01 02 10 00 00000007 00000000 00000009 00000004
      05 00 00 00   # c.reason shutdown (5), 3 reserved bytes
    `,
  },
  {
    name: 'Register',
    pdu: {
      type: PduType.Register,
      sessionId: 7,
      transactionId: 0,
      packetId: 2,
      timeout: 0,
      priority: 127,
      rangeSubid: 0,
      subtree: lvs(),
    },
    hex: `
      01 03 10 00 00000007 00000000 00000002 00000014   # payload_length 20
      00 7f 00 00   # r.timeout 0 (session default), r.priority 127, r.range_subid 0, reserved
      03 04 00 00 00000001 00002021 00001267   # r.subtree; no upper_bound as range_subid is 0
    `,
  },
  {
    name: 'Register with range, INSTANCE_REGISTRATION and a context',
    pdu: {
      type: PduType.Register,
      sessionId: 7,
      transactionId: 0,
      packetId: 3,
      flags: HeaderFlag.InstanceRegistration,
      context: utf8('ctx'),
      timeout: 10,
      priority: 200,
      rangeSubid: 9,
      subtree: lvs(17),
      upperBound: 18,
    },
    hex: `
      01 03 19 00   # flags NETWORK_BYTE_ORDER | NON_DEFAULT_CONTEXT | INSTANCE_REGISTRATION
      00000007 00000000 00000003 00000024   # payload_length 36
      00000003 63 74 78 00                  # context "ctx", 1 byte padding
      0a c8 09 00   # r.timeout 10, r.priority 200, r.range_subid 9, reserved
      04 04 00 00 00000001 00002021 00001267 00000011   # r.subtree lvs-mib.17
      00000012      # r.upper_bound 18: the 9th subid ranges over 17..18
    `,
  },
  {
    name: 'Unregister',
    pdu: {
      type: PduType.Unregister,
      sessionId: 7,
      transactionId: 0,
      packetId: 4,
      priority: 127,
      rangeSubid: 0,
      subtree: lvs(),
    },
    hex: `
      01 04 10 00 00000007 00000000 00000004 00000014
      00 7f 00 00   # reserved (no timeout), u.priority 127, u.range_subid 0, reserved
      03 04 00 00 00000001 00002021 00001267
    `,
  },
  {
    name: 'Get',
    pdu: {
      type: PduType.Get,
      sessionId: 7,
      transactionId: 100,
      packetId: 200,
      ranges: [{ start: lvs(1, 0), include: false, end: [] }],
    },
    hex: `
      01 05 10 00 00000007 00000064 000000c8 0000001c   # transactionID 100, packetID 200, payload 28
      05 04 00 00 00000001 00002021 00001267 00000001 00000000   # start lvsVersion.0, include 0
      00 00 00 00   # end: the null OID
    `,
  },
  {
    name: 'GetNext with include=1, a bounded and an unbounded range',
    pdu: {
      type: PduType.GetNext,
      sessionId: 7,
      transactionId: 101,
      packetId: 201,
      ranges: [
        { start: lvs(17, 1, 10), include: true, end: lvs(18) },
        { start: lvs(1), include: false, end: [] },
      ],
    },
    hex: `
      01 06 10 00 00000007 00000065 000000c9 00000048   # payload_length 72
      06 04 01 00 00000001 00002021 00001267 00000011 00000001 0000000a   # start lvs-mib.17.1.10, include 1
      04 04 00 00 00000001 00002021 00001267 00000012                     # end lvs-mib.18 (exclusive)
      04 04 00 00 00000001 00002021 00001267 00000001                     # start lvs-mib.1, include 0
      00 00 00 00                                                          # end null: unbounded
    `,
  },
  {
    name: 'GetBulk',
    pdu: {
      type: PduType.GetBulk,
      sessionId: 7,
      transactionId: 102,
      packetId: 202,
      nonRepeaters: 1,
      maxRepetitions: 10,
      ranges: [
        { start: [1, 3, 6, 1, 2, 1, 1, 3], include: false, end: [] },
        { start: lvs(17), include: false, end: [] },
      ],
    },
    hex: `
      01 07 10 00 00000007 00000066 000000ca 00000030   # payload_length 48
      0001 000a     # g.non_repeaters 1, g.max_repetitions 10
      03 02 00 00 00000001 00000001 00000003   # sysUpTime: prefix 2 (1.3.6.1.2) then .1.1.3
      00 00 00 00
      04 04 00 00 00000001 00002021 00001267 00000011
      00 00 00 00
    `,
  },
  {
    name: 'TestSet',
    pdu: {
      type: PduType.TestSet,
      sessionId: 7,
      transactionId: 103,
      packetId: 203,
      varbinds: [{ name: lvs(4, 0), value: { type: ValueType.Integer, value: 300 } }],
    },
    hex: `
      01 08 10 00 00000007 00000067 000000cb 00000020
      0002 0000     # v.type Integer, reserved
      05 04 00 00 00000001 00002021 00001267 00000004 00000000   # lvsTcpTimeOut.0
      0000012c      # 300
    `,
  },
  {
    name: 'CommitSet',
    pdu: { type: PduType.CommitSet, sessionId: 7, transactionId: 103, packetId: 204 },
    hex: `01 09 10 00 00000007 00000067 000000cc 00000000   # empty payload`,
  },
  {
    name: 'UndoSet',
    pdu: { type: PduType.UndoSet, sessionId: 7, transactionId: 103, packetId: 205 },
    hex: `01 0a 10 00 00000007 00000067 000000cd 00000000`,
  },
  {
    name: 'CleanupSet',
    pdu: { type: PduType.CleanupSet, sessionId: 7, transactionId: 103, packetId: 206 },
    hex: `01 0b 10 00 00000007 00000067 000000ce 00000000`,
  },
  {
    name: 'Notify',
    pdu: {
      type: PduType.Notify,
      sessionId: 7,
      transactionId: 0,
      packetId: 5,
      varbinds: [
        { name: [1, 3, 6, 1, 2, 1, 1, 3, 0], value: { type: ValueType.TimeTicks, value: 12345 } },
        { name: [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0], value: { type: ValueType.ObjectIdentifier, value: lvs(0, 1) } },
      ],
    },
    hex: `
      01 0c 10 00 00000007 00000000 00000005 00000054   # payload_length 84
      0043 0000     # TimeTicks
      04 02 00 00 00000001 00000001 00000003 00000000   # sysUpTime.0
      00003039      # 12345
      0006 0000     # ObjectIdentifier
      06 06 00 00 00000003 00000001 00000001 00000004 00000001 00000000   # snmpTrapOID.0 (prefix 6)
      05 04 00 00 00000001 00002021 00001267 00000000 00000001            # lvs-mib.0.1
    `,
  },
  {
    name: 'Ping',
    pdu: { type: PduType.Ping, sessionId: 7, transactionId: 0, packetId: 6 },
    hex: `01 0d 10 00 00000007 00000000 00000006 00000000`,
  },
  {
    name: 'Ping with a non-default context',
    pdu: { type: PduType.Ping, sessionId: 7, transactionId: 0, packetId: 7, context: utf8('lvs-ctx') },
    hex: `
      01 0d 18 00   # flags NETWORK_BYTE_ORDER | NON_DEFAULT_CONTEXT
      00000007 00000000 00000007 0000000c
      00000007 6c 76 73 2d 63 74 78 00   # context "lvs-ctx", 1 byte padding
    `,
  },
  // Requests in a non-default context, as Net-SNMP's master sends them for a registration made in one
  // (agent/mibgroup/agentx/master.c copies the registration's context into every request it forwards):
  // the context sits between the header and the body, padded to 4 bytes.
  {
    name: 'Get in context "ns-a"',
    pdu: {
      type: PduType.Get,
      sessionId: 7,
      transactionId: 110,
      packetId: 210,
      context: utf8('ns-a'),
      ranges: [{ start: lvs(1, 0), include: false, end: [] }],
    },
    hex: `
      01 05 18 00   # flags NETWORK_BYTE_ORDER | NON_DEFAULT_CONTEXT
      00000007 0000006e 000000d2 00000024   # transactionID 110, packetID 210, payload_length 36
      00000004 6e 73 2d 61   # context "ns-a": 4 bytes, no padding
      05 04 00 00 00000001 00002021 00001267 00000001 00000000   # start lvsVersion.0, include 0
      00 00 00 00   # end: the null OID
    `,
  },
  {
    name: 'GetNext in context "docker-ingress_sbox"',
    pdu: {
      type: PduType.GetNext,
      sessionId: 7,
      transactionId: 111,
      packetId: 211,
      context: utf8('docker-ingress_sbox'),
      ranges: [{ start: lvs(17), include: true, end: lvs(18) }],
    },
    hex: `
      01 06 18 00   # flags NETWORK_BYTE_ORDER | NON_DEFAULT_CONTEXT
      00000007 0000006f 000000d3 00000040   # payload_length 64
      00000013      # context length 19
      64 6f 63 6b 65 72 2d 69 6e 67 72 65 73 73 5f 73 62 6f 78 00   # "docker-ingress_sbox", 1 byte padding
      04 04 01 00 00000001 00002021 00001267 00000011   # start lvs-mib.17, include 1
      04 04 00 00 00000001 00002021 00001267 00000012   # end lvs-mib.18
    `,
  },
  {
    name: 'GetBulk in context "ns-b"',
    pdu: {
      type: PduType.GetBulk,
      sessionId: 7,
      transactionId: 112,
      packetId: 212,
      context: utf8('ns-b'),
      nonRepeaters: 0,
      maxRepetitions: 5,
      ranges: [{ start: lvs(18), include: false, end: [] }],
    },
    hex: `
      01 07 18 00 00000007 00000070 000000d4 00000024   # payload_length 36
      00000004 6e 73 2d 62   # context "ns-b"
      0000 0005     # g.non_repeaters 0, g.max_repetitions 5
      04 04 00 00 00000001 00002021 00001267 00000012
      00 00 00 00
    `,
  },
  {
    name: 'TestSet in context "x"',
    pdu: {
      type: PduType.TestSet,
      sessionId: 7,
      transactionId: 113,
      packetId: 213,
      context: utf8('x'),
      varbinds: [{ name: lvs(4, 0), value: { type: ValueType.Integer, value: 1 } }],
    },
    hex: `
      01 08 18 00 00000007 00000071 000000d5 00000028   # payload_length 40
      00000001 78 00 00 00   # context "x", 3 bytes padding
      0002 0000
      05 04 00 00 00000001 00002021 00001267 00000004 00000000
      00000001
    `,
  },
  {
    name: 'Unregister in context "ns-a"',
    pdu: {
      type: PduType.Unregister,
      sessionId: 7,
      transactionId: 0,
      packetId: 8,
      context: utf8('ns-a'),
      priority: 127,
      rangeSubid: 0,
      subtree: lvs(),
    },
    hex: `
      01 04 18 00 00000007 00000000 00000008 0000001c   # payload_length 28
      00000004 6e 73 2d 61   # context "ns-a"
      00 7f 00 00
      03 04 00 00 00000001 00002021 00001267
    `,
  },
  {
    name: 'Notify in context "ns-a"',
    pdu: {
      type: PduType.Notify,
      sessionId: 7,
      transactionId: 0,
      packetId: 9,
      context: utf8('ns-a'),
      varbinds: [{ name: [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0], value: { type: ValueType.ObjectIdentifier, value: lvs(0, 1) } }],
    },
    hex: `
      01 0c 18 00 00000007 00000000 00000009 00000040   # payload_length 64
      00000004 6e 73 2d 61   # context "ns-a"
      0006 0000
      06 06 00 00 00000003 00000001 00000001 00000004 00000001 00000000   # snmpTrapOID.0
      05 04 00 00 00000001 00002021 00001267 00000000 00000001            # lvs-mib.0.1
    `,
  },
  {
    name: 'Response unsupportedContext',
    pdu: {
      type: PduType.Response,
      sessionId: 7,
      transactionId: 110,
      packetId: 210,
      sysUpTime: 500,
      error: ResponseError.unsupportedContext,
      index: 0,
      varbinds: [],
    },
    hex: `
      01 12 10 00 00000007 0000006e 000000d2 00000008   # a Response never carries a context
      000001f4      # res.sysUpTime 500
      0106 0000     # res.error unsupportedContext (262), res.index 0
    `,
  },
  everyValueType,
  {
    name: 'Response with an error and no varbinds',
    pdu: {
      type: PduType.Response,
      sessionId: 7,
      transactionId: 105,
      packetId: 208,
      sysUpTime: 0,
      error: ResponseError.notWritable,
      index: 1,
      varbinds: [],
    },
    hex: `
      01 12 10 00 00000007 00000069 000000d0 00000008
      00000000      # res.sysUpTime
      0011 0001     # res.error notWritable (17), res.index 1
    `,
  },
];
