#!/usr/bin/env bash
# What one poll of the IPVS table costs the agent on a real kernel, for big tables (a benchmark, not a test).
#
#   scripts/kernel/bench-poll.sh [SERVICES ...]     default: 1000 10000; REALS=10 real servers per service
#
# Boots the kernel guest (scripts/kernel/run-guest.sh; run scripts/kernel/prepare.sh once, build first with
# npx tsc -p tsconfig.json) and, for each table size:
#   1. loads SERVICES TCP services x REALS masq real servers with one `ipvsadm -R` (generated rules);
#   2. times `ipvsadm -Ln --stats --exact > /dev/null` (wall, user, sys), three times;
#   3. times three NetlinkSource reads in one process (node dist/test/kernel/bench-poll.js): wall and the process's
#      CPU (process.cpuUsage), run as nobody with CAP_NET_ADMIN like the agent;
#   4. runs the agent (-s netlink -i 2 -l debug, nobody + CAP_NET_ADMIN) behind a private snmpd for three reads and
#      reads its "snapshot in service" lines (readMs, buildMs, maxEventLoopDelayMs = the longest event-loop stall
#      since the previous snapshot), while snmpget polls snmpd's own sysUpTime.0 and the agent's lvsAgentStatus.0
#      every 200 ms: the difference between the two latencies is the agent's part;
# and prints the figures. The guest is emulated (qemu TCG, no KVM): absolute times are several times what real
# hardware shows; compare the rows with each other.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
REALS=${REALS:-10}

if [[ ${1:-} != --in-guest ]]; then
  [[ -f $repo/dist/test/kernel/bench-poll.js && -f $repo/dist/src/daemon/main.js ]] \
    || { echo "bench-poll: build first: npx tsc -p tsconfig.json" >&2; exit 2; }
  sizes=${*:-1000 10000}
  exec bash "$here/run-guest.sh" --timeout "${BENCH_TIMEOUT:-2400}" --env "REALS=$REALS" \
    -c "bash scripts/kernel/bench-poll.sh --in-guest $sizes"
fi
shift

# ---- inside the guest ----------------------------------------------------------------------------------------------
ms() { echo $(( $(date +%s%N) / 1000000 )); }
snmp() { MIBS= MIBDIRS=/nonexistent "$@"; }
TARGET=127.0.0.1:16161
caps() { # exec: a background `caps node ... &` is then the agent's own pid
  exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
    --inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin --bounding-set=-all,+net_admin "$@"
}
# SERVICES x REALS as ipvsadm -R input: TCP 10.a.b.c:80 wlc, reals 172.(16+a).b.c:8000+j masq, weights 1..REALS
rules() {
  awk -v n="$1" -v r="$2" 'BEGIN {
    for (i = 0; i < n; i++) {
      a = int(i / 65536); b = int(i / 256) % 256; c = i % 256
      printf "-A -t 10.%d.%d.%d:80 -s wlc\n", 1 + a, b, c
      for (j = 0; j < r; j++) printf "-a -t 10.%d.%d.%d:80 -r 172.%d.%d.%d:%d -m -w %d\n", 1 + a, b, c, 16 + a, b, c, 8000 + j, 1 + j
    }
  }'
}
stats() { # numbers on stdin -> "min/median/max"
  sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%s/%s/%s", v[1], v[int((NR + 1) / 2)], v[NR]; else printf "-" }'
}

echo "kernel $(uname -r), $(nproc) vCPUs (qemu TCG: emulated, expect several times real hardware's times); REALS=$REALS"
mkdir -p /tmp/snmp
printf '%s\n' "agentaddress udp:$TARGET" 'master agentx' 'agentXSocket unix:/tmp/x/master' 'agentXPerms 0666 0777' \
  'rocommunity public 127.0.0.1' > /tmp/snmp/snmpd.conf
SNMP_PERSISTENT_DIR=/tmp/snmp/persist MIBS= MIBDIRS=/nonexistent \
  /usr/sbin/snmpd -f -C -c /tmp/snmp/snmpd.conf -Lf /tmp/snmp/snmpd.log -p /tmp/snmp/snmpd.pid &
snmpd_pid=$!
for i in $(seq 100); do snmp snmpget -v2c -c public -t 0.3 -r 0 "$TARGET" .1.3.6.1.2.1.1.3.0 > /dev/null 2>&1 && break; sleep 0.1; done

summary=()
for n in "$@"; do
  echo
  echo "=== $n services x $REALS reals"
  ipvsadm -C
  rules "$n" "$REALS" > /tmp/rules
  t=$(ms); ipvsadm -R < /tmp/rules; rc=$?; restore_ms=$(( $(ms) - t ))
  echo "ipvsadm -R of $(wc -l < /tmp/rules) rules: rc=$rc, $restore_ms ms; listed: $(ipvsadm -Ln | grep -c '^TCP') services, $(ipvsadm -Ln | grep -c -- '->  *172') reals"

  TIMEFORMAT='%R %U %S'
  : > /tmp/ipvsadm-times
  for i in 1 2 3; do { time ipvsadm -Ln --stats --exact > /dev/null; } 2>> /tmp/ipvsadm-times; done
  echo "ipvsadm -Ln --stats --exact > /dev/null (wall user sys, s):"; sed 's/^/  /' /tmp/ipvsadm-times
  ipvsadm_wall=$(awk '{ print int($1 * 1000) }' /tmp/ipvsadm-times | stats)
  ipvsadm_cpu=$(awk '{ print int(($2 + $3) * 1000) }' /tmp/ipvsadm-times | stats)

  reader=$(caps node dist/test/kernel/bench-poll.js 3)   # (a subshell: exec is fine)
  echo "NetlinkSource, 3 reads in one process (as nobody + CAP_NET_ADMIN): $reader"
  read_wall=$(grep -o '"wallMs":[0-9]*' <<< "$reader" | cut -d: -f2 | stats)
  read_cpu=$(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.reads.map((x) => x.userMs + x.systemMs).join("\n"))' "$reader" | stats)

  log=/tmp/agent-$n.log
  caps node dist/src/daemon/main.js -x unix:/tmp/x/master -s netlink -i 2 -l debug 2> "$log" &
  agent=$!
  : > /tmp/probe-snmpd; : > /tmp/probe-agent
  t=$(ms)
  while (( $(grep -c '"snapshot in service"' "$log") < 3 )) && kill -0 $agent 2> /dev/null && (( $(ms) - t < 900000 )); do
    a=$(ms); snmp snmpget -v2c -c public -t 10 -r 0 "$TARGET" .1.3.6.1.2.1.1.3.0 > /dev/null 2>&1 && echo $(( $(ms) - a )) >> /tmp/probe-snmpd
    a=$(ms); snmp snmpget -v2c -c public -t 10 -r 0 "$TARGET" .1.3.6.1.4.1.8225.4711.9.0 > /dev/null 2>&1 && echo $(( $(ms) - a )) >> /tmp/probe-agent
    sleep 0.2
  done
  rss=$(awk '/^VmHWM/ { print int($2 / 1024) }' /proc/$agent/status)
  kill $agent; wait $agent 2> /dev/null
  echo "agent (-i 2), its 'snapshot in service' lines:"
  grep '"snapshot in service"' "$log" | sed 's/^/  /'
  grep -E '"level":(40|50|60)' "$log" | sed 's/^/  problem: /'
  field() { grep '"snapshot in service"' "$log" | grep -o "\"$1\":[0-9]*" | cut -d: -f2 | stats; }
  agent_read=$(field readMs); agent_build=$(field buildMs); agent_stall=$(field maxEventLoopDelayMs)
  echo "snmpget latency while the agent polls (ms, min/median/max): snmpd's sysUpTime.0 $(stats < /tmp/probe-snmpd), the agent's lvsAgentStatus.0 $(stats < /tmp/probe-agent) ($(wc -l < /tmp/probe-agent) probes)"
  echo "agent peak RSS: ${rss:-?} MiB"
  summary+=("$(printf '%6s x %-3s | %8s | %-17s | %-17s | %-20s | %-17s | %-17s | %-17s | %-17s | %-17s | %s' \
    "$n" "$REALS" "$restore_ms" "$ipvsadm_wall" "$ipvsadm_cpu" "$read_wall" "$read_cpu" "$agent_read" "$agent_build" "$agent_stall" \
    "$(stats < /tmp/probe-agent)" "${rss:-?}")")
done
kill $snmpd_pid 2> /dev/null

echo
echo "=== summary (ms unless stated; min/median/max over 3 runs; qemu TCG guest, kernel $(uname -r))"
printf '%15s | %8s | %-17s | %-17s | %-20s | %-17s | %-17s | %-17s | %-17s | %-17s | %s\n' \
  'services x reals' 'ipvsadm -R' 'ipvsadm -Ln wall' 'ipvsadm -Ln cpu' 'NetlinkSource wall' 'NetlinkSource cpu' \
  'agent readMs' 'agent buildMs' 'agent max stall' 'snmpget via agent' 'agent RSS MiB'
for line in "${summary[@]}"; do echo "$line"; done
