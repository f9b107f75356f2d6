#!/usr/bin/env bash
# Build test/kernel/inject (the test-only "lvsinject" IPVS scheduler, see lvs_inject.c) against the headers of
# the guest's kernel, and print the path of the .ko. Called by prepare.sh, which puts it into the initramfs so
# that the guest can `modprobe lvs_inject conns=... inpkts=...`.
#
#   scripts/kernel/build-inject.sh KERNEL_VERSION OUT_DIR
#
# Debian's headers are fetched with apt-get download (linux-headers-KVER, its -common package and
# linux-kbuild-*) and extracted under OUT_DIR/headers; nothing is installed into the host's /usr/src. The build
# needs gcc-12 (the kernel's compiler, linux-compiler-gcc-12-x86) and make. Idempotent: the module is rebuilt
# only when its source is newer than the .ko.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
kver=${1:?usage: build-inject.sh KERNEL_VERSION OUT_DIR}
out=${2:?usage: build-inject.sh KERNEL_VERSION OUT_DIR}
src=$repo/test/kernel/inject

log() { printf 'build-inject: %s\n' "$*" >&2; }
die() { printf 'build-inject: error: %s\n' "$*" >&2; exit 1; }

ko=$out/build/lvs_inject.ko
if [[ -f $ko && $ko -nt $src/lvs_inject.c && $ko -nt $src/Kbuild ]]; then
  printf '%s\n' "$ko"
  exit 0
fi

for tool in make gcc-12; do command -v $tool > /dev/null || die "$tool is missing (scripts/install-deps.sh --kernel installs it)"; done

hdr=$out/headers
tree=$hdr/usr/src/linux-headers-$kver
if [[ ! -f $tree/Module.symvers ]]; then
  pkg=linux-headers-$kver
  # The -common and kbuild packages are whatever the versioned headers package depends on.
  header_deps() { apt-cache depends "$pkg" 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-(headers|kbuild)-/ { print $2 }'; }
  mapfile -t deps < <(header_deps)
  (( ${#deps[@]} )) || { apt-get update -qq >&2; mapfile -t deps < <(header_deps); }
  (( ${#deps[@]} )) || die "apt cannot resolve $pkg's dependencies: is $kver still in the archive? (prepare.sh --refresh moves to the current kernel)"
  log "fetching $pkg ${deps[*]}"
  rm -rf "$hdr"
  mkdir -p "$hdr/debs"
  # apt-get download writes into the current directory; it warns that it runs unsandboxed when _apt cannot
  # write there, which is harmless.
  (cd "$hdr/debs" && apt-get download "$pkg" "${deps[@]}" 2>&1 | grep -v 'Download is performed unsandboxed' >&2 || true)
  for deb in "$hdr"/debs/*.deb; do dpkg -x "$deb" "$hdr"; done
  rm -rf "$hdr/debs"
  [[ -f $tree/Module.symvers ]] || die "no $tree/Module.symvers after extracting $pkg"
  # The arch tree's Makefile includes the common tree by its absolute path under /usr/src.
  sed -i "s#^include /usr/src/#include $hdr/usr/src/#" "$tree/Makefile"
fi

log "building lvs_inject.ko for $kver"
rm -rf "$out/build"
mkdir -p "$out/build"
cp "$src/lvs_inject.c" "$src/Kbuild" "$out/build/"
make -s -C "$tree" M="$out/build" modules >&2 || die "module build failed"
[[ -f $ko ]] || die "make produced no $ko"
printf '%s\n' "$ko"
