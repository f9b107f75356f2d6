#!/bin/bash
# Runs inside the kernel guest (test/kernel/contexts.test.ts): network namespaces served as SNMP contexts.
#
# Three IPVS tables — the guest's initial namespace and two namespaces made with `ip netns add` (nsa, nsb), each
# with services of its own — three agents (nobody + CAP_NET_ADMIN, netlink), one snmpd. The namespace agents are
# started the way lvs-agentx@NAME.service starts them: systemd's NetworkNamespacePath= done by nsenter as root,
# then setpriv drops to nobody, then `--netns /run/netns/NAME --context NAME`. Walks by SNMPv3 context and by
# context-mapped v2c community go to $OUT/walk-*.txt; then nsa is deleted under its agent.
set -u
OUT=${OUT:?}
ROOT=.1.3.6.1.4.1.8225.4711
SCHED=$ROOT.17.1.2
TARGET=127.0.0.1:1161
PASS=lvs-kernel-ctx-1
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
section() { echo "=== $1"; }
V3=(-v3 -l authPriv -u lvsctx -a SHA -A "$PASS" -x AES -X "$PASS")

section tables
ip link set lo up
ipvsadm -A -t 10.0.0.1:80 -s wlc && ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 2
for ns in nsa nsb; do ip netns add "$ns" && ip -n "$ns" link set lo up; done
# ipvsadm inside a namespace configures that namespace's table (IPVS is per network namespace).
ip netns exec nsa ipvsadm -A -t 10.1.0.1:80 -s rr
ip netns exec nsa ipvsadm -a -t 10.1.0.1:80 -r 10.1.0.2:80 -m -w 1
ip netns exec nsa ipvsadm -a -t 10.1.0.1:80 -r 10.1.0.3:80 -m -w 1
ip netns exec nsa ipvsadm -A -u 10.1.0.1:53 -s sh
ip netns exec nsb ipvsadm -A -t 10.2.0.1:443 -s lc
ip netns exec nsb ipvsadm -a -t 10.2.0.1:443 -r 10.2.0.2:443 -g -w 7
for ns in host nsa nsb; do
  if [ "$ns" = host ]; then ipvsadm -Ln; else ip netns exec "$ns" ipvsadm -Ln; fi > "$OUT/ipvsadm-$ns.txt" 2>&1
  echo "--- $ns"; cat "$OUT/ipvsadm-$ns.txt"
done

section snmpd
mkdir -p /tmp/snmp /tmp/x
cat > /tmp/snmp/snmpd.conf <<EOF
agentaddress udp:$TARGET
master agentx
agentXSocket unix:/tmp/x/master
agentXPerms 0666 0777
view lvsview included $ROOT
# v2c: a community per context (the lines of packaging/snmpd.conf.d/lvs-agentx.conf, for nsa and nsb)
com2sec          lvs-host-sec 127.0.0.1 lvs-host
com2sec -Cn nsa  lvs-nsa-sec  127.0.0.1 lvs-nsa
com2sec -Cn nsb  lvs-nsb-sec  127.0.0.1 lvs-nsb
group  lvs-host-grp v2c lvs-host-sec
group  lvs-nsa-grp  v2c lvs-nsa-sec
group  lvs-nsb-grp  v2c lvs-nsb-sec
access lvs-host-grp "" any noauth exact lvsview none none
access lvs-nsa-grp nsa any noauth exact lvsview none none
access lvs-nsb-grp nsb any noauth exact lvsview none none
# v3: one user, every context (empty prefix)
createUser lvsctx SHA $PASS AES $PASS
group  lvs-v3-grp usm lvsctx
access lvs-v3-grp "" usm priv prefix lvsview none none
EOF
SNMP_PERSISTENT_DIR=/tmp/snmp/persist MIBS= MIBDIRS=/nonexistent \
  /usr/sbin/snmpd -f -C -c /tmp/snmp/snmpd.conf -Lf "$OUT/snmpd.log" -p /tmp/snmp/snmpd.pid &
SNMPD=$!
for i in $(seq 100); do snmpget -v2c -c lvs-host -t 0.3 -r 0 $TARGET .1.3.6.1.2.1.1.3.0 > /dev/null 2>&1 && break; sleep 0.1; done

section agents
# As nobody with CAP_NET_ADMIN alone; the namespace agents enter their namespace first, as root (what systemd's
# NetworkNamespacePath= does), and are then checked by --netns.
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups
  --inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin --bounding-set=-all,+net_admin --no-new-privs)
AGENT_ARGS=(node dist/src/daemon/main.js -x unix:/tmp/x/master -s netlink -i 1 --idle-interval 1)
"${AS_NOBODY[@]}" "${AGENT_ARGS[@]}" 2> "$OUT/agent-host.log" &
HOST_AGENT=$!
nsenter --net=/run/netns/nsa "${AS_NOBODY[@]}" "${AGENT_ARGS[@]}" --netns nsa --context nsa 2> "$OUT/agent-nsa.log" &
NSA_AGENT=$!
nsenter --net=/run/netns/nsb "${AS_NOBODY[@]}" "${AGENT_ARGS[@]}" --netns /run/netns/nsb --context nsb 2> "$OUT/agent-nsb.log" &
NSB_AGENT=$!
# An agent told a namespace it is not in: refused at start.
"${AS_NOBODY[@]}" "${AGENT_ARGS[@]}" --netns nsb --context wrong 2> "$OUT/agent-outside.log"
echo "OUTSIDE_RC=$?"
t=$(now_ms)
for c in lvs-host lvs-nsa lvs-nsb; do
  for i in $(seq 300); do
    snmpwalk -v2c -c $c -On -t 0.5 -r 0 $TARGET $SCHED 2>/dev/null | grep -q "^$SCHED\." && break
    sleep 0.1
  done
done
echo "agents serving after $(( $(now_ms) - t )) ms"
for p in $HOST_AGENT $NSA_AGENT $NSB_AGENT; do
  echo "pid $p net namespace $(readlink /proc/$p/ns/net) uid $(awk '/^Uid:/ { print $2 }' /proc/$p/status) $(grep ^CapEff /proc/$p/status | tr -s '\t ' ' ')"
done
echo "namespaces: nsa $(stat -L -c %i /run/netns/nsa) nsb $(stat -L -c %i /run/netns/nsb) host $(stat -L -c %i /proc/self/ns/net)"

section walks
walk() { # walk NAME ARGS...: the service and real tables
  local name=$1; shift
  snmpwalk "$@" -On -t 2 -r 1 $TARGET $ROOT.17 > "$OUT/walk-$name.txt" 2>&1
  snmpwalk "$@" -On -t 2 -r 1 $TARGET $ROOT.18 >> "$OUT/walk-$name.txt" 2>&1
  echo "--- $name ($*): $(grep -c "^$ROOT" "$OUT/walk-$name.txt") varbinds"
  grep "^$SCHED\." "$OUT/walk-$name.txt"
}
walk v2c-host -v2c -c lvs-host
walk v2c-nsa -v2c -c lvs-nsa
walk v2c-nsb -v2c -c lvs-nsb
walk v3-default "${V3[@]}" -n ""
walk v3-nsa "${V3[@]}" -n nsa
walk v3-nsb "${V3[@]}" -n nsb
# By name, for the README (not judged): LVS-MIB from mibs/, its IETF imports from .cache/mibs when present.
NAMED=(-M "+$PWD/mibs:$PWD/.cache/mibs" -m +LVS-MIB)
snmpwalk "${NAMED[@]}" "${V3[@]}" -n nsa $TARGET LVS-MIB::lvsServiceSchedType > "$OUT/readme-v3-nsa.txt" 2>&1
snmpwalk "${NAMED[@]}" -v2c -c lvs-nsb $TARGET LVS-MIB::lvsServiceSchedType > "$OUT/readme-v2c-nsb.txt" 2>&1
snmpwalk "${NAMED[@]}" -v2c -c lvs-host $TARGET LVS-MIB::lvsServiceSchedType > "$OUT/readme-v2c-host.txt" 2>&1
snmptable "${NAMED[@]}" "${V3[@]}" -n nsa -Ci -Cb -Cw 150 $TARGET LVS-MIB::lvsRealTable > "$OUT/readme-table-nsa.txt" 2>&1

section delete
t=$(now_ms)
ip netns del nsa
for i in $(seq 200); do kill -0 $NSA_AGENT 2>/dev/null || break; sleep 0.1; done
wait $NSA_AGENT
echo "NSA_RC=$? after $(( $(now_ms) - t )) ms"
walk after-v2c-nsa -v2c -c lvs-nsa
walk after-v2c-nsb -v2c -c lvs-nsb
walk after-v2c-host -v2c -c lvs-host
kill -0 $NSB_AGENT && kill -0 $HOST_AGENT && echo "nsb and host agents still running"

section stop
kill -TERM $HOST_AGENT $NSB_AGENT
wait $HOST_AGENT; echo "HOST_RC=$?"
wait $NSB_AGENT; echo "NSB_RC=$?"
kill -TERM $SNMPD; wait $SNMPD
for f in host nsa nsb outside; do echo "--- agent-$f.log"; cat "$OUT/agent-$f.log"; done
exit 0
