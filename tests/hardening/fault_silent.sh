#!/bin/bash
# The stagger of parallel probing against a silent first candidate, in a network namespace of
# its own (root needed, else SKIP): nftables drops every packet to https://contoso.test (a
# black hole: its SYN is never answered). With --stagger 3000, the next candidate
# (https://autodiscover.contoso.test) must start long before 3000 ms (the client's own
# start-up counts here: the ASan build on a loaded machine), since a SYN unanswered
# for the silence (10 ms on loopback) is enough, and the port-80 probe starts with it. A first
# candidate that is connected but slow (TLS done and the request read, never an answer; or
# TCP accepted and no TLS) still gets the whole stagger: its kernel answered the SYN.
# doc/decisions.md "Parallel probing", lib/schedule.h.
#
#   fault_silent.sh AUTODISCOVER
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
if ! command -v nft >/dev/null; then echo "SKIP: needs nft"; exit 77; fi
hard_in_netns hard-silent "$0" "$@"
client_init hard_silent "$@"
nft_input "tcp dport ${SRV[expired]} drop"
STAGGER=3000

# silent_run NAME ROOT-SERVER: the parallel client with the long stagger; T0 is its start
# (seconds since the epoch, as the server's request log says "time").
silent_run() {
    T0=$(date +%s.%N)
    CLIENT_PARALLEL=1 client_run "$1" "$2" --stagger "$STAGGER" --timeout 4 --deadline 30
}
# first_ad_request: milliseconds from T0 to the first request autodiscover.contoso.test's
# server (the good one) read.
first_ad_request() {
    python3 - requests.log "$T0" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
t = [x["time"] for x in r if x["server"] == "good"]
print(int((min(t) - float(sys.argv[2])) * 1000) if t else -1)
PY
}
# check_ms NAME MS below|atleast LIMIT: MS (not -1) is below LIMIT, or at least LIMIT.
check_ms() {
    local ok=false
    case $3 in
        below) [ "$2" -ge 0 ] && [ "$2" -lt "$4" ] && ok=true ;;
        atleast) [ "$2" -ge "$4" ] && ok=true ;;
    esac
    CHECKS=$((CHECKS + 1))
    if $ok; then echo "ok: $1: $2 ms, $3 $4"; else
        echo "FAIL: $1: $2 ms, expected $3 $4"; FAILED=$((FAILED + 1)); fi
}

# 1. Black hole: the next candidate starts once the root's SYN is unanswered for the
#    silence, not after the stagger; the probe (refused here) starts with it; the root is
#    given up as soon as the autodiscover host holds settings.
silent_run blackhole expired
check "black hole: exit 0" 0 "$RC"
ms=$(first_ad_request)
echo "figure: black hole: the next candidate's first request $ms ms after the client started"
check_ms "black hole: the next candidate started before the stagger" "$ms" below $((STAGGER / 2))
expect_report blackhole '[(x["method"], x["status"], x["decision"]) for x in s] == [("root", 0, "cancelled"), ("autodiscover", 401, "retry-with-credentials"), ("autodiscover", 200, "success"), ("redirect", 0, "held")]'
expect_report blackhole '"without a TCP connection" in s[0]["reason"] and "unanswered SYN" in s[0]["reason"] and s[0]["elapsed_ms"] < 500'
expect_report blackhole 'j["result"]["method"] == "autodiscover" and s[3]["url"].startswith("http://autodiscover.contoso.test/")'
check_within "black hole" 2.5 160

# 2. Connected but slow (TLS done, the request read, never answered): the whole stagger,
#    then the root keeps its whole timeout (4 s) and wins nothing; the held settings do.
silent_run slowhead hangtls
check "slow head: exit 0" 0 "$RC"
ms=$(first_ad_request)
echo "figure: slow head: the next candidate's first request $ms ms after the client started"
check_ms "slow head: the next candidate waited for the stagger" "$ms" atleast "$STAGGER"
expect_report slowhead 's[0]["method"] == "root" and s[0]["decision"] == "next-candidate" and s[0]["reason"].startswith("timed out")'
expect_report slowhead 'j["result"]["method"] == "autodiscover" and not any(x["method"] == "redirect" for x in s)'

# 3. TCP accepted, no TLS (a busy server whose kernel answered): not silent either; given up
#    only by the grace once the autodiscover host holds settings.
silent_run tcponly hang
check "TCP only: exit 0" 0 "$RC"
ms=$(first_ad_request)
echo "figure: TCP only: the next candidate's first request $ms ms after the client started"
check_ms "TCP only: the next candidate waited for the stagger" "$ms" atleast "$STAGGER"
expect_report tcponly '[(x["method"], x["decision"]) for x in s[:3]] == [("root", "cancelled"), ("autodiscover", "retry-with-credentials"), ("autodiscover", "success")]'
expect_report tcponly '"without a TLS connection" in s[0]["reason"] and s[0]["elapsed_ms"] >= '"$STAGGER"
e2e_finish
