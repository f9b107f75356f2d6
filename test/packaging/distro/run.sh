#!/bin/bash
# The Debian package in clean distribution roots: for each suite, a `debootstrap --variant=minbase` root from
# Debian's own archive (cached, scripts/distro-root.sh), the .deb installed there with
# `apt-get install ./lvs-agentx_<version>_<arch>.deb snmpd snmp` and nothing but that distribution's archive in its
# sources, snmpd and the agent started as their units start them (test/packaging/distro/in-root.sh), LVS-MIB walked
# by name through the package's snmpd drop-in, then purged. Runs the agent on the root's own Node.js: Debian 12's
# 18.20 is the floor's proof.
#
#   test/packaging/distro/run.sh [SUITE...]        default: bookworm trixie
#   npm run test:distro                            the same, after tsc (the expected walk comes from dist/)
#
# Environment:
#   DEB_ARCH        architecture of the .deb and the roots (default this machine's; arm64 on amd64 needs
#                   qemu-user-static: test/packaging/distro-arm64.sh)
#   LVS_DEB         test this .deb instead of building one with packaging/build-deb.sh
#   LVS_CI_CACHE    cache folder for roots and apt downloads (default /var/cache/lvs-agentx-ci)
#   LVS_DISTRO_WAIT seconds to wait for snmpd and for the agent (default 30)
# Needs root, debootstrap, util-linux's unshare and setpriv, iproute2's ip (scripts/install-deps.sh --distro), and
# the base MIBs of scripts/install-deps.sh in .cache/mibs (snmpwalk needs them to print names).
set -Eeuo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
HERE="$REPO/test/packaging/distro"
log() { printf 'distro: %s\n' "$*"; }
die() {
  printf 'distro: FAILED: %s\n' "$*" >&2
  exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

SUITES=("$@")
[[ ${#SUITES[@]} -gt 0 ]] || SUITES=(bookworm trixie)
ARCH="${DEB_ARCH:-$(dpkg --print-architecture)}"
CACHE="${LVS_CI_CACHE:-/var/cache/lvs-agentx-ci}"
export LVS_CI_CACHE="$CACHE"
# A foreign architecture's root runs under qemu-user (binfmt_misc); in-root.sh knows what qemu cannot do.
if [[ "$ARCH" != "$(dpkg --print-architecture)" ]]; then export LVS_DISTRO_EMULATED=1; else export LVS_DISTRO_EMULATED=0; fi

[[ "$(id -u)" -eq 0 ]] || die "needs root (debootstrap, mounts, chroot)"
for tool in debootstrap unshare chroot ip dpkg-deb node; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found: run scripts/install-deps.sh --distro"
done
MIBS="$REPO/.cache/mibs"
for m in SNMPv2-SMI SNMPv2-TC SNMPv2-CONF INET-ADDRESS-MIB; do
  [[ -s "$MIBS/$m.txt" ]] || die "$MIBS/$m.txt missing: run scripts/install-deps.sh"
done
EXPECTED_JS="$REPO/dist/test/e2e/harness/expected.js"
[[ -f "$EXPECTED_JS" ]] || die "$EXPECTED_JS missing: run tsc -p tsconfig.json (npm run test:distro does)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lvs-agentx-distro.XXXXXX")"
# Mounts live in the private namespaces of namespace.sh and end with them; --one-file-system is a second guard.
trap 'rm -rf --one-file-system "$WORK"' EXIT
started=$SECONDS

# --- the package ----------------------------------------------------------------------------------------------
if [[ -n "${LVS_DEB:-}" ]]; then
  DEB="$LVS_DEB"
else
  log "building the .deb for $ARCH"
  DEB_ARCH="$ARCH" bash "$REPO/packaging/build-deb.sh" "$WORK/out"
  DEB="$(ls "$WORK"/out/lvs-agentx_*_"$ARCH".deb)"
fi
[[ -f "$DEB" ]] || die "no .deb at $DEB"
[[ "$(dpkg-deb -f "$DEB" Architecture)" == "$ARCH" ]] || die "$DEB is not for $ARCH"
FLOOR="$(node "$REPO/packaging/deb-tools.mjs" field "$REPO/package.json" engines.node | sed 's/^>=[[:space:]]*//')"
DEPENDS="$(dpkg-deb -f "$DEB" Depends)"
[[ "$DEPENDS" == *"nodejs (>= $FLOOR)"* ]] || die "Depends '$DEPENDS' does not say nodejs (>= $FLOOR)"
log "$(basename "$DEB"): Depends: $DEPENDS"

# --- what goes into each root ---------------------------------------------------------------------------------
STAGE="$WORK/lvs-test"
mkdir -p "$STAGE/mibs"
cp "$DEB" "$HERE/in-root.sh" "$STAGE/"
cp "$REPO/test/fixtures/all-kinds.json" "$STAGE/snapshot.json"
cp "$MIBS"/*.txt "$STAGE/mibs/"
# The rows snmpwalk must print for the snapshot, named as the e2e tests name them.
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const { serviceNameOf, realNameOf } = await import(process.argv[1]);
  const doc = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const out = [];
  for (const s of doc.services) {
    out.push(`LVS-MIB::lvsServiceSchedType."${serviceNameOf(s)}" = STRING: ${s.scheduler}`);
    for (const r of s.reals ?? []) out.push(`LVS-MIB::lvsRealWeight."${serviceNameOf(s)}"."${realNameOf(r)}" = INTEGER: ${r.weight}`);
  }
  process.stdout.write(out.join("\n") + "\n");
' "$EXPECTED_JS" "$STAGE/snapshot.json" >"$STAGE/expected.txt"
[[ "$(wc -l <"$STAGE/expected.txt")" -ge 10 ]] || die "expected walk too short: $(cat "$STAGE/expected.txt")"

# --- each root --------------------------------------------------------------------------------------------------
SUMMARY=()
for suite in "${SUITES[@]}"; do
  t0=$SECONDS
  log "=== $suite $ARCH ==="
  root="$(bash "$REPO/scripts/distro-root.sh" "$suite" "$ARCH" | tail -n 1)"
  run="$WORK/$suite"
  mkdir -p "$run"
  cp -a "$STAGE" "$run/lvs-test"
  if ! unshare --mount --propagation private \
    bash "$HERE/namespace.sh" "$root" "$run" "$CACHE/apt/$suite-$ARCH" 2>&1 | tee "$run/log" | sed "s/^/[$suite] /"; then
    die "$suite $ARCH failed (log above)"
  fi
  line="$(grep -m1 '^in-root: \[ *[0-9]* s\] node v' "$run/log" | sed 's/^in-root: \[[^]]*\] //')"
  SUMMARY+=("$suite $ARCH: $line; $((SECONDS - t0)) s")
done

log "summary (.deb $(basename "$DEB"), $((SECONDS - started)) s in all):"
printf '  %s\n' "${SUMMARY[@]}"
