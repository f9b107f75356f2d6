#!/usr/bin/env bash
# The demo: installs what it needs, starts a private snmpd on a loopback port, starts lvs-agentx with the
# simulated director, and shows LVS-MIB through the real Net-SNMP tools.
#   npm run demo                  show, then stop everything
#   npm run demo -- --keep        leave snmpd and the agent running until Ctrl-C (try your own snmpwalk)
# Nothing touches a system snmpd: the private one has its own config, port and AgentX socket in a temp dir.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"
keep=0
[[ "${1:-}" == "--keep" ]] && keep=1
PORT="${DEMO_PORT:-16161}"

bash scripts/install-deps.sh
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npx tsc -p tsconfig.json

dir="$(mktemp -d /tmp/lvs-agentx-demo.XXXXXX)"
cleanup() {
  [[ -n "${agent_pid:-}" ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [[ -n "${snmpd_pid:-}" ]] && kill "$snmpd_pid" 2>/dev/null && wait "$snmpd_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

cat >"$dir/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:$PORT
master agentx
agentXSocket unix:$dir/agentx
rocommunity public 127.0.0.1
dontLogTCPWrappersConnects yes
CONF
SNMP_PERSISTENT_DIR="$dir/persist" MIBS= /usr/sbin/snmpd -f -C -c "$dir/snmpd.conf" -Lf "$dir/snmpd.log" -p "$dir/snmpd.pid" &
snmpd_pid=$!
node dist/src/daemon/main.js --agentx-socket "unix:$dir/agentx" --source sim --interval 1 --idle-interval 1 2>"$dir/agent.log" &
agent_pid=$!

. scripts/mib-env.sh
echo "demo: private snmpd on udp:127.0.0.1:$PORT, lvs-agentx (source sim) on unix:$dir/agentx"
for _ in $(seq 1 100); do
  if snmpget -v2c -c public -t 0.2 -r 0 "127.0.0.1:$PORT" 'LVS-MIB::lvsServiceSchedType."TCP/10.0.0.1:80"' 2>/dev/null | grep -q STRING; then break; fi
  sleep 0.1
done
sleep 3 # three reads of the simulator: its first service's in-bytes counter has now passed 2^32

echo
echo "\$ snmptable -v2c -c public -m LVS-MIB -Ci -Cb -Cw 160 127.0.0.1:$PORT lvsServiceTable"
snmptable -v2c -c public -m LVS-MIB -Ci -Cb -Cw 160 "127.0.0.1:$PORT" lvsServiceTable
echo
echo "\$ snmpget -v2c -c public -m LVS-MIB 127.0.0.1:$PORT lvsServiceStatsInBytes.\\\"TCP/10.0.0.1:80\\\" lvsServiceStatsOutBytes.\\\"TCP/10.0.0.1:80\\\""
snmpget -v2c -c public -m LVS-MIB "127.0.0.1:$PORT" 'LVS-MIB::lvsServiceStatsInBytes."TCP/10.0.0.1:80"' 'LVS-MIB::lvsServiceStatsOutBytes."TCP/10.0.0.1:80"'
echo "(2^32 = 4294967296: the in-bytes counter is above it, the out-bytes one is close to 2^64 and wraps soon)"

if [[ "$keep" -eq 1 ]]; then
  echo
  echo "demo: running; try: . scripts/mib-env.sh; snmpwalk -v2c -c public 127.0.0.1:$PORT LVS-MIB::lvs    (Ctrl-C stops)"
  wait "$agent_pid"
fi
