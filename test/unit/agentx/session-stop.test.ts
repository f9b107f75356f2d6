import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseReason, PduType, ResponseError } from '../../../src/agentx/pdu.js';
import type { AgentXSession } from '../../../src/agentx/session.js';
import { FakeMaster, getRequest, nextEvent, sessionTo, type MasterSide } from './fake-master.js';

/**
 * stop() (SIGTERM): Close(shutdown) on an open session, a short wait for the master's Response, then the
 * connection is ended; the session never reconnects afterwards.
 */

let master: FakeMaster;
let session: AgentXSession;

beforeEach(async () => {
  master = new FakeMaster();
  await master.listen();
});

afterEach(async () => {
  await session.stop();
  await master.close();
});

async function openSession(sessionId: number): Promise<MasterSide> {
  session = sessionTo(master, { reconnectMinMs: 5, reconnectMaxMs: 5 });
  const ready = nextEvent(session, 'ready');
  session.start();
  const side = await master.nextConnection();
  await side.handshake(sessionId);
  await ready;
  return side;
}

describe('stop()', () => {
  it('sends Close(shutdown), and ends the connection once the master answers', async () => {
    const side = await openSession(3);
    const stopped = session.stop();
    const close = await side.expect(PduType.Close);
    expect(close).toMatchObject({ sessionId: 3, reason: CloseReason.shutdown });
    const started = performance.now();
    side.respond(close, 3);
    await stopped;
    expect(performance.now() - started).toBeLessThan(400); // did not sit out the 500 ms wait
    await side.closed;
    expect(side.ended).toBe(true); // an orderly end, not a reset
    expect(session.isReady).toBe(false);
  });

  it('waits 500 ms for a master that does not answer Close, then ends anyway', async () => {
    const side = await openSession(3);
    const started = performance.now();
    await session.stop();
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(480);
    expect(waited).toBeLessThan(1000);
    expect(await side.expect(PduType.Close)).toMatchObject({ reason: CloseReason.shutdown });
    await side.closed;
  });

  it('answers notOpen to requests that arrive while the Close is out', async () => {
    const side = await openSession(3);
    const stopped = session.stop();
    const close = await side.expect(PduType.Close);
    side.send(getRequest(3, 40));
    expect(await side.expect(PduType.Response)).toMatchObject({ packetId: 40, error: ResponseError.notOpen });
    side.respond(close, 3);
    await stopped;
  });

  it('does not reconnect afterwards', async () => {
    const side = await openSession(3);
    const stopping = session.stop();
    side.respond(await side.expect(PduType.Close), 3);
    await stopping;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(master.all).toHaveLength(1);
  });

  it('does not reconnect when the master hangs up on our Close', async () => {
    const side = await openSession(3);
    const stopped = session.stop();
    await side.expect(PduType.Close);
    side.socket.destroy();
    await stopped;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(master.all).toHaveLength(1);
  });

  it('during the handshake sends no Close and does not reconnect', async () => {
    session = sessionTo(master, { reconnectMinMs: 5, reconnectMaxMs: 5 });
    session.start();
    const side = await master.nextConnection();
    await side.expect(PduType.Open);
    await session.stop();
    await side.closed;
    expect(side.unread).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(master.all).toHaveLength(1);
  });

  it('while waiting to reconnect cancels the reconnect', async () => {
    const side = await openSession(3);
    session.setPingInterval(60_000);
    side.socket.destroy();
    await nextEvent(session, 'down');
    await session.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(master.all).toHaveLength(1);
  });
});
