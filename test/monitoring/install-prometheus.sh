#!/usr/bin/env bash
# Debian 12's Prometheus (2.42, with promtool) for test/monitoring/prometheus.test.ts, which starts its own
# prometheus on a private port and data directory; the system service the package enables is not used.
# Idempotent; run as root.
set -Eeuo pipefail
if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
  echo "prometheus: $(prometheus --version 2>&1 | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends prometheus || { apt-get update && apt-get install -y --no-install-recommends prometheus; }
# A container without systemd has no running unit; where the package's postinst did start one, it is left alone.
prometheus --version 2>&1 | head -1
promtool --version 2>&1 | head -1
