#!/usr/bin/env bash
# What `make test` needs on this machine: PostgreSQL (a role `taobao` that may create
# databases), Redis and Chromium. Each step is a no-op when the thing is already there; run as
# root (a fresh Debian 12 machine, CI) it installs and starts what is missing. Run as another
# user it says in one line what is missing and fails: install it, or point DATABASE_URL /
# REDIS_URL at your own servers.
#
# The paths below can be overridden from the environment; tests/test_services_script.py runs
# this script with stub commands on a PATH of its own and checks what it decides.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PG_ETC_DIR=${PG_ETC_DIR:-/etc/postgresql}
PG_LIB_DIR=${PG_LIB_DIR:-/usr/lib/postgresql}
REDIS_DATA_DIR=${REDIS_DATA_DIR:-/var/lib/redis}
REDIS_LOG_DIR=${REDIS_LOG_DIR:-/var/log/redis}

log() { printf '[test-services] %s\n' "$*"; }

# "host port" of a URL such as postgres://user:pw@host:5432/db (the default port if none).
host_port() {
  local rest=${1#*://}
  rest=${rest##*@}
  rest=${rest%%/*}
  local host=${rest%%:*} port=${rest##*:}
  [ "$port" = "$rest" ] && port=$2
  printf '%s %s' "${host:-127.0.0.1}" "$port"
}

if [ "$(id -u)" != 0 ]; then
  # Not root: nothing can be installed; check the servers the tests will use (make passes
  # DATABASE_URL / REDIS_URL), and say in one line what is missing.
  read -r pg_host pg_port <<< "$(host_port "${DATABASE_URL:-postgres://127.0.0.1:5432/}" 5432)"
  read -r redis_host redis_port <<< "$(host_port "${REDIS_URL:-redis://127.0.0.1:6379/}" 6379)"
  missing=()
  pg_isready -h "$pg_host" -p "$pg_port" -q >/dev/null 2>&1 \
    || missing+=("postgresql (or set DATABASE_URL)")
  redis-cli -h "$redis_host" -p "$redis_port" ping >/dev/null 2>&1 \
    || missing+=("redis-server (or set REDIS_URL)")
  [ -x "$CHROMIUM" ] || missing+=("chromium")
  if [ ${#missing[@]} -gt 0 ]; then
    joined=$(printf '%s, ' "${missing[@]}")
    log "not root, so nothing installed; make test needs: ${joined%, } (as root: make services)"
    exit 1
  fi
  exit 0
fi

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- PostgreSQL ------------------------------------------------------------------------------
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing PostgreSQL"
  apt_install postgresql postgresql-contrib
fi
PG_VERSION=$({ ls "$PG_ETC_DIR" 2>/dev/null || true; } | sort -n | tail -1)
if [ -z "$PG_VERSION" ]; then
  log "creating a PostgreSQL cluster"
  PG_VERSION=$(ls "$PG_LIB_DIR" | sort -n | tail -1)
  pg_createcluster "$PG_VERSION" main
fi
# Tests need no crash safety: these make them much faster (reloaded without a restart).
conf_dir="$PG_ETC_DIR/$PG_VERSION/main/conf.d"
mkdir -p "$conf_dir"
cat > "$conf_dir/90-taobao-village-tests.conf" <<'CONF'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  log "starting PostgreSQL $PG_VERSION"
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
fi
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main reload >/dev/null 2>&1 || true
as_postgres() { su postgres -c "psql -v ON_ERROR_STOP=1 -qAt $*"; }
if [ "$(as_postgres "-c \"SELECT 1 FROM pg_roles WHERE rolname = 'taobao'\"")" != "1" ]; then
  log "creating the test role taobao"
  as_postgres "-c \"CREATE ROLE taobao LOGIN CREATEDB PASSWORD 'taobao'\""
fi
if [ "$(as_postgres "-c \"SELECT 1 FROM pg_database WHERE datname = 'taobao_village'\"")" != "1" ]; then
  as_postgres "-c \"CREATE DATABASE taobao_village OWNER taobao\""
fi
# max_connections needs a restart to change; do it only when the server still has fewer.
if [ "$(as_postgres "-c 'SHOW max_connections'")" -lt 200 ]; then
  log "restarting PostgreSQL for max_connections"
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main restart
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

# --- Redis -----------------------------------------------------------------------------------
if ! command -v redis-server >/dev/null 2>&1; then
  log "installing Redis"
  apt_install redis-server redis-tools
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  mkdir -p "$REDIS_DATA_DIR" "$REDIS_LOG_DIR"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$REDIS_DATA_DIR" --logfile "$REDIS_LOG_DIR/tests.log"
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi

# --- Chromium for the browser tests ----------------------------------------------------------
if ! [ -x "$CHROMIUM" ]; then
  log "installing Chromium"
  apt_install chromium fonts-dejavu-core
fi
