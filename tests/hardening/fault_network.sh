#!/bin/bash
# Network faults for the client, in a network namespace of its own (root needed, else SKIP):
# nftables drops every packet to the first candidate (https://contoso.test: a black hole,
# in the INPUT hook as the lab does) and 10 % of the data packets to the next one. The client
# still gets its settings from the later candidate within the deadline, with a clear reason
# for the first.
#
# Why data packets only, and 10 %: a lost SYN costs 1 s and then resets the connection's
# retransmission timeout to 3 s (RFC 6298 5.7), so one lost SYN and one lost data packet
# already cost 4 s; the test then failed now and then on a lossy path it should survive.
# A lost data packet costs 200 ms doubling per retry: five in a row (p = 1e-5) exceed the
# 5 s timeout.
#
#   fault_network.sh AUTODISCOVER
set -euo pipefail
if ! command -v nft >/dev/null; then echo "SKIP: needs nft"; exit 77; fi
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
hard_in_netns hard-net "$0" "$@"
client_init hard_network "$@"
nft_input "tcp dport ${SRV[expired]} drop" \
    "tcp dport ${SRV[good]} tcp flags ! syn numgen random mod 100 < 10 drop"
for mode in sequential parallel; do
    par=0; [ "$mode" = parallel ] && par=1
    CLIENT_PARALLEL=$par client_run "blackhole-$mode" expired --timeout 5 --deadline 30
    check "black hole first ($mode): exit 0" 0 "$RC"
    expect_report "blackhole-$mode" 's[0]["method"] == "root" and s[0]["decision"] in ("next-candidate", "cancelled")'
    expect_report "blackhole-$mode" 'j["result"]["code"] == "AD_OK" and j["result"]["method"] == "autodiscover"'
    check_within "black hole ($mode)" 30 160
done
e2e_finish
