// Smoke test of the kernel harness: boots Debian's kernel under qemu once and checks that IPVS works in it —
// ipvsadm, an IPv4 TCP NAT service carrying real traffic between network namespaces, the byte counters, SCTP
// services, and ipvsadm as an unprivileged user holding only CAP_NET_ADMIN (setpriv).
//
//   scripts/kernel/prepare.sh && npx vitest run test/kernel
//
// Addresses are from the documentation ranges and exist only inside the guest (which has no NIC but lo):
//   client ns 192.0.2.2 --veth-- 192.0.2.1 (VIP) guest root ns 198.51.100.1 --veth-- 198.51.100.2 real ns
import { beforeAll, describe, expect, it } from 'vitest';
import { guestStatus, requireGuest, runInGuest, sections, type GuestResult } from './guest.js';

const status = guestStatus();
const TRAFFIC_BYTES = Number(process.env['TRAFFIC_MB'] ?? 10) * 1024 * 1024;
const REPLY_BYTES = 1024 * 1024;
const SCTP_BYTES = 1024 * 1024;

const script = String.raw`
set -u
section() { echo "=== $1"; }
# IPVS copies its per-CPU counters into what ipvsadm reads only in the rate estimator, every 2 s: wait until a
# service row (e.g. "TCP 192.0.2.1:8080") shows at least N InBytes and M OutBytes. Both directions matter: the
# estimator can run after the request was counted and before the reply was, and then InBytes alone is not enough.
wait_counted() {
  out=0; [ $# -ge 4 ] && out=$4
  for i in $(seq 40); do
    ipvsadm -Ln --stats --exact |
      awk -v p="$1" -v a="$2" -v n="$3" -v m="$out" '$1 == p && $2 == a && $6 >= n && $7 >= m { f = 1 } END { exit !f }' &&
      return 0
    sleep 0.25
  done
  echo "counters of $1 $2 did not reach $3 in, $out out"; return 1
}

section uname
uname -r

section links
ip -o link | awk -F': ' '{ print $2 }'

section ipvsadm-empty
ipvsadm -Ln; echo "RC=$?"

section nat-setup
set -e
ip netns add client
ip netns add real
ip link add c0 type veth peer name c1 netns client
ip link add r0 type veth peer name r1 netns real
ip addr add 192.0.2.1/24 dev c0 && ip link set c0 up
ip addr add 198.51.100.1/24 dev r0 && ip link set r0 up
ip -n client addr add 192.0.2.2/24 dev c1 && ip -n client link set c1 up && ip -n client link set lo up
ip -n real addr add 198.51.100.2/24 dev r1 && ip -n real link set r1 up && ip -n real link set lo up
ip -n client route add default via 192.0.2.1
ip -n real route add default via 198.51.100.1
sysctl -qw net.ipv4.ip_forward=1
ipvsadm -A -t 192.0.2.1:8080 -s wlc
ipvsadm -a -t 192.0.2.1:8080 -r 198.51.100.2:9000 -m -w 3
ipvsadm -Ln
set +e

section traffic
ip netns exec real node test/kernel/traffic.mjs server 9000 ${REPLY_BYTES} > /tmp/tcp-server.log 2>&1 &
for i in $(seq 100); do grep -q listening /tmp/tcp-server.log && break; sleep 0.1; done
t0=$(date +%s%N)
ip netns exec client node test/kernel/traffic.mjs client 192.0.2.1 8080 ${TRAFFIC_BYTES}; echo "RC=$?"
echo "TRAFFIC_MS=$(( ($(date +%s%N) - t0) / 1000000 ))"
t0=$(date +%s%N)
wait_counted TCP 192.0.2.1:8080 ${TRAFFIC_BYTES} ${REPLY_BYTES}; echo "COUNTED_RC=$?"
echo "COUNTED_AFTER_MS=$(( ($(date +%s%N) - t0) / 1000000 ))"
cat /tmp/tcp-server.log

section stats
ipvsadm -Ln --stats --exact

section sctp
echo "sctp module before: $(grep -c '^sctp ' /proc/modules)"
ipvsadm -A --sctp-service 192.0.2.1:7000 -s rr; echo "ADD_SERVICE_RC=$?"
ipvsadm -a --sctp-service 192.0.2.1:7000 -r 198.51.100.2:7000 -m; echo "ADD_REAL_RC=$?"
modprobe sctp; echo "MODPROBE_RC=$?"
echo "sctp module after: $(grep -c '^sctp ' /proc/modules)"
if [ -x /usr/bin/python3 ]; then
  ip netns exec real /usr/bin/python3 test/kernel/sctp-traffic.py server 7000 > /tmp/sctp-server.log 2>&1 &
  for i in $(seq 100); do grep -q listening /tmp/sctp-server.log && break; sleep 0.1; done
  ip netns exec client /usr/bin/python3 test/kernel/sctp-traffic.py client 192.0.2.1 7000 ${SCTP_BYTES}; echo "SCTP_CLIENT_RC=$?"
  wait_counted SCTP 192.0.2.1:7000 ${SCTP_BYTES}
else
  echo "no /usr/bin/python3: SCTP traffic not tried"
fi
ipvsadm -Ln --sctp-service 192.0.2.1:7000
ipvsadm -Ln --sctp-service 192.0.2.1:7000 --stats --exact

section setpriv
command -v setpriv
setpriv --version
caps() { setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=+net_admin --ambient-caps=+net_admin "$@"; }
caps sh -c 'id; grep -E "^Cap(Eff|Amb)" /proc/self/status'
caps ipvsadm -Ln; echo "CAPS_LIST_RC=$?"
caps ipvsadm -A -t 192.0.2.1:8081 -s rr; echo "CAPS_ADD_RC=$?"
setpriv --reuid=nobody --regid=nogroup --clear-groups ipvsadm -Ln; echo "NOCAPS_LIST_RC=$?"
`;

/** `ipvsadm -Ln --stats --exact` rows: Conns InPkts OutPkts InBytes OutBytes, keyed by the row's address. */
function parseStats(text: string): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    const m = /^(?:(?:TCP|UDP|SCTP)\s+|\s+->\s+)(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (m) rows.set(m[1]!, m.slice(2, 7).map(Number));
  }
  return rows;
}

// Never skipped: where the guest cannot run, the first test fails with the reason and so does every other one.
describe('kernel harness smoke test (qemu guest with IPVS)', () => {
  let r: GuestResult;
  let s: Map<string, string>;
  const sec = (name: string) => {
    requireGuest();
    return s.get(name) ?? '';
  };

  it('can boot the guest here', () => {
    expect(status.ok ? 'ok' : status.reason).toBe('ok');
  });

  beforeAll(async () => {
    if (!status.ok) return;
    r = await runInGuest(script, { timeoutMs: 240_000 });
    s = sections(r.output);
    const traffic = /TRAFFIC_MS=(\d+)/.exec(sec('traffic'))?.[1];
    const counted = /COUNTED_AFTER_MS=(\d+)/.exec(sec('traffic'))?.[1];
    console.log(
      `guest kernel ${r.kernel}: boot ${r.timings.bootMs} ms, script ${r.timings.scriptMs} ms, ` +
        `total ${r.timings.totalMs} ms; ${TRAFFIC_BYTES / 1048576} MiB through IPVS NAT in ${traffic} ms ` +
        `(client process included), counters caught up ${counted} ms later`,
    );
    if (r.exitCode !== 0 || r.harnessFailed) console.log(r.output, r.console, r.harnessLog);
  }, 300_000);

  it('boots and runs the script', () => {
    requireGuest();
    expect(r.harnessFailed).toBe(false);
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    expect(sec('uname').trim()).toBe(r.kernel);
  });

  it('gives the guest no network device but lo', () => {
    expect(sec('links').trim().split('\n')).toEqual(['lo']);
  });

  it('runs ipvsadm against the guest kernel', () => {
    expect(sec('ipvsadm-empty')).toMatch(/IP Virtual Server version \d+\.\d+\.\d+/);
    expect(sec('ipvsadm-empty')).toContain('RC=0');
  });

  it('carries TCP traffic through an IPVS NAT service and counts it', () => {
    expect(sec('nat-setup')).toMatch(/TCP\s+192\.0\.2\.1:8080 wlc/);
    expect(sec('traffic')).toMatch(/^RC=0$/m);
    expect(sec('traffic')).toContain('COUNTED_RC=0');
    const client = JSON.parse(/^\{.*\}$/m.exec(sec('traffic'))?.[0] ?? '{}') as { sent?: number; received?: number };
    expect(client.received).toBe(REPLY_BYTES);
    expect(sec('traffic')).toContain(`connection received=${TRAFFIC_BYTES}`);

    const stats = parseStats(sec('stats'));
    for (const key of ['192.0.2.1:8080', '198.51.100.2:9000']) {
      const [conns, inPkts, outPkts, inBytes, outBytes] = stats.get(key) ?? [];
      expect(conns, key).toBe(1);
      expect(inPkts, key).toBeGreaterThan(0);
      expect(outPkts, key).toBeGreaterThan(0);
      expect(inBytes, key).toBeGreaterThan(TRAFFIC_BYTES);
      expect(outBytes, key).toBeGreaterThan(REPLY_BYTES);
    }
  });

  it('supports SCTP services', () => {
    const t = sec('sctp');
    console.log(`SCTP section:\n${t}`);
    expect(t).toContain('ADD_SERVICE_RC=0');
    expect(t).toContain('ADD_REAL_RC=0');
    expect(t).toContain('MODPROBE_RC=0');
    expect(t).toMatch(/SCTP\s+192\.0\.2\.1:7000 rr/);
    // Not optional: the SCTP client is the host's /usr/bin/python3 (as in the agent test).
    expect(t, 'SCTP traffic needs /usr/bin/python3 on the host').toContain('SCTP_CLIENT_RC=0');
    expect(t).toContain(`got ${SCTP_BYTES}`);
    const [conns, , , inBytes] = parseStats(t).get('192.0.2.1:7000') ?? [];
    expect(conns).toBe(1);
    expect(inBytes).toBeGreaterThan(SCTP_BYTES);
  });

  it('lets an unprivileged user with only CAP_NET_ADMIN use ipvsadm (setpriv)', () => {
    const t = sec('setpriv');
    console.log(`setpriv section:\n${t}`);
    expect(t).toContain('uid=65534(nobody)');
    expect(t).toContain('CAPS_LIST_RC=0');
    expect(t).toContain('CAPS_ADD_RC=0');
    expect(t).not.toContain('NOCAPS_LIST_RC=0');
  });
});
