#!/usr/bin/env bash
# Run pytest against the real servers: the local ones unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL are given.
# Tests use their own database (<db>_test) so a running demo's data is never touched.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"
export KAFKA_BOOTSTRAP_SERVERS="${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$KAFKA_PORT}"
export DATABASE_URL="${DATABASE_URL:-$(bash deploy/local/postgres.sh url "${PG_DB}_test")}"
if [[ "${CI:-}" == "true" ]]; then export REQUIRE_INTEGRATION=1; fi
set +e
"$PY" -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when it collected nothing: that is never a pass here.
if (( rc == 5 )); then log "pytest collected no test"; exit 1; fi
exit $rc
