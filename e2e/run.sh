#!/usr/bin/env bash
# End-to-end browser tests: starts the built server on a fresh data directory and a free port,
# runs `npm test` (node --test + playwright-core + Debian's Chromium) and stops the server. The
# tests make their own staff accounts with `$BERTH_BIN user add`, so that each one enrols its
# second factor through the pages. Builds nothing: BERTH_BIN names the binary
# [default: ../target/debug/berth, relative to this directory]. Exits with the tests' status.
#
#   BERTH_BIN=target/debug/berth bash e2e/run.sh          # from the repository root
#   E2E_KEEP=1 ...                                          # keep the data directory afterwards
#   E2E_FILES="tests/storefront.test.mjs" ...               # run only these test files
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin="${BERTH_BIN:-$here/../target/debug/berth}"
case "$bin" in
    /*) ;;
    *) bin="$(pwd)/$bin" ;;
esac
if [ ! -x "$bin" ]; then
    echo "e2e: no berth binary at $bin (build it first: cargo build)" >&2
    exit 2
fi
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
    echo "e2e: no Chromium at $CHROMIUM_PATH (apt-get install -y chromium)" >&2
    exit 2
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
    echo "e2e: playwright-core is not installed (cd e2e && npm ci)" >&2
    exit 2
fi

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/berth-e2e.XXXXXX")"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    if [ "${E2E_KEEP:-}" = 1 ]; then
        echo "e2e: data directory kept: $data_dir" >&2
    else
        rm -rf "$data_dir"
    fi
}
trap cleanup EXIT

# A free port: ask the kernel for one, then hand it to the server.
port="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
url="http://127.0.0.1:$port"

# Run from the data directory so no ./berth.toml of the caller is picked up. Every browser of the
# suite is one client, 127.0.0.1, that registers far more companies and sends more contact-us
# messages than any person would: those two per-client limits are raised for it (the others,
# wrong passwords and codes above all, stay as shipped).
cd "$data_dir"
# Every browser of the suite is one client (127.0.0.1): the per-client limits of registrations
# and contact-us messages are raised so that the suite's own accounts and messages fit.
# Webhooks and SaaS callbacks of the suite go to receivers the tests start on 127.0.0.1, over
# plain http: private networks and http are allowed for them (the server says so in its log), and
# due webhook deliveries are looked for often, so that the tests need not wait.
BERTH_LIMITS__REGISTRATIONS_PER_CLIENT=500/1h BERTH_LIMITS__CONSULTATIONS_PER_CLIENT=100/10m \
BERTH_WEBHOOKS__ALLOW_PRIVATE_NETWORKS=true BERTH_WEBHOOKS__ALLOW_HTTP=true BERTH_WEBHOOKS__POLL_MS=200 \
    "$bin" --data-dir "$data_dir" serve --listen "127.0.0.1:$port" >"$data_dir/server.log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 300); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "e2e: the server exited during start-up:" >&2
        cat "$data_dir/server.log" >&2
        exit 1
    fi
    if node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url/healthz"; then
        ready=1
        break
    fi
    sleep 0.2
done
if [ -z "$ready" ]; then
    echo "e2e: $url/healthz did not answer within 60 s:" >&2
    cat "$data_dir/server.log" >&2
    exit 1
fi

mkdir -p "$here/screenshots"
status=0
(
    cd "$here"
    export BERTH_URL="$url" BERTH_DATA_DIR="$data_dir" BERTH_BIN="$bin" E2E_SCREENSHOTS="$here/screenshots"
    if [ -n "${E2E_FILES:-}" ]; then
        # shellcheck disable=SC2086 # a list of files, split on spaces
        node --test --test-concurrency=1 $E2E_FILES
    else
        npm test --silent
    fi
) || status=$?

if [ "$status" -ne 0 ]; then
    echo "e2e: FAILED (status $status); warnings and errors of the server log:" >&2
    sed 's/\x1b\[[0-9;]*m//g' "$data_dir/server.log" | grep -E ' (WARN|ERROR) |panicked' | tail -n 40 >&2 || true
    echo "e2e: screenshots in $here/screenshots" >&2
fi
exit "$status"
