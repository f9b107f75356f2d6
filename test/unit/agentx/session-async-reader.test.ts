import pino, { type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import type { MibReader } from '../../../src/agentx/dispatch.js';
import { PduType, ResponseError, ValueType } from '../../../src/agentx/pdu.js';
import type { AgentXSession } from '../../../src/agentx/session.js';
import { captureLogger, getRequest, KNOWN_OID, nextEvent, SessionFixture, testMib, type MasterSide } from './fake-master.js';
import { lvs } from './fixtures.js';

/**
 * SessionOptions.reader may return a Promise (the daemon waiting for a fresh view): over a real socket, requests
 * are still answered in arrival order, an answer for a connection that is gone never reaches the next one, and a
 * rejected reader is answered genErr.
 */

const t = new SessionFixture();

/** What the reader returns, in order, one per request (made when asked); testMib(99) once the list is used up. */
function openWith(
  readers: (() => MibReader | Promise<MibReader>)[],
  sessionId = 1,
  logger: Logger = pino({ level: 'silent' }),
): Promise<MasterSide> {
  return t.open(sessionId, { reader: () => readers.shift()?.() ?? testMib(99), logger });
}

function later<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

const OTHER = lvs(7, 0);
const tagOf = (tag: number): { type: typeof ValueType.Integer; value: number } => ({ type: ValueType.Integer, value: tag });

describe('an asynchronous reader', () => {
  it('answers in arrival order, each request from its own view', async () => {
    const slow = later<MibReader>();
    const side = await openWith([() => slow.promise, () => testMib(2), () => Promise.resolve(testMib(3))]);
    side.send(Buffer.concat([getRequest(1, 1, OTHER), getRequest(1, 2, OTHER), getRequest(1, 3, OTHER)]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(side.unread).toEqual([]); // 2 and 3 wait behind 1
    slow.resolve(testMib(1));
    const answers = [await side.expect(PduType.Response), await side.expect(PduType.Response), await side.expect(PduType.Response)];
    expect(answers.map((a) => a.packetId)).toEqual([1, 2, 3]);
    expect(answers.map((a) => a.varbinds[0]?.value)).toEqual([tagOf(1), tagOf(2), tagOf(3)]);
  });

  it('drops the answer when the connection is gone before the view comes; the new session is answered normally', async () => {
    const slow = later<MibReader>();
    const { logger, lines } = captureLogger();
    const first = await openWith([() => slow.promise], 1, logger);
    first.send(getRequest(1, 21, OTHER));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const ready = nextEvent(t.session as AgentXSession, 'ready');
    first.socket.destroy();
    const second = await t.master.nextConnection();
    await second.handshake(2);
    await ready;
    slow.resolve(testMib(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    second.send(getRequest(2, 22, OTHER));
    const answer = await second.expect(PduType.Response);
    expect(answer).toMatchObject({ sessionId: 2, packetId: 22, error: 0 });
    expect(answer.varbinds[0]?.value).toEqual(tagOf(99));
    expect(second.unread).toEqual([]); // packet 21 never arrived here
    expect(lines.some((l) => l.msg === 'agentx: session gone while the MIB reader was pending; answer dropped' && l['packetId'] === 21)).toBe(
      true,
    );
  });

  it('drops the answer when the session is closed (stop) before the view comes', async () => {
    const slow = later<MibReader>();
    const side = await openWith([() => slow.promise]);
    side.send(getRequest(1, 41, OTHER));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stopped = (t.session as AgentXSession).stop();
    const close = await side.expect(PduType.Close);
    slow.resolve(testMib(1)); // while our Close is out, the connection still up
    await new Promise((resolve) => setTimeout(resolve, 20));
    side.respond(close, 1);
    await stopped;
    await side.closed;
    expect(side.unread).toEqual([]);
  });

  it('that rejects is answered genErr at index 1, and later requests still get answers', async () => {
    const side = await openWith([() => Promise.reject(new Error('no view'))]);
    side.send(Buffer.concat([getRequest(1, 31), getRequest(1, 32)]));
    const failed = await side.expect(PduType.Response);
    expect(failed).toMatchObject({ packetId: 31, error: ResponseError.genErr, index: 1 });
    expect(failed.varbinds).toEqual([{ name: KNOWN_OID, value: { type: ValueType.Null } }]);
    expect(await side.expect(PduType.Response)).toMatchObject({ packetId: 32, error: 0 });
  });
});
