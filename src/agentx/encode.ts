import { AgentXEncodeError } from './errors.js';
import { AGENTX_VERSION, HEADER_LENGTH, MAX_PAYLOAD } from './framer.js';
import { HeaderFlag, PduType, ValueType, type Pdu, type SearchRange, type VarBind } from './pdu.js';
import { FrameWriter } from './writer.js';

export interface EncodeOptions {
  /** Big endian and the NETWORK_BYTE_ORDER flag (default true); false sends every field little endian. */
  readonly networkByteOrder?: boolean;
}

/** The header flags a caller may set (RFC 2741 section 6.1); the codec owns NON_DEFAULT_CONTEXT and byte order. */
const CALLER_FLAGS = HeaderFlag.InstanceRegistration | HeaderFlag.NewIndex | HeaderFlag.AnyIndex;

/** o.descr is a DisplayString, SIZE (0..255) (RFC 2741 section 6.2.1, SNMPv2-TC). */
const MAX_DESCRIPTION = 255;

/**
 * Encodes a PDU into one frame (header + payload). Every field is checked against its wire range first and an
 * AgentXEncodeError is thrown instead of producing a malformed PDU (Net-SNMP 5.9.3 can double free on a
 * malformed Register, so nothing malformed may leave this process).
 */
export function encodePdu(pdu: Pdu, options?: EncodeOptions): Buffer {
  const networkByteOrder = options?.networkByteOrder ?? true;
  const flags = pdu.flags ?? 0;
  if (typeof flags !== 'number' || (flags & ~CALLER_FLAGS) !== 0) {
    throw new AgentXEncodeError(
      'bad-flags',
      'flags',
      `agentx: cannot encode flags ${String(flags)}: only INSTANCE_REGISTRATION, NEW_INDEX, ANY_INDEX may be set`,
    );
  }
  const context = pdu.context;
  if (context !== undefined && !carriesContext(pdu.type)) {
    throw new AgentXEncodeError('bad-context', 'context', `agentx: PDU type ${pdu.type} cannot carry a context`);
  }

  const w = new FrameWriter(networkByteOrder, sizeHint(pdu));
  // Header, RFC 2741 section 6.1.
  w.u8(AGENTX_VERSION, 'h.version');
  w.u8(pdu.type, 'h.type');
  const flagsByte =
    flags |
    (context !== undefined ? HeaderFlag.NonDefaultContext : 0) |
    (networkByteOrder ? HeaderFlag.NetworkByteOrder : 0);
  w.u8(flagsByte, 'h.flags');
  w.zeros(1);
  w.u32(pdu.sessionId, 'sessionId');
  w.u32(pdu.transactionId, 'transactionId');
  w.u32(pdu.packetId, 'packetId');
  w.zeros(4); // h.payload_length, patched below
  if (context !== undefined) w.octetString(context, 'context');

  encodeBody(w, pdu);

  const payloadLength = w.length - HEADER_LENGTH;
  if (payloadLength > MAX_PAYLOAD) {
    throw new AgentXEncodeError(
      'frame-too-large',
      'payload',
      `agentx: cannot encode a payload of ${payloadLength} bytes (limit ${MAX_PAYLOAD})`,
    );
  }
  w.patchU32(16, payloadLength);
  return w.finish();
}

/** RFC 2741 section 6.1: NON_DEFAULT_CONTEXT is not used in Open, Close, the Set phases after TestSet, Response. */
function carriesContext(type: number): boolean {
  switch (type) {
    case PduType.Open:
    case PduType.Close:
    case PduType.CommitSet:
    case PduType.UndoSet:
    case PduType.CleanupSet:
    case PduType.Response:
      return false;
    default:
      return true;
  }
}

function encodeBody(w: FrameWriter, pdu: Pdu): void {
  switch (pdu.type) {
    case PduType.Open: {
      // 6.2.1: o.timeout, 3 reserved bytes, o.id, o.descr.
      w.u8(pdu.timeout, 'timeout');
      w.zeros(3);
      w.oid(pdu.id, false, 'id');
      const description = Buffer.from(pdu.description, 'utf8');
      if (description.length > MAX_DESCRIPTION) {
        throw new AgentXEncodeError(
          'bad-field',
          'description',
          `agentx: cannot encode description of ${description.length} bytes: a DisplayString holds 255`,
        );
      }
      w.octetString(description, 'description');
      return;
    }
    case PduType.Close:
      // 6.2.2: c.reason, 3 reserved bytes.
      if (pdu.reason < 1 || pdu.reason > 6) {
        throw new AgentXEncodeError('bad-field', 'reason', `agentx: cannot encode close reason ${String(pdu.reason)}`);
      }
      w.u8(pdu.reason, 'reason');
      w.zeros(3);
      return;
    case PduType.Register:
      // 6.2.3: r.timeout, r.priority, r.range_subid, reserved, r.subtree, r.upper_bound iff range_subid != 0.
      w.u8(pdu.timeout, 'timeout');
      registration(w, pdu.priority, pdu.rangeSubid, pdu.subtree, pdu.upperBound);
      return;
    case PduType.Unregister:
      // 6.2.4: as Register, with the timeout byte reserved.
      w.zeros(1);
      registration(w, pdu.priority, pdu.rangeSubid, pdu.subtree, pdu.upperBound);
      return;
    case PduType.Get:
    case PduType.GetNext:
      searchRangeList(w, pdu.ranges);
      return;
    case PduType.GetBulk:
      // 6.2.7: g.non_repeaters, g.max_repetitions, then the SearchRangeList.
      w.u16(pdu.nonRepeaters, 'nonRepeaters');
      w.u16(pdu.maxRepetitions, 'maxRepetitions');
      searchRangeList(w, pdu.ranges);
      return;
    case PduType.TestSet:
    case PduType.Notify:
      varBindList(w, pdu.varbinds);
      return;
    case PduType.CommitSet:
    case PduType.UndoSet:
    case PduType.CleanupSet:
    case PduType.Ping:
      return;
    case PduType.Response:
      // 6.2.16: res.sysUpTime, res.error, res.index, then the VarBindList.
      w.u32(pdu.sysUpTime, 'sysUpTime');
      w.u16(pdu.error, 'error');
      w.u16(pdu.index, 'index');
      varBindList(w, pdu.varbinds);
      return;
    default: {
      const unknown: never = pdu;
      const type = (unknown as { readonly type?: unknown }).type;
      throw new AgentXEncodeError('unsupported-pdu', 'type', `agentx: cannot encode PDU type ${String(type)}`);
    }
  }
}

/** The fields Register and Unregister share after their first byte (RFC 2741 sections 6.2.3, 6.2.4). */
function registration(
  w: FrameWriter,
  priority: number,
  rangeSubid: number,
  subtree: readonly number[],
  upperBound: number | undefined,
): void {
  if (subtree.length === 0) {
    throw new AgentXEncodeError('bad-oid', 'subtree', 'agentx: cannot encode a registration of the null OID');
  }
  w.u8(priority, 'priority');
  w.u8(rangeSubid, 'rangeSubid');
  w.zeros(1);
  if (rangeSubid > subtree.length) {
    throw new AgentXEncodeError(
      'bad-range',
      'rangeSubid',
      `agentx: cannot encode range_subid ${rangeSubid} for a subtree of ${subtree.length} subids`,
    );
  }
  if ((rangeSubid === 0) !== (upperBound === undefined)) {
    throw new AgentXEncodeError(
      'bad-range',
      'upperBound',
      'agentx: cannot encode a registration: upperBound must be present exactly when rangeSubid != 0',
    );
  }
  w.oid(subtree, false, 'subtree');
  if (upperBound !== undefined) {
    const lower = subtree[rangeSubid - 1] ?? 0;
    if (upperBound < lower) {
      throw new AgentXEncodeError(
        'bad-range',
        'upperBound',
        `agentx: cannot encode upper_bound ${upperBound} below the subtree's subid ${lower}`,
      );
    }
    w.u32(upperBound, 'upperBound');
  }
}

/** SearchRangeList, RFC 2741 section 5.2; an unbounded end ([]) is the null OID. */
function searchRangeList(w: FrameWriter, ranges: readonly SearchRange[]): void {
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i];
    if (range === undefined) continue;
    try {
      w.oid(range.start, range.include, 'start');
      w.oid(range.end, false, 'end');
    } catch (err) {
      throw located(err, `ranges[${i}]`);
    }
  }
}

/** VarBindList, RFC 2741 section 5.4. */
function varBindList(w: FrameWriter, varbinds: readonly VarBind[]): void {
  for (let i = 0; i < varbinds.length; i++) {
    const varbind = varbinds[i];
    if (varbind === undefined) continue;
    try {
      varBind(w, varbind);
    } catch (err) {
      throw located(err, `varbinds[${i}]`);
    }
  }
}

function varBind(w: FrameWriter, { name, value }: VarBind): void {
  w.u16(value.type, 'type');
  w.zeros(2);
  w.oid(name, false, 'name');
  switch (value.type) {
    case ValueType.Integer:
      w.i32(value.value, 'value');
      return;
    case ValueType.OctetString:
    case ValueType.Opaque:
      w.octetString(value.value, 'value');
      return;
    case ValueType.IpAddress:
      if (!(value.value instanceof Uint8Array) || value.value.length !== 4) {
        throw new AgentXEncodeError('bad-value', 'value', 'agentx: cannot encode value: an IpAddress is 4 octets');
      }
      w.octetString(value.value, 'value');
      return;
    case ValueType.ObjectIdentifier:
      w.oid(value.value, false, 'value');
      return;
    case ValueType.Counter32:
    case ValueType.Gauge32:
    case ValueType.TimeTicks:
      w.u32(value.value, 'value');
      return;
    case ValueType.Counter64:
      w.u64(value.value, 'value');
      return;
    case ValueType.Null:
    case ValueType.NoSuchObject:
    case ValueType.NoSuchInstance:
    case ValueType.EndOfMibView:
      return;
    default: {
      const unknown: never = value;
      const type = (unknown as { readonly type?: unknown }).type;
      throw new AgentXEncodeError('bad-value', 'type', `agentx: cannot encode value type ${String(type)}`);
    }
  }
}

/** Prefixes the field of an encode error with where it sits in a list. */
function located(err: unknown, where: string): unknown {
  if (!(err instanceof AgentXEncodeError)) return err;
  const field = `${where}.${err.field}`;
  return new AgentXEncodeError(err.code, field, err.message.replace(`encode ${err.field}`, `encode ${field}`));
}

/** A first buffer size that fits most PDUs without growing. */
function sizeHint(pdu: Pdu): number {
  // Close to the real size, so that the writer's buffer need not grow (and copy) on the hot path: every GetNext
  // answer is a Response with one varbind whose name is a long table index.
  if ('varbinds' in pdu) {
    let size = 64;
    for (const vb of pdu.varbinds) {
      size += 16 + 4 * vb.name.length;
      const v = vb.value;
      if ('value' in v) size += v.value instanceof Uint8Array ? v.value.length + 8 : Array.isArray(v.value) ? 8 + 4 * v.value.length : 8;
    }
    return size;
  }
  if ('ranges' in pdu) {
    let size = 64;
    for (const r of pdu.ranges) size += 16 + 4 * (r.start.length + r.end.length);
    return size;
  }
  return 128;
}
