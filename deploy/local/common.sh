# Shared settings for the local (no-Docker) infrastructure scripts. Sourced, not executed.
# Every value can be overridden from the environment, so two checkouts can run side by side.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL_DIR="${MOTCUA_LOCAL_DIR:-$REPO_ROOT/.local}"
RUN_DIR="$LOCAL_DIR/run"          # pid files of every process the project started
LOG_DIR="$LOCAL_DIR/logs"
VENV="${MOTCUA_VENV:-$REPO_ROOT/.venv}"
PY="$VENV/bin/python"

KAFKA_VERSION="${KAFKA_VERSION:-4.0.2}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
# The jar cache lives outside the work tree by default so `make clean` and fresh clones reuse it.
KAFKA_CACHE_DIR="${KAFKA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/motcua/kafka-$KAFKA_VERSION}"
KAFKA_DIR="$LOCAL_DIR/kafka"

PG_PORT="${PG_PORT:-5433}"
PG_DIR="${MOTCUA_PG_DIR:-$LOCAL_DIR/pg}"
PG_DB="${PG_DB:-motcua}"
PG_USER="${PG_USER:-motcua}"
PG_PASSWORD="${PG_PASSWORD:-motcua-local-dev}"

mkdir -p "$RUN_DIR" "$LOG_DIR"

# As root the cluster belongs to the 'postgres' user, which must be able to reach its data directory.
# A clone inside a private directory (mktemp -d is mode 700) is out of its reach: then the cluster lives
# in a directory of its own under /var/tmp, named after this checkout so two checkouts never share one.
if [[ -z "${MOTCUA_PG_DIR:-}" && "$(id -u)" == 0 ]] && id postgres >/dev/null 2>&1 \
   && ! runuser -u postgres -- test -x "$LOCAL_DIR" 2>/dev/null; then
  PG_DIR="/var/tmp/motcua-pg-$(printf '%s' "$LOCAL_DIR" | md5sum | cut -c1-10)"
fi

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# pid_alive FILE -> 0 when the pid in FILE is a running process
pid_alive() {
  [[ -f "$1" ]] || return 1
  local pid; pid="$(cat "$1" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  # A killed child whose parent has not reaped it yet is a zombie: it answers kill -0 but is gone.
  local state; state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo X)"
  [[ "$state" != Z && "$state" != X ]]
}

# stop_pid NAME FILE [TIMEOUT_S]: SIGTERM the recorded pid, wait, SIGKILL if it will not go.
stop_pid() {
  local name="$1" file="$2" timeout="${3:-30}"
  if ! pid_alive "$file"; then rm -f "$file"; return 0; fi
  local pid; pid="$(cat "$file")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      log "$name did not stop in ${timeout}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$file"
}
