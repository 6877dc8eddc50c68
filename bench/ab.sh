#!/usr/bin/env bash
# Two Berth binaries measured side by side, at the same moments: each gets its own freshly
# seeded database and its own server, and wrk loads both at once, endpoint by endpoint. On a
# shared machine whose speed moves by tens of percent within minutes, runs taken one after the
# other compare the minutes as much as the binaries; runs taken together see the same machine.
#
#   bash bench/ab.sh OLD_BINARY NEW_BINARY
#
# Knobs (environment): BENCH_POSTGRES=postgres://user@host:port/db (two fresh databases on that
# server, dropped afterwards; default: two SQLite data directories), BENCH_PROVIDERS (5000),
# BENCH_CONNECTIONS (16 per server), BENCH_DURATION (10s), BENCH_ROUNDS (3), BENCH_OUT=FILE.
# The seed is target/release/examples/seed (built unless BENCH_SKIP_BUILD=1). The order of the
# two is swapped every round, so neither always starts first.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
[ $# = 2 ] || { echo "usage: bash bench/ab.sh OLD_BINARY NEW_BINARY" >&2; exit 2; }
declare -A BIN=([old]=$(realpath "$1") [new]=$(realpath "$2"))
for x in old new; do [ -x "${BIN[$x]}" ] || { echo "not an executable: ${BIN[$x]}" >&2; exit 2; }; done

PROVIDERS=${BENCH_PROVIDERS:-5000}
CONNS=${BENCH_CONNECTIONS:-16}
DURATION=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-3}
WRK_TIMEOUT=$(( ${DURATION%s} + 30 ))
log() { printf '[ab] %s\n' "$*" >&2; }

command -v wrk >/dev/null || { log "wrk is needed (apt-get install -y wrk)"; exit 1; }
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    log "building the seed (release)"
    timeout 3600 cargo build --release --example seed >&2
fi
SEED=$ROOT/target/release/examples/seed
[ -x "$SEED" ] || { log "missing $SEED"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/berth-ab.XXXXXX")
PG_ADMIN=${BENCH_POSTGRES:-}
declare -A PID URL DB TOKEN PORT
cleanup() {
    for x in old new; do
        [ -n "${PID[$x]:-}" ] && kill -TERM "${PID[$x]}" 2>/dev/null || true
    done
    sleep 1
    for x in old new; do
        [ -n "${PID[$x]:-}" ] && kill -KILL "${PID[$x]}" 2>/dev/null || true
        if [ -n "${DB[$x]:-}" ]; then
            psql "$PG_ADMIN" -qAt -c "DROP DATABASE IF EXISTS ${DB[$x]} WITH (FORCE)" >/dev/null 2>&1 || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for x in old new; do
    mkdir -p "$WORK/$x"
    if [ -n "$PG_ADMIN" ]; then
        DB[$x]=berth_ab_${x}_$(date +%s)_$$
        psql "$PG_ADMIN" -qAt -c "CREATE DATABASE ${DB[$x]}" >/dev/null
        URL[$x]="${PG_ADMIN%/*}/${DB[$x]}"
    else
        URL[$x]="sqlite://$WORK/$x/berth.db"
    fi
    log "seeding $PROVIDERS providers for $x"
    BERTH_DATABASE_URL=${URL[$x]} BERTH_LOG=warn timeout 900 "$SEED" --data-dir "$WORK/$x" \
        --providers "$PROVIDERS" --products 0 >"$WORK/$x/seed.out" 2>"$WORK/$x/seed.log" \
        || { cat "$WORK/$x/seed.log" >&2; exit 1; }
    TOKEN[$x]=$(sed -n 's/^token=//p' "$WORK/$x/seed.out" | tail -n 1)
    PORT[$x]=$(free_port)
    BERTH_DATABASE_URL=${URL[$x]} "${BIN[$x]}" --data-dir "$WORK/$x" serve \
        --listen "127.0.0.1:${PORT[$x]}" >"$WORK/$x/server.log" 2>&1 &
    PID[$x]=$!
done
for x in old new; do
    for _ in $(seq 1 300); do
        [ "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT[$x]}/readyz" 2>/dev/null)" = 200 ] && break
        kill -0 "${PID[$x]}" 2>/dev/null || { log "$x exited"; cat "$WORK/$x/server.log" >&2; exit 1; }
        sleep 0.1
    done
done

# both NAME PATH WRK-ARGS... : wrk against both servers at once; one table row.
ROWS=
both() {
    local name=$1 path=$2; shift 2
    local order=(old new) w=() x
    [ $(( ROUND % 2 )) = 0 ] && order=(new old)
    for x in "${order[@]}"; do
        timeout "$WRK_TIMEOUT" wrk -t1 -c"$CONNS" -d"$DURATION" --latency "$@" \
            -H "Authorization: Bearer ${TOKEN[$x]}" "http://127.0.0.1:${PORT[$x]}$path" \
            >"$WORK/$x/wrk.out" &
        w+=($!)
    done
    wait "${w[@]}"
    local rps=() p99=() errs=()
    for x in old new; do
        rps+=("$(awk '/^Requests\/sec/ { printf "%d", $2 }' "$WORK/$x/wrk.out")")
        p99+=("$(awk '$1 == "99%" { print $2 }' "$WORK/$x/wrk.out")")
        errs+=("$(awk '/Non-2xx/ { print $NF }' "$WORK/$x/wrk.out")")
    done
    local ratio
    ratio=$(echo "scale=2; ${rps[1]} / ${rps[0]}" | bc)
    ROWS+="| $ROUND | \`$name\` | ${rps[0]} | ${p99[0]} | ${rps[1]} | ${p99[1]} | $ratio | ${errs[0]:-0} / ${errs[1]:-0} |"$'\n'
    log "round $ROUND $name: old ${rps[0]}/s p99 ${p99[0]}, new ${rps[1]}/s p99 ${p99[1]} (new/old $ratio)"
}

# A warm-up write on each, so that the first round's write does not measure cold caches.
ROUND=0
both "warm-up" /api/v1/provider/customer-service -s "$ROOT/bench/put_customer_service.lua" >/dev/null
ROWS=
for ROUND in $(seq 1 "$ROUNDS"); do
    both "PUT /api/v1/provider/customer-service" /api/v1/provider/customer-service \
        -s "$ROOT/bench/put_customer_service.lua"
    both "GET /api/v1/me" /api/v1/me
    both "GET /api/v1/me/move-in" /api/v1/me/move-in
    both "GET /healthz" /healthz
done

{
    echo "Berth A/B — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "- old: ${BIN[old]} (built $(date -u -r "${BIN[old]}" +%Y-%m-%dT%H:%M:%SZ))"
    echo "- new: ${BIN[new]} (built $(date -u -r "${BIN[new]}" +%Y-%m-%dT%H:%M:%SZ))"
    echo "- $( [ -n "$PG_ADMIN" ] && echo "PostgreSQL, two fresh databases on one server" || echo "SQLite, two data directories"); $PROVIDERS moved-in providers each; both servers loaded at once, wrk -t1 -c$CONNS -d$DURATION each; 2 CPUs shared by everything"
    echo
    echo "| round | endpoint | old req/s | old p99 | new req/s | new p99 | new / old | >=400 old / new |"
    echo "|---:|---|---:|---:|---:|---:|---:|---|"
    printf '%s' "$ROWS"
} | tee "${BENCH_OUT:-/dev/null}"
