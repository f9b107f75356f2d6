import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePdu, PduType, type Oid } from '../../src/agentx/index.js';
import { LVS_ROOT } from './agentx-mutations.js';
import { sleep } from './figures.js';
import { FuzzMaster, startAgentFor, stopAgent } from './fuzz-master.js';

/**
 * The agent's Close(parseError) when the stream stops framing (src/agentx/protocol.ts receive(): "Tell the master,
 * start over") must reach the master even when answers to earlier requests are still queued on the socket: the
 * master reads slowly here (it pauses its side), so the agent's answers to 3,000 GetBulks back up, and then a
 * header with a payload length that is not a multiple of 4 ends the stream.
 */

let master: FuzzMaster;
let agent: ChildProcess;

beforeAll(async () => {
  master = new FuzzMaster();
  await master.listen();
  agent = await startAgentFor(master, 'ignore', ['-l', 'silent']);
}, 30_000);

afterAll(async () => {
  await stopAgent(agent);
  await master?.close();
});

describe('Close(parseError) on an unframable stream', () => {
  it('reaches a master that reads slowly, after the answers before it', async () => {
    const c = await master.registered();
    const bulk = (packetId: number): Buffer =>
      encodePdu({
        type: PduType.GetBulk,
        sessionId: c.sessionId,
        transactionId: packetId,
        packetId,
        nonRepeaters: 0,
        maxRepetitions: 50,
        ranges: [{ start: LVS_ROOT as Oid, include: false, end: [] }],
      });
    const requests = Array.from({ length: 3000 }, (_, i) => bulk(i + 1));
    const bad = bulk(9999);
    bad.writeUInt32BE(3, 16); // h.payload_length 3: not a multiple of 4, the stream cannot be framed any more
    c.socket.pause();
    c.write(Buffer.concat([...requests, bad]));
    await sleep(1000);
    c.socket.resume();
    const deadline = Date.now() + 10_000;
    while (!c.closed && Date.now() < deadline) await c.waitForActivity(deadline - Date.now());
    const close = c.received.find((p) => p.type === PduType.Close);
    console.log(`close delivery: ${c.responses} of ${requests.length} answers read, then ${close ? `Close(reason ${close.type === PduType.Close ? close.reason : '?'})` : 'no Close'}`);
    expect(c.closed).toBe(true);
    expect(close).toMatchObject({ type: PduType.Close, reason: 2 });
  }, 30_000);
});
