import net from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodePdu } from '../../../src/agentx/decode.js';
import { encodePdu } from '../../../src/agentx/encode.js';
import { Framer } from '../../../src/agentx/framer.js';
import { MasterClock } from '../../../src/agentx/master-clock.js';
import { PduType, type Pdu } from '../../../src/agentx/pdu.js';
import { AgentXSession, type SessionOptions } from '../../../src/agentx/session.js';
import { captureLogger, testMib } from './fake-master.js';
import { lvs } from './fixtures.js';

/**
 * The connection lifecycle's timing, under fake timers: reconnect delays double from reconnectMinMs and stop at
 * reconnectMaxMs, start again from the minimum once a session was established, and a connect that never
 * completes is given up after 5 s. The sockets are scripted (no I/O), so every delay is exact.
 */

/** A socket that never touches the network: the test makes it connect, fail, receive, and reads what it wrote. */
class ScriptedSocket {
  readonly socket = new net.Socket();
  readonly written: Pdu[] = [];
  private readonly framer = new Framer();

  constructor() {
    this.socket.write = ((bytes: Uint8Array) => {
      for (const frame of this.framer.push(bytes)) this.written.push(decodePdu(frame));
      return true;
    }) as net.Socket['write'];
    // Ending a socket that never had a handle would wait for a connect that never comes.
    this.socket.end = ((done?: () => void) => {
      this.socket.destroy();
      done?.();
      return this.socket;
    }) as net.Socket['end'];
  }

  /** Fails the way connecting to a missing Unix socket fails. */
  failWithEnoent(): void {
    process.nextTick(() => this.socket.destroy(Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' })));
  }

  connect(): void {
    this.socket.emit('connect');
  }

  receive(bytes: Uint8Array): void {
    this.socket.emit('data', Buffer.from(bytes));
  }

  /** Answers the last PDU written. */
  answerLast(sessionId: number): void {
    const to = this.written.at(-1);
    if (!to) throw new Error('nothing written to answer');
    this.receive(
      encodePdu({
        type: PduType.Response,
        sessionId,
        transactionId: to.transactionId,
        packetId: to.packetId,
        sysUpTime: 100,
        error: 0,
        index: 0,
        varbinds: [],
      }),
    );
  }
}

let session: AgentXSession | undefined;
/** Fake-clock time of every connect attempt. */
let attempts: number[];
let sockets: ScriptedSocket[];

function start(behave: (s: ScriptedSocket, attempt: number) => void, options: Partial<SessionOptions> = {}): AgentXSession {
  const s = new AgentXSession({
    address: { kind: 'unix', path: '/nonexistent/agentx/master' },
    description: 'backoff test',
    id: lvs(),
    subtree: lvs(),
    logger: pino({ level: 'silent' }),
    clock: new MasterClock(),
    reader: () => testMib(),
    connect: () => {
      attempts.push(Date.now());
      const scripted = new ScriptedSocket();
      sockets.push(scripted);
      behave(scripted, attempts.length);
      return scripted.socket;
    },
    ...options,
  });
  session = s;
  s.start();
  return s;
}

function delays(): number[] {
  return attempts.slice(1).map((t, i) => t - (attempts[i] as number));
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  attempts = [];
  sockets = [];
});

afterEach(async () => {
  const stopping = session?.stop();
  await vi.runAllTimersAsync();
  await stopping;
  session = undefined;
  vi.useRealTimers();
});

describe('reconnect backoff', () => {
  it('doubles from 50 ms and stays at the 1000 ms cap (the defaults)', async () => {
    start((s) => s.failWithEnoent());
    await vi.advanceTimersByTimeAsync(6000);
    expect(delays().slice(0, 9)).toEqual([50, 100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  it('follows reconnectMinMs and reconnectMaxMs', async () => {
    start((s) => s.failWithEnoent(), { reconnectMinMs: 3, reconnectMaxMs: 20 });
    await vi.advanceTimersByTimeAsync(200);
    expect(delays().slice(0, 7)).toEqual([3, 6, 12, 20, 20, 20, 20]);
  });

  it('starts again from the minimum once a session was established', async () => {
    // Three failures, then a connection that opens and registers, then loses the master.
    const s = start((scripted, attempt) => {
      if (attempt !== 4) scripted.failWithEnoent();
    });
    await vi.advanceTimersByTimeAsync(50 + 100 + 200);
    expect(attempts).toHaveLength(4);
    const live = sockets[3] as ScriptedSocket;
    live.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(live.written.at(-1)?.type).toBe(PduType.Open);
    live.answerLast(9);
    await vi.advanceTimersByTimeAsync(0);
    expect(live.written.at(-1)?.type).toBe(PduType.Register);
    live.answerLast(9);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.isReady).toBe(true);

    live.socket.destroy();
    await vi.advanceTimersByTimeAsync(1000);
    // Without the reset the fifth attempt would wait 400 ms.
    expect(delays().slice(0, 6)).toEqual([50, 100, 200, 50, 100, 200]);
  });
});

describe('connect timeout', () => {
  it('gives up on a connect that never completes after 5 s, and tries again', async () => {
    const { logger, lines } = captureLogger();
    start(() => undefined, { logger });
    await vi.advanceTimersByTimeAsync(4999);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1 + 50);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]! - attempts[0]!).toBe(5050);
    expect(lines.some((l) => l.msg === 'agentx connection error' && l['err'] === 'connect timed out after 5 s')).toBe(true);
  });

  it('does not fire once connected', async () => {
    start(() => undefined, { responseTimeoutMs: 60_000 }); // the Open stays unanswered without timing out
    (sockets[0] as ScriptedSocket).connect();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(attempts).toHaveLength(1);
    expect((sockets[0] as ScriptedSocket).socket.destroyed).toBe(false);
  });
});
