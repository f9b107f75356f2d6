import { EventEmitter } from 'node:events';
import type net from 'node:net';
import type { Logger } from 'pino';
import { tcpExposureWarning } from './connect-hint.js';
import { contextFromName } from './context.js';
import { MasterConnection, type Connect, type ConnectionHandler } from './connection.js';
import type { MibReader } from './dispatch.js';
import type { MasterClock } from './master-clock.js';
import type { Oid, ResponsePdu, VarBind } from './pdu.js';
import { PacketIds, SessionLostError } from './pending-responses.js';
import { SessionProtocol } from './protocol.js';
import { connectTransport, formatTransportAddress, type TransportAddress } from './transport.js';

export { SessionLostError } from './pending-responses.js';

/**
 * One AgentX subagent session with its master (RFC 2741 section 7.1), kept alive forever: connect, Open,
 * Register, answer requests, Ping; after any loss (socket closed, connection refused, socket file missing while
 * snmpd restarts, Ping timeout, master Close) reconnect with capped exponential backoff, open a new session and
 * register again. The connection lifecycle is connection.ts, the session on each connection protocol.ts; this
 * class wires the two and is what the daemon sees.
 */

export interface SessionOptions {
  readonly address: TransportAddress;
  readonly description: string;
  /** o.id of the Open PDU: the subagent's identity. */
  readonly id: Oid;
  readonly subtree: Oid;
  /** The SNMP context to register the subtree in (RFC 2741 NON_DEFAULT_CONTEXT); "" or absent: the default context. */
  readonly context?: string;
  readonly priority?: number;
  /** o.timeout in seconds (0 = master default). One byte. */
  readonly timeoutSeconds?: number;
  readonly pingIntervalMs?: number;
  /** How long we wait for the master's Response to our own PDUs. */
  readonly responseTimeoutMs?: number;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly logger: Logger;
  readonly clock: MasterClock;
  /** Pings right after registering while the master's clock is uncertain (protocol.ts calibrate()); default 5. */
  readonly calibrationPings?: number;
  /**
   * The MIB view to answer the next request from; called once per request, and the whole request is answered
   * from what it returns. A Promise holds that request, and the ones after it on the connection, until it
   * settles; a rejected one is answered genErr.
   */
  readonly reader: () => MibReader | Promise<MibReader>;
  /** Opens the stream to the master: connectTransport unless a test brings its own. */
  readonly connect?: Connect;
  /** Monotonic milliseconds for outage durations and reminders: performance.now unless a test brings its own. */
  readonly now?: () => number;
}

export class AgentXSession extends EventEmitter<{ ready: [sessionId: number]; down: [reason: string] }> {
  private readonly connection: MasterConnection;
  /** The session on the latest connection. */
  private protocol: SessionProtocol | undefined;
  private readonly packetIds = new PacketIds();
  private readonly log: Logger;
  private started = false;
  private stopped = false;

  constructor(private readonly options: SessionOptions) {
    super();
    this.log = options.logger.child({ component: 'agentx', socket: formatTransportAddress(options.address) });
    this.connection = new MasterConnection(
      {
        address: options.address,
        connect: options.connect ?? connectTransport,
        reconnectMinMs: options.reconnectMinMs ?? 50,
        reconnectMaxMs: options.reconnectMaxMs ?? 1000,
        pingIntervalMs: options.pingIntervalMs ?? 15_000,
        log: this.log,
        now: options.now,
      },
      (socket) => this.attach(socket),
    );
  }

  /** A session is open and LVS-MIB registered. */
  get isReady(): boolean {
    return this.protocol?.isRegistered ?? false;
  }

  /** Connects; a master on a TCP address that is not loopback is warned about once, here. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const exposed = tcpExposureWarning(this.options.address);
    if (exposed !== undefined) this.log.warn({ hint: exposed }, 'agentx master address is not loopback: AgentX over TCP is unauthenticated');
    this.connection.start();
  }

  /** Sends Close(shutdown) when a session is open, then ends the connection; no reconnect afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.connection.stop(async () => {
      await this.protocol?.shutdown();
    });
  }

  /** Changes the Ping interval; applies at once when a session is open. */
  setPingInterval(ms: number): void {
    this.connection.setPingInterval(ms);
  }

  /** Sends a Notify (RFC 2741 section 6.2.10) and waits for the master's Response. */
  async notify(varbinds: readonly VarBind[]): Promise<ResponsePdu> {
    const protocol = this.protocol;
    if (!protocol?.isRegistered) throw new SessionLostError('agentx: no open session to send a Notify on');
    return protocol.notify(varbinds);
  }

  /** A new connection: a new session on it. */
  private attach(socket: net.Socket): ConnectionHandler {
    const { options } = this;
    const protocol = new SessionProtocol(socket, {
      description: options.description,
      id: options.id,
      subtree: options.subtree,
      context: contextFromName(options.context ?? ''),
      priority: options.priority ?? 127,
      timeoutSeconds: options.timeoutSeconds ?? 0,
      responseTimeoutMs: options.responseTimeoutMs ?? 5000,
      clock: options.clock,
      calibrationPings: options.calibrationPings ?? 5,
      reader: options.reader,
      packetIds: this.packetIds,
      log: this.log,
    });
    this.protocol = protocol;
    return {
      connected: () => void this.handshake(socket, protocol),
      data: (chunk) => protocol.receive(chunk),
      closed: () => {
        const wasRegistered = protocol.isRegistered;
        protocol.connectionClosed();
        if (!wasRegistered || this.stopped) return;
        this.log.warn('agentx connection to master lost; reconnecting');
        this.emit('down', 'connection lost');
      },
    };
  }

  private async handshake(socket: net.Socket, protocol: SessionProtocol): Promise<void> {
    try {
      const sessionId = await protocol.open();
      this.connection.established();
      this.connection.keepAlive(socket, () => protocol.ping());
      this.log.info({ sessionId, context: this.options.context ?? '' }, 'agentx session open, LVS-MIB registered');
      this.emit('ready', sessionId);
    } catch (err) {
      if (this.stopped || !this.connection.isCurrent(socket)) return;
      const message = (err as Error).message;
      this.connection.problem({ err: message }, 'agentx handshake failed; will reconnect', message);
      socket.destroy();
    }
  }
}
