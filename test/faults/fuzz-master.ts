import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePdu, encodePdu, Framer, HEADER_LENGTH, PduType, type Pdu } from '../../src/agentx/index.js';
import { AGENT_BIN } from '../e2e/harness/agent-process.js';

/**
 * The AgentX master the fuzzer plays (the agent connects to its master, so the fuzzer must be one): a Unix socket
 * server that answers the agent's Open, Register, Ping and Notify like snmpd, and queues every other PDU the agent
 * sends (Responses to the fuzzer's requests, a Close). Every frame the agent sends is checked on arrival: it must
 * frame, decode, and carry a sane header; anything else is recorded in `malformed`.
 */

/** The sysUpTime the master puts in its Responses. */
const MASTER_UPTIME = 4242;

export class MasterConnection {
  readonly received: Pdu[] = [];
  /** Responses among `received`. */
  responses = 0;
  closed = false;
  /** Session id given at Open; 0 until then. */
  sessionId = 0;
  registered = false;
  /** Stops answering the agent's Pings and Notifies: a stream left mid-frame must get no more bytes. */
  muted = false;
  private readonly framer = new Framer();
  private wake: (() => void) | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly master: FuzzMaster,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  /** Resolves on the next PDU queued or the connection's end, or after `ms`. */
  waitForActivity(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private notify(): void {
    this.wake?.();
  }

  private onData(chunk: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      this.master.malformed.push(`agent sent an unframable stream: ${(err as Error).message}`);
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      let pdu: Pdu;
      try {
        pdu = decodePdu(frame);
      } catch (err) {
        this.master.malformed.push(`agent sent an undecodable PDU: ${(err as Error).message}`);
        continue;
      }
      // Checked apart from the decoder: version 1, a payload length that is the frame's.
      const nbo = ((frame[2] as number) & 0x10) !== 0;
      const view = new DataView(frame.buffer, frame.byteOffset, frame.length);
      if (frame[0] !== 1 || view.getUint32(16, !nbo) !== frame.length - HEADER_LENGTH) {
        this.master.malformed.push(`agent sent a bad header: ${Buffer.from(frame.subarray(0, HEADER_LENGTH)).toString('hex')}`);
      }
      this.onPdu(pdu);
    }
    this.notify();
  }

  private onPdu(pdu: Pdu): void {
    switch (pdu.type) {
      case PduType.Open:
        this.sessionId = this.master.nextSessionId++;
        this.answer(pdu, this.sessionId);
        return;
      case PduType.Register:
        this.answer(pdu, this.sessionId);
        this.registered = true;
        this.master.connectionReady(this);
        return;
      case PduType.Ping:
      case PduType.Notify:
        this.master.agentRequests++;
        if (!this.muted) this.answer(pdu, this.sessionId);
        return;
      case PduType.Response:
        this.responses++;
        this.received.push(pdu);
        return;
      case PduType.Close:
        this.received.push(pdu);
        return;
      default:
        this.master.malformed.push(`agent sent a master-only PDU, type ${pdu.type}`);
    }
  }

  private answer(to: Pdu, sessionId: number): void {
    this.write(
      encodePdu({ type: PduType.Response, sessionId, transactionId: to.transactionId, packetId: to.packetId, sysUpTime: MASTER_UPTIME, error: 0, index: 0, varbinds: [] }),
    );
  }
}

export class FuzzMaster {
  readonly dir = mkdtempSync(join(tmpdir(), 'lvs-agentx-fuzz-'));
  readonly path = join(this.dir, 'master');
  /** Everything wrong the agent sent. */
  readonly malformed: string[] = [];
  /** Pings and Notifies the agent sent (answered). */
  agentRequests = 0;
  nextSessionId = 1000;
  connections = 0;
  private readonly server: net.Server;
  private ready: MasterConnection | undefined;
  private waiter: ((c: MasterConnection) => void) | undefined;

  constructor() {
    this.server = net.createServer((socket) => {
      this.connections++;
      new MasterConnection(socket, this);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.path, resolve));
  }

  connectionReady(c: MasterConnection): void {
    this.ready = c;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(c);
  }

  /** The registered connection in use, or the next one to register. */
  registered(timeoutMs = 10_000): Promise<MasterConnection> {
    const ready = this.ready;
    if (ready && !ready.closed) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the agent did not open and register within ${timeoutMs} ms`)), timeoutMs);
      this.waiter = (c) => {
        clearTimeout(timer);
        resolve(c);
      };
    });
  }

  async close(): Promise<void> {
    this.ready?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The built agent (sim source, a read a second) as a subagent of `master`; resolves once it has registered. */
export async function startAgentFor(master: FuzzMaster, stdio: StdioOptions, extraArgs: readonly string[] = []): Promise<ChildProcess> {
  const agent = spawn(process.execPath, [AGENT_BIN, '-x', `unix:${master.path}`, '-s', 'sim', '-i', '1', ...extraArgs], { stdio });
  await master.registered();
  return agent;
}

/** Stops an agent that startAgentFor() started (SIGTERM, then its exit), if it still runs. */
export async function stopAgent(agent: ChildProcess | undefined): Promise<void> {
  if (!agent || agent.exitCode !== null || agent.signalCode !== null) return;
  const exited = new Promise((resolve) => agent.once('exit', resolve));
  agent.kill('SIGTERM');
  await exited;
}
