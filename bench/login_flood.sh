#!/usr/bin/env bash
# The log-in flood benchmark (issue 9): 300 connections of unknown-email log-ins for 20 s
# against the release server on SQLite, while a signed-in client reads GET /api/v1/me. Reports
# peak RSS, how the flood was answered (401 / 429 / 503), /me's rate and p99 during the flood,
# how long RSS takes to come back under 40 MiB, and /me and /healthz without the flood.
#
#   bash bench/login_flood.sh
#
# Two floods: from one client (the per-client limits answer most of it), and from many clients
# (random X-Forwarded-For through a trusted proxy: the password-hashing permits carry it).
# Knobs: FLOOD_CONNECTIONS (300), FLOOD_DURATION (20s), BENCH_SKIP_BUILD=1, BENCH_KEEP=1.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
CONNS=${FLOOD_CONNECTIONS:-300}
DURATION=${FLOOD_DURATION:-20s}
log() { printf '[flood] %s\n' "$*" >&2; }

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    log "building (release)"
    timeout 3600 cargo build --release --bin berth >&2
fi
BERTH=$ROOT/target/release/berth
ulimit -n 65536 2>/dev/null || true

WORK=$(mktemp -d "${TMPDIR:-/tmp}/berth-flood.XXXXXX")
SERVER_PID=
SAMPLER_PID=
cleanup() {
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null || true
    sleep 1
    [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null || true
    if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
# The server trusts loopback as its proxy, so the second flood can play many clients; the first
# sends no X-Forwarded-For and counts as one client.
printf 'trusted_proxies = ["127.0.0.1"]\n' >"$WORK/berth.toml"
BERTH_LOG=warn "$BERTH" --config "$WORK/berth.toml" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break; sleep 0.1; done

# A signed-in client: register, activate with the mailed code, log in.
EMAIL=reader@flood.test
PASSWORD='a long enough password'
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/accounts"
for _ in $(seq 1 100); do ls "$WORK"/data/mail/*.eml >/dev/null 2>&1 && break; sleep 0.1; done
CODE=$(grep -ohE '\b[0-9]{6}\b' "$WORK"/data/mail/*.eml | tail -n 1)
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"code\":\"$CODE\"}" "$BASE/api/v1/accounts/activate"
TOKEN=$(curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" \
    "$BASE/api/v1/sessions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

cat >"$WORK/me.lua" <<'LUA'
function done(summary, latency, requests)
  io.write(string.format("ME requests=%d rps=%.0f p50_us=%d p99_us=%d errors=%d\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$SERVER_PID/status"; }
mib() { echo "scale=1; $1 / 1024" | bc; }
sleep 3
IDLE=$(rss)
log "idle RSS $(mib "$IDLE") MiB"

# Without the flood: /healthz and /me at 32 connections.
HEALTH=$(wrk -t2 -c32 -d10s -s "$WORK/me.lua" "$BASE/healthz" | sed -n 's/^ME //p')
ME=$(wrk -t2 -c32 -d10s -s "$WORK/me.lua" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/me" | sed -n 's/^ME //p')
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
log "healthz: $HEALTH"
log "me:      $ME"

flood() {  # flood NAME FORWARDED
    local name=$1
    ( while kill -0 "$SERVER_PID" 2>/dev/null; do rss; sleep 0.1; done >"$WORK/rss.$name" ) &
    SAMPLER_PID=$!
    FLOOD_FORWARDED=$2 wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s -s bench/login_flood.lua "$BASE" \
        >"$WORK/flood.$name" 2>&1 &
    local flood_pid=$!
    sleep 1
    wrk -t1 -c4 -d"$(( ${DURATION%s} - 2 ))s" -s "$WORK/me.lua" -H "Authorization: Bearer $TOKEN" \
        "$BASE/api/v1/me" >"$WORK/me.$name" 2>&1
    wait "$flood_pid"
    local end; end=$(date +%s.%N)
    # Back under 40 MiB: when?
    local back=""
    for i in $(seq 1 100); do
        if [ "$(rss)" -lt 40960 ]; then back=$(echo "$(date +%s.%N) - $end" | bc); break; fi
        sleep 0.1
    done
    sleep 1
    kill "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=
    local peak; peak=$(sort -n "$WORK/rss.$name" | tail -n 1)
    local after; after=$(rss)
    echo "| $name | $(sed -n 's/^FLOOD //p' "$WORK/flood.$name") | $(mib "$peak") | ${back:-'>10'} s | $(mib "$after") | $(sed -n 's/^ME //p' "$WORK/me.$name") |"
}

echo
echo "Log-in flood: $CONNS connections for $DURATION on $(nproc) cores, SQLite; idle RSS $(mib "$IDLE") MiB."
echo "Without the flood, c=32: /healthz $(field "$HEALTH" rps) req/s; /api/v1/me $(field "$ME" rps) req/s ($(echo "scale=1; 100 * $(field "$ME" rps) / $(field "$HEALTH" rps)" | bc) % of /healthz), p99 $(( $(field "$ME" p99_us) / 1000 )) ms."
echo
echo "| flood | log-ins answered | peak RSS (MiB) | back under 40 MiB after | RSS 1 s later (MiB) | GET /api/v1/me during the flood (c=4) |"
echo "|---|---|---|---|---|---|"
flood one-client 0
sleep 5
flood many-clients 1

# --- Enumeration timing: asking for a code for a known vs an unknown address -------------------
# Each request comes from its own client (X-Forwarded-For) and each known address is asked at
# most four times, so that no limit answers instead.
for i in 1 2 3 4 5; do
    curl -fsS -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"email\":\"pending$i@flood.test\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/accounts"
done
sleep 2
timing() {  # timing PATH EMAIL-PREFIX KNOWN
    for round in 1 2 3 4; do
        for i in 1 2 3 4 5; do
            local email
            if [ "$3" = 1 ]; then email="pending$i@flood.test"; else email="ghost$round-$i@flood.test"; fi
            curl -sS -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' \
                -H "X-Forwarded-For: 192.0.$3.$(( round * 10 + i ))" -d "{\"email\":\"$email\"}" "$BASE$1"
            sleep 0.2
        done
    done | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] * 1000 }'
}
echo
echo "Asking for a code (median of 20, ms): activation-codes known $(timing /api/v1/accounts/activation-codes pending 1), unknown $(timing /api/v1/accounts/activation-codes ghost 0); password-resets known $(timing /api/v1/password-resets pending 1), unknown $(timing /api/v1/password-resets ghost 0)."
