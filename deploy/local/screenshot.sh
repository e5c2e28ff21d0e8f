#!/usr/bin/env bash
# A picture of the dashboard page as a person sees it: headless Debian Chromium loads projections-api's
# page with an auditor token and the demo month in the URL fragment, and writes docs/demo/dashboard.png.
# Usage: screenshot.sh [out.png]   (SCREENSHOT_UNIT, SCREENSHOT_PERIOD, SCREENSHOT_URL override the defaults)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

OUT="${1:-docs/demo/dashboard.png}"
API="${SCREENSHOT_URL:-http://127.0.0.1:8070}"
UNIT="${SCREENSHOT_UNIT:-H44}"
PERIOD="${SCREENSHOT_PERIOD:-$(cat "$RUN_DIR/demo.done" 2>/dev/null || "$PY" -m services.demo --print-month)}"

# Chromium is only for this picture, so it is installed here (as root, from Debian) and not by `make install`.
BROWSER="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$BROWSER" ]]; then
  [[ "$(id -u)" == 0 ]] || { log "chromium is missing; install Debian's chromium package (as root)"; exit 1; }
  log "installing Debian's chromium (once)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || {
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }
  BROWSER="$(command -v chromium)"
fi

TOKEN="$("$VENV/bin/motcua" token issue --role auditor --sub kiemtoan.screenshot --ttl 1h)"

# Wait on the condition, not a fixed time: the index of the province has scored data for the period.
deadline=$((SECONDS + ${SCREENSHOT_TIMEOUT:-300}))
until curl -fs -H "Authorization: Bearer $TOKEN" "$API/index/tree?unit=$UNIT&period=$PERIOD" \
      | "$PY" -c 'import json,sys; from services.demo.index import index_has_data; sys.exit(0 if index_has_data(json.load(sys.stdin)) else 1)'; do
  (( SECONDS < deadline )) || { log "no index for $UNIT $PERIOD at $API; run make run first"; exit 1; }
  sleep 2
done

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$OUT")"
# --virtual-time-budget lets the page's fetches and scripts finish before the picture is taken; the
# background-networking flags keep Chromium from calling out of this closed machine.
"$BROWSER" --headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$profile" --window-size="${SCREENSHOT_SIZE:-1400,2500}" --virtual-time-budget=30000 \
  --screenshot="$REPO_ROOT/$OUT" "$API/#unit=$UNIT&period=$PERIOD&token=$TOKEN" 2>>"$LOG_DIR/screenshot.log"
[[ -s "$OUT" ]] || { log "chromium wrote no picture; see $LOG_DIR/screenshot.log"; exit 1; }
log "dashboard of $UNIT for $PERIOD: $OUT"
