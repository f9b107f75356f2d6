import { describe, expect, it } from 'vitest';
import { encodePdu } from '../../../src/agentx/encode.js';
import { MasterClock } from '../../../src/agentx/master-clock.js';
import { CloseReason, PduType, ResponseError, ValueType } from '../../../src/agentx/pdu.js';
import type { AgentXSession } from '../../../src/agentx/session.js';
import { captureLogger, getRequest, KNOWN_OID, KNOWN_VALUE, MASTER_UPTIME, nextEvent, SessionFixture, sessionTo } from './fake-master.js';
import { lvs } from './fixtures.js';
import { bytesOf, littleEndianOf } from './hex.js';

/**
 * The session on one connection, seen from the master at the PDU level: what Open and Register carry, which
 * requests are answered and how, and the reaction to what cannot be read — a malformed PDU is answered with
 * parseError (RFC 2741 section 7.2.2), a stream that cannot be framed is closed with Close(parseError).
 */

const t = new SessionFixture();

const BYTE_ORDERS = [
  { name: 'network byte order', networkByteOrder: true, bytes: bytesOf },
  { name: 'little endian', networkByteOrder: false, bytes: littleEndianOf },
] as const;

describe('the handshake', () => {
  it('sends Open with our identity, then Register of our subtree in the session the master gave', async () => {
    t.session = sessionTo(t.master, { description: 'lvs-agentx test', timeoutSeconds: 7, priority: 100 });
    t.session.start();
    const side = await t.master.nextConnection();
    const open = await side.expect(PduType.Open);
    expect(open).toMatchObject({ sessionId: 0, transactionId: 0, timeout: 7, id: lvs(), description: 'lvs-agentx test' });
    side.respond(open, 31);
    const register = await side.expect(PduType.Register);
    expect(register).toMatchObject({ sessionId: 31, timeout: 0, priority: 100, rangeSubid: 0, subtree: lvs() });
    expect(register.packetId).not.toBe(open.packetId);
  });

  it('is not ready, and answers notOpen, before the master answers Open', async () => {
    t.session = sessionTo(t.master);
    t.session.start();
    const side = await t.master.nextConnection();
    await side.expect(PduType.Open);
    side.send(getRequest(0, 3));
    expect(await side.expect(PduType.Response)).toMatchObject({ packetId: 3, error: ResponseError.notOpen });
    expect(t.session.isReady).toBe(false);
  });
});

describe('requests', () => {
  it('arriving in the same read as the Register Response are answered', async () => {
    t.session = sessionTo(t.master);
    const ready = nextEvent(t.session, 'ready');
    t.session.start();
    const side = await t.master.nextConnection();
    await side.handshake(8, getRequest(8, 500));
    const answer = await side.expect(PduType.Response);
    expect(answer).toMatchObject({ sessionId: 8, packetId: 500, transactionId: 500, error: ResponseError.noAgentXError });
    expect(answer.varbinds).toEqual([{ name: KNOWN_OID, value: KNOWN_VALUE }]);
    await ready;
  });

  it('are answered from the reader, with the master sysUpTime from the MasterClock', async () => {
    const clock = new MasterClock();
    const side = await t.open(4, { clock });
    expect(clock.known).toBe(true); // anchored by the Responses to Open and Register
    for (const networkByteOrder of [true, false]) {
      side.send(getRequest(4, networkByteOrder ? 11 : 12, KNOWN_OID, networkByteOrder));
      const answer = await side.expect(PduType.Response);
      expect(answer).toMatchObject({ packetId: networkByteOrder ? 11 : 12, error: 0 });
      expect(answer.varbinds).toEqual([{ name: KNOWN_OID, value: KNOWN_VALUE }]);
      expect(answer.sysUpTime).toBeGreaterThanOrEqual(MASTER_UPTIME);
      expect(answer.sysUpTime).toBeLessThan(MASTER_UPTIME + 500);
    }
  });

  it('on another session id get notOpen', async () => {
    const side = await t.open(4);
    side.send(getRequest(5, 13));
    expect(await side.expect(PduType.Response)).toMatchObject({ sessionId: 5, packetId: 13, error: ResponseError.notOpen, varbinds: [] });
  });

  it('CleanupSet gets no Response; the next request still does', async () => {
    const side = await t.open(4);
    side.send(Buffer.concat([encodePdu({ type: PduType.CleanupSet, sessionId: 4, transactionId: 9, packetId: 14 }), getRequest(4, 15)]));
    expect(await side.expect(PduType.Response)).toMatchObject({ packetId: 15 });
  });

  it('the clock forgets the master when the connection ends', async () => {
    const clock = new MasterClock();
    const side = await t.open(4, { clock });
    const down = nextEvent(t.session as AgentXSession, 'down');
    side.socket.destroy();
    await down;
    expect(clock.known).toBe(false);
  });
});

describe('a malformed PDU with a readable header', () => {
  for (const order of BYTE_ORDERS) {
    it(`is answered with parseError carrying its ids (${order.name})`, async () => {
      const side = await t.open(1);
      side.send(
        order.bytes(`
          01 05 10 00   # version 1, type Get (5), flags NETWORK_BYTE_ORDER, reserved
          00000001      # sessionID 1
          00000007      # transactionID 7
          00000009      # packetID 9
          00000010      # payload_length 16
          64 04 00 00   # SearchRange start: n_subid 100, prefix 4 — a hundred sub-identifiers ...
          00000001 00002021 00001267   # ... and only three in the frame
        `),
      );
      const answer = await side.expect(PduType.Response);
      expect(answer).toMatchObject({ sessionId: 1, transactionId: 7, packetId: 9, error: ResponseError.parseError, index: 0, varbinds: [] });
      // The session goes on.
      side.send(getRequest(1, 10, KNOWN_OID, order.networkByteOrder));
      expect(await side.expect(PduType.Response)).toMatchObject({ packetId: 10, error: 0 });
    });
  }

  it('is not answered when it is itself a Response', async () => {
    const { logger, lines } = captureLogger();
    const side = await t.open(1, { logger });
    side.send(
      bytesOf(`
        01 12 10 00   # version 1, type Response (18), flags NETWORK_BYTE_ORDER
        00000001 00000000 00000063   # sessionID 1, transactionID 0, packetID 99
        00000004      # payload_length 4: too short for res.sysUpTime, res.error and res.index
        00000000
      `),
    );
    side.send(getRequest(1, 16));
    expect(await side.expect(PduType.Response)).toMatchObject({ packetId: 16, error: 0 });
    expect(side.unread).toEqual([]);
    expect(lines.some((l) => l.msg === 'agentx: malformed PDU answered with parseError' && l['packetId'] === 99)).toBe(true);
  });
});

describe('a stream that cannot be framed', () => {
  for (const order of BYTE_ORDERS) {
    it(`(an absurd payload_length) gets Close(parseError), then a new session (${order.name})`, async () => {
      const side = await t.open(1);
      const down = nextEvent(t.session as AgentXSession, 'down');
      const ready = nextEvent(t.session as AgentXSession, 'ready');
      side.send(
        order.bytes(`
          01 05 10 00   # version 1, type Get, flags NETWORK_BYTE_ORDER
          00000001 00000007 0000000a   # sessionID 1, transactionID 7, packetID 10
          7ffffff0      # payload_length 2 GiB - 16: far over the framer's limit
        `),
      );
      const close = await side.expect(PduType.Close);
      expect(close).toMatchObject({ sessionId: 1, reason: CloseReason.parseError });
      await side.closed;
      await down;
      const second = await t.master.nextConnection();
      await second.handshake(2);
      expect(await ready).toBe(2);
    });
  }

  it('(a payload_length not a multiple of 4) is dropped the same way', async () => {
    const side = await t.open(1);
    side.send(
      littleEndianOf(`
        01 05 10 00   # Get
        00000001 00000007 0000000b
        00000005      # payload_length 5
      `),
    );
    expect(await side.expect(PduType.Close)).toMatchObject({ reason: CloseReason.parseError });
    await side.closed;
    await (await t.master.nextConnection()).handshake(2);
  });
});

describe('Notify', () => {
  it('goes out on the open session and resolves with the master Response', async () => {
    const side = await t.open(6);
    const varbinds = [{ name: lvs(9, 1), value: { type: ValueType.Integer, value: 1 } }] as const;
    const sent = (t.session as AgentXSession).notify(varbinds);
    const notify = await side.expect(PduType.Notify);
    expect(notify).toMatchObject({ sessionId: 6, varbinds });
    side.respond(notify, 6, 0);
    expect(await sent).toMatchObject({ type: PduType.Response, packetId: notify.packetId, error: 0 });
  });

  it('is refused without an open session', async () => {
    t.session = sessionTo(t.master);
    await expect(t.session.notify([])).rejects.toThrow('agentx: no open session to send a Notify on');
  });

  it('is refused while the session is still registering, and nothing goes out', async () => {
    t.session = sessionTo(t.master);
    t.session.start();
    const side = await t.master.nextConnection();
    side.respond(await side.expect(PduType.Open), 6);
    await side.expect(PduType.Register);
    await expect(t.session.notify([])).rejects.toThrow('agentx: no open session to send a Notify on');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(side.unread).toEqual([]);
  });
});
