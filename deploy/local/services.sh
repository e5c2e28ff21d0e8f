#!/usr/bin/env bash
# Start, stop and list the project's deployables (services/deployables.py is the one list of them), and
# play the demo month through them (docs/adr/0390).
# Usage: services.sh start|stop|status|demo
#   DEMO=1 start: the clock-bearing deployables start on a frozen simulated clock at the demo month's first
#   office hour (unless the demo already ran on this database: then every clock is the system clock).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

# Externally given servers win; otherwise the local ones started by kafka.sh / postgres.sh.
export KAFKA_BOOTSTRAP_SERVERS="${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$KAFKA_PORT}"
export DATABASE_URL="${DATABASE_URL:-$(bash deploy/local/postgres.sh url "$PG_DB")}"
export SERVICE_ENVIRONMENT="${SERVICE_ENVIRONMENT:-local}"

deployables() { "$PY" -m services.deployables; }

DEMO_DONE="$RUN_DIR/demo.done"   # the month the demo played on this database (kept by `make down`)
DEMO_PID="$RUN_DIR/demo.pid"
DEMO_ARGS=(--dossiers "${DEMO_DOSSIERS:-300}" --seed "${DEMO_SEED:-766}")
[[ -n "${DEMO_MONTH:-}" ]] && DEMO_ARGS+=(--month "$DEMO_MONTH")

demo_wanted() { [[ "${DEMO:-0}" != 0 && ! -f "$DEMO_DONE" ]]; }

start() {
  local name module port started=() clocked="" clock_start=""
  if demo_wanted; then
    clocked=" $("$PY" -m services.demo --print-clocked) "
    clock_start="$("$PY" -m services.demo "${DEMO_ARGS[@]}" --print-start)"
    log "demo: clock-bearing deployables start on a frozen simulated clock at $clock_start"
  fi
  while read -r name module port; do
    local pid_file="$RUN_DIR/$name.pid"
    if pid_alive "$pid_file"; then continue; fi
    local clock_env=()
    if [[ "$clocked" == *" $name "* ]]; then
      clock_env=(SERVICE_CLOCK=simulated SERVICE_CLOCK_START="$clock_start" SERVICE_CLOCK_RATE=0)
    fi
    # setsid: own session, so a terminal's Ctrl-C never orphans a pid file; `make down` stops it by pid.
    env "${clock_env[@]}" SERVICE_PORT="$port" setsid "$PY" -m "$module" >> "$LOG_DIR/$name.log" 2>&1 < /dev/null &
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
  stop_pid demo "$DEMO_PID" 10
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

# The driver runs as a process of its own (pid file, so `make down` stops it if it is interrupted) and in
# the foreground of `make run`: it plays the month in a few minutes and then waits for the index.
demo() {
  if ! demo_wanted; then
    if [[ -f "$DEMO_DONE" ]]; then
      log "demo: month $(cat "$DEMO_DONE") already played on this database (rm $DEMO_DONE to play again)"
    fi
  else
    local started=$SECONDS rc=0
    log "demo: playing a month of traffic (log: $LOG_DIR/demo.log)"
    "$PY" -m services.demo "${DEMO_ARGS[@]}" --wait-index "${DEMO_INDEX_TIMEOUT:-600}" \
      > >(tee -a "$LOG_DIR/demo.log") 2>&1 < /dev/null &
    echo $! > "$DEMO_PID"
    wait "$(cat "$DEMO_PID")" || rc=$?
    rm -f "$DEMO_PID"
    if (( rc != 0 )); then log "demo failed (exit $rc); see $LOG_DIR/demo.log"; exit "$rc"; fi
    "$PY" -m services.demo "${DEMO_ARGS[@]}" --print-month > "$DEMO_DONE"
    log "demo: from the start of the driver to a non-empty index: $((SECONDS - started))s"
  fi
  if [[ -f "$DEMO_DONE" ]]; then try_it "$(cat "$DEMO_DONE")"; fi
}

# The dashboard URL and a few auditor queries, with a token from `motcua token`.
try_it() {
  local month="$1" token api="http://127.0.0.1:8070"
  token="$("$VENV/bin/motcua" token issue --role auditor --sub kiemtoan.demo --ttl 2d)"
  cat <<EOF

Bảng điều khiển / dashboard (the token rides in the URL fragment, which never reaches the server):
  $api/#unit=H44&period=$month&token=$token

Auditor queries to try:
  TOKEN=\$(.venv/bin/motcua token issue --role auditor --sub kiemtoan.demo)
  # the province's 766 index for the month, with each of its units
  curl -s -H "Authorization: Bearer \$TOKEN" '$api/index/tree?unit=H44&period=$month' | head -c 1500
  # the dossiers behind indicator 2.1 (handled early or on time), each with its reason
  curl -s -H "Authorization: Bearer \$TOKEN" '$api/index/indicators/DOSSIER_ON_TIME/dossiers?unit=H44&period=$month&member=numerator' | head -c 1500
  # one dossier's timeline (a subject_id from the answer above)
  curl -s -H "Authorization: Bearer \$TOKEN" '$api/dossiers/<subject_id>/timeline'
  # the index as it was known on the 15th at 17:00 (as_of)
  curl -s -H "Authorization: Bearer \$TOKEN" '$api/index?unit=H44&period=$month&as_of=$month-15T17:00:00%2B07:00' | head -c 800
  # the indicator table as CSV
  curl -s -H "Authorization: Bearer \$TOKEN" '$api/index?unit=H44&period=$month&format=csv'
EOF
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  demo) demo ;;
  *) echo "usage: $0 start|stop|status|demo" >&2; exit 2 ;;
esac
