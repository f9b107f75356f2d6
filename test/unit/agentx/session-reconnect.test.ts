import { linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodePdu } from '../../../src/agentx/encode.js';
import { CloseReason, PduType } from '../../../src/agentx/pdu.js';
import { captureLogger, DEBUG, FakeMaster, nextEvent, SessionFixture, sessionTo, WARN, type LogLine } from './fake-master.js';

/**
 * The session keeps itself alive: whatever ends a connection — the master dropping it, no Response in time, the
 * socket file missing while snmpd restarts, a Close from the master, a Ping unanswered — it connects again,
 * opens a new session and registers again.
 */

const t = new SessionFixture(false);

/** Resolves once `done` holds (checked every 5 ms): a count of reconnect attempts, not a guess of how long they take. */
async function until(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const connectErrors = (lines: readonly LogLine[], code: string): LogLine[] =>
  lines.filter((l) => l.msg === 'agentx connection error' && l['code'] === code);

describe('reconnecting', () => {
  it('after the master drops the connection: down, then a new session', async () => {
    await t.master.listen();
    t.session = sessionTo(t.master);
    const ready = nextEvent(t.session, 'ready');
    t.session.start();
    const first = await t.master.nextConnection();
    await first.handshake(1);
    expect(await ready).toBe(1);
    expect(t.session.isReady).toBe(true);

    const down = nextEvent(t.session, 'down');
    const readyAgain = nextEvent(t.session, 'ready');
    first.socket.destroy();
    expect(await down).toBe('connection lost');
    expect(t.session.isReady).toBe(false);
    const second = await t.master.nextConnection();
    await second.handshake(2);
    expect(await readyAgain).toBe(2);
    expect(t.session.isReady).toBe(true);
  });

  it('after the master leaves our Open unanswered past responseTimeoutMs', async () => {
    await t.master.listen();
    const { logger, lines } = captureLogger();
    t.session = sessionTo(t.master, { responseTimeoutMs: 100, logger });
    t.session.start();
    const first = await t.master.nextConnection();
    await first.expect(PduType.Open);
    await first.closed; // the subagent gave up on this connection
    expect(lines.some((l) => l.msg === 'agentx handshake failed; will reconnect' && /no response to Open within 100 ms/.test(String(l['err'])))).toBe(true);

    const ready = nextEvent(t.session, 'ready');
    const second = await t.master.nextConnection();
    await second.handshake(5);
    expect(await ready).toBe(5);
  });

  it('after the master refuses Register, on a new connection', async () => {
    await t.master.listen();
    const { logger, lines } = captureLogger();
    t.session = sessionTo(t.master, { logger });
    const readies: (number | string)[] = [];
    t.session.on('ready', (id) => readies.push(id));
    t.session.start();
    const first = await t.master.nextConnection();
    first.respond(await first.expect(PduType.Open), 1);
    first.respond(await first.expect(PduType.Register), 1, 263); // duplicateRegistration
    await first.closed;
    expect(lines.some((l) => l.msg === 'agentx handshake failed; will reconnect' && /duplicateRegistration \(263\)/.test(String(l['err'])))).toBe(true);
    const ready = nextEvent(t.session, 'ready');
    await (await t.master.nextConnection()).handshake(2);
    expect(await ready).toBe(2);
    expect(readies).toEqual([2]); // session 1 never counted as open
  });

  it('while the socket file is missing (ENOENT: snmpd restarting), warning once, then once it appears', async () => {
    const { logger, lines } = captureLogger();
    t.session = sessionTo(t.master, { logger, reconnectMinMs: 5, reconnectMaxMs: 10 });
    t.session.start();
    await until(() => connectErrors(lines, 'ENOENT').length > 3);
    const enoent = connectErrors(lines, 'ENOENT');
    // One warning for a problem that persists; the repeats go to debug.
    expect(enoent.filter((l) => l.level === WARN)).toHaveLength(1);
    expect(enoent[0]).toMatchObject({ cause: 'socket-missing', hint: expect.stringContaining(`no socket at ${t.master.path}: is snmpd running`) });
    expect(enoent.slice(1).every((l) => l.level === DEBUG)).toBe(true);

    // A different problem is news: a file that is not a socket refuses the connection, and is named for what it is.
    writeFileSync(t.master.path, '');
    await until(() => connectErrors(lines, 'ECONNREFUSED').length > 1);
    const refused = connectErrors(lines, 'ECONNREFUSED');
    expect(refused.filter((l) => l.level === WARN)).toHaveLength(1);
    expect(refused[0]).toMatchObject({ cause: 'not-a-socket', hint: expect.stringContaining(`${t.master.path} is a regular file, not a socket`) });

    rmSync(t.master.path);
    const ready = nextEvent(t.session, 'ready');
    await t.master.listen();
    await (await t.master.nextConnection()).handshake(3);
    expect(await ready).toBe(3);
  });

  it('tells a directory at the socket path, and a stale socket nobody listens on, from a missing socket', async () => {
    const { logger, lines } = captureLogger();
    mkdirSync(t.master.path);
    t.session = sessionTo(t.master, { logger, reconnectMinMs: 5, reconnectMaxMs: 10 });
    t.session.start();
    await until(() => connectErrors(lines, 'ECONNREFUSED').length > 0);
    rmSync(t.master.path, { recursive: true });
    // A socket file whose snmpd is gone: a hard link keeps the inode after its server closes (and unlinks its name).
    const server = net.createServer();
    const first = `${t.master.path}.live`;
    await new Promise<void>((resolve) => server.listen(first, resolve));
    linkSync(first, t.master.path);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await until(() => connectErrors(lines, 'ECONNREFUSED').some((l) => l['cause'] === 'nobody-listening'));
    // (An attempt may fall between the directory's removal and the link: a missing socket, not what is tested here.)
    const warned = lines.filter((l) => l.msg === 'agentx connection error' && l.level === WARN && l['cause'] !== 'socket-missing');
    expect(warned.map((l) => [l['code'], l['cause']])).toEqual([
      ['ECONNREFUSED', 'not-a-socket'],
      ['ECONNREFUSED', 'nobody-listening'],
    ]);
    expect(warned[0]!['hint']).toContain(`${t.master.path} is a directory, not a socket`);
    expect(warned[1]!['hint']).toContain(`nobody accepts connections on ${t.master.path}: a socket left behind`);

    rmSync(t.master.path);
    const ready = nextEvent(t.session, 'ready');
    await t.master.listen();
    await (await t.master.nextConnection()).handshake(3);
    expect(await ready).toBe(3);
    const restored = lines.filter((l) => l.msg === 'agentx connection to master restored');
    expect(restored).toHaveLength(1);
    expect(restored[0]!['causes']).toEqual(expect.arrayContaining(['not-a-socket', 'nobody-listening']));
  });

  it('warns again about a problem that comes back after a session was established', async () => {
    const { logger, lines } = captureLogger();
    t.session = sessionTo(t.master, { logger, reconnectMinMs: 5, reconnectMaxMs: 10 });
    t.session.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await t.master.listen();
    const ready = nextEvent(t.session, 'ready');
    const first = await t.master.nextConnection();
    await first.handshake(1);
    await ready;
    // snmpd goes away again: the socket file with it.
    await t.master.close();
    t.master = new FakeMaster();
    const before = connectErrors(lines, 'ENOENT').length;
    await until(() => connectErrors(lines, 'ENOENT').length > before + 3);
    expect(connectErrors(lines, 'ENOENT').filter((l) => l.level === WARN)).toHaveLength(2);
  });

  for (const networkByteOrder of [true, false]) {
    it(`after a Close from the master (${networkByteOrder ? 'network byte order' : 'little endian'})`, async () => {
      await t.master.listen();
      const { logger, lines } = captureLogger();
      t.session = sessionTo(t.master, { logger });
      const ready = nextEvent(t.session, 'ready');
      t.session.start();
      const first = await t.master.nextConnection();
      await first.handshake(1);
      await ready;

      const down = nextEvent(t.session, 'down');
      const readyAgain = nextEvent(t.session, 'ready');
      first.send(
        encodePdu({ type: PduType.Close, sessionId: 1, transactionId: 0, packetId: 77, reason: CloseReason.byManager }, { networkByteOrder }),
      );
      await first.closed;
      await down;
      expect(lines.some((l) => l.msg === 'agentx master closed the session; reconnecting' && l['reason'] === CloseReason.byManager)).toBe(true);
      await (await t.master.nextConnection()).handshake(2);
      expect(await readyAgain).toBe(2);
    });
  }
});

describe('Ping', () => {
  it('is sent every pingIntervalMs while the session is open, and answered Pings keep the connection', async () => {
    await t.master.listen();
    t.session = sessionTo(t.master, { pingIntervalMs: 30 });
    const ready = nextEvent(t.session, 'ready');
    t.session.start();
    const first = await t.master.nextConnection();
    await first.handshake(1);
    await ready;
    for (let i = 0; i < 3; i++) {
      const ping = await first.expect(PduType.Ping);
      expect(ping.sessionId).toBe(1);
      first.respond(ping, 1);
    }
    expect(first.socket.destroyed).toBe(false);
    expect(t.session.isReady).toBe(true);
  });

  it('unanswered within responseTimeoutMs: the session reconnects', async () => {
    await t.master.listen();
    const { logger, lines } = captureLogger();
    t.session = sessionTo(t.master, { pingIntervalMs: 30, responseTimeoutMs: 100, logger });
    const ready = nextEvent(t.session, 'ready');
    t.session.start();
    const first = await t.master.nextConnection();
    await first.handshake(1);
    await ready;
    await first.expect(PduType.Ping); // and never answered
    const down = nextEvent(t.session, 'down');
    await first.closed;
    await down;
    expect(lines.some((l) => l.msg === 'agentx master did not answer Ping; reconnecting' && l.level === WARN)).toBe(true);
    const readyAgain = nextEvent(t.session, 'ready');
    await (await t.master.nextConnection()).handshake(2);
    expect(await readyAgain).toBe(2);
  });

  it('setPingInterval applies at once to an open session', async () => {
    await t.master.listen();
    t.session = sessionTo(t.master, { pingIntervalMs: 60_000 });
    const ready = nextEvent(t.session, 'ready');
    t.session.start();
    const first = await t.master.nextConnection();
    await first.handshake(1);
    await ready;
    t.session.setPingInterval(20);
    first.respond(await first.expect(PduType.Ping, 1000), 1);
  });
});
