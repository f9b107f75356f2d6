/** Public API of the AgentX wire codec (RFC 2741): PDU model, framing, decoding, encoding, typed errors. */
export * from './pdu.js';
export { decodePdu } from './decode.js';
export { encodePdu, type EncodeOptions } from './encode.js';
export { AGENTX_VERSION, Framer, HEADER_LENGTH, MAX_PAYLOAD } from './framer.js';
export {
  AgentXDecodeError,
  AgentXEncodeError,
  type DecodeErrorCode,
  type EncodeErrorCode,
  type HeaderIds,
} from './errors.js';
export { MAX_SUBIDS } from './reader.js';
