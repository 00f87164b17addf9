-- wrk script for the host tests' keep-alive clients (tests/host/harness/keepalive.ts): counts answers
-- outside 2xx (wrk's own count starts at 400) and prints one machine-readable line when wrk ends,
-- also when it is stopped early with SIGINT. wrk never retries a request.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

-- Paced: each connection waits 10 ms between requests (at most ~400 requests/s over 4 connections),
-- a busy site's steady load rather than a flood that would starve the deploy of CPU on a small host.
function delay()
  return 10
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format("wrk-counts: requests=%d non2xx=%d connect=%d read=%d write=%d timeout=%d duration_us=%d p99_us=%d\n",
    summary.requests, n, e.connect, e.read, e.write, e.timeout, summary.duration, latency:percentile(99)))
end
