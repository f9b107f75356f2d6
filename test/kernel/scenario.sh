# The guest side of test/kernel/agent.test.ts (issue #4, "Done when"): runs inside the qemu guest (bash, as root,
# cwd = the repository, read-only) and records everything under $OUT for the test to judge on the host. It never
# stops at a failure: every step prints its result, the test decides.
#
# Topology (documentation addresses; they exist only inside the guest, which has no NIC but lo):
#   client ns  c1 192.0.2.2    2001:db8:c::2  --veth--  c0 192.0.2.1    2001:db8:c::1   guest root ns = director
#   real1 ns   r1 198.51.100.2 2001:db8:1::2  --veth--  r0 198.51.100.1 2001:db8:1::1   (VIPs are c0's addresses;
#   real2 ns   s1 203.0.113.2  2001:db8:2::2  --veth--  s0 203.0.113.1  2001:db8:2::1    others are config only)
#
# Environment: OUT (required), BIG_BYTES (payload through TCP/192.0.2.1:8080; default 2^32 + 64 MiB).
set -u
: "${OUT:?}"
BIG_BYTES=${BIG_BYTES:-4362076160}
ROOT=.1.3.6.1.4.1.8225.4711
TARGET=127.0.0.1:16161
mkdir -p "$OUT"/{traffic,compare,disc,mono,rmmod}

T0=$(date +%s%N)
now_ms() { echo $(( ($(date +%s%N) - T0) / 1000000 )); }
phase() { echo; echo "=== $1 (t=$(now_ms) ms)"; echo "$1 $(now_ms)" >> "$OUT/phases.txt"; }
note() { echo "--- $*"; }
# Net-SNMP tools without MIB loading (Debian ships no IETF MIBs: loading only prints errors and takes seconds).
snmp() { MIBS= MIBDIRS=/nonexistent "$@"; }
get() { snmp snmpget -v2c -c public -On -Ox -Oe -t 3 -r 1 "$TARGET" "$@"; }
walk() { snmp snmpbulkwalk -v2c -c public -On -Ox -Oe -t 5 -r 1 "$TARGET" "${1:-$ROOT}"; }
# The OID index of a DisplayString (length, then the bytes), as LVS-MIB's tables are indexed.
idx() { local s=$1 out=".${#1}" i; for ((i = 0; i < ${#s}; i++)); do out+=".$(printf '%d' "'${s:i:1}")"; done; echo "$out"; }
# "TYPE: value" of one snmpget line → value
val() { sed -n 's/^[^=]* = [A-Za-z0-9-]*: //p; s/^[^=]* = ""$//p' | head -n1; }
# TCP RetransSegs of a network namespace (/proc/net/snmp: a "Tcp:" line of names, then one of values)
tcp_retrans() { ip netns exec "$1" awk '/^Tcp:/ { if (seen) { for (i = 1; i <= NF; i++) if (h[i] == "RetransSegs") print $i } else { seen = 1; for (i = 1; i <= NF; i++) h[i] = $i } }' /proc/net/snmp; }

# --- the agent ---------------------------------------------------------------------------------------------------
AGENT=""
AGENT_LOG=""
# As an operator would run it: user nobody, no supplementary groups, CAP_NET_ADMIN and nothing else (inheritable,
# ambient and bounding sets), so the capability survives the exec of node and nothing more can be regained.
# The agent reads on a fixed 1 s clock (--idle-interval equal to -i): the phases below count its reads
# (wait_reads) and the failed reads after rmmod, whether or not a request is coming in at that moment.
start_agent() {
  AGENT_LOG=$1; shift
  setpriv --reuid=nobody --regid=nogroup --clear-groups \
    --inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin --bounding-set=-all,+net_admin \
    node dist/src/daemon/main.js -x unix:/tmp/x/master -s netlink -i 1 --idle-interval 1 -l debug "$@" 2> "$AGENT_LOG" &
  AGENT=$!
}
reads() { grep -c '"snapshot in service"' "$AGENT_LOG"; }
# Wait until the agent has finished $1 more reads (a read that started after this call is among them when $1 >= 2).
wait_reads() {
  local want=$(( $(reads) + $1 )) i
  for i in $(seq 150); do (( $(reads) >= want )) && return 0; sleep 0.1; done
  echo "agent did not finish $1 more reads within 15 s"; return 1
}
wait_serving() {
  local i t=$(now_ms)
  for i in $(seq 300); do
    [[ $(get $ROOT.9.0 2>/dev/null | val) == 1 ]] && { echo "agent serving (lvsAgentStatus ok) after $(( $(now_ms) - t )) ms"; return 0; }
    kill -0 "$AGENT" 2>/dev/null || { echo "agent exited"; return 1; }
    sleep 0.1
  done
  echo "agent not serving after 30 s"; return 1
}
# IPVS folds its per-CPU counters into what netlink reports only in the 2-second estimator: wait until two
# listings 2.2 s apart agree (no traffic is running when this is called).
wait_stable() {
  local a b i t=$(now_ms)
  a=$(ipvsadm -Ln --stats --exact)
  for i in $(seq 10); do
    sleep 2.2
    b=$(ipvsadm -Ln --stats --exact)
    [[ $a == "$b" ]] && { echo "counters stable after $(( $(now_ms) - t )) ms"; return 0; }
    a=$b
  done
  echo "counters not stable after $(( $(now_ms) - t )) ms"; return 1
}
ipvsadm_all() { # DIR PREFIX: every listing format the comparison uses
  local f
  ipvsadm -Ln --exact > "$1/$2ipvsadm.txt"
  for f in stats rate thresholds persistent-conn tun-info; do ipvsadm -Ln --exact --$f > "$1/$2ipvsadm-$f.txt"; done
  ipvsadm -Ln --timeout > "$1/$2ipvsadm-timeout.txt"
  ipvsadm -Ln --daemon > "$1/$2ipvsadm-daemon.txt"
}
snapshot_json() { node dist/src/daemon/main.js snapshot --format json -s netlink > "$1" 2> "$1.err"; echo "snapshot rc=$?"; }

S1=TCP/192.0.2.1:8080
R1=198.51.100.2:9000
I1=$(idx "$S1")
IR1=$I1$(idx "$R1")

# ==================================================================================================================
phase versions
echo "uname -r: $(uname -r)"
echo "$(uname -r)" > "$OUT/uname.txt"
ipvsadm --version 2>&1 | head -n1
echo "node $(node --version)"
/usr/sbin/snmpd -v 2>&1 | grep -m1 'NET-SNMP version'
setpriv --version
echo "ipvsadm --help, tunnel options:"; ipvsadm --help 2>&1 | grep -E -- '--tun-(type|port)'
cat /proc/sys/kernel/osrelease

phase topology
ip netns add client; ip netns add real1; ip netns add real2
ip link add c0 type veth peer name c1 netns client
ip link add r0 type veth peer name r1 netns real1
ip link add s0 type veth peer name s1 netns real2
addrs() { # NS DEV V4 V6 GW4 GW6 ("" NS = root)
  local n=${1:+-n $1}
  ip $n addr add "$3" dev "$2"; ip $n addr add "$4" dev "$2" nodad; ip $n link set "$2" up; ip $n link set lo up
  if [[ -n $5 ]]; then ip $n route add default via "$5"; ip $n -6 route add default via "$6"; fi
}
addrs "" c0 192.0.2.1/24 2001:db8:c::1/64 "" ""
addrs "" r0 198.51.100.1/24 2001:db8:1::1/64 "" ""
addrs "" s0 203.0.113.1/24 2001:db8:2::1/64 "" ""
addrs client c1 192.0.2.2/24 2001:db8:c::2/64 192.0.2.1 2001:db8:c::1
addrs real1 r1 198.51.100.2/24 2001:db8:1::2/64 198.51.100.1 2001:db8:1::1
addrs real2 s1 203.0.113.2/24 2001:db8:2::2/64 203.0.113.1 2001:db8:2::1
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -o addr show | awk '$3 != "inet6" || $4 !~ /^fe80/ { print $2, $4 }'

phase services
cmds() {
cat <<'EOF'
# the 4 GiB service: one masq real, so that the real's byte counter passes 2^32 too
-A -t 192.0.2.1:8080 -s wlc
-a -t 192.0.2.1:8080 -r 198.51.100.2:9000 -m -w 3
# weighted round robin, thresholds, an idle established connection (ActiveConn)
-A -t 192.0.2.1:8081 -s wrr
-a -t 192.0.2.1:8081 -r 198.51.100.2:9001 -m -w 5 -x 1000 -y 100
-a -t 192.0.2.1:8081 -r 203.0.113.2:9001 -m -w 2 -x 50 -y 5
# TCP over IPv6 (deleted and re-added in the discontinuity phase)
-A -t [2001:db8:c::1]:8080 -s rr
-a -t [2001:db8:c::1]:8080 -r [2001:db8:1::2]:9000 -m -w 1
# UDP over IPv4, two reals (zeroed with -Z in the discontinuity phase)
-A -u 192.0.2.1:5353 -s rr
-a -u 192.0.2.1:5353 -r 198.51.100.2:5300 -m -w 1
-a -u 192.0.2.1:5353 -r 203.0.113.2:5300 -m -w 1
# UDP over IPv6
-A -u [2001:db8:c::1]:5353 -s lc
-a -u [2001:db8:c::1]:5353 -r [2001:db8:2::2]:5300 -m -w 2
# SCTP over IPv4
-A --sctp-service 192.0.2.1:7000 -s sh
-a --sctp-service 192.0.2.1:7000 -r 198.51.100.2:7000 -m -w 1
# persistent with a netmask; a quiesced real (weight 0)
-A -t 192.0.2.1:8082 -s sed -p 300 -M 255.255.255.0
-a -t 192.0.2.1:8082 -r 198.51.100.2:9002 -m -w 4
-a -t 192.0.2.1:8082 -r 203.0.113.2:9002 -m -w 0
# firewall mark, IPv4 (persistent) and IPv6, direct routing
-A -f 7 -s wrr -p 3600
-a -f 7 -r 198.51.100.2 -g -w 2
-a -f 7 -r 203.0.113.2 -g -w 1 -x 200
-A -f 7 -6 -s lc
-a -f 7 -6 -r 2001:db8:1::2 -g -w 1
# IPv6 service with IPv4 (mixed-family, tunnel only) and IPv6 tunnel reals; mh with its scheduler flags
-A -t [2001:db8:c::1]:443 -s mh -b mh-fallback,mh-port
-a -t [2001:db8:c::1]:443 -r 198.51.100.2:443 -i --tun-type gue --tun-port 6080 -w 4
-a -t [2001:db8:c::1]:443 -r 203.0.113.2:443 -i --tun-type gre --tun-csum -w 1
-a -t [2001:db8:c::1]:443 -r [2001:db8:2::2]:443 -i -w 1
# direct routing over IPv4
-A -t 192.0.2.10:80 -s dh
-a -t 192.0.2.10:80 -r 198.51.100.2:80 -g -w 10
-a -t 192.0.2.10:80 -r 203.0.113.2:80 -g -w 20 -x 500 -y 250
# IPv4 tunnels: ipip, and gue with remote checksum offload
-A -u 192.0.2.10:53 -s lblc
-a -u 192.0.2.10:53 -r 198.51.100.2:53 -i -w 1
-a -u 192.0.2.10:53 -r 203.0.113.2:53 -i --tun-type gue --tun-port 5555 --tun-remcsum -w 1
# persistence engine SIP
-A -u 192.0.2.12:5060 -s rr -p 60 --pe sip
-a -u 192.0.2.12:5060 -r 198.51.100.2:5060 -m -w 1
# one-packet scheduling
-A -u 192.0.2.12:514 -s lblcr -o
-a -u 192.0.2.12:514 -r 203.0.113.2:514 -m -w 7
# SCTP over IPv6, no real servers
-A --sctp-service [2001:db8:c::1]:7001 -s nq
# IPv6 persistence with a prefix length
-A -t [2001:db8:c::1]:8443 -s fo -p 120 -M 64
-a -t [2001:db8:c::1]:8443 -r [2001:db8:1::2]:8443 -m -w 3
-a -t [2001:db8:c::1]:8443 -r [2001:db8:2::2]:8443 -m -w 1
# overflow scheduler, no real servers
-A -t 192.0.2.13:21 -s ovf
EOF
}
fails=0
while read -r line; do
  [[ -z $line || $line == \#* ]] && continue
  # shellcheck disable=SC2086
  ipvsadm $line || { echo "FAILED: ipvsadm $line"; fails=$((fails + 1)); }
done <<< "$(cmds)"
echo "ipvsadm commands failed: $fails"
ipvsadm -S -n | tee "$OUT/ipvsadm-S.txt"

phase servers
ip netns exec real1 node test/kernel/traffic.mjs server 9000 1048576 > "$OUT/traffic/server-9000.log" 2>&1 &
for ns in real1 real2; do
  ip netns exec $ns node test/kernel/traffic.mjs server 9001 65536 > "$OUT/traffic/server-9001-$ns.log" 2>&1 &
  ip netns exec $ns node test/kernel/traffic.mjs server 9002 65536 > "$OUT/traffic/server-9002-$ns.log" 2>&1 &
  ip netns exec $ns node test/kernel/udp-traffic.mjs server 5300 > "$OUT/traffic/server-5300-$ns.log" 2>&1 &
done
ip netns exec real1 /usr/bin/python3 test/kernel/sctp-traffic.py server 7000 > "$OUT/traffic/server-7000.log" 2>&1 &
for i in $(seq 300); do
  (( $(cat "$OUT"/traffic/server-*.log 2>/dev/null | grep -c '^listening') >= 8 )) && break
  sleep 0.1
done
grep -H '^listening' "$OUT"/traffic/server-*.log

phase snmpd
mkdir -p /tmp/snmp
cat > /tmp/snmp/snmpd.conf <<EOF
agentaddress udp:$TARGET
master agentx
agentXSocket unix:/tmp/x/master
# the agent runs as nobody: let it reach the socket
agentXPerms 0666 0777
rocommunity public 127.0.0.1
EOF
t=$(now_ms)
SNMP_PERSISTENT_DIR=/tmp/snmp/persist MIBS= MIBDIRS=/nonexistent \
  /usr/sbin/snmpd -f -C -c /tmp/snmp/snmpd.conf -Lf "$OUT/snmpd.log" -p /tmp/snmp/snmpd.pid &
SNMPD=$!
for i in $(seq 100); do get .1.3.6.1.2.1.1.3.0 > /dev/null 2>&1 && break; sleep 0.1; done
echo "snmpd answering after $(( $(now_ms) - t )) ms"
ls -ld /tmp/x /tmp/x/master

phase agent
t=$(now_ms)
# AgentX Pings every second (default 15 s): a dead master is noticed quickly, and every Ping's Response (which
# carries snmpd's sysUpTime) happens often during the scenario: TimeStamps must not move with them.
start_agent "$OUT/agent-1.log" --ping-interval 1
wait_serving
echo "agent pid $AGENT"
grep -E '^(Name|Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/$AGENT/status | tee "$OUT/agent-status.txt"
echo "capsh --decode of CapEff: $(command -v capsh > /dev/null && capsh --decode=$(awk '/^CapEff/ { print $2 }' /proc/$AGENT/status) || echo 'capsh not installed')"
ps -o pid,user,group,args -p "$AGENT" | tee "$OUT/agent-ps.txt"
wait_reads 1
grep -m3 '"snapshot in service"' "$AGENT_LOG"

# ==================================================================================================================
phase traffic-sctp
t=$(now_ms)
ip netns exec client /usr/bin/python3 test/kernel/sctp-traffic.py client 192.0.2.1 7000 1048576 > "$OUT/traffic/sctp.txt" 2>&1
echo "sctp client rc=$? in $(( $(now_ms) - t )) ms: $(cat "$OUT/traffic/sctp.txt")"

phase traffic-big
echo "sending $BIG_BYTES bytes through $S1 (2^32 = 4294967296)"
retrans_c0=$(tcp_retrans client); retrans_r0=$(tcp_retrans real1)
t=$(now_ms)
ip netns exec client node test/kernel/traffic.mjs client 192.0.2.1 8080 "$BIG_BYTES" > "$OUT/traffic/big.json" 2> "$OUT/traffic/big.err" &
client=$!
# What a poller sees meanwhile: the served counter crossing 2^32 (low 32 bits in the Counter32 column).
(
  while kill -0 $client 2> /dev/null; do
    sleep 10
    echo "t+$(( $(now_ms) - t )) ms: served InBytes=$(get $ROOT.17.1.13$I1 | val) HCInPkts=$(get $ROOT.17.1.30$I1 | val) Counter32 InPkts=$(get $ROOT.17.1.11$I1 | val)"
  done
) &
sampler=$!
wait $client; echo "big client rc=$?"
kill $sampler 2> /dev/null; wait $sampler 2> /dev/null
big_ms=$(( $(now_ms) - t ))
echo "big transfer: $(cat "$OUT/traffic/big.json") in $big_ms ms ($(( BIG_BYTES / 1000 / (big_ms > 0 ? big_ms : 1) )) MB/s)"
echo "{\"clientRetransSegs\": $(( $(tcp_retrans client) - retrans_c0 )), \"serverRetransSegs\": $(( $(tcp_retrans real1) - retrans_r0 )), \"ms\": $big_ms}" > "$OUT/traffic/big-retrans.json"
cat "$OUT/traffic/big-retrans.json"
grep 'connection received' "$OUT/traffic/server-9000.log"

phase traffic-small
t=$(now_ms)
retrans_c0=$(tcp_retrans client); retrans_r0=$(tcp_retrans real1)
ip netns exec client node test/kernel/traffic.mjs client 2001:db8:c::1 8080 20971520 > "$OUT/traffic/tcp6.json"; echo "tcp6 rc=$? $(cat "$OUT/traffic/tcp6.json")"
echo "{\"clientRetransSegs\": $(( $(tcp_retrans client) - retrans_c0 )), \"serverRetransSegs\": $(( $(tcp_retrans real1) - retrans_r0 ))}" > "$OUT/traffic/tcp6-retrans.json"
for i in 1 2 3 4 5 6 7; do
  ip netns exec client node test/kernel/traffic.mjs client 192.0.2.1 8081 262144 >> "$OUT/traffic/wrr.json"; echo "wrr#$i rc=$?"
done
ip netns exec client node test/kernel/traffic.mjs hold 192.0.2.1 8081 > "$OUT/traffic/hold.txt" 2>&1 &
HOLD=$!
ip netns exec client node test/kernel/udp-traffic.mjs client 192.0.2.1 5353 1000 1000 2 > "$OUT/traffic/udp4.json"; echo "udp4 rc=$? $(cat "$OUT/traffic/udp4.json")"
ip netns exec client node test/kernel/udp-traffic.mjs client 2001:db8:c::1 5353 300 1200 1 > "$OUT/traffic/udp6.json"; echo "udp6 rc=$? $(cat "$OUT/traffic/udp6.json")"
for i in 1 2; do
  ip netns exec client node test/kernel/traffic.mjs client 192.0.2.1 8082 131072 >> "$OUT/traffic/persistent.json"; echo "persistent#$i rc=$?"
done
echo "hold: $(cat "$OUT/traffic/hold.txt")"
echo "small traffic took $(( $(now_ms) - t )) ms"

# ==================================================================================================================
phase compare
wait_stable
# Freeze the kernel's statistics: with run_estimation=0 the estimator neither folds per-CPU counters in nor moves
# the rate estimates, so snmpwalk, ipvsadm and the snapshot all see one kernel state. (Traffic has stopped and the
# counters are stable, so nothing is held back.) Connection counts still change when entries expire: hence the
# snapshot before and after the walk, and another attempt when they differ.
sysctl -w net.ipv4.vs.run_estimation=0
for attempt in 1 2 3; do
  d=$OUT/compare/$attempt
  mkdir -p "$d"
  t=$(now_ms)
  snapshot_json "$d/snapshot-before.json"
  echo "snapshot (node dist/src/daemon/main.js snapshot --format json -s netlink, as root) took $(( $(now_ms) - t )) ms"
  ipvsadm_all "$d" before-
  wait_reads 2
  t=$(now_ms)
  walk > "$d/walk.txt"; echo "snmpbulkwalk rc=$? of $(wc -l < "$d/walk.txt") lines took $(( $(now_ms) - t )) ms" | tee "$d/walk-time.txt"
  ipvsadm_all "$d" after-
  snapshot_json "$d/snapshot-after.json"
  same=1
  cmp -s "$d/snapshot-before.json" "$d/snapshot-after.json" || same=0
  for f in "$d"/before-ipvsadm*.txt; do cmp -s "$f" "${f/before-/after-}" || same=0; done
  echo "attempt $attempt: kernel state unchanged during the walk: $same"
  echo "$attempt" > "$OUT/compare/last"
  (( same )) && break
done
# The counter above 2^32, by snmpget, and ipvsadm at the same moment (the statistics are frozen).
get $ROOT.17.1.13$I1 $ROOT.17.1.14$I1 $ROOT.17.1.30$I1 $ROOT.18.1.10$IR1 $ROOT.18.1.11$IR1 | tee "$OUT/compare/big-get.txt"
ipvsadm -Ln --stats --exact -t 192.0.2.1:8080 | tee "$OUT/compare/big-ipvsadm.txt"
sysctl -w net.ipv4.vs.run_estimation=1

# ==================================================================================================================
phase inject
# Per-real conns and packets above 2^32 (which ipvsadm 1.31 truncates) cannot come from traffic here: the 4 GiB
# transfer above is ~104,000 packets in ~31 s (veth hands IPVS ~42 KB GSO segments), so 2^32 packets would take
# about two weeks, and 2^32 connections longer still. test/kernel/inject's "lvsinject" scheduler
# adds fixed amounts to the kernel's own per-CPU counters of every real of a service and of the service, where
# the kernel counts each packet; the stock estimator and netlink do the rest. Binding it (ipvsadm -E ... -s
# lvsinject) adds once; the service then goes back to its own scheduler and the module is unloaded again.
# TCP/192.0.2.1:8082 has had its traffic (two persistent connections, both closed) and keeps its -p/-M options.
mkdir -p "$OUT/inject"
S3=TCP/192.0.2.1:8082
I3=$(idx "$S3")
INJECT="conns=4294967299 inpkts=8589934597 outpkts=12884901895 inbytes=1099511627787 outbytes=4611686018427387917"
echo "$INJECT" > "$OUT/inject/amounts.txt"
inject_get() {
  local cols="" rn c
  for c in 29 30 31 13 14 10 11 12; do cols+=" $ROOT.17.1.$c$I3"; done
  for rn in 198.51.100.2:9002 203.0.113.2:9002; do
    for c in 28 29 30 10 11 7 8 9; do cols+=" $ROOT.18.1.$c$I3$(idx "$rn")"; done
  done
  # shellcheck disable=SC2086
  get $cols > "$OUT/inject/$1-get.txt"; echo "snmpget rc=$?"
  ipvsadm -Ln --stats --exact -t 192.0.2.1:8082 | tee "$OUT/inject/$1-ipvsadm.txt"
}
wait_stable
wait_reads 2
inject_get before
# shellcheck disable=SC2086
modprobe lvs_inject $INJECT; echo "modprobe lvs_inject rc=$?" | tee "$OUT/inject/rc.txt"
ipvsadm -E -t 192.0.2.1:8082 -s lvsinject -p 300 -M 255.255.255.0; echo "bind lvsinject rc=$?" | tee -a "$OUT/inject/rc.txt"
ipvsadm -E -t 192.0.2.1:8082 -s sed -p 300 -M 255.255.255.0; echo "back to sed rc=$?" | tee -a "$OUT/inject/rc.txt"
rmmod lvs_inject; echo "rmmod lvs_inject rc=$?" | tee -a "$OUT/inject/rc.txt"
dmesg | grep 'lvsinject:' | tee "$OUT/inject/dmesg.txt"
wait_stable
wait_reads 2
inject_get after

# ==================================================================================================================
phase discontinuity
# Nothing is reset for a while (and the agent's Pings are answered every second): the TimeStamps must stay put.
for k in 1 2 3 4; do walk $ROOT.17.1.37 > "$OUT/disc/stable-$k.txt"; sleep 1; done
walk $ROOT.17.1.37 > "$OUT/disc/before-services.txt"
walk $ROOT.18.1.36 > "$OUT/disc/before-reals.txt"
sleep 1.2
get .1.3.6.1.2.1.1.3.0 | tee "$OUT/disc/uptime-before.txt"
echo "ipvsadm -Z -u 192.0.2.1:5353; delete and re-add TCP [2001:db8:c::1]:8080 with its real"
ipvsadm -Z -u 192.0.2.1:5353; echo "zero rc=$?"
ipvsadm -D -t [2001:db8:c::1]:8080 && ipvsadm -A -t [2001:db8:c::1]:8080 -s rr && ipvsadm -a -t [2001:db8:c::1]:8080 -r [2001:db8:1::2]:9000 -m -w 1
echo "re-add rc=$?"
ipvsadm -Ln --stats --exact -u 192.0.2.1:5353; ipvsadm -Ln --stats --exact -t [2001:db8:c::1]:8080
wait_reads 2
get .1.3.6.1.2.1.1.3.0 | tee "$OUT/disc/uptime-after.txt"
walk $ROOT.17.1.37 > "$OUT/disc/after-services.txt"
walk $ROOT.18.1.36 > "$OUT/disc/after-reals.txt"
grep 'discontinuity' "$AGENT_LOG" | tee "$OUT/disc/log.txt"

# ==================================================================================================================
phase monotonic
kill -TERM "$AGENT"; wait "$AGENT"; echo "agent stopped, exit status $?" | tee "$OUT/mono/first-exit.txt"
t=$(now_ms)
start_agent "$OUT/agent-2.log" --monotonic-counters
wait_serving
grep -E '^(Uid|CapEff)' /proc/$AGENT/status
wait_reads 2
mono_get() { get $ROOT.17.1.13$I1 $ROOT.17.1.29$I1 $ROOT.17.1.30$I1 $ROOT.17.1.31$I1 $ROOT.17.1.14$I1 $ROOT.18.1.10$IR1 $ROOT.17.1.37$I1 > "$OUT/mono/$1-get.txt"; ipvsadm -Ln --stats --exact -t 192.0.2.1:8080 > "$OUT/mono/$1-ipvsadm.txt"; cat "$OUT/mono/$1-get.txt" "$OUT/mono/$1-ipvsadm.txt"; }
mono_get m0
echo "ipvsadm -Z -t 192.0.2.1:8080"
ipvsadm -Z -t 192.0.2.1:8080; echo "zero rc=$?"
wait_reads 2
mono_get m1
ip netns exec client node test/kernel/traffic.mjs client 192.0.2.1 8080 16777216 > "$OUT/mono/traffic.json"; echo "16 MiB more: $(cat "$OUT/mono/traffic.json")"
wait_stable
wait_reads 2
mono_get m2

# ==================================================================================================================
phase rmmod
kill $HOLD 2> /dev/null
lsmod | awk '$1 ~ /^ip_vs/' | tee "$OUT/rmmod/lsmod-before.txt"
# ip_vs cannot be unloaded while services exist (each holds a reference on the module), and a scheduler module not
# while a service uses it: the table must be cleared first. The agent is stopped (SIGSTOP) meanwhile, so that its
# last snapshot is the full table (otherwise it would read, and serve, the empty table in between); it then finds
# the module gone. It is stopped between two reads: a netlink dump in progress holds a reference on ip_vs, and
# rmmod would fail.
unload() {
  local t m
  wait_reads 1
  kill -STOP "$AGENT"
  t=$(now_ms)
  ipvsadm -C; echo "ipvsadm -C rc=$?"
  for m in $(lsmod | awk '$1 ~ /^ip_vs_/ { print $1 }'); do rmmod "$m" || echo "rmmod $m failed"; done
  rmmod ip_vs; echo "rmmod ip_vs rc=$?"
  echo "unloading took $(( $(now_ms) - t )) ms; ip_vs modules left: $(lsmod | awk '$1 ~ /^ip_vs/' | wc -l)"
  kill -CONT "$AGENT"
}
# ip_vs carries the alias net-pf-16-proto-16-family-IPVS: a process that looks the generic netlink family "IPVS"
# up by name (ipvsadm does) makes the kernel load it again. The agent resolves the family from a dump of all
# families, which loads nothing. Part 1 runs with the kernel's module autoloading off (kernel.modprobe=/bin/false;
# the modprobe below runs the initramfs' modprobe directly); part 2 with autoloading on, as on a stock system, shows
# that the agent's reads leave ip_vs unloaded.
modprobe_path=$(cat /proc/sys/kernel/modprobe)
echo "part 1: kernel.modprobe $modprobe_path -> /bin/false"
echo /bin/false > /proc/sys/kernel/modprobe
date +%s%3N > "$OUT/rmmod/t-part1"
get $ROOT.9.0 $ROOT.12.0 $ROOT.13.0 $ROOT.2.0 | tee "$OUT/rmmod/before.txt"
unload | tee "$OUT/rmmod/rmmod-rc.txt"
sleep 3
get $ROOT.9.0 $ROOT.12.0 $ROOT.13.0 $ROOT.2.0 $ROOT.17.1.2$I1 $ROOT.17.1.13$I1 | tee "$OUT/rmmod/stale-1.txt"
sleep 2
get $ROOT.9.0 $ROOT.12.0 $ROOT.13.0 | tee "$OUT/rmmod/stale-2.txt"
lsmod | awk '$1 ~ /^ip_vs/' | tee "$OUT/rmmod/lsmod-stale.txt"
t=$(now_ms)
modprobe ip_vs; echo "modprobe ip_vs rc=$?"
echo "$modprobe_path" > /proc/sys/kernel/modprobe   # ip_vs is back; the scheduler (ip_vs_rr) is autoloaded
ipvsadm -A -t 192.0.2.99:80 -s rr && ipvsadm -a -t 192.0.2.99:80 -r 198.51.100.2:80 -m -w 1; echo "new service rc=$?"
# A read can fall between modprobe and ipvsadm -A (ok, and no service yet): wait for the read that has the service.
for i in $(seq 100); do [[ $(get $ROOT.9.0 | val) == 1 && $(get $ROOT.2.0 | val) == 1 ]] && break; sleep 0.1; done
echo "agent ok again $(( $(now_ms) - t )) ms after modprobe"
get $ROOT.9.0 $ROOT.12.0 $ROOT.13.0 $ROOT.2.0 $ROOT.17.1.2$(idx TCP/192.0.2.99:80) $ROOT.17.1.2$I1 | tee "$OUT/rmmod/recovered.txt"
wait_reads 1

echo "part 2: kernel.modprobe $(cat /proc/sys/kernel/modprobe) (autoloading on)"
date +%s%3N > "$OUT/rmmod/t-part2"
unload | tee "$OUT/rmmod/autoload-rmmod-rc.txt"
sleep 4   # four more reads at -i 1, each failing to find the family
lsmod | awk '$1 ~ /^ip_vs/' | tee "$OUT/rmmod/lsmod-autoload.txt"
echo "ip_vs modules loaded 4 s after rmmod with autoloading on: $(wc -l < "$OUT/rmmod/lsmod-autoload.txt")"
get $ROOT.9.0 $ROOT.12.0 $ROOT.13.0 $ROOT.2.0 | tee "$OUT/rmmod/autoload.txt"
date +%s%3N > "$OUT/rmmod/t-end"
kill -TERM "$AGENT"; wait "$AGENT"; echo "agent stopped, exit status $?" | tee "$OUT/rmmod/exit.txt"
grep -v '"snapshot in service"' "$OUT/agent-2.log" | grep -v '"source read still failing"' | tail -n 20

phase end
kill $SNMPD 2> /dev/null; wait $SNMPD 2> /dev/null
echo "scenario done in $(now_ms) ms"
