#!/bin/bash
# Parallel probing against the fake server (https_server.py): the candidates overlap, but
# the order of PROTOCOL.md §1.3 still picks the winner. No timing assertion except one
# generous bound (a hung root given up long before its 20 s timeout); the rest asserts the
# order of the steps and their decisions.
set -euo pipefail
tool=${1:?usage: parallel-local.sh AUTODISCOVER}
. "$(dirname "$0")/fixture.sh"

# ad ROOT_PORT ARGS...: contoso.test -> ROOT_PORT, the autodiscover host ($contoso_ad unless
# set) and eu.provider.test -> the good server, the probe -> the plain port, SRV -> a closed port; autodiscover.probe.test
# -> $probe_ad (a closed port unless set).
ad() {
    local root=$1; shift
    "$tool" --json --cacert "$tmp/ca.pem" --no-cache --dns-server "127.0.0.1:$refused" \
        --connect-to "contoso.test:443:127.0.0.1:$root" \
        --connect-to "autodiscover.contoso.test:443:127.0.0.1:${contoso_ad:-$good}" \
        --connect-to "eu.provider.test:443:127.0.0.1:$good" \
        --connect-to "autodiscover.probe.test:443:127.0.0.1:${probe_ad:-$refused}" \
        --connect-to ":80:127.0.0.1:$plain" \
        --password-file "$tmp/password" --user bob@contoso.test "$@"
}
# The steps of one method as (status, decision) pairs.
pairs='lambda m: [(x["status"], x["decision"]) for x in s if x["method"] == m]'

# (a) The root hangs (TCP accepted, TLS never answered); the autodiscover host answers. The
#     autodiscover host starts after the stagger, its settings are held; the root, still
#     without a TLS connection, is given up ("cancelled") and the autodiscover host wins.
start=$(date +%s)
run hang 0 ad "$hang" --timeout 20 bob@contoso.test
elapsed=$(($(date +%s) - start))
[ "$elapsed" -lt 20 ] || fail "hang: took ${elapsed}s, the root's timeout is 20s"
expect_json "$tmp/hang.json" '[(x["method"], x["status"], x["decision"]) for x in s] == [("root", 0, "cancelled"), ("autodiscover", 401, "retry-with-credentials"), ("autodiscover", 200, "success")]'
expect_json "$tmp/hang.json" '"without a TLS connection" in s[0]["reason"] and "autodiscover" in s[0]["reason"] and s[0]["elapsed_ms"] < 20000'
expect_json "$tmp/hang.json" '"held: an earlier candidate was pending" in s[2]["reason"] and j["result"]["method"] == "autodiscover"'

# (b) Both answer, the root late (1 s, after its TLS handshake): the root's answer wins; the
#     autodiscover host's answers, which came first, are recorded as held and not used.
run slow 0 ad "$good" --timeout 20 slow@contoso.test
expect_json "$tmp/slow.json" 'j["result"]["method"] == "root" and j["result"]["url"] == "https://contoso.test/autodiscover/autodiscover.xml"'
expect_json "$tmp/slow.json" '[x["method"] for x in s[:2]] == ["root", "root"] and ('"$pairs"')("root") == [(401, "retry-with-credentials"), (200, "success")]'
expect_json "$tmp/slow.json" '('"$pairs"')("autodiscover") == [(401, "held"), (200, "held")] and "with settings" in s[3]["reason"]'
expect_json "$tmp/slow.json" 'all(x["decision"] in ("held", "cancelled") for x in s[2:])'
expect_log 'sum(1 for x in r if x["host"] == "autodiscover.contoso.test") == 2'

# (c) --sequential: exactly the old journey, one attempt at a time.
run seq-hang 0 ad "$hang" --sequential --timeout 1.5 bob@contoso.test
expect_json "$tmp/seq-hang.json" '[(x["method"], x["status"], x["decision"]) for x in s] == [("root", 0, "next-candidate"), ("autodiscover", 401, "retry-with-credentials"), ("autodiscover", 200, "success")]'
expect_json "$tmp/seq-hang.json" 's[0]["reason"].startswith("timed out after") and not any("held" in x["reason"] for x in s)'
run seq-slow 0 ad "$good" --sequential slow@contoso.test
expect_json "$tmp/seq-slow.json" '[(x["method"], x["status"], x["decision"]) for x in s] == [("root", 401, "retry-with-credentials"), ("root", 200, "success")]'
expect_log 'all(x["host"] == "contoso.test" for x in r)'

# (d) A redirect continues in its candidate's place in the order: the root's late 302 is
#     followed (and answers) before the autodiscover host's held settings are considered.
run slowmove 0 ad "$good" --timeout 20 slowmove@contoso.test
expect_json "$tmp/slowmove.json" '[(x["method"], x["status"], x["decision"]) for x in s[:3]] == [("root", 302, "follow-redirect"), ("root", 401, "retry-with-credentials"), ("root", 200, "success")] and s[1]["url"] == "https://eu.provider.test/autodiscover/autodiscover.xml"'
expect_json "$tmp/slowmove.json" 'j["result"]["url"] == "https://eu.provider.test/autodiscover/autodiscover.xml" and ('"$pairs"')("autodiscover") == [(401, "held"), (200, "held")]'

# (e) A stagger longer than the root's answer: nothing starts ahead.
run stagger 0 ad "$good" --stagger 60000 slow@contoso.test
expect_json "$tmp/stagger.json" '[x["method"] for x in s] == ["root", "root"]'
expect_log 'all(x["host"] == "contoso.test" for x in r)'

# (f) Consent is asked in order only: the probe's GET may run ahead, but its Location (another
#     registrable domain) is decided after the root has failed (timed out here: no settings
#     are held, so the root keeps its whole timeout) and the autodiscover host (refused).
run consent 3 ad "$hang" --connect-to "probe.test:443:127.0.0.1:$hang" --timeout 1.5 bob@probe.test
expect_json "$tmp/consent.json" '[(x["method"], x["decision"]) for x in s] == [("root", "next-candidate"), ("autodiscover", "next-candidate"), ("redirect", "follow-redirect"), ("redirect", "refused-consent"), ("srv", "next-candidate")]'
expect_json "$tmp/consent.json" 's[0]["reason"].startswith("timed out after") and "held" in s[2]["reason"]'
expect_log 'len(r) == 1 and r[0]["method"] == "GET" and not r[0]["authorization"]'

# (h) A black-holed root and autodiscover host (TCP accepted or dropped, TLS never answered):
#     the probe's 302 goes to a host allowed with --allow-redirect, so it starts ahead (no
#     prompt would be asked), and so do its redirectUrl hop and that hop's 401 -> Basic
#     retry. The chain reaches settings, the two silent heads are given up after the
#     adaptive grace, and every answer of the chain was held until its turn.
start=$(date +%s%N)
probe_ad=$hang run blackhole 0 ad "$hang" --connect-to "probe.test:443:127.0.0.1:$hang" \
    --connect-to "ad.provider.test:443:127.0.0.1:$good" \
    --allow-redirect ad.provider.test --allow-basic-after-redirect --timeout 20 hop@probe.test
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed_ms" -lt 10000 ] || fail "blackhole: took ${elapsed_ms} ms, half the 20 s timeout is 10000"
expect_json "$tmp/blackhole.json" '[(x["method"], x["status"], x["decision"]) for x in s] == [("root", 0, "cancelled"), ("autodiscover", 0, "cancelled"), ("redirect", 302, "follow-redirect"), ("redirect", 200, "follow-redirect"), ("redirect", 401, "retry-with-credentials"), ("redirect", 200, "success")]'
expect_json "$tmp/blackhole.json" 'all("without a TLS connection" in x["reason"] and "grace" in x["reason"] and x["elapsed_ms"] < 10000 for x in s[:2])'
expect_json "$tmp/blackhole.json" 'all("held: an earlier candidate was pending" in x["reason"] for x in s[2:])'
expect_json "$tmp/blackhole.json" 'j["result"]["url"] == "https://eu.provider.test/autodiscover/autodiscover.xml" and s[3]["url"] == "https://ad.provider.test/autodiscover/autodiscover.xml"'
expect_log '[(x["host"], x["method"], x["authorization"]) for x in r] == [("autodiscover.probe.test", "GET", False), ("ad.provider.test", "POST", False), ("eu.provider.test", "POST", False), ("eu.provider.test", "POST", True)]'
echo "blackhole: ${elapsed_ms} ms"

# (i) The same without --allow-redirect: the 302's host would need a prompt, so nothing starts
#     ahead of it and no settings are held; the silent heads keep their whole timeout, and
#     the consent is asked (refused here) in its turn.
probe_ad=$hang run blackhole-ask 3 ad "$hang" --connect-to "probe.test:443:127.0.0.1:$hang" \
    --timeout 1.5 hop@probe.test
expect_json "$tmp/blackhole-ask.json" '[(x["method"], x["decision"]) for x in s] == [("root", "next-candidate"), ("autodiscover", "next-candidate"), ("redirect", "follow-redirect"), ("redirect", "refused-consent"), ("srv", "next-candidate")]'
expect_log '[x["method"] for x in r] == ["GET"]'

# (j) Priority under the adaptive grace: every TLS handshake of the root waits 200 ms (slow,
#     alive), every one of the autodiscover host 120 ms (the server closes each connection, so
#     the retry with credentials waits again). The autodiscover host starts 10 ms in and holds
#     settings at ~350 ms, while the root's retry is ~130 ms old without a connection: past
#     the 100 ms floor, but within 3 x the 120 ms connection seen. The root keeps its timeout
#     and wins.
contoso_ad=$tls120 run slowtls 0 ad "$tls200" --stagger 10 --timeout 20 bob@contoso.test
expect_json "$tmp/slowtls.json" 'j["result"]["method"] == "root" and ('"$pairs"')("root") == [(401, "retry-with-credentials"), (200, "success")]'
expect_json "$tmp/slowtls.json" '('"$pairs"')("autodiscover") == [(401, "held"), (200, "held")] and any("with settings" in x["reason"] for x in s if x["method"] == "autodiscover")'
expect_json "$tmp/slowtls.json" 'not any(x["decision"] == "cancelled" for x in s)'

# (g) Bad values.
run stagger-bad 2 "$tool" --stagger -5 bob@contoso.test
grep -q -- '--stagger' "$tmp/stagger-bad.err" || fail "stagger-bad: reason"
