#!/usr/bin/env bash
# Installs Debian's monitoring tools that test/monitoring/*.test.ts drive (each tool has its own install-*.sh here).
# Idempotent; run as root on Debian 12. Called by `npm run test:monitoring`.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
shopt -s nullglob
for script in install-*.sh; do
  echo "== test/monitoring/$script"
  bash "$script"
done
