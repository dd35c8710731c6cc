#!/bin/bash
# The client against servers that stall: a TCP accept that never answers the handshake, a
# TLS server that reads the request and never answers, and one that sends its body one
# byte a second. Each costs at most --timeout (2 s here), gets a clear reason, and the next
# candidate answers; nothing but the good server ever sees the password; time and memory
# stay bounded (generous margins), no sanitizer report.
#
#   client_stall.sh AUTODISCOVER
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
client_init hard_client_stall "$@"
for mode in hang hangtls slow; do
    client_run "$mode" "$mode"
    check "$mode: exit 0 (settings from the next candidate)" 0 "$RC"
    expect_report "$mode" 's[0]["reason"].startswith("timed out after") and s[0]["decision"] == "next-candidate"'
    expect_report "$mode" 'j["result"]["code"] == "AD_OK" and s[-1]["method"] == "autodiscover"'
    expect_report "$mode" 'all(x["server"] == "good" for x in r if x["password"])'
    check_within "$mode" 8 160
done
# Parallel probing (the default): a black-holed first candidate is given up after about a
# second once the next one holds settings; the whole deadline bounds everything.
CLIENT_PARALLEL=1 client_run hang-parallel hang --timeout 20 --deadline 10
check "hang, parallel: exit 0" 0 "$RC"
check_within "hang, parallel" 4 160
# A deadline shorter than the timeouts: the journey stops at the deadline (exit 3).
client_run deadline slow --exclude autodiscover --timeout 20 --deadline 3
check "deadline: exit 3" 3 "$RC"
check_within "deadline" 6 160
e2e_finish
