#!/usr/bin/env bash
# What one poll of the IPVS table costs the agent on a real kernel, for big tables (a benchmark, not a test).
#
#   scripts/kernel/bench-poll.sh [SERVICES ...]     default: 1000 10000; REALS=10 real servers per service
#
# Boots the kernel guest (scripts/kernel/run-guest.sh; run scripts/kernel/prepare.sh once, build first with
# npm run build, which also builds the native addon) and, for each table size:
#   1. loads SERVICES TCP services x REALS masq real servers with one `ipvsadm -R` (generated rules);
#   2. times `ipvsadm -Ln --stats --exact > /dev/null` (wall, user, sys), three times;
#   2b. the whole-process dump against ipvsadm, alternating (A B A B A B, BENCH_PAIRS pairs, default 3; both as nobody with CAP_NET_ADMIN):
#      A = `node dist/src/daemon/main.js snapshot -s netlink --format $BENCH_FORMAT > /dev/null` (`lvs-agentx snapshot`:
#      node's start, the read, the JSON), B = `ipvsadm -Ln --stats --exact > /dev/null`; prints every run and the
#      ratio of the medians (A/B: below 1 means the agent's dump is the faster), and the median of each pair's ratio;
#   3. times three NetlinkSource reads in one process (node dist/test/kernel/bench-poll.js): wall and the process's
#      CPU (process.cpuUsage), run as nobody with CAP_NET_ADMIN like the agent;
#   4. runs the agent (-s netlink -i 2 -l debug, nobody + CAP_NET_ADMIN) behind a private snmpd for three reads and
#      reads its "snapshot in service" lines (readMs, buildMs, maxEventLoopDelayMs = the longest event-loop stall
#      since the previous snapshot), while snmpget polls snmpd's own sysUpTime.0 and the agent's lvsAgentStatus.0
#      every 200 ms: the difference between the two latencies is the agent's part;
# and prints the figures. BENCH_STEPS (default "ipvsadm whole reader agent") picks the steps (the table is always
# loaded); BENCH_FORMAT (table, the default, or json) is the format of the whole-process dump; BENCH_PROFILE=1 also writes a CPU profile of one whole-process dump (node --cpu-prof) to
# $BENCH_OUT/prof (BENCH_OUT: a host directory, given to run-guest.sh as --out; default a temporary one). The guest is emulated (qemu TCG, no KVM): absolute times are several times what real
# hardware shows; compare the rows with each other.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
REALS=${REALS:-10}

if [[ ${1:-} != --in-guest ]]; then
  [[ -f $repo/dist/test/kernel/bench-poll.js && -f $repo/dist/src/daemon/main.js ]] \
    || { echo "bench-poll: build first: npm run build" >&2; exit 2; }
  [[ -f $repo/build/netlink-batch.node ]] \
    || echo "bench-poll: build/netlink-batch.node not built (npm run build): the agent reads through the netlink package only" >&2
  sizes=${*:-1000 10000}
  out=()
  [[ -n ${BENCH_OUT:-} ]] && { mkdir -p "$BENCH_OUT"; out=(--out "$BENCH_OUT"); }
  exec bash "$here/run-guest.sh" "${out[@]}" --timeout "${BENCH_TIMEOUT:-2400}" --env "REALS=$REALS" \
    --env "BENCH_STEPS=${BENCH_STEPS:-ipvsadm whole reader agent}" --env "BENCH_PROFILE=${BENCH_PROFILE:-0}" --env "BENCH_PAIRS=${BENCH_PAIRS:-3}" --env "BENCH_FORMAT=${BENCH_FORMAT:-table}" \
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
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
step() { [[ " $BENCH_STEPS " == *" $1 "* ]]; }
BENCH_STEPS=${BENCH_STEPS:-ipvsadm whole reader agent}
BENCH_PROFILE=${BENCH_PROFILE:-0}
BENCH_PAIRS=${BENCH_PAIRS:-3}
# One timed run of a command as nobody + CAP_NET_ADMIN, output discarded: appends "wall user sys rc" (s) to $1.
timed() {
  local file=$1; shift
  local TIMEFORMAT='%R %U %S' rc
  { time { ( caps "$@" > /dev/null 2> /tmp/timed.err ); rc=$?; }; } 2> /tmp/timed.time
  echo "$(cat /tmp/timed.time) $rc" >> "$file"
  (( rc == 0 )) || sed 's/^/    stderr: /' /tmp/timed.err | head -5
}

# The guest's clocksource matters to node, not to ipvsadm: with hpet (TCG marks the TSC unstable when the vCPUs start
# apart, on a busy host) every clock read traps to qemu, and the event loop reads the clock on every turn.
echo "kernel $(uname -r), $(nproc) vCPUs (qemu TCG: emulated, expect several times real hardware's times); REALS=$REALS;" \
  "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2> /dev/null || echo '?')"
mkdir -p /tmp/snmp
printf '%s\n' "agentaddress udp:$TARGET" 'master agentx' 'agentXSocket unix:/tmp/x/master' 'agentXPerms 0666 0777' \
  'rocommunity public 127.0.0.1' > /tmp/snmp/snmpd.conf
SNMP_PERSISTENT_DIR=/tmp/snmp/persist MIBS= MIBDIRS=/nonexistent \
  /usr/sbin/snmpd -f -C -c /tmp/snmp/snmpd.conf -Lf /tmp/snmp/snmpd.log -p /tmp/snmp/snmpd.pid &
snmpd_pid=$!
for i in $(seq 100); do snmp snmpget -v2c -c public -t 0.3 -r 0 "$TARGET" .1.3.6.1.2.1.1.3.0 > /dev/null 2>&1 && break; sleep 0.1; done

summary=()
row() {
  printf '%6s x %-3s | %8s | %-17s | %-17s | %-17s | %-17s | %5s | %-20s | %-17s | %-17s | %-17s | %-17s | %-17s | %s' \
    "$n" "$REALS" "$restore_ms" "$ipvsadm_wall" "$ipvsadm_cpu" "$whole_a" "$whole_b" "$whole_ratio" "$read_wall" "$read_cpu" \
    "$agent_read" "$agent_build" "$agent_stall" "$(stats < /tmp/probe-agent)" "${rss:-?}"
}
for n in "$@"; do
  echo
  echo "=== $n services x $REALS reals"
  ipvsadm -C
  rules "$n" "$REALS" > /tmp/rules
  t=$(ms); ipvsadm -R < /tmp/rules; rc=$?; restore_ms=$(( $(ms) - t ))
  echo "ipvsadm -R of $(wc -l < /tmp/rules) rules: rc=$rc, $restore_ms ms; listed: $(ipvsadm -Ln | grep -c '^TCP') services, $(ipvsadm -Ln | grep -c -- '->  *172') reals"

  ipvsadm_wall=- ipvsadm_cpu=- whole_a=- whole_b=- whole_ratio=- read_wall=- read_cpu=-
  agent_read=- agent_build=- agent_stall=- rss=-
  : > /tmp/probe-agent
  if step ipvsadm; then
    TIMEFORMAT='%R %U %S'
    : > /tmp/ipvsadm-times
    for i in 1 2 3; do { time ipvsadm -Ln --stats --exact > /dev/null; } 2>> /tmp/ipvsadm-times; done
    echo "ipvsadm -Ln --stats --exact > /dev/null (wall user sys, s):"; sed 's/^/  /' /tmp/ipvsadm-times
    ipvsadm_wall=$(awk '{ print int($1 * 1000) }' /tmp/ipvsadm-times | stats)
    ipvsadm_cpu=$(awk '{ print int(($2 + $3) * 1000) }' /tmp/ipvsadm-times | stats)
  fi

  if step whole; then
    # A B A B A B: the machine is shared and the guest emulated, so the two are measured side by side.
    : > /tmp/whole-a; : > /tmp/whole-b
    echo "whole process, alternating (wall user sys in s, exit code), both as nobody + CAP_NET_ADMIN:"
    for ((i = 0; i < BENCH_PAIRS; i++)); do
      timed /tmp/whole-a node dist/src/daemon/main.js snapshot -s netlink --format "$BENCH_FORMAT"
      echo "  A snapshot -s netlink --format $BENCH_FORMAT: $(tail -1 /tmp/whole-a)"
      timed /tmp/whole-b ipvsadm -Ln --stats --exact
      echo "  B ipvsadm -Ln --stats --exact:       $(tail -1 /tmp/whole-b)"
    done
    whole_a=$(awk '{ print int($1 * 1000) }' /tmp/whole-a | stats)
    whole_b=$(awk '{ print int($1 * 1000) }' /tmp/whole-b | stats)
    whole_ratio=$(awk -v a="$(awk '{ print $1 }' /tmp/whole-a | median)" -v b="$(awk '{ print $1 }' /tmp/whole-b | median)" \
      'BEGIN { printf "%.2f", a / b }')
    failed=$(awk '$4 != 0' /tmp/whole-a /tmp/whole-b | wc -l)
    pair_ratio=$(paste -d' ' /tmp/whole-a /tmp/whole-b | awk '{ printf "%.3f\n", $1 / $5 }' | median)
    echo "  medians: A $(awk '{ print $1 }' /tmp/whole-a | median) s, B $(awk '{ print $1 }' /tmp/whole-b | median) s; A/B = $whole_ratio$( (( failed )) && echo " ($failed run(s) FAILED)"); median of the $BENCH_PAIRS pairs' own ratios $pair_ratio"
  fi
  if [[ $BENCH_PROFILE == 1 ]]; then
    mkdir -p /tmp/prof && chmod 777 /tmp/prof
    (cd /tmp && caps node --cpu-prof --cpu-prof-dir=/tmp/prof "$GUEST_REPO/dist/src/daemon/main.js" snapshot -s netlink --format "$BENCH_FORMAT" > /dev/null)
    mkdir -p "$GUEST_OUT/prof" && cp /tmp/prof/*.cpuprofile "$GUEST_OUT/prof/" \
      && for f in /tmp/prof/*.cpuprofile; do mv "$GUEST_OUT/prof/${f##*/}" "$GUEST_OUT/prof/snapshot-$n-${f##*/}"; done \
      && echo "CPU profile of one whole-process dump: $GUEST_OUT/prof/snapshot-$n-*.cpuprofile"
    rm -f /tmp/prof/*.cpuprofile
  fi

  if step reader; then
    reader=$(caps node dist/test/kernel/bench-poll.js 3)   # (a subshell: exec is fine)
    echo "NetlinkSource, 3 reads in one process (as nobody + CAP_NET_ADMIN): $reader"
    read_wall=$(grep -o '"wallMs":[0-9]*' <<< "$reader" | cut -d: -f2 | stats)
    read_cpu=$(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.reads.map((x) => x.userMs + x.systemMs).join("\n"))' "$reader" | stats)
  fi

  step agent || { summary+=("$(row)"); continue; }
  log=/tmp/agent-$n.log
  # A fixed 2 s clock (--idle-interval equal to -i): the step times reads, which follow demand otherwise.
  caps node dist/src/daemon/main.js -x unix:/tmp/x/master -s netlink -i 2 --idle-interval 2 -l debug 2> "$log" &
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
  summary+=("$(row)")
done
kill $snmpd_pid 2> /dev/null

echo
echo "=== summary (ms unless stated; min/median/max over 3 runs; qemu TCG guest, kernel $(uname -r))"
printf '%15s | %8s | %-17s | %-17s | %-17s | %-17s | %5s | %-20s | %-17s | %-17s | %-17s | %-17s | %-17s | %s\n' \
  'services x reals' 'ipvsadm -R' 'ipvsadm -Ln wall' 'ipvsadm -Ln cpu' 'A: snapshot wall' 'B: ipvsadm wall' 'A/B' \
  'NetlinkSource wall' 'NetlinkSource cpu' \
  'agent readMs' 'agent buildMs' 'agent max stall' 'snmpget via agent' 'agent RSS MiB'
for line in "${summary[@]}"; do echo "$line"; done
