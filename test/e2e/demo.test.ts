import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freeUdpPort } from './harness/snmpd.js';
import { REPO } from './harness/tools.js';

/** README's first command: `npm run demo` shows the service table by name and a counter above 2^32. */
describe('npm run demo', () => {
  it('shows snmptable with service names and an in-bytes counter above 2^32', async () => {
    const port = await freeUdpPort();
    const r = spawnSync('bash', ['scripts/demo.sh'], { cwd: REPO, encoding: 'utf8', timeout: 240_000, env: { ...process.env, DEMO_PORT: String(port) } });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    expect(out).toContain('SNMP table: LVS-MIB::lvsServiceTable');
    for (const name of ['"TCP/10.0.0.1:80"', '"FWM/10"', '"SCTP/10.0.0.33:9000"', '"UDP/[2001:db8:0:7::1]:53"']) expect(out).toContain(name);
    const inBytes = /lvsServiceStatsInBytes\."TCP\/10\.0\.0\.1:80" = Counter64: (\d+)/.exec(out);
    expect(inBytes, out).not.toBeNull();
    expect(BigInt(inBytes?.[1] ?? '0')).toBeGreaterThan(2n ** 32n);
  }, 300_000);
});
