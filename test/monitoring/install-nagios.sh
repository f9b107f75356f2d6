#!/usr/bin/env bash
# Installs Debian's Nagios 4 core for test/monitoring/nagios.test.ts: /usr/sbin/nagios4 and the nagios user, without
# Apache or the CGIs (nagios4-core pulls nagios4-common and monitoring-plugins-basic, nothing web). Idempotent; run
# as root on Debian 12. The packaged nagios4 service is not used: the test runs its own nagios4 with its own config.
set -Eeuo pipefail
if [ -x /usr/sbin/nagios4 ] && id nagios >/dev/null 2>&1; then
  echo "nagios4 present: $(/usr/sbin/nagios4 --version | grep -m1 -o 'Nagios Core [0-9.]*')"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Other install scripts may hold the dpkg lock: wait for it instead of failing.
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends nagios4-core
# Debian's postinst may start the packaged service where an init system runs; the test does not want it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nagios4 2>/dev/null; then systemctl stop nagios4 || true; fi
/usr/sbin/nagios4 --version | grep -m1 -o 'Nagios Core [0-9.]*'
