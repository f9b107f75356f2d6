#!/usr/bin/env bash
# Boot Debian's kernel (prepared by scripts/kernel/prepare.sh) under qemu and run a shell script inside it.
#
#   scripts/kernel/run-guest.sh [options] SCRIPT_FILE
#   scripts/kernel/run-guest.sh [options] -c 'shell commands'
#
# The guest sees the host's root read-only (9p) and chroots into it, so the host's node, snmpd, ipvsadm, ip, ...
# run inside the guest's kernel, which has IPVS. The script runs as root in the guest's initial network
# namespace, with the repository as working directory, /tmp and /run on tmpfs, and no network device other than
# lo (qemu gets -nic none: nothing leaves the guest). Build outputs must exist on the host before the boot.
#
# Options:
#   --out DIR        host directory mounted writable in the guest at the same absolute path (also $GUEST_OUT in
#                    the script); harness files live in DIR/.harness. Default: a temporary directory, removed
#                    afterwards unless --keep.
#   --keep           keep the temporary --out directory (its path is printed)
#   --repo DIR       working directory of the script (default: this repository)
#   --timeout SEC    wall-clock limit for the whole guest, boot included (default 300); qemu is killed after it
#   --smp N          guest CPUs (default 2: TCG runs one host thread per vCPU)
#   --mem MB         guest memory (default 2048)
#   --modules "A B"  modules to load before the script in addition to the default set (see DEFAULT_MODULES)
#   --no-default-modules  load only --modules (virtio/9p are always loaded)
#   --tmpfs DIR      mount a tmpfs on DIR in the guest (repeatable; DIR must exist on the host)
#   --env K=V        environment variable for the script (repeatable)
#   --shell PATH     interpreter of the script inside the guest (default /bin/bash)
#   --accel A        qemu accelerator (default tcg; on the dev VM kvm aborts with -cpu max/host and hangs with kvm64)
#   --cpu MODEL      qemu CPU model (default max)
#   -v, --verbose    copy the guest's console to stderr and boot without "quiet"
#   -q, --quiet      do not copy the script's output to stdout (it is in DIR/.harness/output.log)
#
# One guest at a time: TCG is CPU-bound and the dev/CI hosts have 2 cores, so a second run-guest.sh waits for the
# first (flock on $KERNEL_CACHE/.guest.lock, at most GUEST_LOCK_WAIT_S seconds, default 900; --timeout starts
# counting after the wait).
#
# Exit status: the script's; 124 when the timeout killed the guest; 125 when the harness failed (guest did not
# boot, a mount failed, ...: see DIR/.harness/console.log). A timing summary goes to stderr and
# DIR/.harness/timings (boot_s = qemu start to the script start, as seen by the host).
#
# Inside the guest: $GUEST_OUT, $GUEST_REPO, $GUEST_KERNEL are set; modprobe/insmod/rmmod/lsmod/modinfo in
# /run/guest/bin run the initramfs' busybox tools against the guest kernel's modules (the host has none for it).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KERNEL_CACHE:-$repo/.cache/kernel}
DEFAULT_MODULES="veth nf_conntrack ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sh ip_vs_dh"

die() { printf 'run-guest: error: %s\n' "$*" >&2; exit 125; }
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }   # POSIX sh single-quoting

out="" keep=0 workdir=$repo timeout=300 smp=2 mem=2048 modules="" defaults=1 shell=/bin/bash accel=tcg cpu=max
verbose=0 quiet=0 script_file="" script_text="" have_text=0
tmpfs=() envs=()
while (( $# )); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --repo) workdir=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --modules) modules="$modules $2"; shift 2 ;;
    --no-default-modules) defaults=0; shift ;;
    --tmpfs) tmpfs+=("$2"); shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --shell) shell=$2; shift 2 ;;
    --accel) accel=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    -v|--verbose) verbose=1; shift ;;
    -q|--quiet) quiet=1; shift ;;
    -c) script_text=$2; have_text=1; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
done
if (( ! have_text )); then
  (( $# == 1 )) || die "usage: run-guest.sh [options] SCRIPT_FILE | -c 'commands'"
  script_file=$1
  [[ -f $script_file ]] || die "no such script: $script_file"
fi

[[ -f $cache/vmlinuz && -f $cache/initramfs.cpio.gz && -f $cache/version ]] \
  || die "guest kernel not prepared: run scripts/kernel/prepare.sh"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: run scripts/kernel/prepare.sh"
kver=$(cat "$cache/version")
workdir=$(realpath -e "$workdir") || die "no such directory: $workdir"
for d in "${tmpfs[@]}"; do [[ $d == /* && -d $d ]] || die "--tmpfs $d: must be an existing absolute directory"; done

made_out=0
if [[ -z $out ]]; then
  out=$(mktemp -d "${TMPDIR:-/tmp}/lvs-guest.XXXXXX") || die "mktemp"
  made_out=1
fi
mkdir -p "$out" && out=$(realpath -e "$out") || die "cannot create $out"
[[ $out != / ]] || die "--out must not be /"
H=$out/.harness
rm -rf "$H"
mkdir -p "$H"

# --- one guest at a time ---------------------------------------------------------------------------------------
exec 9> "$cache/.guest.lock" || die "cannot open $cache/.guest.lock"
if ! flock -n 9; then
  printf 'run-guest: another guest is running; waiting (at most %ss)\n' "${GUEST_LOCK_WAIT_S:-900}" >&2
  flock -w "${GUEST_LOCK_WAIT_S:-900}" 9 || die "another guest still running after ${GUEST_LOCK_WAIT_S:-900}s"
fi

# --- files the guest reads -------------------------------------------------------------------------------------
mods=$modules
(( defaults )) && mods="$DEFAULT_MODULES $modules"
{
  echo "GUEST_OUT=$(sq "$out")"
  echo "GUEST_MODULES=$(sq "$(echo $mods)")"
  echo "GUEST_TMPFS=$(sq "${tmpfs[*]}")"
  echo "GUEST_REPO=$(sq "$workdir")"
  # 9p cache mode of the host root: loose (default) or none; see scripts/kernel/init.sh.
  echo "GUEST_9P_CACHE=$(sq "${GUEST_9P_CACHE:-loose}")"
} > "$H/conf"
{
  echo "export GUEST_OUT=$(sq "$out") GUEST_REPO=$(sq "$workdir") GUEST_KERNEL=$(sq "$kver")"
  for kv in "${envs[@]}"; do
    k=${kv%%=*}
    [[ $k =~ ^[A-Za-z_][A-Za-z0-9_]*$ && $kv == *=* ]] || die "--env $kv: expected NAME=VALUE"
    echo "export $k=$(sq "${kv#*=}")"
  done
} > "$H/env"
if (( have_text )); then printf '%s\n' "$script_text" > "$H/script"; else cp "$script_file" "$H/script"; fi
cat > "$H/wrapper.sh" <<EOF
#!/bin/sh
# Runs in the guest's chroot (host root, read-only), started by the initramfs' /init.
H=$(sq "$H")
. "\$H/env"
if ! cd "\$GUEST_REPO"; then echo 125 > "\$H/exit-code"; exit 125; fi
$(sq "$shell") "\$H/script" >> "\$H/output.log" 2>&1 < /dev/null
rc=\$?
echo \$rc > "\$H/exit-code"
exit \$rc
EOF
: > "$H/output.log"
: > "$H/console.log"

# --- boot ------------------------------------------------------------------------------------------------------
append="console=ttyS0 panic=-1 rdinit=/init"
(( verbose )) || append="$append quiet loglevel=1"
qemu=(qemu-system-x86_64
  -nodefaults -no-user-config -display none -monitor none -serial stdio -no-reboot
  -accel "$accel" -cpu "$cpu" -smp "$smp" -m "$mem"
  -kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio.gz" -append "$append"
  -nic none
  -device virtio-rng-pci
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
  -virtfs "local,path=$out,mount_tag=out,security_model=none,multidevs=remap"
  # The working directory again, on its own: init.sh mounts it at its path after /tmp and /run are tmpfs, so a
  # checkout under /tmp (CI clones anywhere) is not hidden by the guest's /tmp.
  -virtfs "local,path=$workdir,mount_tag=repo,security_model=none,readonly=on,multidevs=remap"
)
printf '%q ' "${qemu[@]}" > "$H/qemu.cmdline"

fifo_dir=$(mktemp -d "${TMPDIR:-/tmp}/lvs-guest-fifo.XXXXXX") || die "mktemp"
mkfifo "$fifo_dir/console"
t_start=$EPOCHREALTIME
# timeout(1) puts qemu in its own process group: forward our termination to it explicitly.
timeout --kill-after=5 "$timeout" "${qemu[@]}" < /dev/null > "$fifo_dir/console" 2> "$H/qemu.stderr" &
qpid=$!
interrupted=0
trap 'interrupted=1; kill -TERM $qpid 2>/dev/null' INT TERM HUP
# Copy the script's output to stdout while it grows (the guest writes it through the 9p share). Stops once
# $fifo_dir/stop exists and everything up to that point has been copied.
follow() {
  local f=$1 stop=$2 off=0 size last
  while :; do
    last=0; [[ -e $stop ]] && last=1
    size=$(stat -c %s "$f" 2>/dev/null || echo "$off")
    if (( size > off )); then
      tail -c +$((off + 1)) "$f" | head -c $((size - off))
      off=$size
    fi
    (( last )) && return 0
    sleep 0.2
  done
}
tpid=""
if (( ! quiet )); then
  follow "$H/output.log" "$fifo_dir/stop" &
  tpid=$!
fi

t_ready="" t_done="" g_ready="" g_done="" failed=""
exec 3>>"$H/console.log"
while IFS= read -r line || [[ -n $line ]]; do
  line=${line%$'\r'}
  printf '%s\n' "$line" >&3
  (( verbose )) && printf '[guest] %s\n' "$line" >&2
  case $line in
    GUEST-READY*) t_ready=$EPOCHREALTIME; g_ready=${line#GUEST-READY }; g_ready=${g_ready%% *} ;;
    GUEST-DONE*) t_done=$EPOCHREALTIME; g_done=${line#GUEST-DONE }; g_done=${g_done%% *} ;;
    GUEST-FAILED*) failed=${line#GUEST-FAILED } ;;
  esac
done < "$fifo_dir/console"
exec 3>&-
wait $qpid; qrc=$?
t_end=$EPOCHREALTIME
if [[ -n $tpid ]]; then : > "$fifo_dir/stop"; wait "$tpid" 2>/dev/null; fi
rm -rf "$fifo_dir"

# --- result ----------------------------------------------------------------------------------------------------
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
boot_s=""; script_s=""
[[ -n $t_ready ]] && boot_s=$(sub "$t_start" "$t_ready")
[[ -n $t_ready && -n $t_done ]] && script_s=$(sub "$t_ready" "$t_done")
total_s=$(sub "$t_start" "$t_end")
{
  echo "kernel=$kver"
  echo "boot_s=$boot_s"
  echo "guest_uptime_at_ready_s=$g_ready"
  echo "script_s=$script_s"
  echo "total_s=$total_s"
  echo "qemu_exit=$qrc"
} > "$H/timings"

rc=""
if [[ -s $H/exit-code ]]; then
  rc=$(tr -dc '0-9' < "$H/exit-code")
fi
if [[ -z $rc ]]; then
  if (( qrc == 124 || qrc == 137 )); then
    printf 'run-guest: timeout after %ss\n' "$timeout" >&2; rc=124
  elif (( interrupted )); then
    printf 'run-guest: interrupted\n' >&2; rc=130
  else
    printf 'run-guest: guest failed%s (qemu exit %s); console tail:\n' "${failed:+: $failed}" "$qrc" >&2
    tail -n 40 "$H/console.log" | sed 's/^/  | /' >&2
    [[ -s $H/qemu.stderr ]] && sed 's/^/  qemu: /' "$H/qemu.stderr" | tail -n 20 >&2
    rc=125
  fi
fi
printf 'run-guest: kernel %s, boot %ss, script %ss, total %ss, exit %s\n' \
  "$kver" "${boot_s:--}" "${script_s:--}" "$total_s" "$rc" >&2
if (( made_out )); then
  if (( keep )); then printf 'run-guest: kept %s\n' "$out" >&2; else rm -rf "$out"; fi
fi
exit "$rc"
