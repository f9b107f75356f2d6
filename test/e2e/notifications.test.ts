import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Director, FIXTURE, LVS_ROOT as ROOT } from './harness/director.js';
import { stringIndex } from './harness/expected.js';
import { PrivateSnmptrapd, type ReceivedTrap } from './harness/snmptrapd.js';

/**
 * Notifications end to end: the agent sees changes between reads of a snapshot file, sends AgentX Notify PDUs,
 * the private snmpd turns them into SNMPv2c traps for its trap2sink, and Debian's snmptrapd receives them.
 */

const N = `${ROOT}.20.0`;
const base = JSON.parse(readFileSync(FIXTURE, 'utf8'));

let trapd: PrivateSnmptrapd;
let director: Director;

function hex(text: string): string {
  return 'Hex-STRING: ' + [...Buffer.from(text)].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

async function waitForTraps(count: number): Promise<ReceivedTrap[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const traps = trapd.traps().filter((t) => t.trapOid.startsWith(N));
    if (traps.length >= count) return traps;
    if (Date.now() > deadline) throw new Error(`expected ${count} LVS-MIB traps, got ${traps.length}: ${JSON.stringify(traps.map((t) => t.trapOid))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  trapd = await PrivateSnmptrapd.start();
  director = await Director.start({ snapshot: base, snmpdConfig: [trapd.sinkLine], agentArgs: ['-i', '0.2', '--idle-interval', '0.2', '--notification-limit', '5'] });
}, 30_000);

afterAll(async () => {
  await director?.stop();
  await trapd?.stop();
});

describe('notifications through snmpd to snmptrapd', () => {
  it('sends nothing for the first read', async () => {
    await new Promise((r) => setTimeout(r, 600));
    expect(trapd.traps().filter((t) => t.trapOid.startsWith(N))).toEqual([]);
  });

  it('sends each kind of change with the row name and key values', async () => {
    const doc = structuredClone(base);
    doc.services[1].reals[1].weight = 0; // TCP/10.0.0.1:80 -> 10.0.0.2:80 quiesced (was 100)
    doc.services[1].reals.shift(); // 10.0.0.3:8080 removed from TCP/10.0.0.1:80
    doc.services[0].reals.push({ address: '2001:db8::99', port: 53 }); // added to UDP/[2001:db8::1]:53
    doc.services.splice(2, 1); // SCTP/10.0.0.1:9000 removed
    doc.services.push({ protocol: 'tcp', address: '10.9.9.9', port: 8080, scheduler: 'rr', reals: [] }); // added
    director.writeSnapshot(doc);
    const traps = await waitForTraps(5);
    const byKind = new Map(traps.map((t) => [t.trapOid, t.varbinds]));

    const added = byKind.get(`${N}.1`);
    const sIdx = stringIndex('TCP/10.9.9.9:8080');
    expect(added?.get(`${ROOT}.20.1.1.0`)).toBe(hex('TCP/10.9.9.9:8080'));
    expect(added?.get(`${ROOT}.17.1.3${sIdx}`)).toBe('INTEGER: 6');
    expect(added?.get(`${ROOT}.17.1.21${sIdx}`)).toBe('INTEGER: 1');
    expect(added?.get(`${ROOT}.17.1.22${sIdx}`)).toBe('Hex-STRING: 0A 09 09 09');
    expect(added?.get(`${ROOT}.17.1.5${sIdx}`)).toBe('Gauge32: 8080');
    expect(added?.get(`${ROOT}.17.1.2${sIdx}`)).toBe(hex('rr'));

    const removed = byKind.get(`${N}.2`);
    expect(removed?.get(`${ROOT}.20.1.1.0`)).toBe(hex('SCTP/10.0.0.1:9000'));
    expect(removed?.get(`${ROOT}.17.1.3${stringIndex('SCTP/10.0.0.1:9000')}`)).toBe('INTEGER: 132');

    const realAdded = byKind.get(`${N}.3`);
    const rIdx = stringIndex('UDP/[2001:db8::1]:53') + stringIndex('[2001:db8::99]:53');
    expect(realAdded?.get(`${ROOT}.20.1.2.0`)).toBe(hex('[2001:db8::99]:53'));
    expect(realAdded?.get(`${ROOT}.18.1.18${rIdx}`)).toBe('INTEGER: 2');
    expect(realAdded?.get(`${ROOT}.18.1.19${rIdx}`)).toBe('Hex-STRING: 20 01 0D B8 00 00 00 00 00 00 00 00 00 00 00 99');
    expect(realAdded?.get(`${ROOT}.18.1.6${rIdx}`)).toBe('INTEGER: 1');

    const realRemoved = byKind.get(`${N}.4`);
    expect(realRemoved?.get(`${ROOT}.20.1.1.0`)).toBe(hex('TCP/10.0.0.1:80'));
    expect(realRemoved?.get(`${ROOT}.20.1.2.0`)).toBe(hex('10.0.0.3:8080'));

    const weight = byKind.get(`${N}.5`);
    const wIdx = stringIndex('TCP/10.0.0.1:80') + stringIndex('10.0.0.2:80');
    expect(weight?.get(`${ROOT}.20.1.2.0`)).toBe(hex('10.0.0.2:80'));
    expect(weight?.get(`${ROOT}.18.1.6${wIdx}`)).toBe('INTEGER: 0');
    expect(weight?.get(`${ROOT}.20.1.3.0`)).toBe('INTEGER: 100');
    expect(traps).toHaveLength(5);
  });

  it('holds to the rate limit and says so in the log', async () => {
    // 5 a minute, 5 already sent this minute: everything further is dropped and counted.
    const doc = director.readSnapshot();
    for (let i = 0; i < 3; i++) doc.services.push({ protocol: 'udp', address: `10.8.8.${i + 1}`, port: 53, reals: [] });
    director.writeSnapshot(doc);
    await new Promise((r) => setTimeout(r, 1500));
    expect(trapd.traps().filter((t) => t.trapOid.startsWith(N))).toHaveLength(5);
    expect(director.agent.logLines.join('\n')).toMatch(/notification rate limit reached/);
  });
});
