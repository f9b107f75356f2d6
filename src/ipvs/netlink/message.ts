import { parseAttrs } from './attr.js';
import { align4, ByteWriter, type ByteOrder, readS32, readU16, readU32, writeU32 } from './bytes.js';
import { GENL_HDRLEN, NLM_F, NLMSG_HDRLEN, NLMSGERR_ATTR } from './constants.js';
import { errnoName, NetlinkDecodeError, NetlinkError } from './errors.js';

/**
 * struct nlmsghdr framing (netlink.h) and the generic netlink header (struct genlmsghdr, genetlink.h).
 * A datagram from a netlink socket holds one or more whole messages, each starting at a 4-byte boundary;
 * messages never span datagrams.
 */

export interface NlMsgHeader {
  /** nlmsg_len: header plus payload, without trailing padding. */
  readonly length: number;
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
}

export interface NlMessage {
  readonly header: NlMsgHeader;
  /** The bytes after the header, bounded by nlmsg_len (a view, no copy). */
  readonly payload: Uint8Array;
  /** The whole message, header included (a view, no copy). */
  readonly bytes: Uint8Array;
  /** Offset of the message within the datagram it came from. */
  readonly offset: number;
}

export function encodeMessage(
  header: { type: number; flags: number; seq?: number; pid?: number },
  payload: Uint8Array,
  order: ByteOrder,
): Uint8Array {
  const w = new ByteWriter(order);
  w.u32(NLMSG_HDRLEN + payload.length)
    .u16(header.type)
    .u16(header.flags)
    .u32(header.seq ?? 0)
    .u32(header.pid ?? 0)
    .bytes(payload)
    .pad();
  return w.finish();
}

export function decodeHeader(bytes: Uint8Array, offset: number, order: ByteOrder): NlMsgHeader {
  if (bytes.length - offset < NLMSG_HDRLEN) {
    throw new NetlinkDecodeError('nlmsghdr', offset, `${bytes.length - offset} byte(s), need ${NLMSG_HDRLEN}`);
  }
  const le = order === 'little';
  return {
    length: readU32(bytes, offset, le),
    type: readU16(bytes, offset + 4, le),
    flags: readU16(bytes, offset + 6, le),
    seq: readU32(bytes, offset + 8, le),
    pid: readU32(bytes, offset + 12, le),
  };
}

/** Overwrites nlmsg_seq of an encoded message in place (the socket numbers its requests). */
export function setSequence(message: Uint8Array, seq: number, order: ByteOrder): void {
  if (message.length < NLMSG_HDRLEN) throw new RangeError(`netlink: ${message.length} byte(s) hold no nlmsghdr`);
  writeU32(message, 8, seq, order === 'little');
}

/** Every message of a datagram (NLMSG_OK / NLMSG_NEXT, with each length checked against what is left). */
export function splitMessages(datagram: Uint8Array, order: ByteOrder): NlMessage[] {
  const out: NlMessage[] = [];
  let at = 0;
  while (at < datagram.length) {
    const header = decodeHeader(datagram, at, order);
    const left = datagram.length - at;
    if (header.length < NLMSG_HDRLEN || header.length > left) {
      throw new NetlinkDecodeError('nlmsghdr', at, `nlmsg_len ${header.length}, ${left} byte(s) available`);
    }
    out.push({
      header,
      payload: datagram.subarray(at + NLMSG_HDRLEN, at + header.length),
      bytes: datagram.subarray(at, at + header.length),
      offset: at,
    });
    at = Math.min(at + align4(header.length), datagram.length);
  }
  return out;
}

/** A message decodeMessage() found at the start of its bytes; the payload view is made when asked for. */
class WholeMessage implements NlMessage {
  readonly offset = 0;
  constructor(
    readonly header: NlMsgHeader,
    readonly bytes: Uint8Array,
  ) {}

  get payload(): Uint8Array {
    return this.bytes.subarray(NLMSG_HDRLEN, this.header.length);
  }
}

/**
 * A single message that must fill `bytes` exactly, up to its trailing padding (as GenlSocket.request returns them).
 * Every reply message of a dump comes through here: the common case is read without splitMessages' list.
 */
export function decodeMessage(bytes: Uint8Array, order: ByteOrder): NlMessage {
  if (bytes.length >= NLMSG_HDRLEN) {
    const header = decodeHeader(bytes, 0, order);
    if (header.length >= NLMSG_HDRLEN && header.length <= bytes.length && align4(header.length) >= bytes.length) {
      return new WholeMessage(header, header.length === bytes.length ? bytes : bytes.subarray(0, header.length));
    }
  }
  // Not exactly one message: splitMessages says what is wrong (or how many there are).
  const list = splitMessages(bytes, order);
  if (list.length !== 1) {
    throw new NetlinkDecodeError('nlmsghdr', 0, `expected one message, found ${list.length}`);
  }
  return list[0] as NlMessage;
}

export interface GenlMessage {
  readonly header: NlMsgHeader;
  readonly cmd: number;
  readonly version: number;
  /** The attribute area after the genl header. */
  readonly attrs: Uint8Array;
  /** Offset of `attrs` within the message, for error messages. */
  readonly attrsOffset: number;
}

export function encodeGenlRequest(
  request: { family: number; cmd: number; version: number; flags: number; seq?: number },
  attrs: Uint8Array,
  order: ByteOrder,
): Uint8Array {
  const body = new ByteWriter(order).u8(request.cmd).u8(request.version).u16(0).bytes(attrs).finish();
  return encodeMessage({ type: request.family, flags: request.flags, seq: request.seq ?? 0 }, body, order);
}

export function decodeGenl(message: NlMessage): GenlMessage {
  // Read through `bytes` (the payload is bytes[NLMSG_HDRLEN, nlmsg_len)): no payload view per message.
  const { bytes, header } = message;
  const payloadLength = header.length - NLMSG_HDRLEN;
  if (payloadLength < GENL_HDRLEN) {
    throw new NetlinkDecodeError('genlmsghdr', message.offset + NLMSG_HDRLEN, `${payloadLength} byte(s)`);
  }
  return {
    header,
    cmd: bytes[NLMSG_HDRLEN] as number,
    version: bytes[NLMSG_HDRLEN + 1] as number,
    attrs: bytes.subarray(NLMSG_HDRLEN + GENL_HDRLEN, header.length),
    attrsOffset: NLMSG_HDRLEN + GENL_HDRLEN,
  };
}

/** struct nlmsgerr: int error (0 = ACK, else -errno), then the request's header (and more, see below). */
export interface NlError {
  /** Positive errno, 0 for an ACK. */
  readonly errno: number;
  /** NLMSGERR_ATTR_MSG, when NLM_F_ACK_TLVS is set. */
  readonly kernelMessage: string | undefined;
}

export function decodeError(message: NlMessage, order: ByteOrder): NlError {
  const p = message.payload;
  if (p.length < 4) throw new NetlinkDecodeError('nlmsgerr', message.offset + NLMSG_HDRLEN, `${p.length} byte(s)`);
  const error = readS32(p, 0, order === 'little');
  let kernelMessage: string | undefined;
  if (message.header.flags & NLM_F.ACK_TLVS && p.length >= 4 + NLMSG_HDRLEN) {
    // The echoed request: its header only when NLM_F_CAPPED (or an ACK), else the whole request.
    const echoed = decodeHeader(p, 4, order);
    const echoedLen = message.header.flags & NLM_F.CAPPED || error === 0 ? NLMSG_HDRLEN : align4(echoed.length);
    if (4 + echoedLen <= p.length) {
      const base = message.offset + NLMSG_HDRLEN + 4 + echoedLen;
      for (const a of parseAttrs(p.subarray(4 + echoedLen), base, order, 'nlmsgerr TLVs')) {
        if (a.type === NLMSGERR_ATTR.MSG) {
          const nul = a.value.indexOf(0);
          kernelMessage = new TextDecoder().decode(nul < 0 ? a.value : a.value.subarray(0, nul));
        }
      }
    }
  }
  return { errno: error < 0 ? -error : error, kernelMessage };
}

/** NLMSG_DONE carries an int: 0, or a negative errno when the dump failed part way. */
export function decodeDone(message: NlMessage, order: ByteOrder): number {
  if (message.payload.length < 4) return 0;
  const status = readS32(message.payload, 0, order === 'little');
  return status < 0 ? -status : 0;
}

export function errorFor(errno: number, kernelMessage: string | undefined, context: string): NetlinkError {
  return new NetlinkError(errno, errnoName(errno), kernelMessage, context);
}
