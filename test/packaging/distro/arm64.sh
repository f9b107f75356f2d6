#!/bin/bash
# The arm64 .deb, installed and walked in a clean arm64 Debian root on an amd64 machine: the same test as
# test/packaging/distro/run.sh, with every arm64 program of the root (dpkg, node, snmpd, the netlink addon) run by
# qemu-user-static through binfmt_misc. Not part of .ci/run: emulation makes it slower and it changes the
# machine's binfmt_misc registrations (it enables qemu-aarch64).
#
#   test/packaging/distro/arm64.sh [SUITE...]      default: bookworm
#
# Environment: as run.sh (LVS_CI_CACHE, LVS_DEB); LVS_DISTRO_WAIT defaults to 120 s here. Needs root.
set -Eeuo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
log() { printf 'arm64: %s\n' "$*"; }
die() {
  printf 'arm64: FAILED: %s\n' "$*" >&2
  exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

[[ "$(id -u)" -eq 0 ]] || die "needs root"
[[ $# -gt 0 ]] || set -- bookworm
bash "$REPO/scripts/install-deps.sh" --arm64

if [[ "$(dpkg --print-architecture)" != arm64 ]]; then
  # binfmt_misc (Documentation/admin-guide/binfmt-misc.rst): the F flag makes the kernel open the interpreter when
  # the entry is registered, so it works inside a chroot that has no qemu of its own.
  BINFMT=/proc/sys/fs/binfmt_misc
  if ! mountpoint -q "$BINFMT"; then mount -t binfmt_misc binfmt_misc "$BINFMT"; fi
  update-binfmts --enable qemu-aarch64
  entry="$(cat "$BINFMT/qemu-aarch64")"
  [[ "$entry" == enabled* ]] || die "qemu-aarch64 is not enabled in binfmt_misc: $entry"
  grep -q '^flags: .*F' <<<"$entry" || die "qemu-aarch64's binfmt entry lacks the F flag: $entry"
  log "binfmt_misc: qemu-aarch64 $(sed -n 's/^interpreter //p' <<<"$entry"), $(grep '^flags' <<<"$entry")"
fi

DEB_ARCH=arm64 LVS_DISTRO_WAIT="${LVS_DISTRO_WAIT:-120}" bash "$REPO/test/packaging/distro/run.sh" "$@"
