import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePdu, encodePdu, Framer, PduType, ResponseError, ValueType, type Pdu } from '../../src/agentx/index.js';
import { AgentProcess } from './harness/agent-process.js';

/**
 * A fake AgentX master (a test double is the only way here: snmpd never sends malformed PDUs on purpose). It
 * accepts the real agent's connection, answers Open and Register, then misbehaves. The agent must answer a
 * malformed PDU with parseError, drop a stream it can no longer frame and reconnect, and never exit.
 */

const ROOT = [1, 3, 6, 1, 4, 1, 8225, 4711];

class Master {
  readonly server: net.Server;
  readonly connections: Connection[] = [];
  private waiters: ((c: Connection) => void)[] = [];

  constructor(readonly path: string) {
    this.server = net.createServer((socket) => {
      const c = new Connection(socket);
      this.connections.push(c);
      this.waiters.shift()?.(c);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.path, resolve));
  }

  nextConnection(): Promise<Connection> {
    const waiting = this.connections.find((c) => !c.claimed);
    if (waiting) {
      waiting.claimed = true;
      return Promise.resolve(waiting);
    }
    return new Promise((resolve) =>
      this.waiters.push((c) => {
        c.claimed = true;
        resolve(c);
      }),
    );
  }
}

class Connection {
  claimed = false;
  closed = false;
  private readonly framer = new Framer();
  private readonly queue: Pdu[] = [];
  private waiter: ((p: Pdu) => void) | undefined;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      for (const frame of this.framer.push(chunk)) {
        const pdu = decodePdu(frame);
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = undefined;
          w(pdu);
        } else this.queue.push(pdu);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  next(timeoutMs = 5000): Promise<Pdu> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no PDU from the agent')), timeoutMs);
      this.waiter = (p) => {
        clearTimeout(timer);
        resolve(p);
      };
    });
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  respond(to: Pdu, sessionId: number): void {
    this.send(
      encodePdu({
        type: PduType.Response,
        sessionId,
        transactionId: to.transactionId,
        packetId: to.packetId,
        sysUpTime: 12345,
        error: 0,
        index: 0,
        varbinds: [],
      }),
    );
  }

  /**
   * Plays Open and Register. `thenAsk`, if given, goes out in the same write as the Register Response, as a master
   * may send its first request right behind it.
   */
  async handshake(sessionId: number, thenAsk?: Buffer): Promise<void> {
    const open = await this.next();
    expect(open.type).toBe(PduType.Open);
    this.respond(open, sessionId);
    const register = await this.next();
    expect(register.type).toBe(PduType.Register);
    if (register.type === PduType.Register) expect(register.subtree).toEqual(ROOT);
    const response = encodePdu({
      type: PduType.Response,
      sessionId,
      transactionId: register.transactionId,
      packetId: register.packetId,
      sysUpTime: 12345,
      error: 0,
      index: 0,
      varbinds: [],
    });
    this.send(thenAsk ? Buffer.concat([response, thenAsk]) : response);
  }
}

let dir: string;
let master: Master;
let agent: AgentProcess;
let first: Connection;
const SESSION = 42;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-fake-'));
  master = new Master(join(dir, 'master'));
  await master.listen();
  agent = AgentProcess.start(['-x', `unix:${master.path}`, '-s', 'sim', '-i', '1', '-l', 'debug']);
  first = await master.nextConnection();
  await first.handshake(SESSION);
}, 20_000);

afterAll(async () => {
  await agent?.stop();
  master?.server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function get(packetId: number, oid: number[]): Buffer {
  return encodePdu({
    type: PduType.Get,
    sessionId: SESSION,
    transactionId: packetId,
    packetId,
    ranges: [{ start: oid, include: false, end: [] }],
  });
}

describe('a misbehaving master', () => {
  it('gets parseError, with its own packet id, for a PDU whose OID runs past the frame', async () => {
    const bytes = get(1001, [...ROOT, 1, 0]);
    bytes[20] = 100; // n_subid of the first SearchRange: 100 sub-identifiers, far beyond the frame
    first.send(bytes);
    const answer = await first.next();
    expect(answer).toMatchObject({ type: PduType.Response, packetId: 1001, transactionId: 1001, error: ResponseError.parseError });
  });

  it('still answers well-formed requests on the same session afterwards', async () => {
    first.send(get(1002, [...ROOT, 8, 0]));
    const answer = await first.next();
    expect(answer).toMatchObject({ type: PduType.Response, packetId: 1002, error: 0 });
    if (answer.type === PduType.Response) {
      expect(answer.varbinds[0]?.value).toEqual({ type: ValueType.OctetString, value: new Uint8Array(Buffer.from('sim')) });
    }
  });

  it('refuses TestSet with notWritable and sends nothing for CleanupSet', async () => {
    first.send(
      encodePdu({
        type: PduType.TestSet,
        sessionId: SESSION,
        transactionId: 7,
        packetId: 1003,
        varbinds: [{ name: [...ROOT, 4, 0], value: { type: ValueType.Gauge32, value: 1 } }],
      }),
    );
    expect(await first.next()).toMatchObject({ type: PduType.Response, packetId: 1003, error: ResponseError.notWritable, index: 1 });
    first.send(encodePdu({ type: PduType.CleanupSet, sessionId: SESSION, transactionId: 7, packetId: 1004 }));
    first.send(get(1005, [...ROOT, 1, 0]));
    expect(await first.next()).toMatchObject({ type: PduType.Response, packetId: 1005 });
  });

  it('drops a stream with an absurd length, reconnects and registers again', async () => {
    const bytes = get(1006, [...ROOT, 1, 0]);
    bytes.writeUInt32BE(0x7ffffff0, 16); // payload_length 2 GiB
    first.send(bytes);
    const second = await master.nextConnection();
    await second.handshake(SESSION + 1);
    second.send(
      encodePdu({ type: PduType.Get, sessionId: SESSION + 1, transactionId: 1, packetId: 1, ranges: [{ start: [...ROOT, 2, 0], include: false, end: [] }] }),
    );
    expect(await second.next()).toMatchObject({ type: PduType.Response, packetId: 1, error: 0 });
    expect(agent.alive).toBe(true);
  });

  it('reconnects after the master closes the session, and answers a request sent right behind the Register response', async () => {
    const current = master.connections[master.connections.length - 1] as Connection;
    current.send(encodePdu({ type: PduType.Close, sessionId: SESSION + 1, transactionId: 0, packetId: 99, reason: 6 }));
    const third = await master.nextConnection();
    const ask = encodePdu({ type: PduType.Get, sessionId: SESSION + 2, transactionId: 5, packetId: 5, ranges: [{ start: [...ROOT, 2, 0], include: false, end: [] }] });
    await third.handshake(SESSION + 2, ask);
    expect(await third.next()).toMatchObject({ type: PduType.Response, packetId: 5, error: 0 });
    expect(agent.alive).toBe(true);
    expect(agent.logLines.join('\n')).toMatch(/malformed PDU answered with parseError/);
  });

  it('sends Close (shutdown) on SIGTERM and exits 0', async () => {
    const current = master.connections[master.connections.length - 1] as Connection;
    const exited = agent.stop('SIGTERM');
    const close = await current.next();
    expect(close).toMatchObject({ type: PduType.Close, sessionId: SESSION + 2, reason: 5 });
    current.respond(close, SESSION + 2);
    expect(await exited).toBe(0);
  });
});
