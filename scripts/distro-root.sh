#!/usr/bin/env bash
# Makes (once) and prints the path of a clean Debian root for SUITE and ARCH, built with
# `debootstrap --variant=minbase` from Debian's own archive, kept in a cache folder outside the checkout.
#
#   scripts/distro-root.sh SUITE [ARCH]       e.g. bookworm, trixie; ARCH defaults to this machine's
#
# The last line on stdout is the root's path. The root is never changed after it is made: tests mount an overlay
# on top of it (test/packaging/distro-install.sh). It is rebuilt when it is missing or was left half-made;
# LVS_DISTRO_REFRESH=1 rebuilds it anyway. A foreign ARCH (arm64 on amd64) needs qemu-user-static registered
# with binfmt_misc (test/packaging/distro-arm64.sh does that).
#
# Environment:
#   LVS_CI_CACHE      cache folder (default /var/cache/lvs-agentx-ci): roots/SUITE-ARCH, debootstrap/SUITE-ARCH
#                     (the .debs debootstrap fetched) and apt/SUITE-ARCH (apt's downloads in the root, see the test)
#   LVS_DEBIAN_MIRROR mirror of the Debian archive (default http://deb.debian.org/debian)
# Needs root and debootstrap (scripts/install-deps.sh --distro installs it).
set -Eeuo pipefail

log() { printf 'distro-root: %s\n' "$*" >&2; }
die() {
  printf 'distro-root: error: %s\n' "$*" >&2
  exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

SUITE="${1:-}"
[[ -n "$SUITE" && $# -le 2 ]] || die "usage: distro-root.sh SUITE [ARCH]"
ARCH="${2:-$(dpkg --print-architecture)}"
[[ "$SUITE" =~ ^[a-z]+$ && "$ARCH" =~ ^[a-z0-9]+$ ]] || die "bad suite '$SUITE' or architecture '$ARCH'"
[[ "$(id -u)" -eq 0 ]] || die "debootstrap needs root"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found: run scripts/install-deps.sh --distro"

CACHE="${LVS_CI_CACHE:-/var/cache/lvs-agentx-ci}"
MIRROR="${LVS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOT="$CACHE/roots/$SUITE-$ARCH"
# The marker records how the root was made; a root without it (debootstrap interrupted) is made again.
MARKER="$ROOT/.lvs-agentx-root"
WANT="debootstrap --variant=minbase --arch=$ARCH $SUITE $MIRROR"

if [[ "${LVS_DISTRO_REFRESH:-0}" != 1 && -f "$MARKER" && "$(head -n 1 "$MARKER")" == "$WANT" ]]; then
  log "cached root $ROOT ($(sed -n 2p "$MARKER"))"
  printf '%s\n' "$ROOT"
  exit 0
fi

mkdir -p "$CACHE/roots" "$CACHE/debootstrap/$SUITE-$ARCH"
NEW="$(mktemp -d "$CACHE/roots/.$SUITE-$ARCH.XXXXXX")"
cleanup() { if [[ -n "${NEW:-}" && -d "$NEW" ]]; then rm -rf --one-file-system "$NEW"; fi; }
trap cleanup EXIT

log "$WANT (into $NEW)"
started=$SECONDS
# debootstrap's own log goes to stderr so that stdout stays the root's path.
if ! debootstrap --variant=minbase --arch="$ARCH" --cache-dir="$CACHE/debootstrap/$SUITE-$ARCH" \
  "$SUITE" "$NEW" "$MIRROR" >&2; then
  [[ -f "$NEW/debootstrap/debootstrap.log" ]] && tail -n 30 "$NEW/debootstrap/debootstrap.log" >&2
  die "debootstrap $SUITE $ARCH failed"
fi
[[ -x "$NEW/usr/bin/apt-get" ]] || die "debootstrap made no usable root (no apt-get in $NEW)"
# The .debs debootstrap installed are in the --cache-dir already; the root does not keep a second copy.
rm -f "$NEW"/var/cache/apt/archives/*.deb

# The suites an installed Debian system has in its sources: the release, its updates and its security archive.
# Security lives beside the mirror on deb.debian.org; another mirror (LVS_DEBIAN_MIRROR) may not carry it.
SECURITY="${MIRROR%/debian}/debian-security"
cat >"$NEW/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
EOF

printf '%s\n%s, %s s\n' "$WANT" "made $(date -u +%Y-%m-%dT%H:%M:%SZ)" "$((SECONDS - started))" >"$NEW/.lvs-agentx-root"
if [[ -d "$ROOT" ]]; then rm -rf --one-file-system "$ROOT"; fi
mv "$NEW" "$ROOT"
NEW=
log "made $ROOT in $((SECONDS - started)) s"
printf '%s\n' "$ROOT"
