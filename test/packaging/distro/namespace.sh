#!/bin/bash
# One clean root, one run: started by test/packaging/distro/run.sh under `unshare --mount`, so every mount made
# here belongs to this private mount namespace. The cached root stays untouched: an overlay whose upper layer is
# WORK/upper takes every change, and apt's downloads go to the cache folder APT_CACHE.
#
#   namespace.sh ROOT WORK APT_CACHE
#
# WORK/lvs-test (prepared by run.sh) is copied to /root/lvs-test in the root. Then in-root.sh install runs with the
# machine's network (apt needs the archive), and in-root.sh serve in a network and PID namespace of its own with
# only loopback (its snmpd on localhost:161 meets no other snmpd, and nothing it starts outlives it).
set -Eeuo pipefail

ROOT="$1" WORK="$2" APT_CACHE="$3"
M="$WORK/merged"
log() { printf 'namespace: %s\n' "$*"; }
die() {
  printf 'namespace: error: %s\n' "$*" >&2
  exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

# The mounts below, newest first; each is undone on the way out, whatever happened.
MOUNTS=()
mnt() {
  local target="${*: -1}"
  mount "$@"
  MOUNTS=("$target" "${MOUNTS[@]}")
}
unmount_all() {
  local t
  for t in "${MOUNTS[@]}"; do
    umount -R "$t" 2>/dev/null || umount -R -l "$t" || printf 'namespace: warning: could not unmount %s\n' "$t" >&2
  done
  MOUNTS=()
}
trap unmount_all EXIT

mkdir -p "$WORK/upper" "$WORK/ovl-work" "$M" "$APT_CACHE/partial"
mnt -t overlay overlay -o "lowerdir=$ROOT,upperdir=$WORK/upper,workdir=$WORK/ovl-work" "$M"
# What a booted Debian has: /proc, /sys, /dev, and empty tmpfs on /run and /tmp.
mnt -t proc proc "$M/proc"
mnt -t sysfs -o ro sysfs "$M/sys"
mnt --rbind /dev "$M/dev"
mount --make-rslave "$M/dev"
mnt -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$M/run"
mnt -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$M/tmp"
mnt --bind "$APT_CACHE" "$M/var/cache/apt/archives"
cp -L /etc/resolv.conf "$M/etc/resolv.conf"
cp -a "$WORK/lvs-test" "$M/root/lvs-test"

chroot "$M" /bin/bash /root/lvs-test/in-root.sh install

# /proc of this namespace goes; the serving step mounts the proc of its own PID namespace over the same place.
umount "$M/proc"
kept=()
for t in "${MOUNTS[@]}"; do if [[ "$t" != "$M/proc" ]]; then kept+=("$t"); fi; done
MOUNTS=("${kept[@]}")
# --kill-child: when the step ends, however it ends, the kernel ends whatever it left running.
unshare --net --pid --mount --fork --kill-child --mount-proc="$M/proc" \
  /bin/bash -c 'ip link set lo up && exec chroot "$1" /bin/bash /root/lvs-test/in-root.sh serve' serve "$M"
log "done"
