#!/usr/bin/env bash
# Berth load benchmark: seeds a fresh SQLite data directory with moved-in providers, starts the
# release server on 127.0.0.1, drives it with wrk, and prints a markdown table.
#
#   bash bench/run.sh
#
# Knobs (environment): BENCH_PROVIDERS (10000), BENCH_CONNECTIONS (32), BENCH_THREADS (2),
# BENCH_DURATION (15s per endpoint), BENCH_PORT (a free port), BENCH_SKIP_BUILD=1 (use the
# existing target/release binaries), BENCH_KEEP=1 (keep the data directory and logs),
# BENCH_OUT=FILE (also write the report there). The server inherits BERTH_LOG (default info:
# one log line per request, written to a file in the data directory).
#
# Everything is local (127.0.0.1) and bounded in time: every step runs under `timeout`, and the
# server is stopped with SIGTERM (then SIGKILL after 10 s) on any exit.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

PROVIDERS=${BENCH_PROVIDERS:-10000}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-15s}
WRK_TIMEOUT=$(( ${DURATION%s} + 30 ))

log() { printf '[bench] %s\n' "$*" >&2; }

# --- tools -----------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get install -y wrk >/dev/null 2>&1 || {
        $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null
    }
fi
command -v curl >/dev/null || { log "curl is needed"; exit 1; }

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    log "building (release)"
    timeout 3600 cargo build --release --bin berth --example seed >&2
fi
BERTH=$ROOT/target/release/berth
SEED=$ROOT/target/release/examples/seed
[ -x "$BERTH" ] && [ -x "$SEED" ] || { log "missing $BERTH or $SEED"; exit 1; }

# --- fresh data directory, seeded --------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench.XXXXXX")
DATA=$WORK/data
SERVER_PID=
SAMPLER_PID=
cleanup() {
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "seeding $PROVIDERS providers into $DATA"
SEED_START=$(date +%s.%N)
TOKEN=$(BERTH_LOG=warn timeout 900 "$SEED" --data-dir "$DATA" --providers "$PROVIDERS" 2>"$WORK/seed.log" | tail -n 1) || {
    cat "$WORK/seed.log" >&2; exit 1; }
SEED_SECS=$(echo "$(date +%s.%N) - $SEED_START" | bc)
[ -n "$TOKEN" ] || { log "seed printed no token"; cat "$WORK/seed.log" >&2; exit 1; }
DB_BYTES=$(stat -c %s "$DATA/berth.db")

# --- server --------------------------------------------------------------------------------------
if [ -z "${BENCH_PORT:-}" ]; then
    BENCH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18473)
fi
BASE=http://127.0.0.1:$BENCH_PORT
log "starting the server on $BASE"
"$BERTH" --data-dir "$DATA" serve --listen "127.0.0.1:$BENCH_PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { log "server exited"; cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.1
done
curl -fsS -o /dev/null "$BASE/healthz" || { log "no /healthz after 30 s"; exit 1; }

rss_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mib() { echo "scale=1; $1 / 1024" | bc; }

sleep 5
IDLE_RSS=$(rss_kib "$SERVER_PID" VmRSS)
log "idle RSS: $(mib "$IDLE_RSS") MiB"

# Preconditions: the measured provider is moved in, and the write works.
AUTH="Authorization: Bearer $TOKEN"
MOVE_IN=$(curl -fsS -H "$AUTH" "$BASE/api/v1/me/move-in")
case $MOVE_IN in
    *'"state":"moved_in"'*) ;;
    *) log "measured provider is not moved in: $MOVE_IN"; exit 1 ;;
esac
PUT_BODY='{"phone":"400-123-4567","email":"service@example.com","dongdong_group_id":"12345678","service_hours":"9-18"}'
PUT_STATUS=$(curl -sS -o "$WORK/put.json" -w '%{http_code}' -X PUT -H "$AUTH" \
    -H 'Content-Type: application/json' -d "$PUT_BODY" "$BASE/api/v1/provider/customer-service")
[ "$PUT_STATUS" = 200 ] || { log "PUT answered $PUT_STATUS: $(cat "$WORK/put.json")"; exit 1; }

# --- load ----------------------------------------------------------------------------------------
( while kill -0 "$SERVER_PID" 2>/dev/null; do
      rss_kib "$SERVER_PID" VmRSS 2>/dev/null || true
      sleep 0.5
  done >"$WORK/rss.samples" ) &
SAMPLER_PID=$!

RESULTS=$WORK/results.tsv
: >"$RESULTS"
# run NAME WRK-ARGS... : one wrk run; appends "name rps p50 p99 status_err socket_err" to RESULTS.
run() {
    local name=$1; shift
    log "wrk -t$THREADS -c$CONNS -d$DURATION  $name"
    local out
    out=$(timeout "$WRK_TIMEOUT" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@")
    echo "$out" >>"$WORK/wrk.log"
    local line
    line=$(echo "$out" | grep '^BENCH ' | tail -n 1)
    [ -n "$line" ] || { log "no BENCH line from wrk for $name"; echo "$out" >&2; exit 1; }
    local -A kv
    for f in ${line#BENCH }; do kv[${f%%=*}]=${f#*=}; done
    local rps
    rps=$(echo "scale=1; ${kv[requests]} * 1000000 / ${kv[duration_us]}" | bc)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rps" "${kv[p50_us]}" "${kv[p99_us]}" \
        "${kv[status_errors]}" "${kv[socket_errors]}" >>"$RESULTS"
    log "  $rps req/s, p50 ${kv[p50_us]} us, p99 ${kv[p99_us]} us, >=400: ${kv[status_errors]}, socket errors: ${kv[socket_errors]}"
}

LUA=$ROOT/bench/report.lua
# Warm-up (not reported): connections, caches, the page cache of the database.
timeout 30 wrk -t"$THREADS" -c"$CONNS" -d3s -H "$AUTH" "$BASE/api/v1/me/move-in" >/dev/null

run "GET /healthz"                             -s "$LUA" "$BASE/healthz"
run "GET /api/v1/me"                           -s "$LUA" -H "$AUTH" "$BASE/api/v1/me"
run "GET /api/v1/me/move-in"                   -s "$LUA" -H "$AUTH" "$BASE/api/v1/me/move-in"
run "PUT /api/v1/provider/customer-service"    -s "$ROOT/bench/put_customer_service.lua" -H "$AUTH" \
                                               "$BASE/api/v1/provider/customer-service"
run "GET /healthz (again)"                     -s "$LUA" "$BASE/healthz"

kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=
LOADED_RSS=$(sort -n "$WORK/rss.samples" | tail -n 1)
PEAK_RSS=$(rss_kib "$SERVER_PID" VmHWM)
sleep 5
AFTER_RSS=$(rss_kib "$SERVER_PID" VmRSS)
READY_AFTER=$(curl -fsS -o /dev/null -w '%{http_code}' "$BASE/readyz" || true)

# Stop the server the way an operator would.
kill -TERM "$SERVER_PID"
for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVER_PID" 2>/dev/null; then log "server ignored SIGTERM for 10 s"; fi
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=

# --- report --------------------------------------------------------------------------------------
ms() { echo "scale=2; $1 / 1000" | bc | sed 's/^\./0./'; }
H1=$(awk -F'\t' '$1 == "GET /healthz" { print $2 }' "$RESULTS")
H2=$(awk -F'\t' '$1 == "GET /healthz (again)" { print $2 }' "$RESULTS")
BASELINE=$(echo "scale=1; ($H1 + $H2) / 2" | bc)
{
    echo "Berth benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "- commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
    echo "- $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f GiB", $2/1048576 }' /proc/meminfo) RAM, kernel $(uname -r)"
    echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); wrk and the server share the machine"
    echo "- SQLite on $(df -T "$DATA" | awk 'NR == 2 { print $2 }'), $PROVIDERS moved-in providers, database $(echo "scale=1; $DB_BYTES / 1048576" | bc) MiB, seeded in ${SEED_SECS%.*} s"
    echo "- wrk -t$THREADS -c$CONNS -d$DURATION --latency, keep-alive, 127.0.0.1; BERTH_LOG=${BERTH_LOG:-info (default)}, server log to a file"
    echo
    echo "| endpoint | req/s | p50 (ms) | p99 (ms) | % of /healthz | errors (>=400 / socket) |"
    echo "|---|---:|---:|---:|---:|---|"
    while IFS=$'\t' read -r name rps p50 p99 serr sockerr; do
        pct=$(echo "scale=1; 100 * $rps / $BASELINE" | bc)
        printf '| `%s` | %.0f | %s | %s | %s %% | %s / %s |\n' "$name" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$pct" "$serr" "$sockerr"
    done <"$RESULTS"
    echo
    echo "% of /healthz is against the mean of the two /healthz runs ($(printf '%.0f' "$BASELINE") req/s)."
    echo
    echo "| server RSS | MiB |"
    echo "|---|---:|"
    echo "| idle (5 s after start, before any load) | $(mib "$IDLE_RSS") |"
    echo "| loaded (highest 0.5 s sample during the runs) | $(mib "$LOADED_RSS") |"
    echo "| peak (VmHWM) | $(mib "$PEAK_RSS") |"
    echo "| 5 s after the load | $(mib "$AFTER_RSS") |"
} | tee "${BENCH_OUT:-/dev/null}"
[ "$READY_AFTER" = 200 ] || log "warning: /readyz answered $READY_AFTER after the load"
