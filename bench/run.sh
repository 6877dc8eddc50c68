#!/usr/bin/env bash
# Berth load benchmark: seeds a fresh SQLite data directory with moved-in providers and their
# listed products, starts the release server on 127.0.0.1, drives it with wrk, and prints a
# markdown table.
#
#   bash bench/run.sh
#
# Knobs (environment): BENCH_PROVIDERS (10000), BENCH_PRODUCTS (10000 listed products, one per
# provider; 0 skips the storefront runs), BENCH_CONNECTIONS (32), BENCH_THREADS (2),
# BENCH_DURATION (15s per endpoint), BENCH_PORT (a free port), BENCH_SKIP_BUILD=1 (use the
# existing target/release binaries), BENCH_KEEP=1 (keep the data directory and logs),
# BENCH_POSTGRES=postgres://user@host:port/db (run on PostgreSQL instead of SQLite: a fresh
# database is created on that server for the run and dropped afterwards),
# BENCH_OUT=FILE (also write the report there), BENCH_DIAG=1 (also the write at 1 and 8
# connections and the storefront search at 1 connection). The server inherits BERTH_LOG (default info:
# one log line per request, written to a file in the data directory).
#
# Everything is local (127.0.0.1) and bounded in time: every step runs under `timeout`, and the
# server is stopped with SIGTERM (then SIGKILL after 10 s) on any exit.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

PROVIDERS=${BENCH_PROVIDERS:-10000}
PRODUCTS=${BENCH_PRODUCTS:-10000}
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

# PostgreSQL: a fresh database on the named server, used by the seed, the server and the audit
# check through BERTH_DATABASE_URL, dropped on exit.
PG_ADMIN=${BENCH_POSTGRES:-}
PG_DB=
if [ -n "$PG_ADMIN" ]; then
    command -v psql >/dev/null || { log "BENCH_POSTGRES needs psql"; exit 1; }
    PG_DB=berth_bench_$(date +%s)_$$
    psql "$PG_ADMIN" -qAt -c "CREATE DATABASE $PG_DB" >/dev/null
    export BERTH_DATABASE_URL="${PG_ADMIN%/*}/$PG_DB"
    drop_pg() { psql "$PG_ADMIN" -qAt -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; }
    trap 'cleanup; drop_pg' EXIT
fi

log "seeding $PROVIDERS providers and $PRODUCTS listed products into ${PG_DB:-$DATA}"
SEED_START=$(date +%s.%N)
BERTH_LOG=warn timeout 900 "$SEED" --data-dir "$DATA" --providers "$PROVIDERS" --products "$PRODUCTS" \
    >"$WORK/seed.out" 2>"$WORK/seed.log" || { cat "$WORK/seed.log" >&2; exit 1; }
SEED_SECS=$(echo "$(date +%s.%N) - $SEED_START" | bc)
# The seed prints key=value lines: token, and with products product, search, search_url,
# search_matches, category, category_matches.
seeded() { sed -n "s/^$1=//p" "$WORK/seed.out" | tail -n 1; }
TOKEN=$(seeded token)
[ -n "$TOKEN" ] || { log "seed printed no token"; cat "$WORK/seed.log" >&2; exit 1; }
if [ "$PRODUCTS" -gt 0 ]; then
    PRODUCT_ID=$(seeded product); SEARCH_WORD=$(seeded search); SEARCH_URL=$(seeded search_url)
    SEARCH_MATCHES=$(seeded search_matches); CATEGORY=$(seeded category)
    CATEGORY_MATCHES=$(seeded category_matches)
    [ -n "$PRODUCT_ID" ] && [ -n "$SEARCH_URL" ] && [ -n "$CATEGORY" ] || {
        log "seed printed no product"; cat "$WORK/seed.out" "$WORK/seed.log" >&2; exit 1; }
    log "product $PRODUCT_ID; \"$SEARCH_WORD\" matches $SEARCH_MATCHES products, $CATEGORY has $CATEGORY_MATCHES"
fi
if [ -n "$PG_DB" ]; then
    DB_BYTES=$(psql "$BERTH_DATABASE_URL" -qAt -c "SELECT pg_database_size(current_database())")
    DB_KIND="PostgreSQL $(psql "$BERTH_DATABASE_URL" -qAt -c 'SHOW server_version' | cut -d' ' -f1) on 127.0.0.1 (fsync and synchronous_commit: $(psql "$BERTH_DATABASE_URL" -qAt -c 'SHOW fsync') / $(psql "$BERTH_DATABASE_URL" -qAt -c 'SHOW synchronous_commit'))"
else
    DB_BYTES=$(stat -c %s "$DATA/berth.db")
    DB_KIND="SQLite on $(df -T "$DATA" | awk 'NR == 2 { print $2 }')"
fi
# What one synchronous 4 KiB write costs on this disk (SQLite's synchronous = FULL fsyncs the WAL
# on every commit).
FSYNC_US=$(dd if=/dev/zero of="$WORK/fsync.probe" bs=4k count=500 oflag=dsync 2>&1 \
    | awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "s,") print int($(i-1) * 1000000 / 500) }')
rm -f "$WORK/fsync.probe"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

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
# The storefront index loads at start, in the background; /readyz says "warming up" until then.
READY_START=$(date +%s%N)
for _ in $(seq 1 600); do
    [ "$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/readyz")" = 200 ] && break
    sleep 0.05
done
INDEX_READY_MS=$(( ($(date +%s%N) - READY_START) / 1000000 ))
log "ready ${INDEX_READY_MS} ms after /healthz first answered (the storefront index loaded)"
INDEX_BYTES=$(curl -fsS "$BASE/metrics" | awk '$1 == "berth_storefront_index_bytes" { print $2 }')

rss_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mib() { echo "scale=1; $1 / 1024" | bc; }

# The same binary on an empty data directory, 5 s after start: what the index adds is measured
# against it.
EMPTY_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -u BERTH_DATABASE_URL "$BERTH" --data-dir "$WORK/empty" serve --listen "127.0.0.1:$EMPTY_PORT" >"$WORK/empty.log" 2>&1 &
EMPTY_PID=$!
sleep 5
EMPTY_RSS=$(rss_kib "$EMPTY_PID" VmRSS)
kill -TERM "$EMPTY_PID"; wait "$EMPTY_PID" 2>/dev/null || true

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
if [ "$PRODUCTS" -gt 0 ]; then
    # The storefront answers 200 with the expected content: the search and the category filter
    # return items (a full page of 50 when enough match), the product carries the provider's
    # customer-service panel, and so does the HTML page.
    expect() {  # expect NAME URL PATTERN...
        local name=$1 url=$2 body status; shift 2
        status=$(curl -sS -o "$WORK/check.body" -w '%{http_code}' "$url")
        body=$(cat "$WORK/check.body")
        [ "$status" = 200 ] || { log "$name answered $status: ${body:0:300}"; exit 1; }
        for pat in "$@"; do
            grep -qF -- "$pat" "$WORK/check.body" || { log "$name lacks $pat: ${body:0:300}"; exit 1; }
        done
    }
    SEARCH_PATH="/api/v1/storefront/products?q=$SEARCH_URL"
    CATEGORY_PATH="/api/v1/storefront/products?category=$CATEGORY"
    # The index is loaded already (readiness waited for it): the first search answers from it.
    timed() { curl -sS -o /dev/null -w '%{time_total}' "$1" | awk '{ printf "%.1f", $1 * 1000 }'; }
    COLD_SEARCH_MS=$(timed "$BASE$SEARCH_PATH"); WARM_SEARCH_MS=$(timed "$BASE$SEARCH_PATH")
    SNAPSHOT_RSS=$(rss_kib "$SERVER_PID" VmRSS)
    log "first search ${COLD_SEARCH_MS} ms, second ${WARM_SEARCH_MS} ms"
    expect "search" "$BASE$SEARCH_PATH" '"items":[{"id":' "$SEARCH_WORD"
    SEARCH_ITEMS=$(grep -o '"id":' "$WORK/check.body" | wc -l)
    expect "category" "$BASE$CATEGORY_PATH" '"items":[{"id":' "\"category\":\"$CATEGORY\""
    [ "$(grep -o '"category":"[^"]*"' "$WORK/check.body" | sort -u)" = "\"category\":\"$CATEGORY\"" ] || {
        log "the category filter returned other categories"; exit 1; }
    CATEGORY_ITEMS=$(grep -o '"id":' "$WORK/check.body" | wc -l)
    expect "product" "$BASE/api/v1/storefront/products/$PRODUCT_ID" "\"id\":\"$PRODUCT_ID\"" \
        '"provider":{' '"customer_service":{"phone":"400-123-4567"' '"description_html":'
    PRODUCT_JSON_BYTES=$(stat -c %s "$WORK/check.body")
    expect "product page" "$BASE/products/$PRODUCT_ID" 'id="provider-panel"' 'href="tel:400-123-4567"' \
        'id="product-main"'
    PRODUCT_HTML_BYTES=$(stat -c %s "$WORK/check.body")
    log "search: $SEARCH_ITEMS items; $CATEGORY: $CATEGORY_ITEMS items; product: $PRODUCT_JSON_BYTES B JSON, $PRODUCT_HTML_BYTES B HTML"
fi

# --- load ----------------------------------------------------------------------------------------
( while kill -0 "$SERVER_PID" 2>/dev/null; do
      rss_kib "$SERVER_PID" VmRSS 2>/dev/null || true
      sleep 0.5
  done >"$WORK/rss.samples" ) &
SAMPLER_PID=$!

RESULTS=$WORK/results.tsv
: >"$RESULTS"
HZ=$(getconf CLK_TCK)
# Machine-wide busy (user, nice, system), interrupt (irq + softirq: loopback TCP is mostly
# softirq) and steal jiffies, and the server's own (utime + stime).
cpu_busy() { awk '$1 == "cpu" { print $2 + $3 + $4, $7 + $8, $9 }' /proc/stat; }
server_cpu() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
TIMEFORMAT='%U %S'
# run NAME WRK-ARGS... : one wrk run (connections: $RUN_CONNS or $CONNS). Appends to RESULTS:
# name rps p50 p99 status_err socket_err conns server_cores wrk_cores irq_cores other_cores steal_cores
run() {
    local name=$1; shift
    local c=${RUN_CONNS:-$CONNS}
    local t=$(( THREADS < c ? THREADS : c ))   # wrk needs connections >= threads
    log "wrk -t$t -c$c -d$DURATION  $name"
    local b0 i0 st0 s0 w0 b1 i1 st1 s1 w1
    read -r b0 i0 st0 < <(cpu_busy); s0=$(server_cpu); w0=$(date +%s.%N)
    local out
    out=$( { time timeout "$WRK_TIMEOUT" wrk -t"$t" -c"$c" -d"$DURATION" --latency "$@"; } 2>"$WORK/wrk.time" )
    read -r b1 i1 st1 < <(cpu_busy); s1=$(server_cpu); w1=$(date +%s.%N)
    echo "== $name (-c$c)" >>"$WORK/wrk.log"
    echo "$out" >>"$WORK/wrk.log"
    local line
    line=$(echo "$out" | grep '^BENCH ' | tail -n 1)
    [ -n "$line" ] || { log "no BENCH line from wrk for $name"; echo "$out" >&2; exit 1; }
    local -A kv
    for f in ${line#BENCH }; do kv[${f%%=*}]=${f#*=}; done
    local rps wall wrk_u wrk_s server wrkc total irq other steal
    rps=$(echo "scale=1; ${kv[requests]} * 1000000 / ${kv[duration_us]}" | bc)
    wall=$(echo "$w1 - $w0" | bc)
    read -r wrk_u wrk_s <"$WORK/wrk.time"
    server=$(echo "scale=2; ($s1 - $s0) / $HZ / $wall" | bc)
    wrkc=$(echo "scale=2; ($wrk_u + $wrk_s) / $wall" | bc)
    total=$(echo "scale=2; ($b1 - $b0) / $HZ / $wall" | bc)
    irq=$(echo "scale=2; ($i1 - $i0) / $HZ / $wall" | bc)
    # The server's stime already holds the softirq work done in its own syscalls, so "other" is
    # everything busy (interrupts included) minus the server and wrk.
    other=$(echo "scale=2; $total + $irq - $server - $wrkc" | bc)
    steal=$(echo "scale=2; ($st1 - $st0) / $HZ / $wall" | bc)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rps" "${kv[p50_us]}" "${kv[p99_us]}" \
        "${kv[status_errors]}" "${kv[socket_errors]}" "$c" "$server" "$wrkc" "$irq" "$other" "$steal" >>"$RESULTS"
    log "  $rps req/s, p50 ${kv[p50_us]} us, p99 ${kv[p99_us]} us, >=400: ${kv[status_errors]}, socket errors: ${kv[socket_errors]}; CPU cores: server $server, wrk $wrkc, irq $irq, others $other, steal $steal"
}

LUA=$ROOT/bench/report.lua
# Warm-up (not reported): connections, caches, the page cache of the database.
timeout 30 wrk -t"$THREADS" -c"$CONNS" -d3s -H "$AUTH" "$BASE/api/v1/me/move-in" >/dev/null

run "GET /healthz"                             -s "$LUA" "$BASE/healthz"
run "GET /api/v1/me"                           -s "$LUA" -H "$AUTH" "$BASE/api/v1/me"
run "GET /api/v1/me/move-in"                   -s "$LUA" -H "$AUTH" "$BASE/api/v1/me/move-in"
if [ "$PRODUCTS" -gt 0 ]; then
    # Public, no session. Before the write run, so that no read is measured behind its WAL.
    run "GET /api/v1/storefront/products?q=$SEARCH_WORD"  -s "$LUA" "$BASE$SEARCH_PATH"
    run "GET /api/v1/storefront/products?category=$CATEGORY" -s "$LUA" "$BASE$CATEGORY_PATH"
    run "GET /api/v1/storefront/products/{id}"     -s "$LUA" "$BASE/api/v1/storefront/products/$PRODUCT_ID"
    run "GET /products/{id} (HTML)"                -s "$LUA" "$BASE/products/$PRODUCT_ID"
    # Listing changes while buyers search: the measured provider unlists and relists its product
    # every 200 ms on this server; the search must not wait for the index.
    toggle() { curl -sS -o /dev/null -X POST -H "$AUTH" -H 'Content-Type: application/json' -d '{}' \
        "$1/api/v1/provider/products/$PRODUCT_ID/$2"; }
    ( while kill -0 "$SERVER_PID" 2>/dev/null; do toggle "$BASE" unlist; sleep 0.2; toggle "$BASE" relist; sleep 0.2; done ) &
    CHURN_PID=$!
    run "GET search while a listing changes every 200 ms" -s "$LUA" "$BASE$SEARCH_PATH"
    kill "$CHURN_PID" 2>/dev/null || true; wait "$CHURN_PID" 2>/dev/null || true
    toggle "$BASE" relist
    # A change on this server, searched for on a second one on the same database: how long until
    # the second answers with it (20 changes).
    B_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$BERTH" --data-dir "$DATA" serve --listen "127.0.0.1:$B_PORT" >"$WORK/server-b.log" 2>&1 &
    B_PID=$!
    for _ in $(seq 1 600); do
        [ "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$B_PORT/readyz")" = 200 ] && break
        sleep 0.05
    done
    NAME_URL=$(curl -fsS "$BASE/api/v1/storefront/products/$PRODUCT_ID" \
        | python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["name"]))')
    : >"$WORK/propagation.ms"
    for i in $(seq 1 10); do
        for action in unlist relist; do
            toggle "$BASE" "$action"
            t0=$(date +%s%N)
            for _ in $(seq 1 2000); do
                found=$(curl -fsS "http://127.0.0.1:$B_PORT/api/v1/storefront/products?q=$NAME_URL" | grep -c "\"$PRODUCT_ID\"" || true)
                if { [ "$action" = unlist ] && [ "$found" = 0 ]; } || { [ "$action" = relist ] && [ "$found" != 0 ]; }; then break; fi
            done
            echo $(( ($(date +%s%N) - t0) / 1000000 )) >>"$WORK/propagation.ms"
        done
    done
    kill -TERM "$B_PID" 2>/dev/null; wait "$B_PID" 2>/dev/null || true
    PROPAGATION=$(sort -n "$WORK/propagation.ms" | awk '{ a[NR] = $1 } END { printf "median %d ms, max %d ms over %d changes", a[int((NR + 1) / 2)], a[NR], NR }')
    log "a change on A searchable on B: $PROPAGATION"
fi
run "PUT /api/v1/provider/customer-service"    -s "$ROOT/bench/put_customer_service.lua" -H "$AUTH" \
                                               "$BASE/api/v1/provider/customer-service"
TWO_INSTANCES=
if [ -n "$PG_DB" ]; then
    # Two instances on the one database, the same write split between them (c/2 each).
    C_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$BERTH" --data-dir "$DATA" serve --listen "127.0.0.1:$C_PORT" >"$WORK/server-c.log" 2>&1 &
    C_PID=$!
    for _ in $(seq 1 600); do
        [ "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$C_PORT/readyz")" = 200 ] && break
        sleep 0.05
    done
    half=$(( CONNS / 2 ))
    log "two instances: wrk -c$half against each, the customer-service PUT"
    WRK_PIDS=()
    for target in "$BASE" "http://127.0.0.1:$C_PORT"; do
        timeout "$WRK_TIMEOUT" wrk -t1 -c"$half" -d"$DURATION" --latency -s "$ROOT/bench/put_customer_service.lua" \
            -H "$AUTH" "$target/api/v1/provider/customer-service" >"$WORK/two.${#WRK_PIDS[@]}.out" 2>&1 &
        WRK_PIDS+=($!)
    done
    wait "${WRK_PIDS[@]}" || true
    TWO_INSTANCES=$(cat "$WORK"/two.*.out | grep '^BENCH ' | awk '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        rps += v["requests"] * 1000000 / v["duration_us"]; if (v["p99_us"] > p99) p99 = v["p99_us"]
        err += v["status_errors"] }
        END { printf "%.0f writes/s combined, p99 %.1f ms (the slower instance), >=400: %d", rps, p99 / 1000, err }')
    log "two instances: $TWO_INSTANCES"
    kill -TERM "$C_PID" 2>/dev/null; wait "$C_PID" 2>/dev/null || true
fi
run "GET /healthz (again)"                     -s "$LUA" "$BASE/healthz"
if [ "${BENCH_DIAG:-0}" = 1 ]; then
    # Diagnostics: the write alone (its service time) and at the pool size (8 connections).
    RUN_CONNS=1 run "PUT customer-service, 1 connection" -s "$ROOT/bench/put_customer_service.lua" \
        -H "$AUTH" "$BASE/api/v1/provider/customer-service"
    RUN_CONNS=8 run "PUT customer-service, 8 connections" -s "$ROOT/bench/put_customer_service.lua" \
        -H "$AUTH" "$BASE/api/v1/provider/customer-service"
    if [ "$PRODUCTS" -gt 0 ]; then
        # The search's service time, without queueing.
        RUN_CONNS=1 run "GET storefront search, 1 connection" -s "$LUA" "$BASE$SEARCH_PATH"
    fi
fi

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

# Every write above appended an audit event; the chain must still verify.
AUDIT_VERIFY=$(timeout 300 "$BERTH" --data-dir "$DATA" audit verify 2>&1 | tail -1) || AUDIT_VERIFY="FAILED: $AUDIT_VERIFY"
log "audit verify: $AUDIT_VERIFY"

# The storefront's SQL alone, with the sqlite3 CLI on the seeded file (the server stopped): mean
# wall time of 20 runs each. The statements copy src/store/products.rs (the snapshot's reload,
# run once per change of the storefront, and the generation read by every search); the CLI's
# SQLite may be another version than the server's.
QUERY_TIMES=$WORK/query.tsv
: >"$QUERY_TIMES"
if [ "$PRODUCTS" -gt 0 ] && [ -z "$PG_DB" ] && command -v sqlite3 >/dev/null 2>&1; then
    RELOAD_SQL="SELECT p.id, p.account_id, p.live_revision_id, p.name, p.summary, p.category, p.price_from_fen, COALESCE(p.listed_at, p.updated_at) AS listed_at, e.company_name, r.icon_document_id FROM products p LEFT JOIN enterprise_verifications e ON e.account_id = p.account_id LEFT JOIN product_revisions r ON r.id = p.live_revision_id WHERE p.listed = 1 AND p.live_revision_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM provider_suspensions s WHERE s.account_id = p.account_id)"
    time_sql() {  # time_sql LABEL SQL : mean ms over 20 runs (after one unmeasured run)
        local ms
        ms=$( { echo ".output /dev/null"; echo "$2;"; echo ".timer on"; for _ in $(seq 1 20); do echo "$2;"; done; } \
            | timeout 120 sqlite3 "$DATA/berth.db" 2>/dev/null \
            | awk '/^Run Time/ { s += $4; n++ } END { if (n) printf "%.2f", s * 1000 / n }' ) || true
        printf '%s\t%s\n' "$1" "${ms:-?}" >>"$QUERY_TIMES"
    }
    time_sql "the snapshot's reload: every listed product" "$RELOAD_SQL"
    time_sql "the generation, read by every search" "SELECT generation FROM storefront_state WHERE id = 1"
fi

# --- report --------------------------------------------------------------------------------------
ms() { echo "scale=2; $1 / 1000" | bc | sed 's/^\./0./'; }
H1=$(awk -F'\t' '$1 == "GET /healthz" { print $2 }' "$RESULTS")
H2=$(awk -F'\t' '$1 == "GET /healthz (again)" { print $2 }' "$RESULTS")
BASELINE=$(echo "scale=1; ($H1 + $H2) / 2" | bc)
{
    echo "Berth benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "- work tree at commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)'); target/release/berth built $(date -u -r "$BERTH" +%Y-%m-%dT%H:%M:%SZ) (with BENCH_SKIP_BUILD=1 the binary may be older than the work tree)"
    echo "- $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f GiB", $2/1048576 }' /proc/meminfo) RAM, kernel $(uname -r)"
    echo "- load average at the start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg); wrk and the server share the machine"
    echo "- $DB_KIND, $PROVIDERS moved-in providers, database $(echo "scale=1; $DB_BYTES / 1048576" | bc) MiB, seeded in $(printf %.1f "$SEED_SECS") s; one 4 KiB O_DSYNC write takes ${FSYNC_US:-?} us"
    echo "- wrk -t$THREADS -c$CONNS -d$DURATION --latency, keep-alive, 127.0.0.1; BERTH_LOG=${BERTH_LOG:-info (default)}, server log to a file ($(echo "scale=1; $(stat -c %s "$WORK/server.log") / 1048576" | bc) MiB by the end)"
    if [ "$PRODUCTS" -gt 0 ]; then
        echo "- $PRODUCTS listed products; the search \"$SEARCH_WORD\" matches $SEARCH_MATCHES of them (the answer holds $SEARCH_ITEMS; the first search took $COLD_SEARCH_MS ms, the second $WARM_SEARCH_MS ms), category $CATEGORY has $CATEGORY_MATCHES ($CATEGORY_ITEMS in the answer); product $PRODUCT_ID: $PRODUCT_JSON_BYTES B of JSON, $PRODUCT_HTML_BYTES B of HTML"
        echo "- the storefront index loaded at start, ready $INDEX_READY_MS ms after /healthz first answered; a listing change on this server searchable on a second one on the same database: $PROPAGATION"
    fi
    echo
    echo "| endpoint | conns | req/s | p50 (ms) | p99 (ms) | % of /healthz | server CPU per request (us) | errors (>=400 / socket) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    while IFS=$'\t' read -r name rps p50 p99 serr sockerr c server _; do
        pct=$(printf '%.1f' "$(echo "scale=3; 100 * $rps / $BASELINE" | bc)")
        cpu=$(echo "$server * 1000000 / $rps" | bc)
        printf '| `%s` | %s | %.0f | %s | %s | %s %% | %s | %s / %s |\n' "$name" "$c" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$pct" "$cpu" "$serr" "$sockerr"
    done <"$RESULTS"
    echo
    echo "% of /healthz is against the mean of the two /healthz runs ($(printf '%.0f' "$BASELINE") req/s)."
    [ -n "$TWO_INSTANCES" ] && echo "Two instances on the one database, the PUT at c/2 each: $TWO_INSTANCES."
    echo
    echo "CPU used during each run, in cores (of $(nproc)): the server process, wrk, everything else"
    echo "(other processes, and interrupt work not done inside the server's or wrk's system calls),"
    echo "hypervisor steal; irq/softirq is the machine-wide interrupt time (mostly loopback TCP),"
    echo "for information: it overlaps the other columns."
    echo
    echo "| endpoint | server | wrk | everything else | steal | irq/softirq |"
    echo "|---|---:|---:|---:|---:|---:|"
    while IFS=$'\t' read -r name _ _ _ _ _ _ server wrkc irq other steal; do
        printf '| `%s` | %.2f | %.2f | %.2f | %.2f | %.2f |\n' "$name" "$server" "$wrkc" "$other" "$steal" "$irq"
    done <"$RESULTS"
    echo
    if [ -s "$QUERY_TIMES" ]; then
        echo "The storefront's SQL alone (sqlite3 $(sqlite3 --version | cut -d' ' -f1) CLI on the seeded file, server stopped, mean of 20):"
        echo
        echo "| statement | ms |"
        echo "|---|---:|"
        while IFS=$'\t' read -r label ms; do printf '| %s | %s |\n' "$label" "$ms"; done <"$QUERY_TIMES"
        echo
    fi
    echo "Audit chain after the runs (\`berth audit verify\`): $AUDIT_VERIFY"
    echo
    echo "| server RSS | MiB |"
    echo "|---|---:|"
    echo "| the same binary on an empty data directory, 5 s after start | $(mib "$EMPTY_RSS") |"
    echo "| idle (5 s after start, the storefront index loaded) | $(mib "$IDLE_RSS") |"
    echo "| what the seeded data adds (the index, SQLite's page caches of up to 8 MiB per connection) | $(mib $(( IDLE_RSS - EMPTY_RSS ))) |"
    [ -n "${INDEX_BYTES:-}" ] && echo "| the storefront index itself (\`berth_storefront_index_bytes\`, counted from its parts) | $(mib $(( INDEX_BYTES / 1024 ))) |"
    [ -n "${SNAPSHOT_RSS:-}" ] && echo "| after the first searches | $(mib "$SNAPSHOT_RSS") |"
    echo "| loaded (highest 0.5 s sample during the runs) | $(mib "$LOADED_RSS") |"
    echo "| peak (VmHWM) | $(mib "$PEAK_RSS") |"
    echo "| 5 s after the load | $(mib "$AFTER_RSS") |"
} | tee "${BENCH_OUT:-/dev/null}"
[ "$READY_AFTER" = 200 ] || log "warning: /readyz answered $READY_AFTER after the load"
