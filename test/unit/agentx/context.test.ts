import { describe, expect, it } from 'vitest';
import { contextFromName, contextRefusal, sameContext, UNSUPPORTED_CONTEXT } from '../../../src/agentx/context.js';
import { decodePdu } from '../../../src/agentx/decode.js';
import { PduType, ResponseError, type Pdu } from '../../../src/agentx/pdu.js';
import { goldens, lvs } from './fixtures.js';
import { bytesOf, littleEndianOf, utf8 } from './hex.js';

/**
 * Which requests a subagent registered in one context answers: the same context (the default context whether
 * written as no flag or as the flag with a zero-length string), and nothing else — RFC 2741's unsupportedContext.
 */

const get = (context?: Uint8Array): Pdu => ({
  type: PduType.Get,
  sessionId: 1,
  transactionId: 1,
  packetId: 1,
  ranges: [{ start: lvs(1, 0), include: false, end: [] }],
  ...(context === undefined ? {} : { context }),
});

describe('sameContext', () => {
  it('tells contexts apart by their bytes', () => {
    expect(sameContext(utf8('ns-a'), utf8('ns-a'))).toBe(true);
    expect(sameContext(utf8('ns-a'), utf8('ns-b'))).toBe(false);
    expect(sameContext(utf8('ns-a'), utf8('ns-a2'))).toBe(false);
    expect(sameContext(utf8('NS-A'), utf8('ns-a'))).toBe(false);
  });

  it('takes the default context without the flag and with an empty string as one', () => {
    expect(sameContext(undefined, undefined)).toBe(true);
    expect(sameContext(undefined, new Uint8Array(0))).toBe(true);
    expect(sameContext(new Uint8Array(0), undefined)).toBe(true);
    expect(sameContext(undefined, utf8('ns-a'))).toBe(false);
    expect(sameContext(utf8('ns-a'), undefined)).toBe(false);
  });

  it('is what contextFromName gives for a configured name', () => {
    expect(contextFromName('')).toBeUndefined();
    expect(contextFromName('ns-a')).toStrictEqual(utf8('ns-a'));
  });
});

describe('contextRefusal', () => {
  it('lets through a request for the context served', () => {
    expect(contextRefusal(get(utf8('ns-a')), utf8('ns-a'))).toBeUndefined();
    expect(contextRefusal(get(), undefined)).toBeUndefined();
    expect(contextRefusal(get(new Uint8Array(0)), undefined)).toBeUndefined();
  });

  it('answers unsupportedContext (262) for another context, in either direction', () => {
    expect(UNSUPPORTED_CONTEXT).toEqual({ error: 262, index: 0, varbinds: [] });
    expect(ResponseError.unsupportedContext).toBe(262);
    expect(contextRefusal(get(utf8('ns-b')), utf8('ns-a'))).toBe(UNSUPPORTED_CONTEXT);
    expect(contextRefusal(get(), utf8('ns-a'))).toBe(UNSUPPORTED_CONTEXT);
    expect(contextRefusal(get(utf8('ns-a')), undefined)).toBe(UNSUPPORTED_CONTEXT);
  });

  it('checks every golden request that names a context, decoded from either byte order', () => {
    const named = goldens.filter((g) => g.pdu.context !== undefined && [5, 6, 7, 8].includes(g.pdu.type));
    expect(named.map((g) => g.pdu.type).sort()).toEqual([5, 6, 7, 8]);
    for (const g of named) {
      for (const bytes of [bytesOf(g.hex), littleEndianOf(g.hex)]) {
        const pdu = decodePdu(bytes);
        expect(contextRefusal(pdu, pdu.context)).toBeUndefined();
        expect(contextRefusal(pdu, utf8('elsewhere'))).toBe(UNSUPPORTED_CONTEXT);
        expect(contextRefusal(pdu, undefined)).toBe(UNSUPPORTED_CONTEXT);
      }
    }
  });

  it('does not judge the Set phases after TestSet, which carry no context', () => {
    for (const type of [PduType.CommitSet, PduType.UndoSet, PduType.CleanupSet] as const) {
      expect(contextRefusal({ type, sessionId: 1, transactionId: 1, packetId: 1 }, utf8('ns-a'))).toBeUndefined();
    }
  });
});
