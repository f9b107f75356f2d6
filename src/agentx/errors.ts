/**
 * Typed errors of the AgentX codec. Decoders and encoders throw these; the session layer decides the reaction
 * (a parseError Response, or closing the stream). Messages start with `agentx:` and name the offending offset.
 */

/** Why a frame could not be decoded. */
export type DecodeErrorCode =
  /** A field runs past the end of the frame (or the frame is shorter than the 20-byte header). */
  | 'truncated'
  /** h.version is not 1 (RFC 2741 section 6.1). */
  | 'bad-version'
  /** h.type is not a PDU type of RFC 2741 section 6.1. */
  | 'bad-type'
  /** A declared length disagrees with the frame: h.payload_length, an octet string, an IpAddress not 4 long. */
  | 'bad-length'
  /** h.payload_length is not a multiple of 4 (RFC 2741 section 6.1). */
  | 'length-not-multiple-of-4'
  /** h.payload_length is larger than the framer accepts (MAX_PAYLOAD). */
  | 'frame-too-large'
  /** n_subid above 128 (RFC 2741 section 5.1). */
  | 'bad-oid'
  /** v.type is not one of RFC 2741 section 5.4. */
  | 'bad-value-type'
  /** The PDU's fields end before h.payload_length does. */
  | 'trailing-bytes'
  /** r.range_subid points past the end of r.subtree (RFC 2741 section 6.2.3). */
  | 'bad-range'
  /** A valid PDU type this codec does not decode (IndexAllocate, IndexDeallocate, AddAgentCaps, RemoveAgentCaps). */
  | 'unsupported-pdu';

/** The identifying fields of a PDU header, known once its 20 bytes were readable. */
export interface HeaderIds {
  readonly type: number;
  readonly sessionId: number;
  readonly transactionId: number;
  readonly packetId: number;
  readonly networkByteOrder: boolean;
}

/**
 * A frame that is not a well-formed AgentX PDU. `offset` is the byte offset in the frame of the field at fault;
 * `header` is present whenever the 20-byte header itself was readable, so the session can answer with a
 * parseError Response carrying the right IDs and byte order.
 */
export class AgentXDecodeError extends Error {
  override readonly name = 'AgentXDecodeError';
  readonly code: DecodeErrorCode;
  readonly offset: number;
  readonly header?: HeaderIds;

  constructor(code: DecodeErrorCode, message: string, offset: number, header?: HeaderIds) {
    super(message);
    this.code = code;
    this.offset = offset;
    if (header !== undefined) this.header = header;
  }
}

/** Why a PDU object could not be encoded. */
export type EncodeErrorCode =
  /** A numeric field out of its wire range (byte, u16, u32, Integer32, Counter64...). */
  | 'bad-field'
  /** An OID longer than 128 sub-identifiers, or a sub-identifier outside 0..2^32-1, or a null subtree. */
  | 'bad-oid'
  /** A value whose type is unknown or whose payload does not fit its type (IpAddress not 4 octets...). */
  | 'bad-value'
  /** Header flags other than INSTANCE_REGISTRATION / NEW_INDEX / ANY_INDEX. */
  | 'bad-flags'
  /** A context on a PDU type that cannot carry one (RFC 2741 section 6.1). */
  | 'bad-context'
  /** Register/Unregister range_subid / upper_bound inconsistent with the subtree (RFC 2741 section 6.2.3). */
  | 'bad-range'
  /** The payload would exceed MAX_PAYLOAD. */
  | 'frame-too-large'
  /** A PDU type this codec does not encode. */
  | 'unsupported-pdu';

/** A PDU object that would encode to a malformed PDU. Nothing is sent. `field` names the offending field. */
export class AgentXEncodeError extends Error {
  override readonly name = 'AgentXEncodeError';
  readonly code: EncodeErrorCode;
  readonly field: string;

  constructor(code: EncodeErrorCode, field: string, message: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}
