-- wrk script for `bench/run.sh ladder`: posts Segment tracks, one per request to /v1/track or
-- BENCH_BATCH_SIZE per request to /v1/batch, each for a random user of BENCH_USERS users named
-- BENCH_USER_PREFIX0 to BENCH_USER_PREFIX(N-1). The bodies have the shape that
-- bench/audiences/load.mjs builds for autocannon. At the end it prints one line, "LADDER_RESULT"
-- and JSON, with the count of 200 responses, the count of other statuses and wrk's own totals.
local mode = os.getenv("BENCH_MODE") or "track"
local users = tonumber(os.getenv("BENCH_USERS") or "1")
local prefix = os.getenv("BENCH_USER_PREFIX") or "user-"
local batch_size = tonumber(os.getenv("BENCH_BATCH_SIZE") or "100")
local path = mode == "batch" and "/v1/batch" or "/v1/track"

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  ok_responses = 0
  other_responses = 0
  math.randomseed(os.time() * 1000 + thread_index)
end

-- A batch item names its type; a single message takes it from the path, as in load.mjs.
local function track(type_field)
  return string.format(
    '{%s"userId":"%s%d","event":"Product Viewed","properties":{"sku":"sku-%d","price":19.5}}',
    type_field, prefix, math.random(0, users - 1), math.random(0, 499))
end

function request()
  if mode ~= "batch" then
    return wrk.format(nil, path, nil, track(""))
  end

  local items = {}
  for i = 1, batch_size do
    items[i] = track('"type":"track",')
  end
  return wrk.format(nil, path, nil, '{"batch":[' .. table.concat(items, ",") .. ']}')
end

function response(status, headers, body)
  if status == 200 then
    ok_responses = ok_responses + 1
  else
    other_responses = other_responses + 1
  end
end

function done(summary, latency, requests)
  local ok, other = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("ok_responses")
    other = other + thread:get("other_responses")
  end

  local errors = summary.errors
  io.write(string.format(
    'LADDER_RESULT {"ok":%d,"nonOk":%d,"requests":%d,"durationUs":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"p50":%d,"p99":%d,"max":%d}}\n',
    ok, other, summary.requests, summary.duration,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
