#!/usr/bin/env bash
# Builds the Debian package lvs-agentx_<version>_<arch>.deb from this checkout.
#
#   packaging/build-deb.sh [OUT_DIR]      (OUT_DIR defaults to packaging/out/)
#
# The checkout is never modified: the files git knows (tracked, plus untracked ones that are not ignored) are
# copied to a temporary folder where `npm ci` and `tsc` run; the production dependencies are installed on their
# own with `npm ci --omit=dev`, and each of them must accept package.json's engines.node floor. Needs node and
# npm (>= 20.19: the build tools' floor, not the package's), dpkg-deb, tar and gzip; not root.
#
# Environment:
#   DEB_ARCH           Debian architecture to package for (default: `dpkg --print-architecture`)
#   DEB_MAINTAINER     the Maintainer field (default: the author of the last commit)
#   SOURCE_DATE_EPOCH  time stamp of the packaged files (default: the last commit's time)
#   LVS_KEEP_BUILD=1   keep the temporary build folder (its path is printed)
set -Eeuo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="${1:-$REPO_ROOT/packaging/out}"
PACKAGE=lvs-agentx

log() { printf 'build-deb: %s\n' "$*"; }
die() {
  printf 'build-deb: error: %s\n' "$*" >&2
  exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

for tool in node npm dpkg-deb dpkg tar gzip md5sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lvs-agentx-deb.XXXXXX")"
cleanup() {
  if [[ "${LVS_KEEP_BUILD:-0}" == 1 ]]; then
    log "build folder kept: $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

in_git() { git -C "$REPO_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; }

# --- 1. a clean copy of the checkout ------------------------------------------------------------------------------
SRC="$WORK/src"
mkdir -p "$SRC"
if command -v git >/dev/null 2>&1 && in_git; then
  # Files deleted in the work tree are still listed by --cached; only existing ones are copied.
  (
    cd "$REPO_ROOT"
    git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do
        if [[ -e "$f" || -L "$f" ]]; then printf '%s\0' "$f"; fi
      done |
      tar --null -T - -cf -
  ) | tar -C "$SRC" -xf -
else
  tar -C "$REPO_ROOT" --exclude=./.git --exclude=./node_modules --exclude=./dist --exclude=./.cache \
    --exclude=./packaging/out -cf - . | tar -C "$SRC" -xf -
fi
[[ -f "$SRC/package.json" && -f "$SRC/package-lock.json" ]] || die "package.json or package-lock.json missing"

# --- 2. package facts -------------------------------------------------------------------------------------------
# packaging/deb-tools.mjs (from the clean copy): the package.json reader and the licence list of step 5.
DEB_TOOLS="$SRC/packaging/deb-tools.mjs"
[[ -f "$DEB_TOOLS" ]] || die "packaging/deb-tools.mjs missing"
pkg_field() { node "$DEB_TOOLS" field "$SRC/package.json" "$1"; }

NPM_VERSION="$(pkg_field version)" || die "package.json has no version"
# Debian orders "~" before anything, npm orders a pre-release ("-rc.1") before its release: 0.2.0-rc.1 -> 0.2.0~rc.1.
# Without this, dpkg would read "-rc.1" as a Debian revision and sort the pre-release after the release.
DEB_VERSION="${NPM_VERSION/-/\~}"
[[ "$DEB_VERSION" =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "version '$NPM_VERSION' does not map to a Debian version"

# The Node.js floor comes from package.json's engines.node, so that the Depends line and npm agree.
ENGINES="$(pkg_field engines.node)" || die "package.json has no engines.node"
[[ "$ENGINES" =~ ^\>=[[:space:]]*([0-9]+(\.[0-9]+){0,2})$ ]] || die "engines.node '$ENGINES' is not of the form >=X.Y"
NODE_MIN="${BASH_REMATCH[1]}"

# The `netlink` dependency is an N-API addon with prebuilt binaries for four Linux architectures. An Architecture:
# all package would also install where none of them loads, so by default the package is built per architecture and
# carries the one binary that fits. DEB_ARCH=all keeps all four (for amd64, arm64, armhf and i386 hosts only).
DEB_ARCH="${DEB_ARCH:-$(dpkg --print-architecture)}"
case "$DEB_ARCH" in
  amd64) PREBUILD=linux-x64 ;;
  arm64) PREBUILD=linux-arm64 ;;
  armhf) PREBUILD=linux-arm ;;
  i386) PREBUILD=linux-ia32 ;;
  all) PREBUILD='linux-*' ;;
  *) die "no prebuilt netlink binding for Debian architecture '$DEB_ARCH' (amd64, arm64, armhf, i386, or all)" ;;
esac

if command -v git >/dev/null 2>&1 && in_git; then
  COMMIT="$(git -C "$REPO_ROOT" log -1 --format=%h 2>/dev/null || true)"
  if [[ -n "$COMMIT" && -n "$(git -C "$REPO_ROOT" status --porcelain 2>/dev/null)" ]]; then
    COMMIT="$COMMIT with uncommitted changes"
  fi
  : "${SOURCE_DATE_EPOCH:=$(git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null || true)}"
  : "${DEB_MAINTAINER:=$(git -C "$REPO_ROOT" log -1 --format='%an <%ae>' 2>/dev/null || true)}"
fi
: "${SOURCE_DATE_EPOCH:=$(date +%s)}"
export SOURCE_DATE_EPOCH
[[ -n "${DEB_MAINTAINER:-}" ]] || die "set DEB_MAINTAINER='Name <email>' (no git history to take it from)"
[[ "$DEB_MAINTAINER" =~ ^[^\<\>]+\ \<[^\<\>]+@[^\<\>]+\>$ ]] || die "DEB_MAINTAINER '$DEB_MAINTAINER' is not 'Name <email>'"

log "$PACKAGE $DEB_VERSION ($DEB_ARCH) from ${COMMIT:-a copy without git}, Node.js >= $NODE_MIN"

# --- 3. compile -------------------------------------------------------------------------------------------------
NPM_FLAGS=(--no-audit --no-fund --prefer-offline --loglevel=error)
log "npm ci (build dependencies)"
(cd "$SRC" && npm ci "${NPM_FLAGS[@]}")
log "tsc -p tsconfig.json"
(cd "$SRC" && npx --no-install tsc -p tsconfig.json)
[[ -f "$SRC/dist/src/daemon/main.js" ]] || die "tsc produced no dist/src/daemon/main.js"

# The native batch addon (src/ipvs/netlink/batch.c: the GET_DEST dumps of a read on a worker thread, about twice as
# fast as the netlink package alone on large tables), compiled for DEB_ARCH: with this machine's C compiler when it
# targets DEB_ARCH, else with the Debian cross compiler (gcc-aarch64-linux-gnu, ...). Architecture: all carries none:
# the agent then reads through the netlink package only.
case "$DEB_ARCH" in
  amd64) TRIPLE=x86_64-linux-gnu ;;
  arm64) TRIPLE=aarch64-linux-gnu ;;
  armhf) TRIPLE=arm-linux-gnueabihf ;;
  i386) TRIPLE=i686-linux-gnu ;;
  all) TRIPLE="" ;;
esac
if [[ -n "$TRIPLE" ]]; then
  NATIVE_CC=""
  for c in cc gcc gcc-12 gcc-13 gcc-14; do
    if command -v "$c" >/dev/null 2>&1 && [[ "$("$c" -dumpmachine)" == "$TRIPLE" ]]; then NATIVE_CC=$c; break; fi
  done
  if [[ -z "$NATIVE_CC" ]]; then
    for c in "$TRIPLE-gcc" "$TRIPLE-gcc-12" "$TRIPLE-gcc-13" "$TRIPLE-gcc-14"; do
      if command -v "$c" >/dev/null 2>&1; then NATIVE_CC=$c; break; fi
    done
  fi
  [[ -n "$NATIVE_CC" ]] ||
    die "no C compiler for $TRIPLE to build the native addon: install gcc-$TRIPLE (scripts/install-deps.sh --packaging does)"
  log "native addon for $DEB_ARCH with $NATIVE_CC"
  (cd "$SRC" && CC="$NATIVE_CC" bash scripts/build-native.sh --out "$SRC/build")
else
  log "Architecture: all: no native addon (reads go through the netlink package only)"
fi

# --- 4. production dependencies ---------------------------------------------------------------------------------
# Install scripts are not run: the only one (netlink's node-gyp-build) would compile when no prebuilt binary fits,
# and this package ships prebuilt binaries only.
PROD="$WORK/prod"
mkdir -p "$PROD"
cp "$SRC/package.json" "$SRC/package-lock.json" "$PROD/"
log "npm ci --omit=dev (runtime dependencies)"
(cd "$PROD" && npm ci --omit=dev --ignore-scripts "${NPM_FLAGS[@]}")
rm -rf "$PROD/node_modules/.bin"
# net-snmp's example programs and its copies of the RFC texts (1 MB of the package) are not part of its library.
rm -rf "$PROD/node_modules/net-snmp/example" "$PROD/node_modules/net-snmp/ref"
# The floor in the Depends line must hold for every bundled package, not only for our own code: a dependency whose
# engines.node excludes it (pino 10's thread-stream wants Node 20) stops the build here.
if ! problems="$(node "$DEB_TOOLS" engines "$PROD" "$NODE_MIN")"; then
  die "runtime dependencies that do not declare support for Node.js $NODE_MIN (package.json engines.node):
$problems"
fi
log "every runtime dependency accepts Node.js $NODE_MIN (engines.node)"
if [[ -d "$PROD/node_modules/netlink/prebuilds" ]]; then
  compgen -G "$PROD/node_modules/netlink/prebuilds/$PREBUILD/node.napi.node" >/dev/null ||
    die "node_modules/netlink has no prebuilds/$PREBUILD/node.napi.node"
  # $PREBUILD is a pattern for find: `linux-*` keeps every Linux binary.
  find "$PROD/node_modules/netlink/prebuilds" -mindepth 1 -maxdepth 1 ! -name "$PREBUILD" -exec rm -rf {} +
fi
# Any other compiled file would make the architecture claim above wrong: refuse to package it.
stray="$(find "$PROD/node_modules" -name '*.node' ! -path "*/netlink/prebuilds/$PREBUILD/*" -print)"
[[ -z "$stray" ]] || die "unexpected native modules in the runtime dependencies: $stray"

# --- 5. the file tree -------------------------------------------------------------------------------------------
ROOT="$WORK/root"
LIB="$ROOT/usr/lib/$PACKAGE"
DOC="$ROOT/usr/share/doc/$PACKAGE"
install -d "$LIB/dist" "$ROOT/usr/bin" "$ROOT/usr/share/snmp/mibs" "$ROOT/usr/lib/systemd/system" \
  "$ROOT/etc/$PACKAGE" "$ROOT/etc/snmp/snmpd.conf.d" "$DOC" "$ROOT/DEBIAN"

# Compiled code without source maps (they point at TypeScript sources that are not shipped). main.js reads
# ../../../package.json for its version, and "type": "module" there makes Node load dist/ as ES modules.
cp -R "$SRC/dist/src" "$LIB/dist/src"
find "$LIB/dist" -name '*.map' -delete
cp "$SRC/package.json" "$LIB/package.json"
cp -R "$PROD/node_modules" "$LIB/node_modules"
if [[ -n "$TRIPLE" ]]; then
  install -D -m 0644 "$SRC/build/netlink-batch.node" "$LIB/build/netlink-batch.node"
fi

# /usr/bin/node is the Node.js that the Depends line guarantees; `node` from PATH could be another one
# (/usr/local/bin comes first in PATH).
cat >"$ROOT/usr/bin/$PACKAGE" <<'WRAPPER'
#!/bin/sh
# lvs-agentx: runs the agent with the packaged Node.js (see /usr/share/doc/lvs-agentx/README.Debian).
exec /usr/bin/node /usr/lib/lvs-agentx/dist/src/daemon/main.js "$@"
WRAPPER

install -m 0644 "$SRC/mibs/LVS-MIB.txt" "$ROOT/usr/share/snmp/mibs/LVS-MIB.txt"
install -m 0644 "$SRC/packaging/lvs-agentx.service" "$ROOT/usr/lib/systemd/system/lvs-agentx.service"
# The template for network namespaces (lvs-agentx@NAME: namespace NAME served in SNMP context NAME); not enabled.
install -m 0644 "$SRC/packaging/lvs-agentx@.service" "$ROOT/usr/lib/systemd/system/lvs-agentx@.service"
install -m 0644 "$SRC/packaging/lvs-agentx.conf" "$ROOT/etc/$PACKAGE/lvs-agentx.conf"
install -m 0644 "$SRC/packaging/snmpd.conf.d/lvs-agentx.conf" "$ROOT/etc/snmp/snmpd.conf.d/lvs-agentx.conf"
install -m 0644 "$SRC/README.md" "$DOC/README.md"
install -m 0644 "$SRC/packaging/README.md" "$DOC/README.Debian"
# The Zabbix template (importable by Zabbix 6.0 and later) and its notes.
install -D -m 0644 -t "$ROOT/usr/share/$PACKAGE/zabbix" "$SRC/packaging/zabbix/lvs-agentx.yaml" "$SRC/packaging/zabbix/README.md"

# copyright: the project's licence, then every bundled npm package with the licence its package.json declares and
# where its own licence text is in the installed tree.
{
  cat <<EOF
lvs-agentx $NPM_VERSION
Copyright: the lvs-agentx authors (see the project's git history)
License: $(pkg_field license)

 This program is free software; you can redistribute it and/or modify it under the terms of the GNU General
 Public License as published by the Free Software Foundation; either version 2 of the License, or (at your
 option) any later version.
 .
 On Debian systems, the complete text of the GNU General Public License version 2 is in
 /usr/share/common-licenses/GPL-2.

Bundled npm packages (/usr/lib/$PACKAGE/node_modules), each under its own licence; the licence texts the
packages carry are installed with them:

EOF
  node "$DEB_TOOLS" licenses "$LIB" "/usr/lib/$PACKAGE"
} >"$DOC/copyright"

# A Debian changelog, as every package's doc folder has one.
CHANGELOG_DATE="$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
if [[ -n "${COMMIT:-}" ]]; then FROM="git commit $COMMIT"; else FROM="a source tree without git"; fi
printf '%s (%s) unstable; urgency=medium\n\n  * Built by packaging/build-deb.sh from %s.\n\n -- %s  %s\n' \
  "$PACKAGE" "$DEB_VERSION" "$FROM" \
  "$DEB_MAINTAINER" "$CHANGELOG_DATE" | gzip -9n >"$DOC/changelog.Debian.gz"

# --- 6. control area --------------------------------------------------------------------------------------------
for script in postinst prerm postrm; do
  install -m 0755 "$SRC/packaging/debian/$script" "$ROOT/DEBIAN/$script"
done
install -m 0644 "$SRC/packaging/debian/conffiles" "$ROOT/DEBIAN/conffiles"

# Ownership comes from --root-owner-group; modes are normalized so the umask of the build does not leak in.
find "$ROOT" -path "$ROOT/DEBIAN" -prune -o -type d -exec chmod 0755 {} +
find "$ROOT" -path "$ROOT/DEBIAN" -prune -o -type f -exec chmod 0644 {} +
chmod 0755 "$ROOT/usr/bin/$PACKAGE"

INSTALLED_SIZE="$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)"
cat >"$ROOT/DEBIAN/control" <<EOF
Package: $PACKAGE
Version: $DEB_VERSION
Architecture: $DEB_ARCH
Maintainer: $DEB_MAINTAINER
Installed-Size: $INSTALLED_SIZE
Depends: nodejs (>= $NODE_MIN), adduser
Recommends: snmpd
Suggests: snmp, ipvsadm
Section: net
Priority: optional
Description: AgentX subagent serving LVS-MIB (IPVS statistics) to snmpd
 lvs-agentx reads the Linux Virtual Server (IPVS) table of a load balancer and
 serves it as LVS-MIB (enterprises.8225.4711) through Net-SNMP's snmpd, as an
 AgentX subagent (RFC 2741): every virtual service and real server with its
 configuration, connection counts, 64-bit traffic counters and rates, indexed
 by the service's identity.
 .
 The package runs the agent as the unprivileged user lvs-agentx with only
 CAP_NET_ADMIN (systemd unit lvs-agentx.service) and gives snmpd the settings
 it needs in /etc/snmp/snmpd.conf.d/lvs-agentx.conf.
EOF

# md5sums of every file except the conffiles (dpkg keeps those separately), for `dpkg --verify`.
(
  cd "$ROOT"
  conffiles="$(sed 's#^/##' DEBIAN/conffiles)"
  find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
    while IFS= read -r -d '' f; do
      if ! grep -qxF -- "$f" <<<"$conffiles"; then printf '%s\0' "$f"; fi
    done | xargs -0 md5sum >DEBIAN/md5sums
)

# Reproducible time stamps.
find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# --- 7. the .deb ------------------------------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
DEB="$OUT_DIR/${PACKAGE}_${DEB_VERSION}_${DEB_ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >/dev/null
log "built $DEB ($(du -h "$DEB" | cut -f1), installed size ${INSTALLED_SIZE} KiB)"
