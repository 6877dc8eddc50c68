#!/usr/bin/env bash
# Webhook deliveries per second (issue 13): seeds BENCH_PROVIDERS moved-in providers, starts the
# release server on 127.0.0.1 (allowed to call loopback over http), starts a receiver on another
# loopback port that answers 200 at once, registers one webhook per provider, and has every
# provider save its customer-service details BENCH_EVENTS_PER_PROVIDER times (each save is one
# event). Reports how fast the events were made, how fast they were delivered (first to last
# delivery seen by the receiver), the delivery latency (event time to arrival, p50/p99), and
# checks that each event arrived exactly once and in order per provider.
#
#   bash bench/webhooks.sh
#
# Knobs: BENCH_PROVIDERS (50; one delivery lane each), BENCH_EVENTS_PER_PROVIDER (40),
# BENCH_CONCURRENCY (webhooks.concurrency, 8), BENCH_POLL_MS (webhooks.poll_ms, 200),
# BENCH_SKIP_BUILD=1, BENCH_TARGET=release|debug (which binaries; debug only to try the script),
# BENCH_KEEP=1 (keep the data directory and logs). Every step runs under `timeout`.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PROVIDERS=${BENCH_PROVIDERS:-50}
PER=${BENCH_EVENTS_PER_PROVIDER:-40}
CONCURRENCY=${BENCH_CONCURRENCY:-8}
POLL_MS=${BENCH_POLL_MS:-200}
TARGET=${BENCH_TARGET:-release}
log() { printf '[webhooks] %s\n' "$*" >&2; }

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    log "building ($TARGET)"
    if [ "$TARGET" = release ]; then
        timeout 3600 cargo build --release --bin berth --example seed >&2
    else
        timeout 3600 cargo build --bin berth --example seed >&2
    fi
fi
BERTH=$ROOT/target/$TARGET/berth
SEED=$ROOT/target/$TARGET/examples/seed
[ -x "$BERTH" ] && [ -x "$SEED" ] || { log "missing $BERTH or $SEED"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/berth-webhooks.XXXXXX")
SERVER_PID=
RECEIVER_PID=
cleanup() {
    [ -n "$RECEIVER_PID" ] && kill "$RECEIVER_PID" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null || true
    sleep 1
    [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null || true
    if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

log "seeding $PROVIDERS providers"
timeout 600 "$SEED" --data-dir "$WORK/data" --providers "$PROVIDERS" --products 0 >"$WORK/seed.out" 2>"$WORK/seed.log"

# The receiver: a threaded HTTP server that answers 200 and writes one line per request:
# arrival time (ms), provider, seq, event id.
RPORT=$(free_port)
cat >"$WORK/receiver.py" <<'PY'
import json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
out = open(sys.argv[2], "a", buffering=1)
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        e = json.loads(body)
        out.write(f"{time.time()*1000:.1f} {e.get('provider_id','-')} {e['seq']} {e['id']} {e['at']}\n")
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$WORK/receiver.py" "$RPORT" "$WORK/received.txt" &
RECEIVER_PID=$!

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
start_server() {
    BERTH_LOG=warn BERTH_WEBHOOKS__ALLOW_PRIVATE_NETWORKS=true BERTH_WEBHOOKS__ALLOW_HTTP=true \
        BERTH_WEBHOOKS__CONCURRENCY=$CONCURRENCY BERTH_WEBHOOKS__POLL_MS=$POLL_MS \
        "$BERTH" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break; sleep 0.1; done
}
stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    SERVER_PID=
}
start_server

log "logging in, registering $PROVIDERS webhooks, making $((PROVIDERS * PER)) events"
timeout 1200 python3 - "$BASE" "http://127.0.0.1:$RPORT/hook" "$PROVIDERS" "$PER" "$WORK/received.txt" <<'PY'
import json, sys, time, urllib.error, urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

base, hook, providers, per, received = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]

def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"null")

def login(i):
    # One at a time, waiting when the server says it is busy hashing passwords (503).
    for _ in range(50):
        try:
            return call("POST", "/api/v1/sessions",
                        {"email": f"provider{i:05}@bench.example.com", "password": "bench-password-1234"})["token"]
        except urllib.error.HTTPError as e:
            if e.code not in (429, 503):
                raise
            time.sleep(float(e.headers.get("retry-after") or 1))
    raise SystemExit(f"could not log in provider {i}")

tokens = [login(i) for i in range(providers)]
for t in tokens:
    call("POST", "/api/v1/webhooks", {"url": hook, "event_types": ["provider.customer_service_updated"]}, t)

def save(args):
    token, n = args
    call("PUT", "/api/v1/provider/customer-service",
         {"phone": "400-123-4567", "email": "service@example.com", "dongdong_group_id": "12345678",
          "service_hours": f"9-18 #{n}"}, token)

jobs = [(t, n) for n in range(per) for t in tokens]
start = time.time()
with ThreadPoolExecutor(16) as pool:
    list(pool.map(save, jobs))
made = time.time() - start
total = len(jobs)

deadline = time.time() + 600
lines = []
while time.time() < deadline:
    with open(received) as f:
        lines = f.read().splitlines()
    if len(lines) >= total:
        break
    time.sleep(0.2)
time.sleep(1.0)
with open(received) as f:
    lines = f.read().splitlines()
rows = [l.split(" ") for l in lines]
arrived = [float(r[0]) for r in rows]
ids = [r[3] for r in rows]
by_provider = {}
for r in rows:
    by_provider.setdefault(r[1], []).append(int(r[2]))
in_order = all(s == sorted(s) for s in by_provider.values())
def at_ms(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000
lat = sorted(float(r[0]) - at_ms(r[4]) for r in rows)
span = (max(arrived) - min(arrived)) / 1000 if arrived else 0
print()
print(f"| measure | value |")
print(f"|---|---|")
print(f"| providers (lanes) × events each | {providers} × {per} = {total} |")
print(f"| events made (customer-service PUTs, 16 clients) | {total / made:.0f} /s ({made:.1f} s) |")
print(f"| deliveries received | {len(rows)} ({len(set(ids))} distinct event ids) |")
print(f"| **deliveries per second** (first to last arrival) | **{len(rows) / span:.0f} /s** ({span:.1f} s) |" if span else "| deliveries per second | n/a |")
if lat:
    print(f"| event committed → delivered, p50 / p99 | {lat[len(lat)//2]:.0f} ms / {lat[int(len(lat)*0.99)-1]:.0f} ms |")
print(f"| each event exactly once | {'yes' if len(rows) == total == len(set(ids)) else 'NO'} |")
print(f"| in order per provider | {'yes' if in_order else 'NO'} |")
PY

# The drain alone: every delivery made pending again while the server is down, then how fast a
# fresh server sends the backlog (nothing else running).
stop_server
python3 - "$WORK/data/berth.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = 0, claimed_until = NULL, attempts = 0")
db.commit()
PY
: >"$WORK/received.txt"
TOTAL=$((PROVIDERS * PER))
START_MS=$(date +%s%3N)
start_server
for _ in $(seq 1 6000); do
    [ "$(wc -l <"$WORK/received.txt")" -ge "$TOTAL" ] && break
    sleep 0.1
done
END_MS=$(date +%s%3N)
GOT=$(wc -l <"$WORK/received.txt")
python3 - "$WORK/received.txt" "$GOT" "$START_MS" "$END_MS" <<'PY'
import sys
rows = [l.split(" ") for l in open(sys.argv[1]).read().splitlines()]
got, start, end = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
arr = sorted(float(r[0]) for r in rows)
span = (arr[-1] - arr[0]) / 1000 if len(arr) > 1 else 0
print(f"| **a backlog drained after a restart** (first to last arrival) | **{got / span:.0f} /s** ({got} in {span:.1f} s; {((end - start) / 1000):.1f} s from the server's start) |" if span else "| backlog drained | n/a |")
print(f"| backlog: each event exactly once | {'yes' if len(set(r[3] for r in rows)) == len(rows) == got else 'NO'} |")
PY
