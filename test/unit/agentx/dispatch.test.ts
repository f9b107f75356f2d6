import { describe, expect, it } from 'vitest';
import { dispatch, MAX_BULK_VARBINDS, type MibReader } from '../../../src/agentx/dispatch.js';
import { PduType, ResponseError, ValueType, type Oid, type Value, type VarBind } from '../../../src/agentx/pdu.js';

/** A MIB of instances 1.1 .. 1.N with Integer values, plus a poisoned OID that throws. */
function mib(n: number, poison?: Oid): MibReader {
  const oids: Oid[] = Array.from({ length: n }, (_, i) => [1, i + 1]);
  const cmp = (a: Oid, b: Oid): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return a.length - b.length;
  };
  const check = (o: Oid): void => {
    if (poison && cmp(o, poison) === 0) throw new Error('boom');
  };
  return {
    get(name: Oid): Value {
      check(name);
      const hit = oids.find((o) => cmp(o, name) === 0);
      return hit ? { type: ValueType.Integer, value: hit[1] as number } : { type: ValueType.NoSuchInstance };
    },
    getNext(start: Oid, include: boolean, end: Oid): VarBind {
      check(start);
      const hit = oids.find((o) => (include ? cmp(o, start) >= 0 : cmp(o, start) > 0));
      if (!hit || (end.length > 0 && cmp(hit, end) >= 0)) return { name: start, value: { type: ValueType.EndOfMibView } };
      return { name: hit, value: { type: ValueType.Integer, value: hit[1] as number } };
    },
  };
}

const ids = { sessionId: 1, transactionId: 2, packetId: 3 };
const range = (start: Oid, end: Oid = [], include = false) => ({ start, include, end });

describe('dispatch', () => {
  it('answers Get per varbind, with noSuchInstance where there is none', () => {
    const r = dispatch({ type: PduType.Get, ...ids, ranges: [range([1, 2]), range([1, 99])] }, mib(5));
    expect(r).toEqual({
      error: 0,
      index: 0,
      varbinds: [
        { name: [1, 2], value: { type: ValueType.Integer, value: 2 } },
        { name: [1, 99], value: { type: ValueType.NoSuchInstance } },
      ],
    });
  });

  it('GetBulk: non-repeaters once, repeaters for max-repetitions, stopping when all are at the end', () => {
    const r = dispatch(
      { type: PduType.GetBulk, ...ids, nonRepeaters: 1, maxRepetitions: 10, ranges: [range([1, 0]), range([1, 2]), range([1, 3], [1, 5])] },
      mib(6),
    );
    const names = r?.varbinds.map((v) => `${v.name.join('.')}${v.value.type === ValueType.EndOfMibView ? '!' : ''}`);
    // repeater A walks 1.3..1.6 then ends; repeater B is bounded by 1.5 (exclusive)
    expect(names).toEqual(['1.1', '1.3', '1.4', '1.4', '1.4!', '1.5', '1.4!', '1.6', '1.4!', '1.6!', '1.4!']);
  });

  it('caps a GetBulk response below snmpd packet limits', () => {
    const r = dispatch({ type: PduType.GetBulk, ...ids, nonRepeaters: 0, maxRepetitions: 65535, ranges: [range([1, 0])] }, mib(100000));
    expect(r?.varbinds.length).toBe(MAX_BULK_VARBINDS);
  });

  it('turns an exception into genErr at the failing varbind', () => {
    const r = dispatch({ type: PduType.GetNext, ...ids, ranges: [range([1, 1]), range([1, 2])] }, mib(5, [1, 2]));
    expect(r).toMatchObject({ error: ResponseError.genErr, index: 2 });
  });

  it('refuses TestSet with notWritable on the first varbind; no Response for CleanupSet', () => {
    const set = dispatch({ type: PduType.TestSet, ...ids, varbinds: [{ name: [1, 1], value: { type: ValueType.Integer, value: 1 } }] }, mib(1));
    expect(set).toEqual({ error: ResponseError.notWritable, index: 1, varbinds: [] });
    expect(dispatch({ type: PduType.CleanupSet, ...ids }, mib(1))).toBeUndefined();
  });
});
