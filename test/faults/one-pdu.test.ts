import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceName, realName } from '../../src/ipvs/service-key.js';
import { simSnapshot } from '../../src/ipvs/sim-source.js';
import { statsRecord, type Stats } from '../../src/ipvs/snapshot.js';
import { Director, LVS_ROOT } from '../e2e/harness/director.js';
import { stringIndex } from '../e2e/harness/expected.js';
import { getter, type Got } from './snmp-clients.js';

/**
 * One PDU, one snapshot: an SNMP Get of Counter32 columns and their 64-bit twins (lvsServiceStatsConns and
 * lvsServiceHCStatsConns, lvsRealStatsInPkts and lvsRealHCStatsInPkts, ...) over several rows must show every value
 * from the same read, while the agent reads a 2,000 x 10 churning table as fast as it will (--interval 0.1), so
 * that reads fold in slices between requests all the time.
 *
 * The sim's counters of its permanent rows are linear in the read number n (value = a + b·n, b > 0, src/ipvs/
 * sim-source.ts), so each value names the read it came from: all of one PDU's must name the same n. A Counter32
 * column is its 64-bit twin's low 32 bits, so both name the read too. Reads named by successive answers to one
 * client must never go back.
 */

const SECONDS = 20;
const CLIENTS = 4;
const SIM = { services: 2000, reals: 10, churn: 2, seed: 1 };
const SVC = `${LVS_ROOT}.17.1`;
const REAL = `${LVS_ROOT}.18.1`;

type Stat = 'conns' | 'inPkts' | 'outPkts';

interface Probe {
  readonly oid: string;
  /** The counter's value at read 0 and its growth per read. */
  readonly a: bigint;
  readonly b: bigint;
  readonly bits: 32 | 64;
}

/** The permanent rows' counters at read 0 and read 1 (a table of 10 services has exactly the permanent ones). */
function probes(): Probe[] {
  const small = { ...SIM, services: 10, churn: 0 };
  const [s0, s1] = [simSnapshot(small, 0), simSnapshot(small, 1)];
  const out: Probe[] = [];
  const add = (oid: string, at0: Stats, at1: Stats, stat: Stat, bits: 32 | 64): void => {
    const a = statsRecord(at0)[stat];
    out.push({ oid: oid.slice(1), a, b: statsRecord(at1)[stat] - a, bits });
  };
  for (let s = 0; s < 4; s++) {
    const [v0, v1] = [s0.services[s], s1.services[s]];
    if (!v0 || !v1) throw new Error('the sim has fewer permanent services than expected');
    const svc = stringIndex(serviceName(v0.key));
    add(`${SVC}.10${svc}`, v0.stats, v1.stats, 'conns', 32); // lvsServiceStatsConns
    add(`${SVC}.29${svc}`, v0.stats, v1.stats, 'conns', 64); // lvsServiceHCStatsConns
    for (const j of [0, 9]) {
      const [r0, r1] = [v0.reals[j], v1.reals[j]];
      if (!r0 || !r1) throw new Error('the sim has fewer reals than expected');
      const real = `${svc}${stringIndex(realName(r0))}`;
      add(`${REAL}.8${real}`, r0.stats, r1.stats, 'inPkts', 32); // lvsRealStatsInPkts
      add(`${REAL}.29${real}`, r0.stats, r1.stats, 'inPkts', 64); // lvsRealHCStatsInPkts
    }
  }
  return out;
}

/** The read a value names: n with a + b·n = value (mod 2^32 for a Counter32), or undefined when none does. */
function readOf(p: Probe, got: Got): number | undefined {
  const value = Buffer.isBuffer(got.value) ? BigInt(`0x${got.value.toString('hex') || '0'}`) : BigInt(got.value as number);
  const mask = p.bits === 32 ? (1n << 32n) - 1n : (1n << 64n) - 1n;
  if (p.b <= 0n) throw new Error(`${p.oid} does not grow in the sim`);
  // Small n only (a test of seconds): search the first 10^5 reads arithmetically.
  const delta = (value - (p.a & mask) + (mask + 1n)) & mask;
  if (delta % p.b !== 0n) return undefined;
  const n = delta / p.b;
  return n < 100_000n ? Number(n) : undefined;
}

let director: Director;
const PROBES = probes();

beforeAll(async () => {
  director = await Director.start({
    source: `sim:services=${SIM.services},reals=${SIM.reals},churn=${SIM.churn},seed=${SIM.seed}`,
    agentArgs: ['-i', '0.1', '--idle-interval', '0.1'],
    waitFor: `.${PROBES[0]?.oid}`,
  });
}, 60_000);

afterAll(async () => {
  await director?.stop();
});

describe('one PDU, one snapshot', () => {
  it(`a Get of ${PROBES.length} Counter32 and Counter64 twins never mixes two reads, for ${SECONDS} s while the table churns`, async () => {
    const end = Date.now() + SECONDS * 1000;
    let pdus = 0;
    const mixed: string[] = [];
    const backwards: string[] = [];
    const reads = new Set<number>();
    const client = async (): Promise<void> => {
      const session = getter(director.target, 5000);
      let last = -1;
      try {
        while (Date.now() < end) {
          const varbinds = await session.get(PROBES.map((p) => p.oid));
          pdus++;
          const named = PROBES.map((p, i) => readOf(p, varbinds[i] as Got));
          const first = named[0];
          if (first === undefined || named.some((n) => n !== first)) {
            if (mixed.length < 5) mixed.push(named.map((n, i) => `${PROBES[i]?.oid}=${String(varbinds[i]?.value)} (read ${n})`).join(', '));
            continue;
          }
          reads.add(first);
          if (first < last && backwards.length < 5) backwards.push(`read ${first} after read ${last}`);
          last = first;
        }
      } finally {
        session.close();
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    console.log(`one PDU: ${pdus} Gets of ${PROBES.length} varbinds, ${reads.size} different reads seen (${Math.min(...reads)}..${Math.max(...reads)}), ${mixed.length} mixed, ${backwards.length} going back`);
    expect(mixed).toEqual([]);
    expect(backwards).toEqual([]);
    // The counters changed many times while the Gets ran: a mix would have been seen.
    expect(reads.size).toBeGreaterThan(20);
    expect(director.agent.alive).toBe(true);
  }, (SECONDS + 30) * 1000);
});
