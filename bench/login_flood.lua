-- POST /api/v1/sessions with unknown e-mail addresses, for bench/login_flood.sh. With
-- FLOOD_FORWARDED=1 every request also names a random client in X-Forwarded-For (the server
-- trusts 127.0.0.1 as its proxy in that run), so the flood looks like many clients.
local threads = {}
local forwarded = os.getenv("FLOOD_FORWARDED") == "1"

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  n = 0
  math.randomseed(os.time() * 1000 + id)
end

function request()
  n = n + 1
  local headers = { ["Content-Type"] = "application/json" }
  if forwarded then
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  end
  local body = string.format('{"email":"nobody-%d-%d@flood.test","password":"not the password"}', id, n)
  return wrk.format("POST", "/api/v1/sessions", headers, body)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for status, k in pairs(c) do
      total[status] = (total[status] or 0) + k
    end
  end
  local parts = {}
  for status, k in pairs(total) do
    table.insert(parts, string.format("%d=%d", status, k))
  end
  table.sort(parts)
  local e = summary.errors
  io.write(string.format("FLOOD requests=%d rps=%.0f p99_us=%d socket_errors=%d statuses=%s\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
