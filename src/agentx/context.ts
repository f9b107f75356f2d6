import type { ResponseBody } from './dispatch.js';
import { PduType, ResponseError, type Pdu } from './pdu.js';

/**
 * SNMP contexts on the AgentX wire (RFC 2741 section 6.1, NON_DEFAULT_CONTEXT): which context a subagent serves,
 * and the answer to a request for any other. Pure: bytes in, a decision out.
 *
 * The default context has the zero-length contextName (RFC 3411), which AgentX sends without the flag; a PDU that
 * sets NON_DEFAULT_CONTEXT with a zero-length context names that same default context. Both are `undefined` here
 * after normalising, so "no flag" and "flag with an empty string" compare equal.
 */

/** A context as the wire carries it; undefined (or zero length) is the default context. */
export type ContextName = Uint8Array | undefined;

/** The context bytes for a configured name: undefined for the default context (""), UTF-8 otherwise. */
export function contextFromName(name: string): ContextName {
  return name === '' ? undefined : new Uint8Array(Buffer.from(name, 'utf8'));
}

/** Whether two contexts are the same context, the default context in either spelling included. */
export function sameContext(a: ContextName, b: ContextName): boolean {
  const left = a !== undefined && a.length > 0 ? a : undefined;
  const right = b !== undefined && b.length > 0 ? b : undefined;
  if (left === undefined || right === undefined) return left === right;
  if (left.length !== right.length) return false;
  for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) return false;
  return true;
}

/**
 * The request types that name their context (RFC 2741 section 6.1 leaves NON_DEFAULT_CONTEXT out of CommitSet,
 * UndoSet and CleanupSet, which belong to the TestSet before them): only these are checked against ours.
 */
function namesItsContext(type: number): boolean {
  return type === PduType.Get || type === PduType.GetNext || type === PduType.GetBulk || type === PduType.TestSet;
}

/**
 * The answer to a request for a context this subagent did not register (res.error unsupportedContext, 262, RFC
 * 2741 section 6.2.16; Net-SNMP's AGENTX_ERR_UNSUPPORTED_CONTEXT): no varbinds, as for notOpen.
 */
export const UNSUPPORTED_CONTEXT: ResponseBody = { error: ResponseError.unsupportedContext, index: 0, varbinds: [] };

/**
 * The Response body for a request whose context is not `served`, or undefined when the request is for the served
 * context (or is of a type that names none) and goes on to dispatch.
 */
export function contextRefusal(pdu: Pdu, served: ContextName): ResponseBody | undefined {
  if (!namesItsContext(pdu.type)) return undefined;
  return sameContext(pdu.context, served) ? undefined : UNSUPPORTED_CONTEXT;
}

/** A context for log lines: its text (the default context is ""). */
export function contextText(context: ContextName): string {
  return context === undefined ? '' : Buffer.from(context).toString('utf8');
}
