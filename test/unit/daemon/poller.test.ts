import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DEMAND_WAIT_MS, Poller, type PollResult } from '../../../src/daemon/poller.js';
import { simSnapshot } from '../../../src/ipvs/sim-source.js';
import type { Snapshot } from '../../../src/ipvs/snapshot.js';
import type { Source } from '../../../src/ipvs/source.js';

/** A source whose reads the test settles by hand; close() fails a read in flight, as the netlink socket does. */
class ManualSource implements Source {
  readonly name: string;
  pending: { resolve: (s: Snapshot) => void; reject: (e: Error) => void } | undefined;
  reads = 0;
  closed = false;

  constructor(name = 'manual') {
    this.name = name;
  }

  read(): Promise<Snapshot> {
    this.reads++;
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  succeed(): void {
    const p = this.pending;
    this.pending = undefined;
    p?.resolve(simSnapshot({ services: 2, reals: 1, churn: 0, seed: 1 }, 0));
  }

  fail(message: string): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(Object.assign(new Error(message), { hint: 'modprobe ip_vs' }));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.fail('netlink: socket closed');
  }
}

function capture(): { log: pino.Logger; lines: () => { level: number; msg: string; err?: string }[] } {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(...chunk.toString().trim().split('\n'));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines: () => out.map((l) => JSON.parse(l) as { level: number; msg: string; err?: string }) };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Poller', () => {
  it('says ok only once the view made of a read serves: while it is being built the previous status stands', async () => {
    const { log } = capture();
    const src = new ManualSource();
    let finishBuild: (() => void) | undefined;
    const seenDuringBuild: string[] = [];
    const poller = new Poller(src, 1, log, (r) => {
      seenDuringBuild.push(poller.status.status);
      expect(r.snapshot.services).toHaveLength(2);
      // The read's own duration comes with it (the agent's debug line), the status still has the previous one.
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
      expect(r.durationMs).toBeLessThanOrEqual(performance.now() - startedAt);
      return new Promise<void>((resolve) => (finishBuild = resolve));
    });
    const startedAt = performance.now();
    poller.start();
    src.succeed();
    await tick();
    // The first read is being folded in: the empty view of "no data" still serves, and says so.
    expect(seenDuringBuild).toEqual(['noData']);
    expect(poller.status).toMatchObject({ status: 'noData', lastReadAt: undefined });
    finishBuild?.();
    await tick();
    expect(poller.status.status).toBe('ok');
    expect(poller.status.lastReadAt).toBeGreaterThan(0);
    await poller.stop();
  });

  it('a view that cannot be built leaves the status stale with the reason, not ok', async () => {
    const { log } = capture();
    const src = new ManualSource();
    let builds = 0;
    const poller = new Poller(src, 1, log, async () => {
      if (++builds === 2) throw new Error('out of memory');
    });
    poller.start();
    src.succeed();
    await tick();
    expect(poller.status.status).toBe('ok');
    await new Promise((r) => setTimeout(r, 5));
    src.succeed();
    await tick();
    expect(poller.status).toMatchObject({ status: 'stale', lastError: 'building the view: out of memory' });
    await poller.stop();
  });

  it('logs a failing source once, counts every failure, serves stale, and logs the recovery once', async () => {
    const { log, lines } = capture();
    const src = new ManualSource();
    const got: PollResult[] = [];
    const poller = new Poller(src, 1, log, async (r) => void got.push(r));
    poller.start();
    src.succeed();
    await tick();
    expect(poller.status.status).toBe('ok');
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 5));
      src.fail('IPVS_CMD_GET_INFO: ENOENT');
      await tick();
    }
    expect(poller.status).toMatchObject({ status: 'stale', readErrors: 3, lastError: 'IPVS_CMD_GET_INFO: ENOENT' });
    await new Promise((r) => setTimeout(r, 5));
    src.succeed();
    await tick();
    await poller.stop();
    expect(poller.status).toMatchObject({ status: 'ok', readErrors: 3, lastError: '' });
    expect(got).toHaveLength(2);
    const l = lines();
    expect(l.filter((x) => x.level === 50).map((x) => [x.msg, x.err])).toEqual([
      ['source read failed; serving the last snapshot (lvsAgentStatus stale) and retrying every interval', 'IPVS_CMD_GET_INFO: ENOENT'],
    ]);
    expect(l.filter((x) => x.msg === 'source read still failing')).toHaveLength(2);
    expect(l.filter((x) => x.msg === 'source readable again; serving fresh data')).toHaveLength(1);
  });

  it('keeps lvsAgentLastError printable ASCII and at most 255 characters whatever the error says', async () => {
    const { log } = capture();
    const src = new ManualSource();
    const poller = new Poller(src, 1, log, async () => {});
    poller.start();
    src.fail(`bytes \u0000\u00ff\ufffd\u001b[2J ${'z'.repeat(1000)}`);
    await tick();
    await poller.stop();
    const lastError = poller.status.lastError;
    expect(lastError).toMatch(/^bytes \\u0000\\u00ff\\ufffd\\u001b\[2J z+\.\.\.$/);
    expect(lastError).toMatch(/^[\x20-\x7e]*$/);
    expect(lastError).toHaveLength(255);
  });

  it('does not count or log as an error a read that stop() abandoned (SIGTERM during a read)', async () => {
    const { log, lines } = capture();
    const src = new ManualSource();
    const poller = new Poller(src, 1000, log, async () => {});
    poller.start();
    src.succeed();
    await tick();
    void poller.pollNow();
    expect(src.reads).toBe(2);
    // The second read is in flight now; shutting down closes the source under it.
    const reads = src.reads;
    await poller.stop();
    await tick();
    expect(src.closed).toBe(true);
    expect(poller.status).toMatchObject({ status: 'ok', readErrors: 0, lastError: '' });
    expect(lines().filter((x) => x.level >= 40)).toEqual([]);
    expect(lines().map((x) => x.msg)).toContain('read abandoned: its source was closed');
    await new Promise((r) => setTimeout(r, 20));
    expect(src.reads).toBe(reads);
  });

  it('does not count a read of the old source that replaceSource() closed (SIGHUP with a new source)', async () => {
    const { log, lines } = capture();
    const old = new ManualSource('old');
    const next = new ManualSource('next');
    const poller = new Poller(old, 1, log, async () => {});
    poller.start();
    expect(old.pending).toBeDefined();
    const replaced = poller.replaceSource(next);
    await new Promise((r) => setTimeout(r, 10));
    expect(old.closed).toBe(true);
    expect(next.pending).toBeDefined();
    next.succeed();
    await replaced;
    await tick();
    await poller.stop();
    expect(poller.status).toMatchObject({ source: 'next', status: 'ok', readErrors: 0 });
    expect(lines().filter((x) => x.level >= 40)).toEqual([]);
  });

  it('reads only on the idle cadence while nobody asks', async () => {
    const { log } = capture();
    const src = new ManualSource();
    const poller = new Poller(src, { intervalMs: 10, idleIntervalMs: 60 }, log, async () => {});
    poller.start();
    src.succeed();
    await tick();
    await new Promise((r) => setTimeout(r, 40));
    expect(src.reads).toBe(1); // the interval has passed, but nobody asked
    await new Promise((r) => setTimeout(r, 40));
    expect(src.reads).toBe(2); // the idle read
    src.succeed();
    await poller.stop();
  });

  it('starts a read when a request finds data older than the interval, and not before', async () => {
    const { log } = capture();
    const src = new ManualSource();
    const poller = new Poller(src, { intervalMs: 30, idleIntervalMs: 10_000 }, log, async () => {});
    poller.start();
    src.succeed();
    await tick();
    expect(poller.demand()).toBeUndefined(); // fresh: answered at once, no read
    expect(src.reads).toBe(1);
    await new Promise((r) => setTimeout(r, 40));
    const wait = poller.demand();
    expect(src.reads).toBe(2);
    expect(wait).toBeInstanceOf(Promise);
    expect(poller.demand()).toBe(wait); // one read for every request that comes meanwhile
    expect(src.reads).toBe(2);
    let settled = false;
    void wait?.then(() => (settled = true));
    src.succeed();
    await tick();
    expect(settled).toBe(true); // the request is answered as soon as the new view is in service
    expect(poller.demand()).toBeUndefined();
    await poller.stop();
  });

  it('lets a request wait for a read in progress at most 100 ms from its start', async () => {
    const { log } = capture();
    const src = new ManualSource();
    const poller = new Poller(src, { intervalMs: 1, idleIntervalMs: 10_000 }, log, async () => {});
    poller.start(); // this read never finishes on its own
    const started = performance.now();
    const wait = poller.demand();
    expect(wait).toBeDefined();
    await wait;
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(DEMAND_WAIT_MS - 2);
    expect(waited).toBeLessThan(DEMAND_WAIT_MS + 200);
    await new Promise((r) => setTimeout(r, 5)); // a timer may fire a fraction of a millisecond early
    expect(poller.demand()).toBeUndefined(); // later requests are answered at once from the view in service
    expect(src.reads).toBe(1);
    src.succeed();
    await poller.stop();
  });

  it('keeps a fixed clock when both intervals are the same', async () => {
    const { log } = capture();
    const src = new ManualSource();
    const poller = new Poller(src, { intervalMs: 15, idleIntervalMs: 15 }, log, async () => {});
    poller.start();
    for (let i = 0; i < 3; i++) {
      src.succeed();
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(src.reads).toBeGreaterThanOrEqual(3);
    src.succeed();
    await poller.stop();
  });
});
