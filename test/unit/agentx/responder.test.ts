import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { MibReader, ResponseBody } from '../../../src/agentx/dispatch.js';
import { PduType, ResponseError, ValueType, type Header, type Oid } from '../../../src/agentx/pdu.js';
import { Responder, type ReadMib, type RequestPdu } from '../../../src/agentx/responder.js';
import { KNOWN_OID, KNOWN_VALUE, testMib } from './fake-master.js';
import { lvs } from './fixtures.js';

/**
 * The Responder without a socket: a synchronous reader is answered on the spot; a reader's Promise holds its
 * request and everything after it, in arrival order; an answer whose session is gone is dropped; a rejected
 * reader is answered genErr.
 */

interface Answer {
  readonly packetId: number;
  readonly body: ResponseBody;
}

/** A Responder on session `sessionId`, recording its answers. */
function responder(readMib: ReadMib, sessionId = 1): {
  responder: Responder;
  answers: Answer[];
  failures: unknown[];
  session: { open: number | undefined };
} {
  const answers: Answer[] = [];
  const failures: unknown[] = [];
  const session = { open: sessionId as number | undefined };
  const r = new Responder(
    readMib,
    {
      openSessionId: () => session.open,
      respond: (to: Header, body: ResponseBody) => answers.push({ packetId: to.packetId, body }),
      fail: (err) => failures.push(err),
    },
    pino({ level: 'silent' }),
  );
  return { responder: r, answers, failures, session };
}

function get(packetId: number, oid: Oid = KNOWN_OID, sessionId = 1): RequestPdu {
  return { type: PduType.Get, sessionId, transactionId: 0, packetId, ranges: [{ start: oid, include: false, end: [] }] };
}

/** A Promise the test settles by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('a synchronous reader', () => {
  it('is answered before answer() returns, one reader call per request', () => {
    let calls = 0;
    const { responder: r, answers } = responder(() => {
      calls++;
      return testMib();
    });
    r.answer(get(1));
    expect(answers).toEqual([{ packetId: 1, body: { error: 0, index: 0, varbinds: [{ name: KNOWN_OID, value: KNOWN_VALUE }] } }]);
    r.answer(get(2));
    expect(answers).toHaveLength(2);
    expect(calls).toBe(2);
  });

  it('is not asked for a request on a session that is not open: notOpen', () => {
    let calls = 0;
    const { responder: r, answers, session } = responder(() => {
      calls++;
      return testMib();
    });
    r.answer(get(1, KNOWN_OID, 2));
    session.open = undefined;
    r.answer(get(2));
    expect(answers.map((a) => a.body.error)).toEqual([ResponseError.notOpen, ResponseError.notOpen]);
    expect(calls).toBe(0);
  });
});

describe('a reader that returns a Promise', () => {
  it('holds its request, and the ones after it, answering in arrival order from each its own view', async () => {
    const slow = deferred<MibReader>();
    const readers: (MibReader | Promise<MibReader>)[] = [slow.promise, testMib(2), Promise.resolve(testMib(3))];
    const { responder: r, answers } = responder(() => readers.shift() ?? testMib(4));
    const other = lvs(7, 0);
    r.answer(get(1, other)); // waits for `slow`
    r.answer(get(2, other)); // synchronous reader, but queued behind 1
    r.answer(get(3, other)); // resolved Promise, queued behind 1
    await flush();
    expect(answers).toEqual([]);
    slow.resolve(testMib(1));
    await flush();
    expect(answers.map((a) => a.packetId)).toEqual([1, 2, 3]);
    expect(answers.map((a) => a.body.varbinds[0]?.value)).toEqual([1, 2, 3].map((tag) => ({ type: ValueType.Integer, value: tag })));
    // Nothing pending any more: synchronous again.
    r.answer(get(4, other));
    expect(answers.map((a) => a.packetId)).toEqual([1, 2, 3, 4]);
  });

  it('asks the reader for each queued request only when its turn comes', async () => {
    const slow = deferred<MibReader>();
    let calls = 0;
    const { responder: r } = responder(() => (++calls === 1 ? slow.promise : testMib()));
    r.answer(get(1));
    r.answer(get(2));
    expect(calls).toBe(1);
    slow.resolve(testMib());
    await flush();
    expect(calls).toBe(2);
  });

  it('drops the answer, and the queue, when the session is gone by the time it resolves', async () => {
    const slow = deferred<MibReader>();
    let first = true;
    const { responder: r, answers, session } = responder(() => {
      if (!first) return testMib();
      first = false;
      return slow.promise;
    });
    r.answer(get(1));
    r.answer(get(2));
    session.open = 2; // a new session (reconnected) meanwhile
    slow.resolve(testMib());
    await flush();
    expect(answers).toEqual([]);
    r.answer(get(3, KNOWN_OID, 2));
    expect(answers.map((a) => a.packetId)).toEqual([3]);
    // What was queued on the old session stays dropped, even behind the next wait.
    const next = deferred<MibReader>();
    const { responder: r2, answers: answers2, session: session2 } = responder(() => next.promise);
    r2.answer(get(1));
    r2.answer(get(2));
    session2.open = 2;
    next.resolve(testMib());
    await flush();
    r2.answer(get(3, KNOWN_OID, 2));
    await flush();
    expect(answers2.map((a) => a.packetId)).toEqual([3]);
  });

  it('rejecting: genErr at the first varbind, the request varbinds repeated', async () => {
    const { responder: r, answers } = responder(() => Promise.reject(new Error('no view')));
    r.answer({
      type: PduType.GetNext,
      sessionId: 1,
      transactionId: 0,
      packetId: 5,
      ranges: [
        { start: lvs(1), include: false, end: [] },
        { start: lvs(2), include: true, end: lvs(3) },
      ],
    });
    r.answer({ type: PduType.Get, sessionId: 1, transactionId: 0, packetId: 6, ranges: [] });
    r.answer({ type: PduType.TestSet, sessionId: 1, transactionId: 0, packetId: 7, varbinds: [{ name: lvs(4), value: { type: ValueType.Integer, value: 1 } }] });
    r.answer({ type: PduType.CleanupSet, sessionId: 1, transactionId: 0, packetId: 8 });
    r.answer(get(9));
    await flush();
    expect(answers).toEqual([
      {
        packetId: 5,
        body: {
          error: ResponseError.genErr,
          index: 1,
          varbinds: [
            { name: lvs(1), value: { type: ValueType.Null } },
            { name: lvs(2), value: { type: ValueType.Null } },
          ],
        },
      },
      { packetId: 6, body: { error: ResponseError.genErr, index: 0, varbinds: [] } },
      { packetId: 7, body: { error: ResponseError.genErr, index: 1, varbinds: [{ name: lvs(4), value: { type: ValueType.Null } }] } },
      // 8, CleanupSet: never a Response.
      { packetId: 9, body: { error: ResponseError.genErr, index: 1, varbinds: [{ name: KNOWN_OID, value: { type: ValueType.Null } }] } },
    ]);
  });

  it('whose request then throws: the failure is reported, nothing escapes', async () => {
    const { responder: r, answers, failures } = responder(() => Promise.resolve(testMib()));
    const broken = { ...get(1), ranges: undefined } as unknown as RequestPdu; // dispatch cannot read it
    r.answer(broken);
    await flush();
    expect(answers).toEqual([]);
    expect(failures).toHaveLength(1);
  });
});
