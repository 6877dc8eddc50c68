#!/usr/bin/env bash
# The review queue under load (issue 14): seeds BENCH_ITEMS pending review items of every kind
# (a quarter held by the measured admin, a quarter by other reviewers, many overdue), starts the
# release server on 127.0.0.1, signs the admin in (enrolling its second factor over HTTP, as at
# a first log-in), and drives with wrk: `GET /api/v1/review/items` with each filter and the
# console's queue page, between two `/healthz` runs in the same process. Prints a markdown table
# with each endpoint's share of /healthz's rate and its p99.
#
#   bash bench/queue.sh
#
# Knobs: BENCH_ITEMS (10000), BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_DURATION (10s),
# BENCH_SKIP_BUILD=1, BENCH_KEEP=1, BENCH_POSTGRES=postgres://user@host:port/db (a fresh
# database on that server, dropped afterwards), BENCH_OUT=FILE. Every step runs under `timeout`.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
ITEMS=${BENCH_ITEMS:-10000}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-10s}
WRK_TIMEOUT=$(( ${DURATION%s} + 30 ))
log() { printf '[queue] %s\n' "$*" >&2; }

command -v wrk >/dev/null || { log "wrk is needed (apt-get install wrk)"; exit 1; }
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    log "building (release)"
    timeout 3600 cargo build --release --bin berth --example seed_queue >&2
fi
BERTH=$ROOT/target/release/berth
SEED=$ROOT/target/release/examples/seed_queue
[ -x "$BERTH" ] && [ -x "$SEED" ] || { log "missing $BERTH or $SEED"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/berth-queue.XXXXXX")
DATA=$WORK/data
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PG_ADMIN=${BENCH_POSTGRES:-}
PG_DB=
if [ -n "$PG_ADMIN" ]; then
    PG_DB=berth_queue_$(date +%s)_$$
    psql "$PG_ADMIN" -qAt -c "CREATE DATABASE $PG_DB" >/dev/null
    export BERTH_DATABASE_URL="${PG_ADMIN%/*}/$PG_DB"
    drop_pg() { psql "$PG_ADMIN" -qAt -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; }
    trap 'cleanup; drop_pg' EXIT
fi

log "seeding $ITEMS pending review items into ${PG_DB:-$DATA}"
BERTH_LOG=warn timeout 900 "$SEED" --data-dir "$DATA" --items "$ITEMS" >"$WORK/seed.out" 2>"$WORK/seed.log" \
    || { cat "$WORK/seed.log" >&2; exit 1; }
seeded() { sed -n "s/^$1=//p" "$WORK/seed.out" | tail -n 1; }
EMAIL=$(seeded email); PASSWORD=$(seeded password); MINE=$(seeded mine)

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
"$BERTH" --data-dir "$DATA" serve --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    [ "$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/readyz" 2>/dev/null)" = 200 ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { log "server exited"; cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.1
done

# Sign in and enrol the second factor (a TOTP code computed here, RFC 6238 with SHA-1).
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
TOKEN=$(curl -fsS -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/sessions" | json '["token"]')
AUTH="Authorization: Bearer $TOKEN"
SECRET=$(curl -fsS -X POST -H "$AUTH" -H 'Content-Type: application/json' -d '{}' \
    "$BASE/api/v1/me/second-factor" | json '["secret"]')
CODE=$(python3 - "$SECRET" <<'PY'
import base64, hmac, hashlib, struct, sys, time
s = sys.argv[1]; key = base64.b32decode(s + "=" * (-len(s) % 8))
h = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
)
curl -fsS -o /dev/null -X POST -H "$AUTH" -H 'Content-Type: application/json' -d "{\"code\":\"$CODE\"}" \
    "$BASE/api/v1/me/second-factor/confirm"
COOKIE="Cookie: berth_session=$TOKEN"

# Preconditions: each measured address answers 200 with what it should.
check() {  # check PATH HEADER PATTERN
    local status
    status=$(curl -sS -o "$WORK/check.body" -w '%{http_code}' -H "$2" -H 'Accept-Language: en' "$BASE$1")
    [ "$status" = 200 ] || { log "$1 answered $status: $(head -c 300 "$WORK/check.body")"; exit 1; }
    grep -qF -- "$3" "$WORK/check.body" || { log "$1 lacks $3"; exit 1; }
}
API=/api/v1/review/items
check "$API?status=pending" "$AUTH" '"claimed_by":'
check "$API?view=mine" "$AUTH" '"claimed_by":"admin@bench.example.com"'
check "$API?view=unclaimed" "$AUTH" '"claimed_by":null'
check "$API?view=overdue" "$AUTH" '"overdue":true'
check "$API?kind=product&status=pending" "$AUTH" '"kind":"product"'
check "/console" "$COOKIE" 'data-view="mine"'
check "/console?view=overdue" "$COOKIE" 'class="overdue"'
OVERDUE=$(curl -fsS "$BASE/metrics" | awk '/^berth_review_overdue/ { s += $2 } END { print s }')
log "seeded: $ITEMS pending, $MINE held by the admin, $OVERDUE overdue (from /metrics)"

RESULTS=$WORK/results.tsv
: >"$RESULTS"
LUA=$ROOT/bench/report.lua
run() {  # run NAME HEADER URL
    log "wrk -t$THREADS -c$CONNS -d$DURATION  $1"
    local out line
    out=$(timeout "$WRK_TIMEOUT" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$LUA" -H "$2" "$3")
    line=$(echo "$out" | grep '^BENCH ' | tail -n 1)
    [ -n "$line" ] || { log "no BENCH line for $1"; echo "$out" >&2; exit 1; }
    local -A kv
    for f in ${line#BENCH }; do kv[${f%%=*}]=${f#*=}; done
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$(echo "scale=1; ${kv[requests]} * 1000000 / ${kv[duration_us]}" | bc)" \
        "${kv[p50_us]}" "${kv[p99_us]}" "${kv[status_errors]}" "${kv[socket_errors]}" >>"$RESULTS"
    log "  $(tail -n 1 "$RESULTS")"
}
timeout 20 wrk -t"$THREADS" -c"$CONNS" -d3s -H "$AUTH" "$BASE$API" >/dev/null
run "GET /healthz" "X-Bench: 1" "$BASE/healthz"
run "GET $API?status=pending" "$AUTH" "$BASE$API?status=pending"
run "GET $API?view=mine" "$AUTH" "$BASE$API?view=mine"
run "GET $API?view=unclaimed" "$AUTH" "$BASE$API?view=unclaimed"
run "GET $API?view=overdue" "$AUTH" "$BASE$API?view=overdue"
run "GET $API?kind=product&status=pending" "$AUTH" "$BASE$API?kind=product&status=pending"
run "GET $API?view=overdue&kind=settlement_change" "$AUTH" "$BASE$API?view=overdue&kind=settlement_change"
run "GET /console (queue page, HTML)" "$COOKIE" "$BASE/console"
run "GET /console?view=mine (HTML)" "$COOKIE" "$BASE/console?view=mine"
run "GET /console?view=overdue (HTML)" "$COOKIE" "$BASE/console?view=overdue"
run "GET /healthz (again)" "X-Bench: 1" "$BASE/healthz"

ms() { echo "scale=2; $1 / 1000" | bc | sed 's/^\./0./'; }
H1=$(awk -F'\t' '$1 == "GET /healthz" { print $2 }' "$RESULTS")
H2=$(awk -F'\t' '$1 == "GET /healthz (again)" { print $2 }' "$RESULTS")
BASELINE=$(echo "scale=1; ($H1 + $H2) / 2" | bc)
{
    echo "Berth review-queue benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "- work tree at commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)'); target/release/berth built $(date -u -r "$BERTH" +%Y-%m-%dT%H:%M:%SZ) (with BENCH_SKIP_BUILD=1 the binary may be older than the work tree)"
    echo "- $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); wrk and the server share the machine"
    echo "- ${PG_DB:+PostgreSQL}${PG_DB:-SQLite}; $ITEMS pending items over 30 days, $MINE held by the measured admin, $OVERDUE overdue; pages of 50"
    echo "- wrk -t$THREADS -c$CONNS -d$DURATION --latency, keep-alive, 127.0.0.1"
    echo
    echo "| endpoint | req/s | p50 (ms) | p99 (ms) | % of /healthz | errors (>=400 / socket) |"
    echo "|---|---:|---:|---:|---:|---|"
    while IFS=$'\t' read -r name rps p50 p99 serr sockerr; do
        pct=$(printf '%.1f' "$(echo "scale=3; 100 * $rps / $BASELINE" | bc)")
        printf '| `%s` | %.0f | %s | %s | %s %% | %s / %s |\n' "$name" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$pct" "$serr" "$sockerr"
    done <"$RESULTS"
    echo
    echo "% of /healthz is against the mean of the two /healthz runs ($(printf '%.0f' "$BASELINE") req/s)."
} | tee "${BENCH_OUT:-/dev/null}"
