#!/usr/bin/env bash
# Start, stop and list the project's deployables (services/deployables.py is the one list of them).
# Usage: services.sh start|stop|status
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

# Externally given servers win; otherwise the local ones started by kafka.sh / postgres.sh.
export KAFKA_BOOTSTRAP_SERVERS="${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$KAFKA_PORT}"
export DATABASE_URL="${DATABASE_URL:-$(bash deploy/local/postgres.sh url "$PG_DB")}"
export SERVICE_ENVIRONMENT="${SERVICE_ENVIRONMENT:-local}"

deployables() { "$PY" -m services.deployables; }

start() {
  local name module port started=()
  while read -r name module port; do
    local pid_file="$RUN_DIR/$name.pid"
    if pid_alive "$pid_file"; then continue; fi
    # setsid: own session, so a terminal's Ctrl-C never orphans a pid file; `make down` stops it by pid.
    SERVICE_PORT="$port" setsid "$PY" -m "$module" >> "$LOG_DIR/$name.log" 2>&1 < /dev/null &
    echo $! > "$pid_file"
    started+=("$name:$port")
  done < <(deployables)
  local deadline=$((SECONDS + ${SERVICES_START_TIMEOUT:-60})) entry
  for entry in "${started[@]}"; do
    name="${entry%%:*}"; port="${entry##*:}"
    until curl -fs -o /dev/null "http://127.0.0.1:$port/health"; do
      if ! pid_alive "$RUN_DIR/$name.pid"; then log "$name exited; see $LOG_DIR/$name.log"; tail -20 "$LOG_DIR/$name.log" >&2; exit 1; fi
      (( SECONDS < deadline )) || { log "$name did not answer /health in time"; exit 1; }
      sleep 0.2
    done
  done
  status
}

stop() {
  local name module port
  while read -r name module port; do stop_pid "$name" "$RUN_DIR/$name.pid" 20; done < <(deployables)
}

status() {
  local name module port health ready
  printf '\n%-18s %-7s %-8s %-6s %s\n' DEPLOYABLE PID HEALTH READY URL
  while read -r name module port; do
    local pid="-"; pid_alive "$RUN_DIR/$name.pid" && pid="$(cat "$RUN_DIR/$name.pid")"
    health="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/health" || true)"
    ready="$(curl -s -o /dev/null -w '%{http_code}' --max-time 6 "http://127.0.0.1:$port/ready" || true)"
    printf '%-18s %-7s %-8s %-6s %s\n' "$name" "$pid" "$health" "$ready" "http://127.0.0.1:$port"
  done < <(deployables)
  printf '\nkafka      %s   postgresql %s\nlogs in %s; stop everything with: make down\n' \
    "$KAFKA_BOOTSTRAP_SERVERS" "${DATABASE_URL%%@*}@${DATABASE_URL#*@}" "$LOG_DIR" | sed 's#://[^:]*:[^@]*@#://***@#'
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
