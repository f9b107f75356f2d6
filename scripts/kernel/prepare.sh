#!/usr/bin/env bash
# Prepare the qemu guest used by test/kernel: Debian's own kernel (which has IPVS as modules) plus a small
# busybox initramfs that mounts the host's root read-only over 9p and chroots into it.
#
# Idempotent. Installs qemu-system-x86, busybox-static, ipvsadm, gcc-12 and make if missing, downloads the kernel
# package that linux-image-amd64 currently depends on (apt-get download + dpkg -x; nothing is installed into the
# host's /boot or /lib/modules), builds the test-only lvs_inject module against that kernel's headers (build-inject.sh), and
# (re)builds .cache/kernel/initramfs.cpio.gz. Prints the kernel version on stdout. This is the one place that fetches
# the guest kernel; scripts/install-deps.sh --kernel installs the same host packages and no kernel.
#
#   scripts/kernel/prepare.sh            use the cached kernel if there is one, else resolve and fetch it
#   scripts/kernel/prepare.sh --refresh  re-resolve linux-image-amd64 (apt-get update) and fetch if newer
#
# Environment: KERNEL_CACHE (default <repo>/.cache/kernel), EXTRA_MODULES (space-separated module names to bundle
# into the initramfs in addition to the default set; their dependencies are added automatically).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KERNEL_CACHE:-$repo/.cache/kernel}
refresh=0
[[ ${1:-} == --refresh ]] && refresh=1

log() { printf 'prepare: %s\n' "$*" >&2; }
die() { printf 'prepare: error: %s\n' "$*" >&2; exit 1; }

[[ $(uname -m) == x86_64 ]] || die "only x86_64 hosts are supported"
[[ $EUID -eq 0 ]] || die "run as root (installs packages, creates device nodes for the initramfs)"

# --- host packages --------------------------------------------------------------------------------------------
apt_updated=0
apt_update() { if (( ! apt_updated )); then log "apt-get update"; apt-get update -qq >&2; apt_updated=1; fi; }
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || missing+=(busybox-static)
command -v ipvsadm >/dev/null || missing+=(ipvsadm)
command -v gcc-12 >/dev/null || missing+=(gcc-12)
command -v make >/dev/null || missing+=(make)
if (( ${#missing[@]} )); then
  apt_update
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
bb=/bin/busybox
# The initramfs has no libc: it needs Debian's statically linked busybox-static, not the "busybox" package.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' \
  || die "busybox-static is not installed (the dynamically linked busybox cannot run from the initramfs)"

# --- kernel package --------------------------------------------------------------------------------------------
mkdir -p "$cache/debs"
resolve_pkg() {
  apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
# A cache without the "package" file (unpacked by an older install-deps.sh) is named by its boot/vmlinuz-*.
cached=$({ cat "$cache/package" || ls "$cache/boot" | sed -n 's/^vmlinuz-/linux-image-/p' | head -n1; } 2>/dev/null || true)
if (( refresh )) || [[ -z $cached ]]; then
  (( refresh )) && apt_update
  pkg=$(resolve_pkg || true)
  if [[ -z $pkg ]]; then apt_update; pkg=$(resolve_pkg || true); fi
  if [[ -z $pkg ]]; then
    [[ -n $cached ]] || die "cannot resolve the package behind linux-image-amd64"
    log "apt cannot resolve linux-image-amd64; keeping $cached"
    pkg=$cached
  fi
else
  pkg=$cached   # stay on the kernel the tests ran against until --refresh
fi
kver=${pkg#linux-image-}

# The package is extracted straight into $cache (boot/, lib/modules/, usr/), next to what this script generates.
if [[ ! -f $cache/boot/vmlinuz-$kver || ! -d $cache/lib/modules/$kver/kernel ]]; then
  log "fetching $pkg"
  rm -rf "$cache/boot" "$cache/lib" "$cache/usr" "$cache/debs"/linux-image-*.deb
  # apt-get download writes into the current directory; it warns that it runs unsandboxed when _apt cannot
  # write there, which is harmless.
  (cd "$cache/debs" && apt-get download "$pkg" 2>&1 | grep -v 'Download is performed unsandboxed' >&2 || true)
  deb=$(ls "$cache/debs"/"$pkg"_*.deb 2>/dev/null | head -n1)
  [[ -n $deb ]] || die "apt-get download $pkg produced no .deb"
  dpkg -x "$deb" "$cache"
  rm -f "$deb"
fi
[[ -f $cache/boot/vmlinuz-$kver ]] || die "no boot/vmlinuz-$kver in $pkg"
[[ -d $cache/lib/modules/$kver ]] || die "no lib/modules/$kver in $pkg"
printf '%s\n' "$pkg" > "$cache/package"
ln -sfn "boot/vmlinuz-$kver" "$cache/vmlinuz"
printf '%s\n' "$kver" > "$cache/version"

# --- module closure --------------------------------------------------------------------------------------------
moddir=$cache/lib/modules/$kver
# Loaded by /init before anything else, in this order (dependencies are inserted ahead of each):
#  - crc32c_generic before libcrc32c: libcrc32c only has a "softdep pre: crc32c" on the crypto provider, which
#    busybox modprobe does not resolve, and nf_conntrack, ip_vs and sctp all depend on libcrc32c.
#  - virtio_pci, 9pnet_virtio, 9p: needed to mount the host's root and the output directory.
#  - virtio_rng: entropy for getrandom() early on.
base_modules=(crc32c_generic libcrc32c virtio_pci virtio_rng 9pnet_virtio 9p)
# Bundled (with their dependencies) so that the guest can load them with modprobe, and the kernel's own
# request_module() (ipvsadm -s <sched> autoloads ip_vs_<sched>) finds them. A trailing ? marks a module that
# older kernels lack (ip_vs_twos appeared in 6.2).
bundle_modules=(
  veth dummy bridge macvlan ipip ip6_tunnel sit tun
  nf_conntrack nf_nat nf_defrag_ipv4 nf_defrag_ipv6
  ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_fo ip_vs_ovf ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh
  ip_vs_mh ip_vs_sed ip_vs_nq ip_vs_twos? ip_vs_ftp ip_vs_pe_sip
  sctp
)
# shellcheck disable=SC2206
bundle_modules+=(${EXTRA_MODULES:-})

declare -A modpath=()      # module name (underscores) -> path relative to $moddir
while IFS= read -r -d '' f; do
  rel=${f#"$moddir"/}
  name=${rel##*/}; name=${name%%.ko*}; name=${name//-/_}
  modpath[$name]=$rel
done < <(find "$moddir/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' | tr '\n' '\0')

builtin_of() { grep -q "/${1}.ko\$" "$moddir/modules.builtin" 2>/dev/null || grep -q "/${1//_/-}.ko\$" "$moddir/modules.builtin" 2>/dev/null; }
decompress() { # path -> stdout
  case $1 in
    *.ko.xz) xz -dc "$1" ;; *.ko.zst) zstd -dcq "$1" ;; *.ko.gz) gzip -dc "$1" ;; *) cat "$1" ;;
  esac
}
declare -A deps_cache=()
deps_of() { # module name -> its "depends=" list, space-separated
  local n=$1
  if [[ -z ${deps_cache[$n]+x} ]]; then
    deps_cache[$n]=$(decompress "$moddir/${modpath[$n]}" | tr '\0' '\n' | grep -a -m1 '^depends=' | cut -d= -f2- | tr ',' ' ' | tr '-' '_' || true)
  fi
  printf '%s' "${deps_cache[$n]}"
}
declare -A seen=()
order=()                   # topological order: dependencies first
visit() {
  local n=${1//-/_} d optional=0
  [[ $n == *\? ]] && { optional=1; n=${n%\?}; }
  [[ -n ${seen[$n]+x} ]] && return 0
  seen[$n]=1
  if [[ -z ${modpath[$n]+x} ]]; then
    if builtin_of "$n" || (( optional )); then return 0; fi
    log "warning: module $n is neither in $pkg nor built in; skipped"
    return 0
  fi
  for d in $(deps_of "$n"); do visit "$d"; done
  order+=("$n")
}
for m in "${base_modules[@]}"; do visit "$m"; done
base_order=("${order[@]}")
for m in "${bundle_modules[@]}"; do visit "$m"; done

# --- initramfs -------------------------------------------------------------------------------------------------
stage=$cache/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,newroot,out,etc}
cp "$bb" "$stage/bin/busybox"
while IFS= read -r applet; do
  [[ $applet == bin/busybox ]] && continue
  [[ -e $stage/$applet ]] || ln -s /bin/busybox "$stage/$applet"
done < <("$bb" --list-full)
# The kernel opens /dev/console for /init's stdio before /init can mount devtmpfs.
mknod -m 600 "$stage/dev/console" c 5 1
mknod -m 666 "$stage/dev/null" c 1 3

kmods=$stage/lib/modules/$kver
mkdir -p "$kmods"
for n in "${order[@]}"; do
  rel=${modpath[$n]}
  out=$kmods/${rel%.ko*}.ko
  mkdir -p "$(dirname "$out")"
  decompress "$moddir/$rel" > "$out"
done
# The test-only lvsinject scheduler (test/kernel/inject), built against this kernel's headers.
inject=$("$here/build-inject.sh" "$kver" "$cache/inject") || die "building test/kernel/inject failed"
mkdir -p "$kmods/extra"
cp "$inject" "$kmods/extra/"
cp "$moddir/modules.builtin" "$moddir/modules.order" "$kmods/" 2>/dev/null || true
"$bb" depmod -b "$stage" "$kver"
: > "$stage/etc/modules-base"
for n in "${base_order[@]}"; do
  rel=${modpath[$n]}; printf '%s\n' "${rel%.ko*}.ko" >> "$stage/etc/modules-base"
done
printf '%s\n' "$kver" > "$stage/etc/kernel-version"
install -m 755 "$here/init.sh" "$stage/init"

tmp=$cache/initramfs.cpio.gz.tmp
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | "$bb" cpio -o -H newc 2>/dev/null) | gzip -1 > "$tmp"
mv "$tmp" "$cache/initramfs.cpio.gz"
log "kernel $kver: $(du -h "$cache/initramfs.cpio.gz" | cut -f1) initramfs with ${#order[@]} modules"
printf '%s\n' "$kver"
