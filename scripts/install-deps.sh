#!/usr/bin/env bash
# Installs what lvs-agentx's builds and tests need on Debian 12 (bookworm). Idempotent: a second run only checks.
#
#   scripts/install-deps.sh             Net-SNMP (snmpd, snmp), smitools, a C compiler, node_modules, base MIBs in .cache/mibs
#   scripts/install-deps.sh --kernel    the above, plus the kernel tests' packages (qemu, busybox-static, ipvsadm, gcc-12, make);
#                                       the guest kernel itself is fetched by scripts/kernel/prepare.sh
#   LVS_INSTALL_KERNEL_DEPS=1 scripts/install-deps.sh    same as --kernel
#   scripts/install-deps.sh --packaging the base set, plus the arm64 cross compiler (the arm64 .deb's native addon)
#   scripts/install-deps.sh --distro    the base set, plus debootstrap and iproute2 for the clean-root package test
#                                       (test/packaging/distro/run.sh)
#   scripts/install-deps.sh --arm64     --distro, plus qemu-user-static and binfmt-support (arm64 roots, emulated)
#
# Runs as root (CI does); elsewhere it uses sudo for the apt-get and daemon steps. Every failure stops it.
set -Eeuo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MIB_CACHE="$REPO_ROOT/.cache/mibs"

# Debian packages for the MIB compile test and the snmpd end-to-end tests.
BASE_PACKAGES=(snmpd snmp snmptrapd smitools mrtg systemd adduser)
# The C compiler and libc headers for the optional native addon (scripts/build-native.sh), which npm test builds.
BASE_PACKAGES+=(gcc-12 libc6-dev)
# The cross compiler for the arm64 package's native addon (test/packaging/arch.test.ts builds amd64 and arm64 .debs).
PACKAGING_PACKAGES=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
# Debian packages for the kernel tests (an IPVS kernel booted under qemu).
# gcc-12 and make build the test-only lvs_inject module against the guest kernel's headers.
KERNEL_PACKAGES=(qemu-system-x86 busybox-static ipvsadm gcc-12 make)
# Debian packages for the package test in clean debootstrap roots (unshare and setpriv are util-linux, essential).
DISTRO_PACKAGES=(debootstrap iproute2)
# ... and for its arm64 roots on an amd64 machine: arm64 binaries run under qemu through binfmt_misc.
ARM64_PACKAGES=(qemu-user-static binfmt-support)

log() { printf 'install-deps: %s\n' "$*"; }
die() {
  printf 'install-deps: error: %s\n' "$*" >&2
  exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

usage() {
  sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

WANT_KERNEL="${LVS_INSTALL_KERNEL_DEPS:-0}"
WANT_DISTRO=0
WANT_ARM64=0
WANT_PACKAGING=0
for arg in "$@"; do
  case "$arg" in
    --kernel) WANT_KERNEL=1 ;;
    --packaging) WANT_PACKAGING=1 ;;
    --distro) WANT_DISTRO=1 ;;
    --arm64) WANT_DISTRO=1 WANT_ARM64=1 WANT_PACKAGING=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument '$arg' (try --help)" ;;
  esac
done

if [[ "$(id -u)" -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  die "not root and no sudo: run this script as root"
fi
as_root() { "${SUDO[@]}" "$@"; }

[[ -r /etc/debian_version ]] || die "this script installs Debian packages; /etc/debian_version is missing"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found"

# A host booted with systemd manages its own services; a container without it has no service manager at all.
is_systemd_host() { [[ -d /run/systemd/system ]]; }

APT_UPDATED=0
apt_update_once() {
  if [[ "$APT_UPDATED" -eq 0 ]]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
}

is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == "installed" ]]
}

# Without systemd, a package's postinst starts its daemon through invoke-rc.d, which asks /usr/sbin/policy-rc.d
# first (Debian policy, section 9.3.3). Exit status 101 there means "do not start". Only a file we created is
# removed again; an existing one (Docker images ship one) is left as it is.
POLICY_RC_D=/usr/sbin/policy-rc.d
OWN_POLICY_RC_D=0
block_service_starts() {
  if ! is_systemd_host && [[ ! -e "$POLICY_RC_D" ]]; then
    log "temporarily installing $POLICY_RC_D so that package scripts start no daemons"
    printf '#!/bin/sh\n# installed by lvs-agentx scripts/install-deps.sh for the duration of apt-get install\nexit 101\n' |
      as_root tee "$POLICY_RC_D" >/dev/null
    as_root chmod 0755 "$POLICY_RC_D"
    OWN_POLICY_RC_D=1
  fi
}
unblock_service_starts() {
  if [[ "$OWN_POLICY_RC_D" -eq 1 ]]; then
    as_root rm -f "$POLICY_RC_D"
    OWN_POLICY_RC_D=0
  fi
}
trap unblock_service_starts EXIT

# Installs the named Debian packages that are missing; runs apt-get update once before the first install.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "Debian packages present: $*"
    return 0
  fi
  apt_update_once
  log "apt-get install ${missing[*]}"
  block_service_starts
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  unblock_service_starts
  for pkg in "${missing[@]}"; do
    is_installed "$pkg" || die "package $pkg is still not installed after apt-get install"
  done
}

# Downloads one Debian package's .deb into the current directory (no install, no dependencies).
apt_download() {
  local pkg="$1"
  # apt drops privileges to _apt for downloads; it needs to write the target directory.
  if [[ "$(id -u)" -eq 0 ]] && id _apt >/dev/null 2>&1; then chown _apt "$PWD"; fi
  if ! apt-get download -qq "$pkg" 2>/dev/null; then
    apt_update_once
    apt-get download -qq "$pkg" || die "apt-get download $pkg failed"
  fi
  compgen -G "${pkg}_*.deb" >/dev/null || die "apt-get download $pkg produced no .deb"
}

# The Debian snmpd package enables and starts the system daemon. Our tests run their own snmpd on their own
# ports and sockets, so the system one must not hold port 161 or /var/agentx/master. On a systemd host that
# daemon belongs to the administrator: it is reported, never stopped.
stop_system_snmpd() {
  if is_systemd_host; then
    if systemctl is-active --quiet snmpd.service 2>/dev/null; then
      log "note: snmpd.service is running on this systemd host; left alone (tests use their own snmpd)"
    fi
    return 0
  fi
  local pidfile=/run/snmpd.pid pid
  if [[ -s "$pidfile" ]] && pid="$(cat "$pidfile")" && [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping the system snmpd (pid $pid) that the package started"
    if [[ -x /etc/init.d/snmpd ]]; then as_root /etc/init.d/snmpd stop >/dev/null 2>&1 || true; fi
    if kill -0 "$pid" 2>/dev/null; then as_root kill "$pid" || true; fi
    local i
    for i in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    ! kill -0 "$pid" 2>/dev/null || die "the system snmpd (pid $pid) did not stop"
  fi
  # Any other snmpd started with the package's pid file is the system daemon too.
  local stray
  stray="$(pgrep -f -- "snmpd .*-p $pidfile" || true)"
  if [[ -n "$stray" ]]; then
    log "stopping system snmpd process(es): $(echo "$stray" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # one pid per word
    as_root kill $stray || true
    sleep 1
    [[ -z "$(pgrep -f -- "snmpd .*-p $pidfile" || true)" ]] || die "system snmpd still running: $stray"
  fi
  local others
  others="$(pgrep -a -x snmpd || true)"
  if [[ -n "$others" ]]; then
    log "note: other snmpd processes are running (not started by the package, left alone):"
    printf '  %s\n' "$others"
  else
    log "no snmpd running"
  fi
}

ensure_node_modules() {
  command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js >= 20.11 first"
  if [[ -d "$REPO_ROOT/node_modules" && -d "$REPO_ROOT/node_modules/net-snmp/lib/mibs" ]]; then
    log "node_modules present"
    return 0
  fi
  log "npm ci"
  (cd "$REPO_ROOT" && npm ci --no-audit --no-fund)
  [[ -d "$REPO_ROOT/node_modules/net-snmp/lib/mibs" ]] || die "npm ci did not provide node_modules/net-snmp/lib/mibs"
}

# Copies SRC to DEST only when the content differs; net-snmp and libsmi both find a module by the name in its
# "NAME DEFINITIONS ::= BEGIN" line (net-snmp indexes every file in MIBDIRS; libsmi tries NAME, NAME.txt, NAME.mib,
# ...), so each file is stored as MODULE-NAME.txt.
install_mib() {
  local src="$1" module="$2" dest="$MIB_CACHE/$2.txt"
  head -c 4096 "$src" | grep -Eq "^[[:space:]]*$module[[:space:]]+DEFINITIONS[[:space:]]*::=" ||
    die "$src does not define module $module"
  if ! cmp -s "$src" "$dest"; then
    install -m 0644 "$src" "$dest"
    log "base MIB $module -> ${dest#"$REPO_ROOT"/}"
  fi
}

# The IETF base modules. Debian's snmp packages ship none (licence); npm's net-snmp carries SNMPv2-SMI/TC/CONF and
# Debian's erlang-snmp carries INET-ADDRESS-MIB (RFC 4001) and SNMP-FRAMEWORK-MIB as text. The erlang-snmp .deb
# is only unpacked, never installed, so Erlang itself stays off the machine.
provide_base_mibs() {
  mkdir -p "$MIB_CACHE"
  local npm_mibs="$REPO_ROOT/node_modules/net-snmp/lib/mibs" m
  for m in SNMPv2-SMI SNMPv2-TC SNMPv2-CONF; do
    [[ -f "$npm_mibs/$m.mib" ]] || die "missing $npm_mibs/$m.mib (is net-snmp in node_modules?)"
    install_mib "$npm_mibs/$m.mib" "$m"
  done

  local erlang_mibs=(INET-ADDRESS-MIB SNMP-FRAMEWORK-MIB) need=0
  for m in "${erlang_mibs[@]}"; do
    [[ -s "$MIB_CACHE/$m.txt" ]] || need=1
  done
  if [[ "$need" -eq 0 ]]; then
    log "base MIBs present in ${MIB_CACHE#"$REPO_ROOT"/}"
    return 0
  fi
  local tmp
  tmp="$(mktemp -d)"
  log "fetching erlang-snmp's MIB texts (apt-get download, dpkg -x; not installed)"
  (
    cd "$tmp"
    apt_download erlang-snmp
    dpkg -x erlang-snmp_*.deb extracted
  )
  for m in "${erlang_mibs[@]}"; do
    local found
    found="$(find "$tmp/extracted" -type f -name "$m.mib" -path '*/mibs/*' | head -n 1)"
    [[ -n "$found" ]] || die "erlang-snmp has no $m.mib"
    install_mib "$found" "$m"
  done
  rm -rf "$tmp"
}

# Kernel tests: qemu boots Debian's stock kernel with a busybox initramfs and ipvsadm, so IPVS is exercised for
# real without touching the host's network stack. Only run with --kernel or LVS_INSTALL_KERNEL_DEPS=1. The kernel
# package is fetched and unpacked in one place only, scripts/kernel/prepare.sh, which also builds the initramfs.
install_kernel_test_deps() {
  apt_install "${KERNEL_PACKAGES[@]}"
  log "guest kernel: run scripts/kernel/prepare.sh (npm run test:kernel does)"
}

log "repository: $REPO_ROOT"
apt_install "${BASE_PACKAGES[@]}"
stop_system_snmpd
ensure_node_modules
provide_base_mibs
if [[ "$WANT_KERNEL" == 1 ]]; then
  install_kernel_test_deps
else
  log "kernel test dependencies skipped (use --kernel)"
fi
if [[ "$WANT_PACKAGING" == 1 ]]; then apt_install "${PACKAGING_PACKAGES[@]}"; fi
if [[ "$WANT_DISTRO" == 1 ]]; then apt_install "${DISTRO_PACKAGES[@]}"; fi
if [[ "$WANT_ARM64" == 1 ]]; then apt_install "${ARM64_PACKAGES[@]}"; fi
for tool in snmpd snmptranslate snmpwalk smilint; do
  command -v "$tool" >/dev/null 2>&1 || [[ -x "/usr/sbin/$tool" ]] || die "$tool missing after install"
done
log "done"
