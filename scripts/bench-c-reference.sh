#!/usr/bin/env bash
# Benchmark (not a test): the reference point for scripts/bench-walk.ts. Net-SNMP's own C subagent (snmpd -X)
# serves ifTable for N interfaces (veth pairs in a private network namespace) through a private master snmpd;
# a full snmpbulkwalk of ifTable through the master is timed, exactly as bench-walk.ts times LVS-MIB through
# lvs-agentx. snmpd turns every bulk repetition into one AgentX round trip, so varbinds per second compare the
# cost per round trip of the two subagents.
# The table is walked WALKS times in a row (the walk of 2,000 interfaces is 44,000 varbinds, short enough for the
# 10 ms clock ticks of the CPU figures to matter); figures are per round trip over all of them, CPU split into user
# and system time.
#   bash scripts/bench-c-reference.sh [INTERFACES] [REPETITIONS] [WALKS]     (defaults 2000, 50 and 5; root)
set -Eeuo pipefail
interfaces="${1:-2000}"
repetitions="${2:-50}"
walks="${3:-5}"
ns="lvsbench$$"
dir="$(mktemp -d /tmp/lvs-agentx-cref.XXXXXX)"
port="${BENCH_PORT:-16175}"
cleanup() {
  [[ -n "${sub:-}" ]] && kill "$sub" 2>/dev/null
  [[ -n "${master:-}" ]] && kill "$master" 2>/dev/null
  wait 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

ip netns add "$ns"
for i in $(seq 1 $((interfaces / 2))); do echo "link add a$i type veth peer name b$i"; done >"$dir/links"
ip -n "$ns" -batch "$dir/links"

printf 'agentaddress udp:127.0.0.1:%s\nmaster agentx\nagentXSocket unix:%s/master\nrocommunity public 127.0.0.1\n' "$port" "$dir" >"$dir/master.conf"
printf 'agentXSocket unix:%s/master\n' "$dir" >"$dir/sub.conf"
# The master initialises only its AgentX module, so ifTable can come from the subagent alone.
SNMP_PERSISTENT_DIR="$dir/p1" MIBS= /usr/sbin/snmpd -f -C -c "$dir/master.conf" -Lf "$dir/master.log" -I agentx &
master=$!
sleep 0.5
SNMP_PERSISTENT_DIR="$dir/p2" MIBS= ip netns exec "$ns" /usr/sbin/snmpd -f -C -c "$dir/sub.conf" -X -Lf "$dir/sub.log" &
sub=$!
for _ in $(seq 1 100); do
  if snmpget -v2c -c public -t 0.3 -r 0 "127.0.0.1:$port" .1.3.6.1.2.1.2.1.0 2>/dev/null | grep -q INTEGER; then break; fi
  sleep 0.1
done

ticks() { awk '{ print $14, $15 }' "/proc/$sub/stat"; } # user and system clock ticks (USER_HZ 100)
read -r user_before sys_before < <(ticks)
start=$(date +%s.%N)
varbinds=0
for _ in $(seq 1 "$walks"); do
  n=$(MIBS= snmpbulkwalk -v2c -c public -On "-Cr$repetitions" -t 5 "127.0.0.1:$port" .1.3.6.1.2.1.2.2 | wc -l)
  varbinds=$((varbinds + n))
done
end=$(date +%s.%N)
read -r user_after sys_after < <(ticks)
user_ticks=$((user_after - user_before))
sys_ticks=$((sys_after - sys_before))
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$sub/status")
awk -v u="$user_ticks" -v y="$sys_ticks" -v w="$walks" -v n="$varbinds" -v s="$start" -v e="$end" -v i="$interfaces" -v r="$repetitions" -v rss="$rss" 'BEGIN {
  t = e - s
  printf "{\"reference\":\"snmpd -X ifTable\",\"interfaces\":%d,\"repetitions\":%d,\"walks\":%d,\"varbinds\":%d,\"walkSeconds\":%.2f,\"varbindsPerSecond\":%d,\"microsecondsPerRoundTrip\":%d,\"subagentCpuMicrosecondsPerRoundTrip\":%.1f,\"subagentUserMicrosecondsPerRoundTrip\":%.1f,\"subagentSystemMicrosecondsPerRoundTrip\":%.1f,\"subagentPeakRssMiB\":%d}\n", i + 1, r, w, n, t, n / t, t * 1e6 / n, (u + y) * 1e4 / n, u * 1e4 / n, y * 1e4 / n, rss
}'
