#!/usr/bin/env bash
# Builds the optional native addon build/netlink-batch.node from src/ipvs/netlink/batch.c and the decoders it runs on
# its worker thread (service-records.c, dest-records.c, nl-scan.c; see batch.ts for what it does and why). Plain C against Node-API headers (the node-api-headers dev dependency): no node-gyp, no Python, and
# the same file loads on every Node.js from 18.19 on (Node-API 8).
#
#   scripts/build-native.sh                  build for this machine with cc (or $CC)
#   CC=aarch64-linux-gnu-gcc scripts/build-native.sh --out DIR    cross-build (packaging/build-deb.sh does this)
#   scripts/build-native.sh --optional       no C compiler: say so and exit 0 (the agent then reads through the
#                                            `netlink` package alone, about half as fast on large tables)
set -Eeuo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$REPO_ROOT/build"
optional=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --optional) optional=1; shift ;;
    *) echo "build-native: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

cc=${CC:-}
if [[ -z "$cc" ]]; then
  for c in cc gcc gcc-12 gcc-13 gcc-14 clang; do
    if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
  done
fi
if [[ -z "$cc" ]] || ! command -v "$cc" >/dev/null 2>&1; then
  msg="no C compiler (cc, gcc or \$CC) to build build/netlink-batch.node; install gcc (scripts/install-deps.sh does)"
  if [[ "$optional" -eq 1 ]]; then
    echo "build-native: $msg; reads go through the netlink package only" >&2
    exit 0
  fi
  echo "build-native: error: $msg" >&2
  exit 1
fi
headers="$REPO_ROOT/node_modules/node-api-headers/include"
[[ -r "$headers/node_api.h" ]] || { echo "build-native: error: $headers/node_api.h missing: run npm ci" >&2; exit 1; }

mkdir -p "$out"
tmp="$out/.netlink-batch.node.$$"
"$cc" -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden \
  -I"$headers" -o "$tmp" "$REPO_ROOT/src/ipvs/netlink/batch.c" "$REPO_ROOT/src/ipvs/netlink/dest-records.c" \
  "$REPO_ROOT/src/ipvs/netlink/service-records.c" "$REPO_ROOT/src/ipvs/netlink/nl-scan.c"
mv -f "$tmp" "$out/netlink-batch.node"
echo "build-native: $out/netlink-batch.node ($("$cc" -dumpmachine))"
