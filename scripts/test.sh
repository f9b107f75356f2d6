#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, builds, runs unit and end-to-end tests.
#   npm test                 (this script)
#   npm test -- --no-install skip scripts/install-deps.sh (when you know everything is there)
# The real-kernel tests are separate: npm run test:kernel.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

install=1
for arg in "$@"; do
  case "$arg" in
    --no-install) install=0 ;;
    *) echo "test.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

if [[ "$install" -eq 1 ]]; then
  bash scripts/install-deps.sh
fi
[[ -d node_modules ]] || npm ci --no-audit --no-fund

echo "== typecheck and build"
npx tsc -p tsconfig.json
bash scripts/build-native.sh

echo "== unit tests"
npx vitest run --config test/vitest.config.ts test/unit

echo "== end-to-end tests (private snmpd, real Net-SNMP tools)"
# One file at a time: each starts its own snmpd, and the restart test measures time on a 2-core machine.
npx vitest run --config test/vitest.config.ts --no-file-parallelism test/e2e
