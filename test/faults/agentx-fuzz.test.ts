import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePdu, PduType, ResponseError, ValueType, type Oid, type Pdu, type ResponsePdu } from '../../src/agentx/index.js';
import { mulberry32 } from '../unit/seeded-random.js';
import { LVS_ROOT, makeSeeds, mutateFrame, mutateStream, pickSeed, withIds } from './agentx-mutations.js';
import { FuzzMaster, startAgentFor, stopAgent, type MasterConnection } from './fuzz-master.js';
import { predict, type Expected } from './fuzz-oracle.js';

/**
 * AgentX mutation fuzzer against the running agent. The test plays the master (fuzz-master.ts): the built agent
 * connects to it, opens and registers, and then receives batches of mutated Get/GetNext/GetBulk/TestSet/Close PDUs
 * (agentx-mutations.ts), many per socket write, each batch followed by a valid Get (the sentinel) whose answer says
 * the agent has read the whole batch. fuzz-oracle.ts says what the agent must answer to every frame; the answers
 * must be exactly those (ids, error code, order), and every byte the agent sends must frame and decode. A batch
 * that breaks the stream must end with the connection dropped and a reconnect; one whose last frame never
 * completes is dropped by the master, as snmpd drops a subagent that stops answering.
 *
 * FUZZ_PDUS sets the count (default 10^6), FUZZ_SEED the random seed.
 */

const TARGET = Number(process.env.FUZZ_PDUS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_SEED ?? 2741);
const BATCH = 2000;
/** Share of PDUs given a stream mutation (each costs a reconnect: ~50 ms backoff plus a handshake). */
const STREAM_SHARE = 1 / 10_000;
const SENTINEL_BASE = 0x8000_0000;
const AGENT_SOURCE: Oid = [...LVS_ROOT, 8, 0];

let master: FuzzMaster;
let agent: ChildProcess;
let logDir: string;
let logPath: string;

beforeAll(async () => {
  master = new FuzzMaster();
  await master.listen();
  logDir = mkdtempSync(join(tmpdir(), 'lvs-agentx-fuzz-log-'));
  logPath = join(logDir, 'agent.log');
  // The agent's log goes to a file: a million parseError warnings must not sit in this process's memory.
  const fd = openSync(logPath, 'w');
  const starting = startAgentFor(master, ['ignore', 'ignore', fd]);
  closeSync(fd);
  agent = await starting;
}, 30_000);

afterAll(async () => {
  await stopAgent(agent);
  await master?.close();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

/** CPU time (user + system) of a process, in seconds (/proc/PID/stat fields 14 and 15, in USER_HZ = 100 ticks). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function get(sessionId: number, packetId: number, oids: readonly Oid[]): Buffer {
  return encodePdu({ type: PduType.Get, sessionId, transactionId: packetId, packetId, ranges: oids.map((start) => ({ start, include: false, end: [] })) });
}

/** Sends `bytes` and resolves with the agent's Response to `packetId`. */
async function ask(c: MasterConnection, bytes: Buffer, packetId: number): Promise<ResponsePdu> {
  const from = c.received.length;
  c.write(bytes);
  const deadline = Date.now() + 5000;
  for (;;) {
    const answer = c.received.slice(from).find((p): p is ResponsePdu => p.type === PduType.Response && p.packetId === packetId);
    if (answer) return answer;
    if (c.closed || Date.now() > deadline) throw new Error(`no answer to packet ${packetId}`);
    await c.waitForActivity(deadline - Date.now());
  }
}

/** Valid requests whose answers do not change while the sim runs: asked before the fuzzing and after it. */
function checks(sessionId: number, base: number): { bytes: Buffer; packetId: number }[] {
  const ids = (n: number) => ({ sessionId, transactionId: base + n, packetId: base + n });
  return [
    { bytes: get(sessionId, base, [[...LVS_ROOT, 1, 0], [...LVS_ROOT, 3, 0], AGENT_SOURCE, [...LVS_ROOT, 99, 0]]), packetId: base },
    { bytes: encodePdu({ type: PduType.GetNext, ...ids(1), ranges: [{ start: LVS_ROOT, include: false, end: [] }] }), packetId: base + 1 },
    {
      bytes: encodePdu({ type: PduType.GetBulk, ...ids(2), nonRepeaters: 0, maxRepetitions: 6, ranges: [{ start: LVS_ROOT, include: false, end: [] }] }),
      packetId: base + 2,
    },
  ];
}

async function askChecks(base: number): Promise<unknown[]> {
  const c = await master.registered();
  const out: unknown[] = [];
  for (const { bytes, packetId } of checks(c.sessionId, base)) {
    const r = await ask(c, bytes, packetId);
    out.push({ error: r.error, index: r.index, varbinds: r.varbinds });
  }
  return out;
}

type Tally = Record<string, number>;

function bump(t: Tally, key: string, n = 1): void {
  t[key] = (t[key] ?? 0) + n;
}

const ERROR_NAMES = new Map<number, string>(Object.entries(ResponseError).map(([k, v]) => [v, k]));

function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

/** Matches each answer to a predicted one (same ids, an allowed error), each used once; returns the answers left over. */
function matchAnswers(expected: readonly Expected[], got: readonly ResponsePdu[]): ResponsePdu[] {
  const open = new Map<string, Extract<Expected, { kind: 'answer' }>[]>();
  for (const e of expected) {
    if (e.kind !== 'answer') continue;
    const key = `${e.sessionId}/${e.transactionId}/${e.packetId}`;
    const list = open.get(key);
    if (list) list.push(e);
    else open.set(key, [e]);
  }
  const left: ResponsePdu[] = [];
  for (const r of got) {
    const list = open.get(`${r.sessionId}/${r.transactionId}/${r.packetId}`);
    const i = list ? list.findIndex((e) => e.errors.includes(r.error)) : -1;
    if (list && i >= 0) list.splice(i, 1);
    else left.push(r);
  }
  return left;
}

describe('AgentX mutation fuzzer', () => {
  it(`answers ${TARGET} mutated PDUs as RFC 2741 says, reconnects when the stream breaks, and is correct afterwards`, async () => {
    const before = await askChecks(1);
    const random = mulberry32(SEED);
    const seeds = makeSeeds();
    const outcomes: Tally = {};
    const streamMutations: Tally = {};
    const failures: string[] = [];
    let observed = 0;
    let sent = 0;
    let nextPacket = 1000;
    let batches = 0;
    let oracleMs = 0;
    let makeMs = 0;
    let unchanged = 0;
    const started = performance.now();
    const cpuBefore = cpuSeconds(agent.pid as number);

    while (observed < TARGET) {
      const c = await master.registered();
      const parts: Buffer[] = [];
      /** The packet id each part was given before its mutation, for failure messages. */
      const givenIds: number[] = [];
      const tm = performance.now();
      for (let i = 0; i < BATCH; i++) {
        const seed = pickSeed(seeds, random);
        nextPacket = (nextPacket % 0x7fff_0000) + 1;
        const base = withIds(seed, c.sessionId, nextPacket);
        givenIds.push(nextPacket);
        // What may end the connection ends the batch, so that no PDU is sent after it to be lost.
        if (random() < STREAM_SHARE) {
          const m = mutateStream(base, random);
          bump(streamMutations, m.applied);
          parts.push(m.bytes);
          break;
        }
        const original = Buffer.from(base); // mutations may work in place
        const mutated = mutateFrame(seed, base, random, seeds).bytes;
        if (mutated.equals(original)) unchanged++; // a mutation that wrote what was there: still sent, and counted
        parts.push(mutated);
        if (seed.bytes[1] === PduType.Close) break;
      }
      const size = parts.length;
      makeMs += performance.now() - tm;
      const sentinel = SENTINEL_BASE + ++batches;
      parts.push(get(c.sessionId, sentinel, [AGENT_SOURCE]));
      const stream = Buffer.concat(parts);
      const t0 = performance.now();
      const prediction = predict(stream, c.sessionId);
      oracleMs += performance.now() - t0;
      const answers = prediction.frames.filter((f) => f.kind === 'answer');
      const from = c.received.length;
      const fromResponses = c.responses;
      // Our answer to a Ping would complete the frame the agent waits for, and be read as its end.
      if (prediction.end === 'stalled') c.muted = true;
      c.write(stream);
      sent += size;

      const deadline = Date.now() + 10_000;
      for (;;) {
        const count = c.responses - fromResponses;
        if (prediction.end === 'complete' && count >= answers.length) break;
        if (prediction.end === 'stalled' && count >= answers.length) {
          // The agent waits for the rest of a frame that never comes: the master gives up on it.
          await c.waitForActivity(50);
          c.destroy();
          break;
        }
        if (c.closed) break;
        if (Date.now() > deadline) {
          throw new Error(`batch ${batches} (${prediction.end}): ${count} of ${answers.length} answers after 10 s`);
        }
        await c.waitForActivity(deadline - Date.now());
      }

      // Answers may come out of order (a request waiting for a fresh read holds those behind it, while a parseError
      // is answered at once): each must match one predicted answer by its ids and error, none twice.
      const got = c.received.slice(from).filter((p): p is ResponsePdu => p.type === PduType.Response);
      const unmatched = matchAnswers(answers, got);
      for (const r of got) bump(outcomes, `answered ${ERROR_NAMES.get(r.error) ?? r.error}`);
      if (unmatched.length > 0 && failures.length < 10) {
        const first = unmatched[0] as ResponsePdu;
        const i = givenIds.indexOf(first.packetId);
        const predicted = answers.filter((e) => e.kind === 'answer' && e.packetId === first.packetId);
        failures.push(
          `batch ${batches} (${prediction.end}, ${parts.length} parts): ${unmatched.length} unexpected answers, first ${show(first)}; ` +
            `predicted for its ids: ${show(predicted)}; ${i >= 0 ? `part ${i} sent as ${(parts[i] as Buffer).toString('hex')}` : 'no part was given its packet id'}`,
        );
      }
      if (prediction.end === 'complete') {
        // Every predicted answer given, nothing else, and the sentinel's value right.
        if (got.length !== answers.length && failures.length < 10) failures.push(`batch ${batches}: ${got.length} answers for ${answers.length} predicted`);
        const last = answers[answers.length - 1];
        if (last?.kind === 'answer' && last.packetId === sentinel) {
          const value = got.find((r) => r.packetId === sentinel)?.varbinds[0]?.value;
          if (!(value?.type === ValueType.OctetString && Buffer.from(value.value).toString() === 'sim') && failures.length < 10) {
            failures.push(`batch ${batches}: sentinel answered ${show(value)}`);
          }
          bump(outcomes, 'answered noAgentXError', -1); // the sentinel is not a mutated PDU
        }
        if (c.closed) bump(outcomes, 'connection lost although every frame could be answered');
        bump(outcomes, 'not answered (Response, CleanupSet)', prediction.frames.filter((f) => f.kind === 'silent').length);
        observed += size;
      } else {
        // Whether the agent's Close(parseError) arrives is close-delivery.test.ts's question; here it is counted.
        const close = c.received.slice(from).find((p) => p.type === PduType.Close);
        const said = close?.type === PduType.Close && close.reason === 2 ? 'agent sent Close(parseError)' : 'no Close from the agent';
        bump(outcomes, {
          close: 'Close from the master: agent reconnected',
          unframable: `unframable stream: ${said}, reconnected`,
          stalled: 'frame never completed: master dropped the stream, agent reconnected',
        }[prediction.end]);
        observed += got.length + 1;
      }
    }

    const seconds = (performance.now() - started) / 1000;
    const agentCpu = cpuSeconds(agent.pid as number) - cpuBefore;
    const after = await askChecks(5);
    const log = readFileSync(logPath, 'utf8').split('\n').filter((l) => l !== '');
    const levels: Tally = {};
    for (const line of log) {
      let level = 'not JSON';
      try {
        level = String((JSON.parse(line) as { level?: number }).level);
      } catch {
        // counted as not JSON
      }
      bump(levels, level);
    }
    console.log(
      `agentx fuzz: ${observed} mutated PDUs with an observed outcome (${sent} sent) in ${seconds.toFixed(1)} s ` +
        `(${Math.round(observed / seconds)}/s), ${batches} batches of ${BATCH}, ${master.connections} connections (${master.connections - 1} reconnects), ` +
        `${master.agentRequests} Pings/Notifies from the agent answered; ${unchanged} PDUs came out of their mutations unchanged`,
    );
    console.log(
      `agentx fuzz: the agent used ${agentCpu.toFixed(1)} s of CPU (${((agentCpu * 1e6) / observed).toFixed(1)} µs a PDU); ` +
        `this test made PDUs in ${(makeMs / 1000).toFixed(1)} s and predicted answers in ${(oracleMs / 1000).toFixed(1)} s`,
    );
    console.log(`agentx fuzz outcomes: ${JSON.stringify(outcomes)}`);
    console.log(`agentx fuzz stream mutations: ${JSON.stringify(streamMutations)}`);
    console.log(`agentx fuzz: agent log lines by pino level: ${JSON.stringify(levels)}; malformed from the agent: ${master.malformed.length}`);

    expect(master.malformed.slice(0, 5)).toEqual([]);
    expect(failures).toEqual([]);
    expect(outcomes['connection lost although every frame could be answered'] ?? 0).toBe(0);
    expect(observed).toBeGreaterThanOrEqual(TARGET);
    expect(after).toEqual(before);
    expect(agent.exitCode).toBeNull();
    expect(levels['60'] ?? 0).toBe(0); // nothing fatal
    expect(levels['not JSON'] ?? 0).toBe(0); // no crash trace
  }, 600_000);
});
