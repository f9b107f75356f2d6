import { describe, expect, it } from 'vitest';
import { MasterClock } from '../../../src/agentx/master-clock.js';
import { mulberry32 } from '../seeded-random.js';

/** A master that started at monotonic time `start`: its sysUpTime at `at`, as snmpd rounds it (down). */
const upAt = (start: number, at: number): number => Math.floor((at - start) / 10);

describe('MasterClock', () => {
  it('converts monotonic times to the master sysUpTime, 0 before the master started', () => {
    const c = new MasterClock();
    expect(c.timeStamp(5000)).toBe(0);
    c.observe(100, 1999, 2000); // sysUpTime 1.00 s read between 1999 and 2000: started in (989, 1000]
    expect(c.timeStamp(1234.5)).toBe(23);
    expect(c.timeStamp(990)).toBe(0);
    expect(c.sysUpTime(3000)).toBe(200);
  });

  it('keeps its anchor for the whole session: later Responses, with their own delays, move no TimeStamp', () => {
    const c = new MasterClock();
    c.observe(100, 999, 1001);
    const before = c.timeStamp(1234.5);
    c.observe(250, 2500, 2509); // answering 9 ms later than the first time
    c.observe(400, 3995, 3995.5);
    c.observe(550, 5503, 5504);
    expect(c.timeStamp(1234.5)).toBe(before);
  });

  it('moves the anchor of a slow first answer once the next Responses prove it wrong', () => {
    // The master started at 1000. The Response to Open was read at 6000 (sysUpTime 500) and taken in at 6300,
    // behind a busy event loop: the first anchor is the latest start that allows, 1300.
    const c = new MasterClock();
    c.observe(500, 5999, 6300);
    expect(c.uncertain).toBe(true);
    expect(c.sysUpTime(7000)).toBeLessThan(590);
    c.observe(550, 6500, 6501); // a Ping answered at once: started in (990, 1001]
    expect(c.uncertain).toBe(false);
    expect(c.sysUpTime(7005)).toBe(600);
    expect(c.timeStamp(6005)).toBe(500);
  });

  it('never serves a TimeStamp ahead of the master, and within three ticks of it after a prompt answer', () => {
    const random = mulberry32(2741);
    for (let run = 0; run < 500; run++) {
      const start = 1000 + random() * 1e6;
      const c = new MasterClock();
      let now = start + 10 + random() * 1e5;
      let prompt = false;
      for (let i = 0; i < 20; i++) {
        now += 1 + random() * 15_000;
        const readDelay = random() < 0.3 ? random() * 300 : random() * 2;
        const intakeDelay = random() < 0.3 ? random() * 300 : random() * 2;
        c.observe(upAt(start, now + readDelay), now, now + readDelay + intakeDelay);
        prompt ||= readDelay + intakeDelay <= 2;
        now += readDelay + intakeDelay;
        const at = now + random() * 1000;
        expect(c.timeStamp(at)).toBeLessThanOrEqual(upAt(start, at));
        if (prompt) expect(upAt(start, at) - c.timeStamp(at)).toBeLessThanOrEqual(3);
      }
    }
  });

  it('keeps the anchor across a reconnect to the same master, takes a new one from a restarted master', () => {
    const c = new MasterClock();
    c.observe(100, 999, 1001);
    const at = c.timeStamp(1234.5);
    c.reset();
    expect(c.timeStamp(1234.5)).toBe(0);
    c.observe(5000, 50_000, 50_003); // same master, 3 ms of different delay
    expect(c.timeStamp(1234.5)).toBe(at);
    c.reset();
    c.observe(20, 59_999, 60_000); // snmpd restarted: sysUpTime 0.20 s
    expect(c.timeStamp(59_900)).toBe(10);
    expect(c.timeStamp(1234.5)).toBe(0);
  });
});
