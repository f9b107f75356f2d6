#!/usr/bin/env bash
# Installs Debian's Cacti with its database, and starts the daemons it needs, for test/cacti/prove-cacti.sh.
# Idempotent: on a machine where all is installed and running it only checks (about a second).
#
#   bash test/cacti/install-cacti.sh     install what is missing; start MariaDB and Apache if they are stopped
#
# Debian 12 (bookworm), as root. What it installs: mariadb-server, cacti (with dbconfig-common creating the
# `cacti` database over MariaDB's unix socket as root, and Debian's postinst loading Cacti's default templates),
# rrdtool, snmp, cacti-spine (Cacti's C poller), and for the graph page and its screenshot apache2,
# libapache2-mod-php and chromium. Cacti's own cron job (/etc/cron.d/cacti) is left as Debian installs it; without
# a running cron daemon it never fires, and the test runs the poller itself.
#
# Without systemd (a container), package scripts cannot start daemons (policy-rc.d answers 101), so this script
# starts MariaDB and Apache with their SysV init scripts (`service NAME start`). On a systemd host it uses
# systemctl. It never stops or reconfigures a daemon that is already running.
set -Eeuo pipefail

log() { printf 'install-cacti: %s\n' "$*"; }
die() {
  printf 'install-cacti: error: %s\n' "$*" >&2
  exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

FRESH_INSTALL=0
PRISTINE_DIR=/var/lib/lvs-agentx-cacti-test
for arg in "$@"; do
  case "$arg" in
    -h | --help)
      sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *) die "unknown argument '$arg' (try --help)" ;;
  esac
done

[[ "$(id -u)" -eq 0 ]] || die "run as root: it installs Debian packages and starts MariaDB"
[[ -r /etc/debian_version ]] || die "Debian only (/etc/debian_version missing)"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found"

is_systemd_host() { [[ -d /run/systemd/system ]]; }
is_installed() { [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == "installed" ]]; }

APT_UPDATED=0
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do is_installed "$pkg" || missing+=("$pkg"); done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "present: $*"
    return 0
  fi
  if [[ "$APT_UPDATED" -eq 0 ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  for pkg in "${missing[@]}"; do is_installed "$pkg" || die "$pkg still not installed after apt-get install"; done
}

start_service() {
  local name="$1"
  if is_systemd_host; then
    systemctl start "$name"
  else
    service "$name" start
  fi
}

mariadb_up() { mariadb-admin --protocol=socket ping >/dev/null 2>&1; }
ensure_mariadb() {
  if mariadb_up; then
    log "MariaDB is running"
    return 0
  fi
  log "starting MariaDB"
  start_service mariadb >/dev/null
  local i
  for i in $(seq 1 60); do
    mariadb_up && break
    sleep 0.5
  done
  mariadb_up || die "MariaDB did not answer within 30 s (see /var/log/mysql/ or journalctl)"
  log "MariaDB is running"
}

apache_up() { curl -fsS -o /dev/null --max-time 5 http://127.0.0.1/cacti/index.php 2>/dev/null; }
ensure_apache() {
  if apache_up; then
    log "Apache serves /cacti/"
    return 0
  fi
  a2query -c cacti >/dev/null 2>&1 || a2enconf -q cacti
  if pgrep -x apache2 >/dev/null 2>&1; then
    log "reloading Apache (cacti.conf enabled)"
    apachectl -k graceful
  else
    log "starting Apache"
    start_service apache2 >/dev/null
  fi
  local i
  for i in $(seq 1 40); do
    apache_up && break
    sleep 0.5
  done
  apache_up || die "Apache does not serve http://127.0.0.1/cacti/ (see /var/log/apache2/error.log)"
  log "Apache serves /cacti/"
}

# 1. The database server first: dbconfig-common creates Cacti's database while the cacti package configures,
#    so MariaDB must be up by then.
apt_install mariadb-server mariadb-client curl
ensure_mariadb

# 2. Cacti. dbconfig-common's questions answered in advance: create the database now, through the unix socket as
#    MariaDB's root (unix_socket authentication, no admin password). The application password is left empty, so
#    dbconfig-common generates a random one; Debian's postinst makes it the password of Cacti's `admin` user too
#    (it is in /etc/cacti/debian.php, readable by root and www-data only).
if ! is_installed cacti; then
  debconf-set-selections <<EOF
cacti cacti/dbconfig-install boolean true
cacti cacti/database-type select mysql
cacti cacti/mysql/method select Unix socket
cacti cacti/mysql/admin-user string root
cacti cacti/mysql/admin-pass password
cacti cacti/mysql/app-pass password
cacti cacti/app-password-confirm password
cacti cacti/webserver select apache2
EOF
  # Apache before cacti, so that cacti's postinst finds it and enables /etc/apache2/conf-available/cacti.conf.
  apt_install apache2 libapache2-mod-php
  apt_install cacti rrdtool snmp php-snmp
  FRESH_INSTALL=1
fi
# cacti-spine: Cacti's C poller (Debian configures /etc/cacti/spine.conf from Cacti's database settings)
apt_install cacti rrdtool snmp php-snmp cacti-spine apache2 libapache2-mod-php chromium

# 3. Did dbconfig-common really create and fill the database? (In noninteractive mode it can give up quietly.)
[[ -r /etc/cacti/debian.php ]] || die "/etc/cacti/debian.php missing: the cacti package did not configure"
tables="$(mariadb -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='cacti'")"
[[ "$tables" -gt 50 ]] ||
  die "database 'cacti' has $tables tables: dbconfig-common did not install it (try: dpkg-reconfigure cacti)"
templates="$(mariadb -N -B cacti -e "SELECT COUNT(*) FROM graph_templates")"
[[ "$templates" -gt 0 ]] || die "Cacti has no graph templates: Debian's postinst did not import the defaults"
log "Cacti $(dpkg-query -W -f='${Version}' cacti): database 'cacti' with $tables tables, $templates graph templates"

# 4. The state Debian leaves Cacti in, saved once, right after this script installed it: test/cacti/cacti.test.ts
#    restores it before every run, so that each run imports the templates into a Cacti that has never seen them.
#    Only a Cacti this script installed gets the dump; the test refuses to reset any other.
if [[ "$FRESH_INSTALL" -eq 1 ]]; then
  mkdir -p "$PRISTINE_DIR"
  chmod 0700 "$PRISTINE_DIR"
  mariadb-dump --single-transaction --add-drop-table cacti >"$PRISTINE_DIR/cacti.sql.tmp"
  mv "$PRISTINE_DIR/cacti.sql.tmp" "$PRISTINE_DIR/cacti.sql"
  log "saved the freshly installed Cacti database to $PRISTINE_DIR/cacti.sql"
elif [[ ! -s "$PRISTINE_DIR/cacti.sql" ]]; then
  log "note: Cacti was installed before this script, so there is no pristine copy of its database"
  log "      ($PRISTINE_DIR/cacti.sql) and test/cacti will refuse to reset it. To let the test own Cacti:"
  log "      echo 'cacti cacti/purge boolean true' | debconf-set-selections; apt-get purge -y cacti; $0"
fi

ensure_apache
log "ready"
