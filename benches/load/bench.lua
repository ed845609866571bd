-- wrk script shared by every scenario and both servers, so they get exactly the same requests.
--   wrk ... -s bench.lua URL                 GET URL
--   LOAD_CREATE=1 wrk ... -s bench.lua URL   POST to URL the body of the shared peer's create.lua
-- At the end it prints one line `RESULT {json}` (req/s, latency percentiles in µs, errors) for
-- run.sh to read, so nothing depends on the layout of wrk's human-readable report.
--
-- `request` is defined only for creates: wrk decides when it loads the script whether to call
-- Lua for every request, and that call costs wrk CPU that the server then lacks (both share the
-- machine's cores), which would cap the faster server most.

if os.getenv("LOAD_CREATE") == "1" then
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local counter = 0

  function request()
    -- The same body as shared/bench/pocketbase/create.lua.
    counter = counter + 1
    local body = string.format(
      '{"title":"bench %d","price":%d.5,"active":%s,"status":"draft"}',
      counter, counter % 1000, (counter % 2 == 0) and "true" or "false")
    return wrk.format(nil, nil, nil, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"rps":%.2f,"p50_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
