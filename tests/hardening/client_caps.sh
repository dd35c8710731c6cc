#!/bin/bash
# The client against servers that try to make it grow: an endless body, a header line that
# never ends, a gzip bomb (64 MiB of XML in ~64 KB: the 1 MiB cap counts decoded bytes) and
# an endless chain of redirects (stopped at --max-redirects, 10). Each gets a clear reason;
# the first three fall through to the next candidate; time and memory stay bounded.
#
#   client_caps.sh AUTODISCOVER
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
client_init hard_client_caps "$@"
for mode in endless gzip; do
    client_run "$mode" "$mode"
    check "$mode: exit 0 (settings from the next candidate)" 0 "$RC"
    expect_report "$mode" 's[0]["reason"] == "answer larger than 1048576 bytes: transfer aborted"'
    expect_report "$mode" 'j["result"]["code"] == "AD_OK" and s[-1]["method"] == "autodiscover"'
    check_within "$mode" 8 160
done
client_run hugeheader hugeheader
check "hugeheader: exit 0 (settings from the next candidate)" 0 "$RC"
expect_report hugeheader 's[0]["reason"].startswith("answer header too large") and s[0]["decision"] == "next-candidate"'
check_within hugeheader 8 160
client_run redirect redirect
check "redirect forever: exit 6 (AD_E_REDIRECT_LIMIT)" 6 "$RC"
expect_report redirect 'len([x for x in r if x["server"] == "redirect"]) == 11'
expect_report redirect 'not any(x["authorization"] for x in r)'
check_within redirect 8 160
e2e_finish
