import { describe, expect, it } from 'vitest';
import { encodePdu } from '../../../src/agentx/encode.js';
import { PduType, ResponseError, ValueType } from '../../../src/agentx/pdu.js';
import { KNOWN_OID, KNOWN_VALUE, nextEvent, SessionFixture, sessionTo, testMib } from './fake-master.js';
import { lvs } from './fixtures.js';
import { utf8 } from './hex.js';

/**
 * A session registered in a non-default context, seen from the master: Register, Ping and Notify carry the context
 * (NON_DEFAULT_CONTEXT), Open does not; a request in that context is answered in either byte order, a request in
 * any other context (the default one included) gets unsupportedContext without the MIB being read; and a session
 * in the default context refuses a request that names a context.
 */

const t = new SessionFixture();

function getIn(context: string | undefined, packetId: number, networkByteOrder = true, sessionId = 5): Buffer {
  return encodePdu(
    {
      type: PduType.Get,
      sessionId,
      transactionId: packetId,
      packetId,
      ...(context === undefined ? {} : { context: utf8(context) }),
      ranges: [{ start: KNOWN_OID, include: false, end: [] }],
    },
    { networkByteOrder },
  );
}

describe('a session in context "ns-a"', () => {
  it('registers in it: the context on Register, none on Open', async () => {
    t.session = sessionTo(t.master, { context: 'ns-a' });
    t.session.start();
    const side = await t.master.nextConnection();
    const open = await side.expect(PduType.Open);
    expect(open.context).toBeUndefined();
    side.respond(open, 5);
    const register = await side.expect(PduType.Register);
    expect(register).toMatchObject({ sessionId: 5, subtree: lvs(), context: utf8('ns-a') });
  });

  for (const networkByteOrder of [true, false]) {
    it(`answers a Get in its context (${networkByteOrder ? 'network byte order' : 'little endian'})`, async () => {
      const side = await t.open(5, { context: 'ns-a' });
      side.send(getIn('ns-a', 21, networkByteOrder));
      const answer = await side.expect(PduType.Response);
      expect(answer).toMatchObject({ packetId: 21, error: ResponseError.noAgentXError, varbinds: [{ name: KNOWN_OID, value: KNOWN_VALUE }] });
      expect(answer.context).toBeUndefined();
    });

    it(`answers unsupportedContext to another context or the default one, without reading (${networkByteOrder ? 'network byte order' : 'little endian'})`, async () => {
      let reads = 0;
      const side = await t.open(5, {
        context: 'ns-a',
        reader: () => {
          reads++;
          return testMib();
        },
      });
      side.send(Buffer.concat([getIn('ns-b', 22, networkByteOrder), getIn(undefined, 23, networkByteOrder), getIn('', 24, networkByteOrder)]));
      for (const packetId of [22, 23, 24]) {
        expect(await side.expect(PduType.Response)).toMatchObject({ packetId, error: ResponseError.unsupportedContext, index: 0, varbinds: [] });
      }
      expect(reads).toBe(0);
      // The session goes on serving its own context.
      side.send(getIn('ns-a', 25, networkByteOrder));
      expect(await side.expect(PduType.Response)).toMatchObject({ packetId: 25, error: 0 });
      expect(reads).toBe(1);
    });
  }

  it('pings in its context', async () => {
    const side = await t.open(5, { context: 'ns-a', pingIntervalMs: 30 });
    const ping = await side.expect(PduType.Ping);
    expect(ping).toMatchObject({ sessionId: 5, context: utf8('ns-a') });
    side.respond(ping, 5);
  });

  it('notifies in its context', async () => {
    const side = await t.open(5, { context: 'ns-a' });
    const sent = t.session.notify([{ name: [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0], value: { type: ValueType.ObjectIdentifier, value: lvs(0, 1) } }]);
    const notify = await side.expect(PduType.Notify);
    expect(notify.context).toStrictEqual(utf8('ns-a'));
    side.respond(notify, 5);
    expect((await sent).error).toBe(0);
  });
});

describe('a session in the default context', () => {
  it('registers without a context and refuses a request that names one', async () => {
    t.session = sessionTo(t.master);
    const ready = nextEvent(t.session, 'ready');
    t.session.start();
    const side = await t.master.nextConnection();
    const open = await side.expect(PduType.Open);
    side.respond(open, 5);
    const register = await side.expect(PduType.Register);
    expect(register.context).toBeUndefined();
    side.respond(register, 5);
    await ready;
    side.send(Buffer.concat([getIn('ns-a', 31), getIn(undefined, 32), getIn('', 33)]));
    expect(await side.expect(PduType.Response)).toMatchObject({ packetId: 31, error: ResponseError.unsupportedContext });
    expect(await side.expect(PduType.Response)).toMatchObject({ packetId: 32, error: 0 });
    // NON_DEFAULT_CONTEXT with a zero-length context names the default context.
    expect(await side.expect(PduType.Response)).toMatchObject({ packetId: 33, error: 0 });
  });
});
