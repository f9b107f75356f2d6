import {
  PduType,
  ResponseError,
  ValueType,
  type GetBulkPdu,
  type GetNextPdu,
  type GetPdu,
  type Oid,
  type Pdu,
  type SearchRange,
  type Value,
  type VarBind,
} from './pdu.js';

/**
 * Request dispatch for a read-only subagent (RFC 2741 section 7.2): turns a Get, GetNext, GetBulk or Set-phase PDU
 * into the body of its Response, asking a MIB reader for values. Pure: no sockets, no clocks.
 */

/** What dispatch needs from the MIB: one consistent view for the whole request. */
export interface MibReader {
  get(name: Oid): Value;
  getNext(start: Oid, include: boolean, end: Oid): VarBind;
}

export interface ResponseBody {
  readonly error: number;
  /** 1-based index of the varbind the error is about; 0 when none. */
  readonly index: number;
  readonly varbinds: readonly VarBind[];
}

/** Upper bound on varbinds in one GetBulk response, well under snmpd's 65536-byte AgentX packet limit. */
export const MAX_BULK_VARBINDS = 256;

/**
 * The Response body for `pdu`, or undefined when the PDU gets no Response (CleanupSet: RFC 2741 section 7.2.4.4;
 * net-snmp's master never waits for one). Any exception from the reader becomes genErr at the failing varbind.
 */
export function dispatch(pdu: Pdu, mib: MibReader): ResponseBody | undefined {
  switch (pdu.type) {
    case PduType.Get:
      return answerGet(pdu, mib);
    case PduType.GetNext:
      return answerGetNext(pdu, mib);
    case PduType.GetBulk:
      return answerGetBulk(pdu, mib);
    case PduType.TestSet:
      // Every LVS-MIB object is read-only: refuse the first varbind (RFC 2741 section 7.2.4.1).
      return { error: ResponseError.notWritable, index: pdu.varbinds.length > 0 ? 1 : 0, varbinds: [] };
    case PduType.CommitSet:
      // Only reached if a master commits a TestSet we refused; nothing was reserved, so nothing can commit.
      return { error: ResponseError.commitFailed, index: 0, varbinds: [] };
    case PduType.UndoSet:
      // Nothing was changed, so undoing nothing succeeds.
      return { error: ResponseError.noAgentXError, index: 0, varbinds: [] };
    case PduType.CleanupSet:
      return undefined;
    default:
      // Administrative PDUs that a master must not send to a subagent (Open, Register, Notify...).
      return { error: ResponseError.processingError, index: 0, varbinds: [] };
  }
}

function answerGet(pdu: GetPdu, mib: MibReader): ResponseBody {
  const varbinds: VarBind[] = [];
  for (let i = 0; i < pdu.ranges.length; i++) {
    const range = pdu.ranges[i] as SearchRange;
    try {
      varbinds.push({ name: range.start, value: mib.get(range.start) });
    } catch {
      return genErr(pdu.ranges, i);
    }
  }
  return { error: ResponseError.noAgentXError, index: 0, varbinds };
}

function answerGetNext(pdu: GetNextPdu, mib: MibReader): ResponseBody {
  const varbinds: VarBind[] = [];
  for (let i = 0; i < pdu.ranges.length; i++) {
    const range = pdu.ranges[i] as SearchRange;
    try {
      varbinds.push(mib.getNext(range.start, range.include, range.end));
    } catch {
      return genErr(pdu.ranges, i);
    }
  }
  return { error: ResponseError.noAgentXError, index: 0, varbinds };
}

/**
 * GetBulk (RFC 2741 section 7.2.3.3): the first non_repeaters ranges once, then up to max_repetitions rounds over
 * the rest, each round continuing from the previous round's names with the range's own end. Stops early once a
 * round is all endOfMibView, or when the response would exceed MAX_BULK_VARBINDS.
 */
function answerGetBulk(pdu: GetBulkPdu, mib: MibReader): ResponseBody {
  const varbinds: VarBind[] = [];
  const nonRepeaters = Math.min(pdu.nonRepeaters, pdu.ranges.length);
  let at = 0;
  try {
    for (; at < nonRepeaters; at++) {
      const range = pdu.ranges[at] as SearchRange;
      varbinds.push(mib.getNext(range.start, range.include, range.end));
    }
    const repeaters = pdu.ranges.slice(nonRepeaters);
    if (repeaters.length === 0) return { error: ResponseError.noAgentXError, index: 0, varbinds };
    const cursor = repeaters.map((r) => r.start);
    const include = repeaters.map((r) => r.include);
    const rounds = Math.min(pdu.maxRepetitions, Math.floor((MAX_BULK_VARBINDS - varbinds.length) / repeaters.length));
    for (let round = 0; round < rounds; round++) {
      let ended = 0;
      for (let j = 0; j < repeaters.length; j++) {
        at = nonRepeaters + j;
        const previous = cursor[j] as Oid;
        const next = mib.getNext(previous, include[j] as boolean, (repeaters[j] as SearchRange).end);
        if (next.value.type === ValueType.EndOfMibView) ended++;
        varbinds.push(next);
        cursor[j] = next.name;
        include[j] = false;
      }
      if (ended === repeaters.length) break;
    }
  } catch {
    return genErr(pdu.ranges, at);
  }
  return { error: ResponseError.noAgentXError, index: 0, varbinds };
}

function genErr(ranges: readonly SearchRange[], at: number): ResponseBody {
  // On error the Response repeats the request's varbinds (RFC 2741 section 7.2.3: "the VarBindList ... is the
  // same as in the request"), with the index pointing at the failing one.
  return {
    error: ResponseError.genErr,
    index: at + 1,
    varbinds: ranges.map((r) => ({ name: r.start, value: { type: ValueType.Null } })),
  };
}

