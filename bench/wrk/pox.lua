-- pox.lua: the authenticated POX request, the same on every request of every connection.
-- BENCH_BODY_FILE: the request body; BENCH_AUTH_B64: base64("user:password"); BENCH_HOST.
local f = assert(io.open(assert(os.getenv("BENCH_BODY_FILE"), "BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.headers["Authorization"] = "Basic " .. assert(os.getenv("BENCH_AUTH_B64"), "BENCH_AUTH_B64")
wrk.headers["Host"] = assert(os.getenv("BENCH_HOST"), "BENCH_HOST")

-- Any answer other than 200 is counted by wrk ("Non-2xx or 3xx responses"); bench/run
-- refuses a run that has any.
