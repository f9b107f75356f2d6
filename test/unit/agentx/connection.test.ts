import net from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodePdu } from '../../../src/agentx/decode.js';
import { encodePdu } from '../../../src/agentx/encode.js';
import { Framer } from '../../../src/agentx/framer.js';
import { MasterClock } from '../../../src/agentx/master-clock.js';
import { PduType, type Pdu } from '../../../src/agentx/pdu.js';
import { AgentXSession, type SessionOptions } from '../../../src/agentx/session.js';
import { AGENTX_PERMS_LINE } from '../../../src/agentx/connect-hint.js';
import { captureLogger, DEBUG, testMib, WARN, type LogLine } from './fake-master.js';
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

  constructor(private readonly onData: (chunk: Uint8Array) => void) {
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
    this.failWith('ENOENT');
  }

  /** Fails the connect with errno `code`, as net.Socket reports it. */
  failWith(code: string): void {
    process.nextTick(() => this.socket.destroy(Object.assign(new Error(`connect ${code}`), { code })));
  }

  connect(): void {
    this.socket.emit('connect');
  }

  receive(bytes: Uint8Array): void {
    this.onData(Uint8Array.from(bytes));
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
    calibrationPings: 0,
    reader: () => testMib(),
    connect: (_address, onData) => {
      attempts.push(Date.now());
      const scripted = new ScriptedSocket(onData);
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

  it('to a TCP master is a host that cannot be reached, with a hint', async () => {
    const { logger, lines } = captureLogger();
    start(() => undefined, { logger, address: { kind: 'tcp', host: '192.0.2.7', port: 705 } });
    await vi.advanceTimersByTimeAsync(5000);
    expect(connectErrors(lines)[0]).toMatchObject({
      level: WARN,
      code: 'ETIMEDOUT',
      cause: 'tcp-unreachable',
      hint: '192.0.2.7 cannot be reached on port 705 (ETIMEDOUT): check the address, the route and any firewall',
    });
  });

  it('does not fire once connected', async () => {
    start(() => undefined, { responseTimeoutMs: 60_000 }); // the Open stays unanswered without timing out
    (sockets[0] as ScriptedSocket).connect();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(attempts).toHaveLength(1);
    expect((sockets[0] as ScriptedSocket).socket.destroyed).toBe(false);
  });
});

const connectErrors = (lines: readonly LogLine[]): LogLine[] => lines.filter((l) => l.msg === 'agentx connection error');
const MINUTE = 60_000;

/** Plays Open and Register on a scripted socket that has just connected. */
async function openOn(live: ScriptedSocket, sessionId: number): Promise<void> {
  live.connect();
  await vi.advanceTimersByTimeAsync(0);
  live.answerLast(sessionId); // Open
  await vi.advanceTimersByTimeAsync(0);
  live.answerLast(sessionId); // Register
  await vi.advanceTimersByTimeAsync(0);
}

describe('what an outage logs', () => {
  it('snmpd away for an hour: one warning with a hint, reminders at 1, 3, 7, 15, 25... min, one line when back', async () => {
    const { logger, lines } = captureLogger();
    let up = false;
    const s = start((scripted) => (up ? undefined : scripted.failWithEnoent()), { logger, now: () => Date.now() });
    const began = Date.now();
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(attempts.length).toBeGreaterThan(3500); // about one a second

    const warned = connectErrors(lines).filter((l) => l.level === WARN);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({
      code: 'ENOENT',
      cause: 'socket-missing',
      hint: 'no socket at /nonexistent/agentx/master: is snmpd running, with "master agentx" in snmpd.conf, and is its agentXSocket this path (default /var/agentx/master)?',
    });
    expect(connectErrors(lines).slice(1).every((l) => l.level === DEBUG)).toBe(true);
    const reminders = lines.filter((l) => l.msg === 'agentx still no session with master');
    // Each comes with the first failure at or after its time: within a reconnect delay (1 s) of it.
    expect(reminders.map((l) => Math.floor((l['downMs'] as number) / 1000))).toEqual([60, 180, 420, 900, 1500, 2100, 2700, 3300]);
    expect(reminders.every((l) => l.level === WARN && l['cause'] === 'socket-missing' && typeof l['hint'] === 'string')).toBe(true);

    up = true;
    await vi.advanceTimersByTimeAsync(1000);
    await openOn(sockets.at(-1) as ScriptedSocket, 4);
    expect(s.isReady).toBe(true);
    const restored = lines.filter((l) => l.msg === 'agentx connection to master restored');
    expect(restored).toHaveLength(1);
    expect(restored[0]).toMatchObject({ level: 30, causes: ['socket-missing'], failedAttempts: attempts.length - 1 });
    expect(Math.abs((restored[0]!['downMs'] as number) - (Date.now() - began))).toBeLessThanOrEqual(1000);
  });

  it('a new cause is news; one that comes back within the same outage is not', async () => {
    const { logger, lines } = captureLogger();
    const script = ['ENOENT', 'ENOENT', 'ECONNREFUSED', 'ECONNREFUSED', 'ENOENT', 'EACCES', 'ENOENT'];
    start((scripted, attempt) => scripted.failWith(script[attempt - 1] ?? 'ENOENT'), { logger, now: () => Date.now() });
    await vi.advanceTimersByTimeAsync(3000);
    const warned = connectErrors(lines).filter((l) => l.level === WARN);
    // The path does not exist by the time it is looked at: a refused connect there is taken for a stale socket.
    expect(warned.map((l) => l['cause'])).toEqual(['socket-missing', 'nobody-listening', 'permission-denied']);
    expect(warned[2]!['hint']).toContain(`add "${AGENTX_PERMS_LINE}" to snmpd.conf`);
  });

  it('a lost session starts an outage that ends with one info line', async () => {
    const { logger, lines } = captureLogger();
    const s = start((scripted, attempt) => (attempt === 1 || attempt === 4 ? undefined : scripted.failWithEnoent()), {
      logger,
      now: () => Date.now(),
    });
    await openOn(sockets[0] as ScriptedSocket, 1);
    expect(lines.some((l) => l.msg === 'agentx connection to master restored')).toBe(false); // the first open is no recovery
    (sockets[0] as ScriptedSocket).socket.destroy();
    await vi.advanceTimersByTimeAsync(50 + 100 + 200);
    expect(attempts).toHaveLength(4);
    await openOn(sockets[3] as ScriptedSocket, 2);
    expect(s.isReady).toBe(true);
    expect(lines.filter((l) => l.msg === 'agentx connection to master lost; reconnecting')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'agentx connection to master restored')).toEqual([
      expect.objectContaining({ downMs: 350, failedAttempts: 2, causes: ['socket-missing'] }),
    ]);
  });
});

describe('a TCP master address', () => {
  const exposed = (lines: readonly LogLine[]): LogLine[] =>
    lines.filter((l) => l.msg === 'agentx master address is not loopback: AgentX over TCP is unauthenticated');

  it('that other hosts may reach is warned about once, at start', async () => {
    const { logger, lines } = captureLogger();
    start((scripted) => scripted.failWith('ECONNREFUSED'), { logger, address: { kind: 'tcp', host: '192.0.2.7', port: 705 } });
    await vi.advanceTimersByTimeAsync(3000);
    expect(exposed(lines)).toHaveLength(1);
    expect(exposed(lines)[0]).toMatchObject({ level: WARN, hint: expect.stringMatching(/no authentication \(RFC 2741, Security Considerations\): anyone who can reach 192\.0\.2\.7 port 705/) });
    expect(connectErrors(lines)[0]).toMatchObject({ cause: 'tcp-refused' });
  });

  it('on loopback is not', async () => {
    for (const host of ['localhost', '127.0.0.1', '::1']) {
      const { logger, lines } = captureLogger();
      start((scripted) => scripted.failWith('ECONNREFUSED'), { logger, address: { kind: 'tcp', host, port: 705 } });
      await vi.advanceTimersByTimeAsync(100);
      expect(exposed(lines)).toEqual([]);
      await session?.stop();
    }
  });
});
