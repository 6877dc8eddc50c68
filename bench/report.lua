-- Shared by bench/run.sh for the GET runs: prints one machine-readable line at the end
-- (latencies in microseconds; status_errors = answers >= 400; socket_errors = connect, read,
-- write and timeout errors).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
