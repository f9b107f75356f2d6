import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { encodePdu } from '../../../src/agentx/encode.js';
import { MasterClock } from '../../../src/agentx/master-clock.js';
import { PduType, type Pdu } from '../../../src/agentx/pdu.js';
import { nextEvent, SessionFixture, sessionTo, type MasterSide } from './fake-master.js';

/**
 * Calibration Pings (protocol.ts calibrate()): when the master's Responses to Open and Register came back slowly
 * (the event loop was busy, or the master was), the session Pings right away instead of waiting for the first
 * keep-alive Ping, so TimeStamps are in the master's timebase from the first second; and it stops after
 * calibrationPings of them. The master here has a moving sysUpTime, started 100 s before the test.
 */

const t = new SessionFixture();

const masterStart = performance.now() - 100_000;
const uptime = (): number => Math.floor((performance.now() - masterStart) / 10);

function answer(side: MasterSide, to: Pdu, sessionId: number, sysUpTime: number): void {
  side.send(
    encodePdu({ type: PduType.Response, sessionId, transactionId: to.transactionId, packetId: to.packetId, sysUpTime, error: 0, index: 0, varbinds: [] }),
  );
}

/** Answers `to` `delayMs` late, with the sysUpTime of when the master took it: as a busy event loop sees it. */
async function answerLate(side: MasterSide, to: Pdu, delayMs: number): Promise<void> {
  const readAt = uptime();
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  answer(side, to, 3, readAt);
}

/** Resolves once `done` holds or the subagent sent another PDU (checked every 5 ms, for at most 2 s). */
async function settled(done: () => boolean, side: MasterSide): Promise<void> {
  const deadline = performance.now() + 2000;
  while (!done() && side.unread.length === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Opens a session whose Open and Register are both answered `delayMs` late. */
async function slowHandshake(clock: MasterClock, calibrationPings: number, delayMs: number): Promise<MasterSide> {
  t.session = sessionTo(t.master, { clock, calibrationPings });
  const ready = nextEvent(t.session, 'ready');
  t.session.start();
  const side = await t.master.nextConnection();
  await answerLate(side, await side.expect(PduType.Open), delayMs);
  await answerLate(side, await side.expect(PduType.Register), delayMs);
  await ready;
  return side;
}

describe('calibration Pings', () => {
  it('after slow answers to Open and Register: Pings at once, and TimeStamps agree with the master', async () => {
    const clock = new MasterClock();
    const side = await slowHandshake(clock, 5, 300);
    // Both answers late: where the master started is known only to within 300 ms, the anchor is off by ~150 ms.
    expect(clock.uncertain).toBe(true);
    expect(Math.abs(clock.sysUpTime(performance.now()) - uptime())).toBeGreaterThanOrEqual(5);
    for (let i = 0; i < 5 && clock.uncertain; i++) {
      answer(side, await side.expect(PduType.Ping, 3000), 3, uptime());
      await settled(() => !clock.uncertain, side); // the answer taken in, or the next Ping on its way
    }
    expect(clock.uncertain).toBe(false);
    expect(Math.abs(clock.sysUpTime(performance.now()) - uptime())).toBeLessThanOrEqual(3);
  });

  it('stops after calibrationPings, however slowly the master answers', async () => {
    const clock = new MasterClock();
    const side = await slowHandshake(clock, 3, 100);
    for (let i = 0; i < 3; i++) await answerLate(side, await side.expect(PduType.Ping, 2000), 60);
    await expect(side.next(2000)).rejects.toThrow('no PDU');
    expect(clock.uncertain).toBe(true);
  });

  it('sends none when calibrationPings is 0', async () => {
    const side = await slowHandshake(new MasterClock(), 0, 100);
    await expect(side.next(500)).rejects.toThrow('no PDU');
  });
});
