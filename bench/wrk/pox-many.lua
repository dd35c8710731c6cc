-- pox-many.lua: authenticated POX requests cycling through many mailboxes (directory scale).
-- BENCH_USERS_FILE: one "address<TAB>base64(address:password)" line per mailbox; each
-- request asks for its own mailbox, so every request is a different directory lookup.
-- The requests are formatted once, in init: the per-request cost is the same as pox.lua's.
local reqs, n, i = {}, 0, 0
function init(args)
    local path = wrk.path
    local host = assert(os.getenv("BENCH_HOST"), "BENCH_HOST")
    local schema = "http://schemas.microsoft.com/exchange/autodiscover/outlook/"
    for line in io.lines((assert(os.getenv("BENCH_USERS_FILE"), "BENCH_USERS_FILE"))) do
        local addr, b64 = line:match("^(%S+)\t(%S+)$")
        if addr then
            local body = '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="' ..
                schema .. 'requestschema/2006"><Request><EMailAddress>' .. addr ..
                '</EMailAddress><AcceptableResponseSchema>' .. schema ..
                'responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>'
            n = n + 1
            reqs[n] = wrk.format("POST", path, {
                ["Host"] = host,
                ["Content-Type"] = "text/xml; charset=utf-8",
                ["Authorization"] = "Basic " .. b64,
            }, body)
        end
    end
    assert(n > 0, "no users in BENCH_USERS_FILE")
end
function request()
    i = i % n + 1
    return reqs[i]
end
