// The unit tests that use the host's own kernel (test/unit/ipvs/netlink/socket-host-kernel.test.ts) run on the
// development machine, whose kernel has no ip_vs: this runs the same file inside the guest, where ip_vs is loaded,
// so both of its cases are proven on every CI run. vitest runs with --configLoader runner: the guest's root is
// read-only, and the default loader writes the bundled config under node_modules/.vite-temp.
import { describe, expect, it, beforeAll } from 'vitest';
import { guestStatus, requireGuest, runInGuest, type GuestResult } from './guest.js';

const status = guestStatus();
const FILE = 'test/unit/ipvs/netlink/socket-host-kernel.test.ts';

describe(`${FILE} on a kernel with ip_vs loaded`, () => {
  let r: GuestResult;

  it('can boot the guest here', () => {
    expect(status.ok ? 'ok' : status.reason).toBe('ok');
  });

  beforeAll(async () => {
    if (!status.ok) return;
    r = await runInGuest(
      `test -e /proc/net/ip_vs && echo "IP_VS_LOADED"
# A small table, so that both readers' GET_DEST dumps have real servers to compare.
for i in 1 2 3; do
  ipvsadm -A -t 10.9.9.$i:80 -s wlc && ipvsadm -a -t 10.9.9.$i:80 -r 10.9.8.$i:8080 -m -w 3 && ipvsadm -a -t 10.9.9.$i:80 -r 10.9.7.$i:8080 -m
done
ipvsadm -A -u [2001:db8::9]:53 -s rr && ipvsadm -a -u [2001:db8::9]:53 -r [2001:db8::10]:53 -m
# A service whose GET_DEST dump spans several datagrams of the page the native reader receives them with (batch.c).
{ echo "-A -t 10.9.9.9:443 -s rr"; for j in $(seq 120); do echo "-a -t 10.9.9.9:443 -r 10.9.6.$j:8443 -m"; done; } | ipvsadm -R
export IPVS_TABLE_MAX_REALS=120
node node_modules/vitest/vitest.mjs run --configLoader runner --reporter verbose --config test/vitest.config.ts ${FILE} 2>&1`,
      { timeoutMs: 600_000 },
    );
    if (r.exitCode !== 0 || r.harnessFailed) console.log(r.output, r.console, r.harnessLog);
  }, 660_000);

  it('passes every test, in its "ip_vs loaded here" case', () => {
    requireGuest();
    expect(r.output).toContain('IP_VS_LOADED');
    expect(r.output).toMatch(/family "IPVS" \(ip_vs loaded here\): registered, and resolved by name/);
    expect(r.output).toMatch(/NetlinkSource\.read\(\) \(ip_vs loaded here\)/);
    expect(r.output).toMatch(/Tests\s+7 passed \(7\)/);
    expect(r.exitCode).toBe(0);
  });
});
