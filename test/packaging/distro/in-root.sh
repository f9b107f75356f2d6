#!/bin/bash
# Runs inside a clean Debian root (chroot), started by test/packaging/distro/namespace.sh. Two steps:
#
#   in-root.sh install   apt-get install ./lvs-agentx_*.deb snmpd snmp from the root's own archive (network needed)
#   in-root.sh serve     in a network namespace of its own: snmpd and the agent started as their units start them,
#                        snmpwalk -m LVS-MIB through the package's drop-in, then purge, then snmpd alone again
#
# Files the host put into /root/lvs-test: the .deb, snapshot.json (the agent's file: source), expected.txt (the
# walk lines the snapshot must give), mibs/ (the IETF base MIBs that LVS-MIB imports and Debian does not ship).
set -Eeuo pipefail

T=/root/lvs-test
STEP="${1:-}"
WAIT="${LVS_DISTRO_WAIT:-30}"
log() { printf 'in-root: [%3d s] %s\n' "$SECONDS" "$*"; }
die() {
  printf 'in-root: FAILED: %s\n' "$*" >&2
  exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR
export DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# --- unit files ---------------------------------------------------------------------------------------------------
# The value of KEY= in the [Service] section of a unit; the last one wins, as for systemd's single-value settings.
unit_value() {
  local unit="$1" key="$2"
  sed -n '/^\[Service\]/,/^\[/p' "$unit" | sed -n "s/^$key=//p" | tail -n 1
}

# The command of a unit's ExecStart= as words. Only what this test can reproduce by hand is accepted: no
# systemd prefixes (-, @, +, !, :), no quoting, no variables, no line continuations.
exec_start_words() {
  local unit="$1" line
  line="$(unit_value "$unit" ExecStart)"
  [[ -n "$line" ]] || die "$unit has no ExecStart="
  [[ "$line" =~ ^/ && ! "$line" =~ [\"\'\$\\] ]] || die "$unit: ExecStart=$line is more than this test can run by hand"
  printf '%s\n' "$line"
}

# CAP_NET_ADMIN CAP_X -> +net_admin,+x (setpriv's spelling), and the capability bit mask as /proc/PID/status shows it.
caps_for_setpriv() {
  local out='-all' c
  for c in $1; do
    [[ "$c" =~ ^CAP_[A-Z_]+$ ]] || die "capability '$c' is not of the form CAP_NAME"
    c="${c#CAP_}"
    out+=",+${c,,}"
  done
  printf '%s' "$out"
}
caps_mask() {
  # linux/capability.h numbers; only the capabilities this package's unit may name.
  local mask=0 c
  for c in $1; do
    case "$c" in
      CAP_NET_ADMIN) mask=$((mask | 1 << 12)) ;;
      CAP_NET_RAW) mask=$((mask | 1 << 13)) ;;
      *) die "no bit number known here for $c" ;;
    esac
  done
  printf '%016x' "$mask"
}

wait_until() {
  local what="$1" i
  shift
  for ((i = 0; i < WAIT * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

# --- install ------------------------------------------------------------------------------------------------------
step_install() {
  # As in every container image: package scripts start no daemons (Debian policy 9.3.3, invoke-rc.d).
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 0755 /usr/sbin/policy-rc.d
  log "apt sources of this root:"
  grep -rh '^deb' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | sed 's/^/  /'
  if grep -rqi nodesource /etc/apt/ 2>/dev/null; then die "a NodeSource entry is in /etc/apt"; fi
  # A chroot that is thrown away afterwards needs no fsync after each file dpkg writes.
  printf 'force-unsafe-io\n' >/etc/dpkg/dpkg.cfg.d/lvs-agentx-test-unsafe-io
  log "apt-get update"
  apt-get update -qq
  local deb
  deb="$(ls "$T"/lvs-agentx_*.deb)"
  log "apt-get install ./$(basename "$deb") snmpd snmp"
  # apt reads ./x.deb relative to the working directory.
  (cd "$T" && apt-get install -y -q -o Dpkg::Use-Pty=0 "./$(basename "$deb")" snmpd snmp) >"$T/apt-install.log" 2>&1 ||
    {
      tail -n 40 "$T/apt-install.log" >&2
      die "apt-get install failed"
    }
  grep -E '^(Get|Setting up)' "$T/apt-install.log" | grep -E 'nodejs|snmpd|lvs-agentx|libnode' | sed 's/^/  /'
  for p in lvs-agentx nodejs snmpd snmp; do
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p")" == installed ]] || die "$p is not installed"
  done
  # Where nodejs came from: the root's archive, by apt's own record.
  local origin
  origin="$(apt-cache policy nodejs | sed -n '/^ \*\*\*/,/^ [^ ]/p' | sed -n '2p')"
  log "nodejs $(dpkg-query -W -f='${Version}' nodejs) from:${origin}"
  [[ "$origin" == *deb.debian.org* ]] || die "nodejs did not come from deb.debian.org"
}

# --- serve --------------------------------------------------------------------------------------------------------
PIDS=()
stop_all() {
  local p
  for p in "${PIDS[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill "$p" 2>/dev/null || true; fi
  done
  for p in "${PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  PIDS=()
}

snmpd_unit() {
  local u
  for u in /usr/lib/systemd/system/snmpd.service /lib/systemd/system/snmpd.service; do
    if [[ -f "$u" ]]; then
      printf '%s' "$u"
      return 0
    fi
  done
  die "snmpd.service not found"
}

# snmpd as Debian's snmpd.service starts it: its RuntimeDirectory=, then its ExecStart= (in the foreground, -f).
SNMPD_PID=
start_snmpd() {
  local unit words rtdir
  unit="$(snmpd_unit)"
  read -ra words <<<"$(exec_start_words "$unit")"
  rtdir="$(unit_value "$unit" RuntimeDirectory)"
  if [[ -n "$rtdir" ]]; then install -d -m 0755 "/run/$rtdir"; fi
  log "snmpd as $unit starts it: ${words[*]}"
  "${words[@]}" >"$T/snmpd-$1.log" 2>&1 &
  SNMPD_PID=$!
  PIDS+=("$SNMPD_PID")
  if ! wait_until snmpd snmpget -v2c -c public -t 0.5 -r 0 localhost 1.3.6.1.2.1.1.3.0; then
    cat "$T/snmpd-$1.log" >&2
    die "snmpd did not answer on localhost within $WAIT s"
  fi
}
stop_snmpd() {
  kill "$SNMPD_PID"
  wait "$SNMPD_PID" 2>/dev/null || true
}

step_serve() {
  trap stop_all EXIT
  # A network namespace of its own: loopback is the only interface (/proc/net/dev lists this namespace's).
  [[ "$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | paste -sd,)" == lo ]] ||
    die "not in a network namespace of its own: $(cat /proc/net/dev)"

  log "node $(node --version) ($(dpkg-query -W -f='${Version}' nodejs)), NET-SNMP $(snmpd -v | sed -n 's/^NET-SNMP version: *//p') ($(dpkg-query -W -f='${Version}' snmpd)), $(uname -m)"
  # The floor the package declares holds for this node (dpkg compares as Depends did).
  local floor
  floor="$(dpkg-query -W -f='${Depends}' lvs-agentx | sed -n 's/.*nodejs (>= \([0-9.]*\)).*/\1/p')"
  [[ -n "$floor" ]] || die "lvs-agentx's Depends names no nodejs floor"
  dpkg --compare-versions "$(node --version | tr -d v)" ge "$floor" || die "node $(node --version) is below $floor"

  # The agent's code on this node, outside the daemon first: the CLI's snapshot of a simulated director.
  lvs-agentx --version
  lvs-agentx snapshot -s sim:services=3,reals=2,seed=1 >"$T/sim.txt"
  [[ "$(grep -Ec '^(TCP|UDP|SCTP|FWM)' "$T/sim.txt")" -eq 3 ]] || {
    cat "$T/sim.txt" >&2
    die "lvs-agentx snapshot -s sim printed no services"
  }

  # The tools below print names: they find LVS-MIB in /usr/share/snmp/mibs (the package's) and the IETF modules it
  # imports in ~/.snmp/mibs, the first place on their default MIB path, where a monitoring host keeps them too
  # (Debian ships none of them).
  install -d /root/.snmp/mibs
  cp "$T"/mibs/*.txt /root/.snmp/mibs/
  snmptranslate -m LVS-MIB -On LVS-MIB::lvsServiceSchedType >/dev/null || die "snmptranslate cannot read LVS-MIB"

  # The netlink addon of this architecture loads and speaks generic netlink to the kernel: in this network
  # namespace the IPVS family answers with an empty table, or, when the machine has no ip_vs module loaded, the
  # kernel's controller says ENOENT. A binary that does not load fails differently.
  local nl rc=0
  nl="$(lvs-agentx snapshot -s netlink 2>&1)" || rc=$?
  if [[ "$rc" -eq 0 ]]; then
    log "lvs-agentx snapshot -s netlink: $(head -n 1 <<<"$nl")"
  elif grep -q 'resolve family IPVS failed (ENOENT)' <<<"$nl"; then
    log "lvs-agentx snapshot -s netlink: the addon loaded, the kernel has no IPVS here (ENOENT)"
  elif [[ "${LVS_DISTRO_EMULATED:-0}" == 1 ]] && grep -q "EPROTONOSUPPORT.*Couldn't create netlink socket" <<<"$nl"; then
    # qemu-user translates the messages of a few netlink protocols only (NETLINK_ROUTE among them) and refuses to
    # open the others: the addon's own socket() call got that answer, so the binary loaded and ran, but generic
    # netlink is not exercised under emulation.
    log "lvs-agentx snapshot -s netlink: the addon loaded and ran; qemu-user refuses NETLINK_GENERIC sockets (EPROTONOSUPPORT), so generic netlink is not tested here"
  else
    die "lvs-agentx snapshot -s netlink (exit $rc): $nl"
  fi

  start_snmpd with-agent
  # The drop-in's agentXPerms on the socket snmpd made.
  local perms
  perms="$(stat -c '%a %U %G' /var/agentx/master)"
  [[ "$perms" == "660 Debian-snmp lvs-agentx" ]] || die "/var/agentx/master is '$perms', not '660 Debian-snmp lvs-agentx'"

  # The snapshot where the unit lets the agent read it (not /tmp, /home or /root), named in the shipped config the
  # way an operator would: one line added to /etc/lvs-agentx/lvs-agentx.conf.
  install -d -m 0755 /var/lib/lvs-agentx-test
  install -m 0644 "$T/snapshot.json" /var/lib/lvs-agentx-test/snapshot.json
  printf 'source = file:/var/lib/lvs-agentx-test/snapshot.json\n' >>/etc/lvs-agentx/lvs-agentx.conf

  # The agent as lvs-agentx.service starts it: User=, Group=, AmbientCapabilities=, CapabilityBoundingSet=,
  # NoNewPrivileges=, UMask= and ExecStart= read from the installed unit. (The file-system and kernel sandboxing
  # lines need systemd and are not reproduced here.)
  local unit=/usr/lib/systemd/system/lvs-agentx.service user group ambient bounding nnp umask words
  user="$(unit_value "$unit" User)"
  group="$(unit_value "$unit" Group)"
  ambient="$(unit_value "$unit" AmbientCapabilities)"
  bounding="$(unit_value "$unit" CapabilityBoundingSet)"
  nnp="$(unit_value "$unit" NoNewPrivileges)"
  umask="$(unit_value "$unit" UMask)"
  [[ -n "$user" && -n "$group" && -n "$ambient" && -n "$bounding" ]] || die "$unit lacks User=, Group= or capabilities"
  read -ra words <<<"$(exec_start_words "$unit")"
  local setpriv=(setpriv "--reuid=$user" "--regid=$group" --init-groups
    "--inh-caps=$(caps_for_setpriv "$ambient")" "--ambient-caps=$(caps_for_setpriv "$ambient")"
    "--bounding-set=$(caps_for_setpriv "$bounding")")
  if [[ "$nnp" == yes ]]; then setpriv+=(--no-new-privs); fi
  log "agent as $unit starts it: ${setpriv[*]} ${words[*]}"
  (
    umask "${umask:-0022}"
    cd /
    exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin LANG=C.UTF-8 \
      HOME=/nonexistent USER="$user" LOGNAME="$user" "${setpriv[@]}" "${words[@]}"
  ) 2>"$T/agent.log" &
  local agent=$!
  PIDS+=("$agent")
  snmp() {
    local tool="$1"
    shift
    "$tool" -v2c -c public -m LVS-MIB localhost "$@"
  }
  serving() { kill -0 "$agent" && snmp snmpget -Oqv LVS-MIB::lvsAgentStatus.0 | grep -qx ok; }
  if ! wait_until agent serving; then
    cat "$T/agent.log" >&2
    kill -0 "$agent" 2>/dev/null || die "the agent exited"
    die "the agent did not serve lvsAgentStatus.0 = ok within $WAIT s; snmpget says: $(snmp snmpget LVS-MIB::lvsAgentStatus.0 2>&1)"
  fi

  # Who the agent is: the unit's user, its one capability, no way to gain more.
  local status uid mask
  status="$(cat "/proc/$agent/status")"
  uid="$(id -u "$user")"
  mask="$(caps_mask "$ambient")"
  grep -Eq "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" <<<"$status" || die "agent uid is not $uid: $(grep ^Uid <<<"$status")"
  for field in CapEff CapPrm CapAmb; do
    grep -Eq "^$field:\s+$mask$" <<<"$status" || die "agent $field is not $mask: $(grep "^$field" <<<"$status")"
  done
  grep -Eq "^CapBnd:\s+$(caps_mask "$bounding")$" <<<"$status" || die "agent CapBnd: $(grep ^CapBnd <<<"$status")"
  if [[ "$nnp" == yes ]]; then grep -Eq '^NoNewPrivs:\s+1$' <<<"$status" || die "agent may gain privileges"; fi
  log "agent pid $agent: $(grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs):' <<<"$status" | tr -s '\t ' ' ' | paste -sd';')"

  # The walk, by name, through the drop-in's view of community public.
  {
    snmp snmpwalk LVS-MIB::lvsServiceSchedType
    snmp snmpwalk LVS-MIB::lvsRealWeight
  } >"$T/walk.txt"
  log "snmpwalk -m LVS-MIB: $(wc -l <"$T/walk.txt") rows, e.g. $(head -n 1 "$T/walk.txt")"
  if ! diff -u <(sort "$T/expected.txt") <(sort "$T/walk.txt") >&2; then
    die "the walk is not what the snapshot holds (diff above: - expected, + walked)"
  fi
  stop_all

  # Purge, then snmpd with the system's own config and no drop-in.
  apt-get purge -y -q -o Dpkg::Use-Pty=0 lvs-agentx >"$T/apt-purge.log" 2>&1 || {
    cat "$T/apt-purge.log" >&2
    die "apt-get purge lvs-agentx failed"
  }
  [[ "$(dpkg-query -W -f='${db:Status-Status}' lvs-agentx 2>/dev/null || true)" != installed ]] || die "still installed"
  local p
  for p in /usr/lib/lvs-agentx /usr/bin/lvs-agentx /etc/lvs-agentx /etc/snmp/snmpd.conf.d/lvs-agentx.conf \
    /usr/share/snmp/mibs/LVS-MIB.txt /var/lib/lvs-agentx; do
    [[ ! -e "$p" ]] || die "$p is still there after purge"
  done
  if getent passwd lvs-agentx >/dev/null; then die "user lvs-agentx is still there after purge"; fi
  start_snmpd after-purge
  local rest
  rest="$(snmpwalk -v2c -c public -On localhost .1.3.6.1.4.1.8225.4711 2>&1 || true)"
  grep -q '^\.1\.3\.6\.1\.4\.1\.8225\.4711\.' <<<"$rest" && die "LVS-MIB is still served after purge: $rest"
  log "after purge snmpd starts and answers (sysUpTime $(snmpget -v2c -c public -Oqv localhost 1.3.6.1.2.1.1.3.0)), LVS-MIB gone"
  stop_snmpd
  PIDS=()
}

case "$STEP" in
  install) step_install ;;
  serve) step_serve ;;
  *) die "usage: in-root.sh install|serve" ;;
esac
log "$STEP: ok"
