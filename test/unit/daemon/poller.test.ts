import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Poller, type PollResult } from '../../../src/daemon/poller.js';
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
});
