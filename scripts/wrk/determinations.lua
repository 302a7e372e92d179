-- wrk script: POST an example encounter to /v1/determinations, each request a new claim id and
-- member id (so recording never replays and no member's history grows without bound).
-- Environment: MEDPOLICY_BODY (encounter file), MEDPOLICY_QUERY (e.g. "?record=false"), MEDPOLICY_KEY.
local threads = {}
local counter = 0
local template

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(os.getenv("MEDPOLICY_BODY"), "r"))
  template = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.path = "/v1/determinations" .. (os.getenv("MEDPOLICY_QUERY") or "")
  wrk.headers["Content-Type"] = "application/json"
  local key = os.getenv("MEDPOLICY_KEY")
  if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
end

function request()
  counter = counter + 1
  local tag = tid .. "-" .. counter
  local body = template:gsub('"id": "([^"]*)"', function(old) return '"id": "' .. old .. "-" .. tag .. '"' end)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors (non-2xx) %d, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
