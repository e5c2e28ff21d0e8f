#!/usr/bin/env bash
# A private PostgreSQL cluster on 127.0.0.1 (default port 5433, so a system server on 5432 never clashes).
# Usage: postgres.sh install|start|stop|status|url [dbname]
# When DATABASE_URL is set the caller uses that server instead and this script is not needed.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DATA="$PG_DIR/data"
PID_FILE="$RUN_DIR/postgres.pid"
PG_DATABASES=("$PG_DB" "${PG_DB}_test")

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/initdb" && -x "$d/postgres" ]] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null && [[ -x "$(dirname "$(readlink -f "$(command -v initdb)")")/postgres" ]] \
    && { dirname "$(readlink -f "$(command -v initdb)")"; return 0; }
  return 1
}

install() {
  if find_bindir >/dev/null; then log "postgresql server binaries found in $(find_bindir)"; return 0; fi
  [[ "$(id -u)" == 0 ]] || { log "postgresql is not installed and we are not root: apt-get install postgresql"; exit 1; }
  log "installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql postgresql-contrib >/dev/null
  # The package starts a system cluster on 5432; we leave it alone and never use it.
  find_bindir >/dev/null || { log "postgresql install did not provide server binaries"; exit 1; }
}

# PostgreSQL refuses to run as root, so as root the cluster belongs to the 'postgres' system user.
as_owner() {
  # From / because the caller's directory may be out of the postgres user's reach.
  if [[ "$(id -u)" == 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

init_cluster() {
  local bin="$1"
  [[ -f "$DATA/PG_VERSION" ]] && return 0
  mkdir -p "$PG_DIR"
  if [[ "$(id -u)" == 0 ]]; then
    chown postgres: "$PG_DIR"
    as_owner test -x "$PG_DIR" || { log "user postgres cannot reach $PG_DIR; set MOTCUA_LOCAL_DIR to a path it can"; exit 1; }
  fi
  log "creating a private cluster in $DATA"
  local pwfile; pwfile="$(mktemp)"; echo "$PG_PASSWORD" > "$pwfile"; chmod 644 "$pwfile"
  as_owner "$bin/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 --pwfile="$pwfile" >> "$LOG_DIR/postgres-initdb.log" 2>&1
  rm -f "$pwfile"
  cat >> "$DATA/postgresql.conf" <<CONF
# motcua local cluster
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 500  # e2e stacks run a dozen processes, each with its own pools
shared_buffers = 256MB
wal_level = logical
timezone = 'UTC'
log_timezone = 'UTC'
CONF
}

start() {
  install
  local bin; bin="$(find_bindir)"
  init_cluster "$bin"
  if ! as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    log "starting postgresql on 127.0.0.1:$PG_PORT (log: $PG_DIR/server.log)"
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null
  fi
  head -1 "$DATA/postmaster.pid" > "$PID_FILE"
  local deadline=$((SECONDS + 60))
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do
    (( SECONDS < deadline )) || { log "postgresql not accepting connections"; tail -20 "$PG_DIR/server.log" >&2; exit 1; }
    sleep 0.2
  done
  provision "$bin"
  log "postgresql ready: $(url "$PG_DB")"
}

provision() {
  local bin="$1" db
  local psql=("$bin/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt)
  as_owner "${psql[@]}" -d postgres >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE "$PG_USER" LOGIN PASSWORD '$PG_PASSWORD';
  END IF;
END \$\$;
SQL
  for db in "${PG_DATABASES[@]}"; do
    if [[ -z "$(as_owner "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
      as_owner "${psql[@]}" -d postgres -c "CREATE DATABASE \"$db\" OWNER \"$PG_USER\""
    fi
  done
}

stop() {
  local bin
  if bin="$(find_bindir)" && [[ -f "$DATA/postmaster.pid" ]]; then
    log "stopping postgresql (pid $(head -1 "$DATA/postmaster.pid"))"
    as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null || true
  fi
  rm -f "$PID_FILE"
}

destroy() {
  stop
  [[ -d "$PG_DIR" ]] && { log "removing the cluster in $PG_DIR"; rm -rf "$PG_DIR"; }
  return 0
}

url() { echo "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/${1:-$PG_DB}"; }

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if pid_alive "$PID_FILE"; then echo "postgresql running (pid $(cat "$PID_FILE"))"; else echo "postgresql stopped"; exit 1; fi ;;
  url) url "${2:-}" ;;
  destroy) destroy ;;
  *) echo "usage: $0 install|start|stop|status|url [db]|destroy" >&2; exit 2 ;;
esac
