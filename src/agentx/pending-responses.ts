import { performance } from 'node:perf_hooks';
import { PduType, type ResponsePdu } from './pdu.js';

/**
 * The master's Responses we wait for: every administrative PDU a subagent sends (Open, Register, Notify, Ping,
 * Close) is answered by an agentx-Response-PDU carrying the same h.packetID (RFC 2741 sections 6.2.16 and 7.1).
 * One instance per connection; packet ids come from a counter that outlives connections.
 */

/** A wait for a Response that can no longer come: the connection closed, or the session was stopped. */
export class SessionLostError extends Error {
  override readonly name = 'SessionLostError';
}

/** h.packetID values for our own PDUs: 1..2^31-1, then round again. */
export class PacketIds {
  private next = 1;

  take(): number {
    const id = this.next;
    this.next = this.next >= 0x7fffffff ? 1 : this.next + 1;
    return id;
  }
}

interface Waiting {
  readonly resolve: (pdu: ResponsePdu) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** Monotonic ms at which the PDU was handed to the connection. */
  sentAt: number;
}

export class PendingResponses {
  private readonly waiting = new Map<number, Waiting>();

  /**
   * Waits for the Response to the PDU `send` puts on the wire. Rejects after `timeoutMs`, or at once with what
   * `send` throws (nothing was sent then).
   */
  expect(packetId: number, type: PduType, timeoutMs: number, send: () => void): Promise<ResponsePdu> {
    return new Promise<ResponsePdu>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(packetId);
        reject(new Error(`agentx: no response to ${pduName(type)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiting: Waiting = { resolve, reject, timer, sentAt: 0 };
      this.waiting.set(packetId, waiting);
      try {
        waiting.sentAt = performance.now();
        send();
      } catch (err) {
        clearTimeout(timer);
        this.waiting.delete(packetId);
        reject(err as Error);
      }
    });
  }

  /**
   * Hands a Response to whoever waits for its packet id; returns when (monotonic ms) the PDU it answers was sent,
   * or undefined when nobody waits for it.
   */
  settle(response: ResponsePdu): number | undefined {
    const waiting = this.waiting.get(response.packetId);
    if (!waiting) return undefined;
    this.waiting.delete(response.packetId);
    clearTimeout(waiting.timer);
    waiting.resolve(response);
    return waiting.sentAt;
  }

  /** Every wait ends with `err`. */
  failAll(err: Error): void {
    for (const [id, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(err);
      this.waiting.delete(id);
    }
  }
}

/** The RFC 2741 name of a PDU type, for log lines and errors. */
export function pduName(type: number): string {
  for (const [name, value] of Object.entries(PduType)) if (value === type) return name;
  return `type ${type}`;
}
