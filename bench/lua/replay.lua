-- Replays HTTP requests rendered before the timed part (bench/wrk.py writes them).
-- Usage: wrk -s replay.lua URL -- PREFIX
-- Thread N reads PREFIX.N.req: records of "<byte length>\n<raw request>", sent in order and
-- rotated when exhausted. Every response's status is counted; done() prints one JSON line.

local thread_count = 0
local threads = {}

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  local path = args[1] .. "." .. tid .. ".req"
  local file = assert(io.open(path, "rb"))
  local data = file:read("*a")
  file:close()
  reqs = {}
  local pos = 1
  while pos <= #data do
    local newline = data:find("\n", pos, true)
    local length = tonumber(data:sub(pos, newline - 1))
    reqs[#reqs + 1] = data:sub(newline + 1, newline + length)
    pos = newline + length + 1
  end
  count = #reqs
  index = 0
  statuses = {}
  -- wrk calls request() once on thread 0 to check it before the run: that call must not
  -- consume a request, or a stateful sequence (join, then leave) would lose a step.
  checked = (tid ~= 0)
end

function request()
  if not checked then
    checked = true
    return reqs[1]
  end
  index = index + 1
  if index > count then
    index = 1
  end
  return reqs[index]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    for status, n in pairs(counted) do
      merged[status] = (merged[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(merged) do
    parts[#parts + 1] = string.format('"%d": %d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p99": %d, ' ..
    '"p999": %d}, "statuses": {%s}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), table.concat(parts, ", ")))
end
