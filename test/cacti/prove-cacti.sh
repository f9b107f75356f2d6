#!/usr/bin/env bash
# The Cacti proof, from a fresh Debian 12 machine (as root): installs what it needs, builds, and runs
# test/cacti/cacti.test.ts against the real Cacti.
#
#   bash test/cacti/prove-cacti.sh          (suggested as `npm run test:cacti`)
#
# First run: ~70 s of apt-get (Cacti, MariaDB, Apache, PHP, RRDtool, spine, Chromium: test/cacti/install-cacti.sh).
# Every run: ~3 minutes, mostly waiting for RRD steps to fill (little CPU). Screenshots land in test/cacti/out/.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash scripts/install-deps.sh
bash test/cacti/install-cacti.sh
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npx tsc -p tsconfig.json
npx vitest run --config test/vitest.config.ts test/cacti
