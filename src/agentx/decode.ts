import { AgentXDecodeError } from './errors.js';
import { AGENTX_VERSION, HEADER_LENGTH } from './framer.js';
import {
  CloseReason,
  HeaderFlag,
  PduType,
  ValueType,
  type Header,
  type Pdu,
  type SearchRange,
  type Value,
  type VarBind,
} from './pdu.js';
import { FrameReader } from './reader.js';

/** Header flags kept in Header.flags: everything but the byte order and context bits, which the codec owns. */
const KEPT_FLAGS = ~(HeaderFlag.NetworkByteOrder | HeaderFlag.NonDefaultContext) & 0xff;

/** o.descr is a DisplayString; invalid UTF-8 becomes U+FFFD rather than an error. */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Decodes one whole frame (20-byte header + payload, as cut by the Framer) into a PDU.
 *
 * Every multi-byte field, header included, is read in the byte order of the PDU's own NETWORK_BYTE_ORDER flag
 * (RFC 2741 section 6.1). Checks h.version, that h.payload_length is a multiple of 4 and matches the frame, that
 * no field runs past the frame and that no bytes are left over. Throws AgentXDecodeError; its `header` is set
 * whenever the 20-byte header was readable, so the caller can answer with a parseError Response.
 *
 * A context is read whenever NON_DEFAULT_CONTEXT is set, as Net-SNMP's own parser does (agentx_parse), even on
 * the types RFC 2741 section 6.1 does not list for it; the encoder refuses to send those.
 */
export function decodePdu(frame: Uint8Array): Pdu {
  if (frame.length < HEADER_LENGTH) {
    throw new AgentXDecodeError(
      'truncated',
      `agentx: truncated header: ${frame.length} bytes, need ${HEADER_LENGTH}`,
      frame.length,
    );
  }
  const flagsByte = frame[2] ?? 0;
  const networkByteOrder = (flagsByte & HeaderFlag.NetworkByteOrder) !== 0;
  const r = new FrameReader(frame, networkByteOrder);
  const version = r.u8('h.version');
  const type = r.u8('h.type');
  r.skip(2, 'h.flags');
  const sessionId = r.u32('h.sessionID');
  const transactionId = r.u32('h.transactionID');
  const packetId = r.u32('h.packetID');
  const payloadLength = r.u32('h.payload_length');
  r.header = { type, sessionId, transactionId, packetId, networkByteOrder };

  if (version !== AGENTX_VERSION) {
    throw r.fail('bad-version', `agentx: version ${version} is not ${AGENTX_VERSION} at offset 0`, 0);
  }
  if (payloadLength % 4 !== 0) {
    const message = `agentx: payload length ${payloadLength} is not a multiple of 4 at offset 16`;
    throw r.fail('length-not-multiple-of-4', message, 16);
  }
  if (payloadLength !== frame.length - HEADER_LENGTH) {
    throw r.fail(
      'bad-length',
      `agentx: payload length ${payloadLength} disagrees with frame of ${frame.length} bytes at offset 16`,
      16,
    );
  }
  if (type < PduType.Open || type > PduType.Response) {
    throw r.fail('bad-type', `agentx: unknown PDU type ${type} at offset 1`, 1);
  }
  if (type >= PduType.IndexAllocate && type <= PduType.RemoveAgentCaps) {
    throw r.fail('unsupported-pdu', `agentx: PDU type ${type} is not supported at offset 1`, 1);
  }

  const head: { sessionId: number; transactionId: number; packetId: number; flags?: number; context?: Uint8Array } =
    { sessionId, transactionId, packetId };
  const kept = flagsByte & KEPT_FLAGS;
  if (kept !== 0) head.flags = kept;
  if ((flagsByte & HeaderFlag.NonDefaultContext) !== 0) head.context = r.octetString('context');

  const pdu = decodeBody(r, type, head);
  if (r.remaining !== 0) {
    throw r.fail('trailing-bytes', `agentx: ${r.remaining} trailing bytes at offset ${r.offset}`, r.offset);
  }
  return pdu;
}

/** The type-specific part, RFC 2741 section 6.2. `type` is known to be a supported PDU type. */
function decodeBody(r: FrameReader, type: number, head: Header): Pdu {
  switch (type) {
    case PduType.Open: {
      // 6.2.1: o.timeout, 3 reserved bytes, o.id, o.descr.
      const timeout = r.u8('o.timeout');
      r.skip(3, 'o.timeout reserved');
      const id = r.oid('o.id').oid;
      const description = utf8.decode(r.octetString('o.descr'));
      return { type: PduType.Open, ...head, timeout, id, description };
    }
    case PduType.Close: {
      // 6.2.2: c.reason, 3 reserved bytes. An unknown reason is, by definition, "other".
      const reason = r.u8('c.reason');
      r.skip(3, 'c.reason reserved');
      return { type: PduType.Close, ...head, reason: toCloseReason(reason) };
    }
    case PduType.Register:
    case PduType.Unregister: {
      // 6.2.3 / 6.2.4: r.timeout (reserved in Unregister), r.priority, r.range_subid, reserved, r.subtree,
      // r.upper_bound iff range_subid != 0.
      const at = r.offset;
      const timeout = r.u8('r.timeout');
      const priority = r.u8('r.priority');
      const rangeSubid = r.u8('r.range_subid');
      r.skip(1, 'r.range_subid reserved');
      const subtree = r.oid('r.subtree').oid;
      if (rangeSubid > subtree.length) {
        throw r.fail(
          'bad-range',
          `agentx: range_subid ${rangeSubid} exceeds subtree of ${subtree.length} subids at offset ${at + 2}`,
          at + 2,
        );
      }
      const upperBound = rangeSubid !== 0 ? r.u32('r.upper_bound') : undefined;
      const range = upperBound !== undefined ? { upperBound } : {};
      if (type === PduType.Register) {
        return { type: PduType.Register, ...head, timeout, priority, rangeSubid, subtree, ...range };
      }
      return { type: PduType.Unregister, ...head, priority, rangeSubid, subtree, ...range };
    }
    case PduType.Get:
      return { type: PduType.Get, ...head, ranges: searchRangeList(r) };
    case PduType.GetNext:
      return { type: PduType.GetNext, ...head, ranges: searchRangeList(r) };
    case PduType.GetBulk: {
      // 6.2.7: g.non_repeaters, g.max_repetitions, then the SearchRangeList.
      const nonRepeaters = r.u16('g.non_repeaters');
      const maxRepetitions = r.u16('g.max_repetitions');
      return { type: PduType.GetBulk, ...head, nonRepeaters, maxRepetitions, ranges: searchRangeList(r) };
    }
    case PduType.TestSet:
      return { type: PduType.TestSet, ...head, varbinds: varBindList(r) };
    case PduType.CommitSet:
      return { type: PduType.CommitSet, ...head };
    case PduType.UndoSet:
      return { type: PduType.UndoSet, ...head };
    case PduType.CleanupSet:
      return { type: PduType.CleanupSet, ...head };
    case PduType.Notify:
      return { type: PduType.Notify, ...head, varbinds: varBindList(r) };
    case PduType.Ping:
      return { type: PduType.Ping, ...head };
    case PduType.Response: {
      // 6.2.16: res.sysUpTime, res.error, res.index, then the VarBindList.
      const sysUpTime = r.u32('res.sysUpTime');
      const error = r.u16('res.error');
      const index = r.u16('res.index');
      return { type: PduType.Response, ...head, sysUpTime, error, index, varbinds: varBindList(r) };
    }
    default:
      throw r.fail('unsupported-pdu', `agentx: PDU type ${type} is not supported at offset 1`, 1);
  }
}

/** SearchRangeList, RFC 2741 section 5.2: (start with include, end) pairs up to the end of the payload. */
function searchRangeList(r: FrameReader): SearchRange[] {
  const ranges: SearchRange[] = [];
  while (r.remaining > 0) {
    const start = r.oid('SearchRange start');
    const end = r.oid('SearchRange end').oid;
    ranges.push({ start: start.oid, include: start.include, end });
  }
  return ranges;
}

/** VarBindList, RFC 2741 section 5.4: varbinds up to the end of the payload. */
function varBindList(r: FrameReader): VarBind[] {
  const varbinds: VarBind[] = [];
  while (r.remaining > 0) {
    const at = r.offset;
    const valueType = r.u16('v.type');
    r.skip(2, 'v.type reserved');
    const name = r.oid('v.name').oid;
    varbinds.push({ name, value: value(r, valueType, at) });
  }
  return varbinds;
}

/** v.data for one v.type (RFC 2741 section 5.4); `at` is the offset of v.type, for errors. */
function value(r: FrameReader, type: number, at: number): Value {
  switch (type) {
    case ValueType.Integer:
      return { type: ValueType.Integer, value: r.i32('Integer value') };
    case ValueType.OctetString:
      return { type: ValueType.OctetString, value: r.octetString('octet string') };
    case ValueType.Opaque:
      return { type: ValueType.Opaque, value: r.octetString('Opaque') };
    case ValueType.Null:
      return { type: ValueType.Null };
    case ValueType.ObjectIdentifier:
      return { type: ValueType.ObjectIdentifier, value: r.oid('OBJECT IDENTIFIER value').oid };
    case ValueType.IpAddress: {
      const lengthAt = r.offset;
      const address = r.octetString('IpAddress');
      if (address.length !== 4) {
        const message = `agentx: IpAddress length ${address.length} is not 4 at offset ${lengthAt}`;
        throw r.fail('bad-length', message, lengthAt);
      }
      return { type: ValueType.IpAddress, value: address };
    }
    case ValueType.Counter32:
      return { type: ValueType.Counter32, value: r.u32('Counter32 value') };
    case ValueType.Gauge32:
      return { type: ValueType.Gauge32, value: r.u32('Gauge32 value') };
    case ValueType.TimeTicks:
      return { type: ValueType.TimeTicks, value: r.u32('TimeTicks value') };
    case ValueType.Counter64:
      return { type: ValueType.Counter64, value: r.u64('Counter64 value') };
    case ValueType.NoSuchObject:
      return { type: ValueType.NoSuchObject };
    case ValueType.NoSuchInstance:
      return { type: ValueType.NoSuchInstance };
    case ValueType.EndOfMibView:
      return { type: ValueType.EndOfMibView };
    default:
      throw r.fail('bad-value-type', `agentx: unknown value type ${type} at offset ${at}`, at);
  }
}

function toCloseReason(reason: number): CloseReason {
  switch (reason) {
    case CloseReason.parseError:
    case CloseReason.protocolError:
    case CloseReason.timeouts:
    case CloseReason.shutdown:
    case CloseReason.byManager:
      return reason;
    default:
      return CloseReason.other;
  }
}
