#!/usr/bin/env bash
# Installs what test/monitoring/zabbix.test.ts drives: Debian 12's Zabbix 6.0 server (PostgreSQL build) and its PHP
# frontend, whose JSON-RPC API imports the template and adds the host. Idempotent; run as root on Debian 12.
#
# Nothing is started or enabled here: the test runs its own PostgreSQL cluster, zabbix_server and frontend (PHP's
# built-in web server) in a temporary directory and stops them afterwards, so no Apache, no system database and no
# zabbix-server service is needed. What the frontend needs is the minimal set from `apt-cache depends
# zabbix-frontend-php`: php (php-cli here), php-pgsql, php-bcmath, php-gd, php-mbstring, php-xml.
#
# The frontend reads its configuration from one fixed path, /etc/zabbix/zabbix.conf.php (Debian's build). When that
# file is absent this script writes one that takes the database from the environment of the PHP process
# (LVS_ZABBIX_DB_*), which is how the test points it at its private cluster. An existing file is left alone; the
# test then refuses to run rather than use someone's real Zabbix database.
set -Eeuo pipefail

die() { echo "install-zabbix.sh: $*" >&2; exit 1; }
[[ $EUID -eq 0 ]] || die "run as root (apt-get install)"

packages=(zabbix-server-pgsql zabbix-frontend-php postgresql php-cli php-pgsql php-bcmath php-gd php-mbstring php-xml)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-zabbix.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null || {
    apt-get update >/dev/null
    apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  }
fi

[[ -x /usr/sbin/zabbix_server ]] || die "/usr/sbin/zabbix_server missing after installing zabbix-server-pgsql"
ls /usr/share/zabbix-server-pgsql/schema.sql.gz >/dev/null || die "Debian's schema (/usr/share/zabbix-server-pgsql/schema.sql.gz) missing"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || die "initdb missing (package postgresql)"

conf=/etc/zabbix/zabbix.conf.php
marker='lvs-agentx test/monitoring/install-zabbix.sh'
if [[ ! -e "$conf" ]]; then
  install -d -m 0755 /etc/zabbix
  cat >"$conf" <<'PHP'
<?php
// Written by lvs-agentx test/monitoring/install-zabbix.sh: the Zabbix frontend's database, taken from the
// environment of the PHP process (the test's private PostgreSQL cluster). Replace this file for a real Zabbix.
$DB['TYPE']           = 'POSTGRESQL';
$DB['SERVER']         = getenv('LVS_ZABBIX_DB_HOST') ?: 'localhost';
$DB['PORT']           = getenv('LVS_ZABBIX_DB_PORT') ?: '0';
$DB['DATABASE']       = getenv('LVS_ZABBIX_DB_NAME') ?: 'zabbix';
$DB['USER']           = getenv('LVS_ZABBIX_DB_USER') ?: 'zabbix';
$DB['PASSWORD']       = '';
$DB['SCHEMA']         = '';
$DB['ENCRYPTION']     = false;
$DB['KEY_FILE']       = '';
$DB['CERT_FILE']      = '';
$DB['CA_FILE']        = '';
$DB['VERIFY_HOST']    = false;
$DB['CIPHER_LIST']    = '';
$DB['VAULT_URL']      = '';
$DB['VAULT_DB_PATH']  = '';
$DB['VAULT_TOKEN']    = '';
$DB['DOUBLE_IEEE754'] = true;
$ZBX_SERVER           = getenv('LVS_ZABBIX_SERVER') ?: 'localhost';
$ZBX_SERVER_PORT      = getenv('LVS_ZABBIX_SERVER_PORT') ?: '10051';
$ZBX_SERVER_NAME      = 'lvs-agentx test';
$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
PHP
  chmod 0644 "$conf"
  echo "install-zabbix.sh: wrote $conf"
elif ! grep -q "$marker" "$conf"; then
  echo "install-zabbix.sh: $conf exists and was not written here; left alone (the test will not run against it)" >&2
fi
echo "install-zabbix.sh: Zabbix $(/usr/sbin/zabbix_server -V | head -1 | grep -o '[0-9][0-9.]*' | head -1) ready"
