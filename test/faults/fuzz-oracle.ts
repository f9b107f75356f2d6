import { AgentXDecodeError, decodePdu, Framer, PduType, ResponseError, type Pdu } from '../../src/agentx/index.js';

/**
 * What the agent must do with a stream of (mutated) PDUs, by RFC 2741 and the agent's documented reactions
 * (src/agentx/protocol.ts, responder.ts, dispatch.ts): the stream is cut into frames as the agent's framer would
 * cut it, and each frame's answer is predicted from its header and from whether it decodes.
 *
 *  - a frame that does not decode: a parseError Response with the ids its header reads (section 7.2.2), unless
 *    its type says Response (a master's Response is never answered);
 *  - a request on another session id than ours: notOpen;
 *  - a Get, GetNext, GetBulk or TestSet for another context than the default one (the agent registers that one):
 *    unsupportedContext (section 6.2.16);
 *  - Get / GetNext / GetBulk: noError, or genErr;  TestSet: notWritable (LVS-MIB is read-only);  CommitSet:
 *    commitFailed;  UndoSet: noError;  CleanupSet: nothing (section 7.2.4.4);  any administrative PDU a master
 *    must not send: processingError;
 *  - a Response: nothing;  a Close: the agent drops the connection (and reconnects);
 *  - a stream that cannot be framed: Close(parseError), and the connection dropped;
 *  - a frame that never completes: the agent waits for its bytes (the fuzzer, as master, then drops the stream).
 */

export type Expected =
  | { readonly kind: 'answer'; readonly sessionId: number; readonly transactionId: number; readonly packetId: number; readonly errors: readonly number[] }
  | { readonly kind: 'silent' }
  | { readonly kind: 'close' };

export interface Prediction {
  /** One entry per frame the agent will cut, in order, up to the first Close or framing failure. */
  readonly frames: readonly Expected[];
  /** How the stream ends for the agent. */
  readonly end: 'complete' | 'close' | 'unframable' | 'stalled';
}

const READS: readonly number[] = [ResponseError.noAgentXError, ResponseError.genErr];

/**
 * A Get, GetNext, GetBulk or TestSet (the requests that carry NON_DEFAULT_CONTEXT, RFC 2741 section 6.1) naming a
 * context other than the default one, the only context the fuzzed agent registers: a zero-length name is the
 * default context too.
 */
function namesOtherContext(pdu: Pdu): boolean {
  const carries = pdu.type === PduType.Get || pdu.type === PduType.GetNext || pdu.type === PduType.GetBulk || pdu.type === PduType.TestSet;
  return carries && 'context' in pdu && pdu.context !== undefined && pdu.context.length > 0;
}

function expectedFor(pdu: Pdu, sessionId: number): Expected {
  if (pdu.type === PduType.Response) return { kind: 'silent' };
  if (pdu.type === PduType.Close) return { kind: 'close' };
  const ids = { sessionId: pdu.sessionId, transactionId: pdu.transactionId, packetId: pdu.packetId };
  if (pdu.sessionId !== sessionId) return { kind: 'answer', ...ids, errors: [ResponseError.notOpen] };
  if (namesOtherContext(pdu)) return { kind: 'answer', ...ids, errors: [ResponseError.unsupportedContext] };
  switch (pdu.type) {
    case PduType.Get:
    case PduType.GetNext:
    case PduType.GetBulk:
      return { kind: 'answer', ...ids, errors: READS };
    case PduType.TestSet:
      return { kind: 'answer', ...ids, errors: [ResponseError.notWritable] };
    case PduType.CommitSet:
      return { kind: 'answer', ...ids, errors: [ResponseError.commitFailed] };
    case PduType.UndoSet:
      return { kind: 'answer', ...ids, errors: [ResponseError.noAgentXError] };
    case PduType.CleanupSet:
      return { kind: 'silent' };
    default:
      return { kind: 'answer', ...ids, errors: [ResponseError.processingError] };
  }
}

/** The agent's answers to `stream` on a connection whose session id is `sessionId`, from a fresh framer state. */
export function predict(stream: Uint8Array, sessionId: number): Prediction {
  const framer = new Framer();
  let cut: Uint8Array[];
  try {
    cut = framer.push(stream);
  } catch (err) {
    if (!(err instanceof AgentXDecodeError)) throw err;
    // Frames before the bad header may or may not be answered (those in the agent's same read are dropped):
    // predicted frames stop at the first whole frame that the framer, fed frame by frame, would still give.
    return { frames: framesBefore(stream, sessionId), end: 'unframable' };
  }
  const frames: Expected[] = [];
  for (const frame of cut) {
    let expected: Expected;
    try {
      expected = expectedFor(decodePdu(frame), sessionId);
    } catch (err) {
      if (!(err instanceof AgentXDecodeError) || err.header === undefined) throw err;
      const h = err.header;
      expected =
        h.type === PduType.Response
          ? { kind: 'silent' }
          : { kind: 'answer', sessionId: h.sessionId, transactionId: h.transactionId, packetId: h.packetId, errors: [ResponseError.parseError] };
    }
    frames.push(expected);
    if (expected.kind === 'close') return { frames, end: 'close' };
  }
  return { frames, end: framer.buffered > 0 ? 'stalled' : 'complete' };
}

/** The frames a framer gives before it fails, found by feeding a fresh one each prefix frame by frame. */
function framesBefore(stream: Uint8Array, sessionId: number): Expected[] {
  const framer = new Framer();
  const out: Expected[] = [];
  for (let at = 0; at < stream.length; ) {
    let frames: Uint8Array[];
    try {
      frames = framer.push(stream.subarray(at, at + 20));
    } catch {
      return out;
    }
    at += 20;
    for (const frame of frames) {
      const p = predict(frame, sessionId);
      out.push(...p.frames);
      if (p.end === 'close') return out;
    }
  }
  return out;
}
