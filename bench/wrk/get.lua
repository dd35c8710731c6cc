-- get.lua: a plain GET of the URL given to wrk, with the Host header (v2 JSON).
-- BENCH_HOST; BENCH_CLOSE=1 adds "Connection: close" (a new TLS connection per request).
wrk.method = "GET"
wrk.headers["Host"] = assert(os.getenv("BENCH_HOST"), "BENCH_HOST")
if os.getenv("BENCH_CLOSE") == "1" then
    wrk.headers["Connection"] = "close"
end
