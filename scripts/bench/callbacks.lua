-- wrk script for scripts/bench/bench.py: walks the callback paths listed in $BENCH_CALLBACKS_FILE once (run it with
-- one thread), stops when every callback has been answered, and prints "completed N in S s, F failed": N callbacks
-- answered, S seconds from the first request to the stop, F answers that were not 200. Once every path has been sent,
-- connections still waiting send GET /healthz, whose answers are not counted (nor that of the /healthz the list may
-- start with).
local threads = {}

function setup(thread)
    threads[#threads + 1] = thread
end

function init(args)
    paths = {}
    callbacks = 0
    for line in io.lines(os.getenv("BENCH_CALLBACKS_FILE")) do
        if #line > 0 then paths[#paths + 1] = line end
        if line ~= "/healthz" then callbacks = callbacks + 1 end
    end
    nextIndex = 1
    answered = 0
    failed = 0
end

function request()
    local path = paths[nextIndex]
    if path == nil then
        return wrk.format("GET", "/healthz")
    end
    nextIndex = nextIndex + 1
    return wrk.format("GET", path)
end

function response(status, headers, body)
    -- /healthz answers a small JSON body; a callback answers an HTML page (or an error page).
    if string.sub(body, 1, 1) == "{" and string.find(body, "status", 1, true) and #body < 200 and status == 200 then
        return
    end
    answered = answered + 1
    if status ~= 200 then failed = failed + 1 end
    if answered >= callbacks then
        wrk.thread:stop()
    end
end

function done(summary, latency, requests)
    local answered, failed = 0, 0
    for _, thread in ipairs(threads) do
        answered = answered + thread:get("answered")
        failed = failed + thread:get("failed")
    end
    io.write(string.format("completed %d in %.3f s, %d failed\n", answered, summary.duration / 1e6, failed))
end
