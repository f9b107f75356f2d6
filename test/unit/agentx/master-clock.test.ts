import { describe, expect, it } from 'vitest';
import { MasterClock } from '../../../src/agentx/master-clock.js';

describe('MasterClock', () => {
  it('converts monotonic times to the master sysUpTime, 0 before the master started', () => {
    const c = new MasterClock();
    expect(c.timeStamp(5000)).toBe(0);
    c.observe(100, 2000); // sysUpTime 1.00 s at monotonic 2000 ms: master started at 1000
    expect(c.timeStamp(1234.5)).toBe(23);
    expect(c.timeStamp(999)).toBe(0);
    expect(c.sysUpTime(3000)).toBe(200);
  });

  it('keeps its anchor for the whole session: later Responses, with their own delays, move no TimeStamp', () => {
    const c = new MasterClock();
    c.observe(100, 1000);
    const before = c.timeStamp(1234.5);
    c.observe(250, 2509); // the same master, answering 9 ms later than the first time
    c.observe(400, 3995);
    expect(c.timeStamp(1234.5)).toBe(before);
  });

  it('keeps the anchor across a reconnect to the same master, takes a new one from a restarted master', () => {
    const c = new MasterClock();
    c.observe(100, 1000);
    const at = c.timeStamp(1234.5);
    c.reset();
    expect(c.timeStamp(1234.5)).toBe(0);
    c.observe(5000, 50_003); // same master, 3 ms of different delay
    expect(c.timeStamp(1234.5)).toBe(at);
    c.reset();
    c.observe(20, 60_000); // snmpd restarted: sysUpTime 0.20 s
    expect(c.timeStamp(59_900)).toBe(10);
    expect(c.timeStamp(1234.5)).toBe(0);
  });
});
