import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { decodePdu } from '../../../src/agentx/decode.js';
import type { MibReader } from '../../../src/agentx/dispatch.js';
import { encodePdu } from '../../../src/agentx/encode.js';
import { Framer } from '../../../src/agentx/framer.js';
import { MasterClock } from '../../../src/agentx/master-clock.js';
import { PduType, ValueType, type Oid, type Pdu, type PduType as PduTypeCode, type Value } from '../../../src/agentx/pdu.js';
import { AgentXSession, type SessionOptions } from '../../../src/agentx/session.js';
import { parseTransportAddress } from '../../../src/agentx/transport.js';
import { lvs } from './fixtures.js';

/**
 * A fake AgentX master for the session's unit tests: a Unix socket server in a temporary directory that speaks
 * AgentX at the PDU level with the project's own codec. Each accepted connection is a MasterSide that queues the
 * PDUs the subagent sends and lets a test answer, ignore or misbehave.
 */

export class FakeMaster {
  readonly dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-session-'));
  readonly path = join(this.dir, 'master');
  private server: net.Server | undefined;
  private readonly accepted: MasterSide[] = [];
  private readonly waiters: ((side: MasterSide) => void)[] = [];
  /** Every connection accepted so far. */
  readonly all: MasterSide[] = [];

  /** Starts listening at `path` (tests of a missing socket file call this late). */
  listen(): Promise<void> {
    const server = net.createServer((socket) => {
      const side = new MasterSide(socket);
      this.all.push(side);
      const waiter = this.waiters.shift();
      if (waiter) waiter(side);
      else this.accepted.push(side);
    });
    this.server = server;
    return new Promise((resolve) => server.listen(this.path, resolve));
  }

  /** The next connection from the subagent (one accepted earlier and not yet taken, or the next to come). */
  nextConnection(timeoutMs = 5000): Promise<MasterSide> {
    const ready = this.accepted.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fake master: no connection from the subagent')), timeoutMs);
      this.waiters.push((side) => {
        clearTimeout(timer);
        resolve(side);
      });
    });
  }

  async close(): Promise<void> {
    for (const side of this.all) side.socket.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class MasterSide {
  private readonly framer = new Framer();
  private readonly queue: Pdu[] = [];
  private waiter: ((pdu: Pdu) => void) | undefined;
  /** Resolves when the subagent's side of the connection is gone. */
  readonly closed: Promise<void>;
  /** Whether the subagent ended its side (FIN) before the connection closed. */
  ended = false;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      for (const frame of this.framer.push(chunk)) {
        const pdu = decodePdu(frame);
        const waiter = this.waiter;
        this.waiter = undefined;
        if (waiter) waiter(pdu);
        else this.queue.push(pdu);
      }
    });
    socket.on('end', () => (this.ended = true));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  /** The next PDU the subagent sent. */
  next(timeoutMs = 5000): Promise<Pdu> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error('fake master: no PDU from the subagent'));
      }, timeoutMs);
      this.waiter = (pdu) => {
        clearTimeout(timer);
        resolve(pdu);
      };
    });
  }

  /** The next PDU, which must be of `type`. */
  async expect<T extends PduTypeCode>(type: T, timeoutMs = 5000): Promise<Extract<Pdu, { type: T }>> {
    const pdu = await this.next(timeoutMs);
    if (pdu.type !== type) throw new Error(`fake master: expected PDU type ${type}, got ${pdu.type}`);
    return pdu as Extract<Pdu, { type: T }>;
  }

  /** PDUs received and not yet taken. */
  get unread(): readonly Pdu[] {
    return this.queue;
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The bytes of a Response to `to`. */
  response(to: Pdu, sessionId: number, error = 0, networkByteOrder = true): Buffer {
    return encodePdu(
      {
        type: PduType.Response,
        sessionId,
        transactionId: to.transactionId,
        packetId: to.packetId,
        sysUpTime: MASTER_UPTIME,
        error,
        index: 0,
        varbinds: [],
      },
      { networkByteOrder },
    );
  }

  respond(to: Pdu, sessionId: number, error = 0): void {
    this.send(this.response(to, sessionId, error));
  }

  /**
   * Plays Open and Register. `thenSend`, if given, goes out in the same write as the Register Response, as a
   * master may send its first request right behind it.
   */
  async handshake(sessionId: number, thenSend?: Uint8Array): Promise<void> {
    const open = await this.expect(PduType.Open);
    this.respond(open, sessionId);
    const register = await this.expect(PduType.Register);
    const response = this.response(register, sessionId);
    this.send(thenSend ? Buffer.concat([response, thenSend]) : response);
  }
}

/** The sysUpTime the fake master puts in its Responses (hundredths of a second). */
export const MASTER_UPTIME = 12345;

/** An object the test MIB knows: its Get answer. */
export const KNOWN_OID: Oid = lvs(1, 0);
export const KNOWN_VALUE: Value = { type: ValueType.Integer, value: 42 };

/** A MIB with one object, KNOWN_OID = KNOWN_VALUE; `tag` answers every other Get (to tell readers apart). */
export function testMib(tag = 0): MibReader {
  return {
    get: (name) =>
      name.join('.') === KNOWN_OID.join('.') ? KNOWN_VALUE : { type: ValueType.Integer, value: tag },
    getNext: (start) => ({ name: start, value: { type: ValueType.EndOfMibView } }),
  };
}

/** The bytes of a Get for one OID. */
export function getRequest(sessionId: number, packetId: number, oid: Oid = KNOWN_OID, networkByteOrder = true): Buffer {
  return encodePdu(
    { type: PduType.Get, sessionId, transactionId: packetId, packetId, ranges: [{ start: oid, include: false, end: [] }] },
    { networkByteOrder },
  );
}

/** One parsed pino log line. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** A debug-level logger whose lines a test can read back. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

export const WARN = 40;
export const DEBUG = 20;

/** A session to the fake master with small timings; `options` overrides any. */
export function sessionTo(master: FakeMaster, options: Partial<SessionOptions> = {}): AgentXSession {
  return new AgentXSession({
    address: parseTransportAddress(`unix:${master.path}`),
    description: 'unit test subagent',
    id: lvs(),
    subtree: lvs(),
    responseTimeoutMs: 1000,
    reconnectMinMs: 10,
    reconnectMaxMs: 40,
    logger: pino({ level: 'silent' }),
    clock: new MasterClock(),
    // The fake master's sysUpTime stands still, so its clock never looks certain: calibration Pings would come in
    // between the PDUs the tests expect (session-calibration.test.ts turns them on).
    calibrationPings: 0,
    reader: () => testMib(),
    ...options,
  });
}

/** Resolves with the next emission of `event`: the session id of 'ready', the reason of 'down'. */
export function nextEvent(session: AgentXSession, event: 'ready' | 'down', timeoutMs = 5000): Promise<number | string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' from the session`)), timeoutMs);
    const done = (value: number | string): void => {
      clearTimeout(timer);
      resolve(value);
    };
    if (event === 'ready') session.once('ready', done);
    else session.once('down', done);
  });
}

/**
 * What every session test file sets up: a fake master made before each test (listening, unless `listen` is false),
 * the test's session, and after each test the master closed and the session stopped.
 */
export class SessionFixture {
  master!: FakeMaster;
  private made: AgentXSession | undefined;

  constructor(listen = true) {
    beforeEach(async () => {
      this.master = new FakeMaster();
      if (listen) await this.master.listen();
    });
    afterEach(async () => {
      await this.master.close();
      await this.made?.stop();
      this.made = undefined;
    });
  }

  /** The test's session (stopped after the test); reading it before the test made one throws. */
  get session(): AgentXSession {
    if (this.made === undefined) throw new Error('this test has made no session yet');
    return this.made;
  }

  set session(session: AgentXSession) {
    this.made = session;
  }

  /** Starts the test's session to the master and resolves once it has opened and registered as `sessionId`. */
  async open(sessionId: number, options: Partial<SessionOptions> = {}): Promise<MasterSide> {
    const session = sessionTo(this.master, options);
    this.session = session;
    const ready = nextEvent(session, 'ready');
    session.start();
    const side = await this.master.nextConnection();
    await side.handshake(sessionId);
    await ready;
    return side;
  }
}
