import { describe, expect, it } from 'vitest';
import { CloseReason, PduType, ResponseError } from '../../../src/agentx/pdu.js';
import { getRequest, nextEvent, SessionFixture, sessionTo, type MasterSide } from './fake-master.js';

/**
 * stop() (SIGTERM): Close(shutdown) on an open session, a short wait for the master's Response, then the
 * connection is ended; the session never reconnects afterwards.
 */

const t = new SessionFixture();

function openSession(sessionId: number): Promise<MasterSide> {
  return t.open(sessionId, { reconnectMinMs: 5, reconnectMaxMs: 5 });
}

describe('stop()', () => {
  it('sends Close(shutdown), and ends the connection once the master answers', async () => {
    const side = await openSession(3);
    const stopped = t.session.stop();
    const close = await side.expect(PduType.Close);
    expect(close).toMatchObject({ sessionId: 3, reason: CloseReason.shutdown });
    const started = performance.now();
    side.respond(close, 3);
    await stopped;
    expect(performance.now() - started).toBeLessThan(400); // did not sit out the 500 ms wait
    await side.closed;
    expect(side.ended).toBe(true); // an orderly end, not a reset
    expect(t.session.isReady).toBe(false);
  });

  it('waits 500 ms for a master that does not answer Close, then ends anyway', async () => {
    const side = await openSession(3);
    const started = performance.now();
    await t.session.stop();
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(480);
    expect(waited).toBeLessThan(1000);
    expect(await side.expect(PduType.Close)).toMatchObject({ reason: CloseReason.shutdown });
    await side.closed;
  });

  it('answers notOpen to requests that arrive while the Close is out', async () => {
    const side = await openSession(3);
    const stopped = t.session.stop();
    const close = await side.expect(PduType.Close);
    side.send(getRequest(3, 40));
    expect(await side.expect(PduType.Response)).toMatchObject({ packetId: 40, error: ResponseError.notOpen });
    side.respond(close, 3);
    await stopped;
  });

  it('does not reconnect afterwards', async () => {
    const side = await openSession(3);
    const stopping = t.session.stop();
    side.respond(await side.expect(PduType.Close), 3);
    await stopping;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.master.all).toHaveLength(1);
  });

  it('does not reconnect when the master hangs up on our Close', async () => {
    const side = await openSession(3);
    const stopped = t.session.stop();
    await side.expect(PduType.Close);
    side.socket.destroy();
    await stopped;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.master.all).toHaveLength(1);
  });

  it('during the handshake sends no Close and does not reconnect', async () => {
    t.session = sessionTo(t.master, { reconnectMinMs: 5, reconnectMaxMs: 5 });
    t.session.start();
    const side = await t.master.nextConnection();
    await side.expect(PduType.Open);
    await t.session.stop();
    await side.closed;
    expect(side.unread).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.master.all).toHaveLength(1);
  });

  it('while waiting to reconnect cancels the reconnect', async () => {
    const side = await openSession(3);
    t.session.setPingInterval(60_000);
    side.socket.destroy();
    await nextEvent(t.session, 'down');
    await t.session.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.master.all).toHaveLength(1);
  });
});
