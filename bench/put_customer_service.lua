-- PUT /api/v1/provider/customer-service with the issue's body. The bearer token comes from the
-- command line (-H "Authorization: Bearer ..."), which wrk adds to these headers.
wrk.method = "PUT"
wrk.body = '{"phone":"400-123-4567","email":"service@example.com","dongdong_group_id":"12345678","service_hours":"9-18"}'
wrk.headers["Content-Type"] = "application/json"

-- Same report line as bench/report.lua.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
