#!/bin/bash
# The journey beyond steps 4-5 against the fake server (https_server.py): HTTP and POX
# redirects, redirect loops and the limit, redirectAddr, the port-80 probe and consent, local
# XML, the last-known-good cache, the switcheroo guard. DNS SRV is in srv-unbound.sh.
set -euo pipefail
tool=${1:?usage: journey-local.sh AUTODISCOVER}
. "$(dirname "$0")/fixture.sh"

# ad_cached ARGS...: every contoso/provider/fabrikam host of the server on the good port, the root
# domains refused, the probe on the plain port, SRV on a closed port;
# ad: the same without the cache.
ad_cached() { # the caller's options first: its --connect-to wins over the defaults
    "$tool" "$@" --json --cacert "$tmp/ca.pem" --dns-server "127.0.0.1:$refused" \
        --connect-to "contoso.test:443:127.0.0.1:$refused" \
        --connect-to "fabrikam.test:443:127.0.0.1:$refused" \
        --connect-to "autodiscover.contoso.test:443:127.0.0.1:$good" \
        --connect-to "autodiscover.fabrikam.test:443:127.0.0.1:$good" \
        --connect-to "eu.provider.test:443:127.0.0.1:$good" \
        --connect-to "ad.provider.test:443:127.0.0.1:$good" \
        --connect-to ":80:127.0.0.1:$plain" \
        --password-file "$tmp/password" --user bob@contoso.test
}
ad() { ad_cached --no-cache "$@"; }
steps() { python3 -c 'import json,sys; [print(x["method"], x["url"] or x["query"], x["status"], x["decision"], x["reason"]) for x in json.load(open(sys.argv[1]))["steps"]]' "$1"; }

# 1. A 302 on the POST: re-POSTed by us to the Location, credentials kept for the new host.
run redir302 0 ad redir302@contoso.test
expect_json "$tmp/redir302.json" '[(x["status"], x["decision"], x["auth"]) for x in s[1:]] == [(302, "follow-redirect", "none"), (401, "retry-with-credentials", "none"), (200, "success", "basic")]'
expect_json "$tmp/redir302.json" 'j["result"]["url"] == "https://eu.provider.test/Autodiscover/bob/Autodiscover.xml" and j["result"]["redirects"] == 1 and s[2]["redirected_from"] == s[1]["url"] and s[3]["hop"] == 1'
expect_log 'r[-1]["host"] == "eu.provider.test" and r[-1]["method"] == "POST" and r[-1]["basic"] == "bob@contoso.test:s3cret-pw" and r[-1]["email"] == "redir302@contoso.test"'

# 2. A Location whose path is not /autodiscover/.../autodiscover.xml is not followed.
run badpath 3 ad badpath@contoso.test
expect_json "$tmp/badpath.json" 's[1]["decision"] == "next-candidate" and "path is not" in s[1]["reason"]'
expect_log 'not any(x["host"] == "eu.provider.test" for x in r)'

# 3. An http Location is not followed.
run httploc 3 ad httploc@contoso.test
expect_json "$tmp/httploc.json" 's[1]["status"] == 301 and "not an https URL" in s[1]["reason"]'
expect_log 'not any(x["host"] == "eu.provider.test" for x in r)'

# 4. redirectUrl A -> B -> A: the loop is seen, A is not POSTed again; exit 6.
run loop 6 ad loop@contoso.test
expect_json "$tmp/loop.json" 'd[-1]["decision"] == "stop" and "loop" in d[-1]["reason"] and j["result"]["code"] == "AD_E_REDIRECT_LIMIT"'
expect_log 'sum(1 for x in r if x["host"] == "autodiscover.contoso.test") == 1 and sum(1 for x in r if x["host"] == "eu.provider.test") == 1'

# 5. Endless redirectUrl: 10 followed, the 11th refused; 11 POSTs in all.
run chain 6 ad chain@contoso.test
expect_json "$tmp/chain.json" 'len([x for x in d if x["method"] == "autodiscover"]) == 11 and d[-1]["decision"] == "stop" and "limit of 10" in d[-1]["reason"] and j["result"]["redirects"] == 10'
expect_log 'len([x for x in r if x["method"] == "POST"]) == 11'
run chain3 6 ad --max-redirects 3 chain@contoso.test
expect_log 'len([x for x in r if x["method"] == "POST"]) == 4'

# 6. redirectAddr: the journey starts over for the new address (new domain), same user name.
run moveaddr 0 ad moveaddr@contoso.test
expect_json "$tmp/moveaddr.json" 's[1]["decision"] == "restart-with-address" and s[2]["email"] == "moved2@fabrikam.test" and s[2]["url"] == "https://fabrikam.test/autodiscover/autodiscover.xml"'
expect_json "$tmp/moveaddr.json" 'j["result"]["email"] == "moved2@fabrikam.test" and j["result"]["redirects"] == 1 and j["result"]["url"] == "https://autodiscover.fabrikam.test/autodiscover/autodiscover.xml"'
expect_log 'r[-1]["email"] == "moved2@fabrikam.test" and r[-1]["basic"] == "bob@contoso.test:s3cret-pw"'

# 7. redirectAddr a -> b -> a: a loop; exit 6.
run addrloop 6 ad addr-a@contoso.test
expect_json "$tmp/addrloop.json" 's[-1]["decision"] == "stop" and "loop" in j["result"]["reason"]'

# 8. redirectAddr to the address just sent: that URL is invalid, next candidate.
run selfaddr 3 ad selfaddr@contoso.test
expect_json "$tmp/selfaddr.json" 's[1]["decision"] == "next-candidate" and "address just sent" in s[1]["reason"] and s[2]["method"] == "redirect"'

# 9. The port-80 probe: GET without Authorization, cookies or body; its 302 to another
#    registrable domain needs consent, refused by default: nothing reaches that host.
run probe-refused 3 ad bob@probe.test
expect_json "$tmp/probe-refused.json" '[x["method"] for x in s] == ["root", "autodiscover", "redirect", "redirect", "srv"] and s[2]["decision"] == "follow-redirect" and s[3]["decision"] == "refused-consent" and "--allow-redirect ad.provider.test" in s[3]["reason"]'
expect_log 'len(r) == 1 and r[0]["method"] == "GET" and not r[0]["authorization"] and not r[0]["cookie"] and r[0]["body_len"] == 0'

# 10. Allowed with --allow-redirect, but the host offers only Basic: withheld (switcheroo).
run probe-allowed 4 ad --allow-redirect ad.provider.test bob@probe.test
expect_json "$tmp/probe-allowed.json" 's[3]["status"] == 401 and "withheld" in s[3]["reason"] and s[3]["auth"] == "none"'
expect_log 'all(not x["authorization"] for x in r)'
run probe-basic 0 ad --allow-redirect ad.provider.test --allow-basic-after-redirect bob@probe.test
expect_json "$tmp/probe-basic.json" 'j["result"]["method"] == "redirect" and j["result"]["url"] == "https://ad.provider.test/autodiscover/autodiscover.xml"'
expect_log 'not r[0]["authorization"] and r[-1]["basic"] == "bob@contoso.test:s3cret-pw"'

# 11. The probe's 302 to http, and a 200: ignored with a reason.
run probe-http 3 ad bob@probehttp.test
expect_json "$tmp/probe-http.json" 's[2]["decision"] == "next-candidate" and "not an https URL" in s[2]["reason"]'
run probe-200 3 ad bob@probe200.test
expect_json "$tmp/probe-200.json" 's[2]["status"] == 200 and "ignored" in s[2]["reason"]'
expect_log 'all(not x["authorization"] for x in r)'

# 12. Local XML preferred: the answer from the file, no connection at all.
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import https_server; print(https_server.SETTINGS)' "$here" >"$tmp/local.xml"
run localxml 0 ad --prefer-local-xml --local-xml "contoso.test=$tmp/local.xml" bob@contoso.test
expect_json "$tmp/localxml.json" '[(x["method"], x["decision"]) for x in s] == [("localxml", "success")] and j["result"]["method"] == "localxml"'
expect_log 'len(r) == 0'
# Not preferred: after the autodiscover host (which fails here for an unknown address).
run localxml-late 0 ad --local-xml "nobody@contoso.test=$tmp/local.xml" nobody@contoso.test
expect_json "$tmp/localxml-late.json" '[x["method"] for x in s] == ["root", "autodiscover", "autodiscover", "localxml"]'
# Unreadable: a step that says so, then the next candidate.
run localxml-missing 3 ad --exclude autodiscover --prefer-local-xml --local-xml "contoso.test=$tmp/nonexistent.xml" bob@contoso.test
expect_json "$tmp/localxml-missing.json" 's[0]["method"] == "localxml" and "cannot read" in s[0]["reason"] and s[0]["decision"] == "next-candidate"'

# 13. The last-known-good cache: written on success, used first on the next run, dropped
#     when it fails.
cache="$tmp/lkg"
run cache-fill 0 ad_cached --cache-dir "$cache" bob@contoso.test
[ "$(ls "$cache" | wc -l)" = 1 ] || fail "cache-fill: no entry"
run cache-hit 0 ad_cached --cache-dir "$cache" bob@contoso.test
expect_json "$tmp/cache-hit.json" 's[0]["method"] == "lastknown" and j["result"]["from_cache"] and j["result"]["method"] == "lastknown" and len(s) == 2'
run cache-fail 3 ad_cached --cache-dir "$cache" --connect-to "autodiscover.contoso.test:443:127.0.0.1:$refused" bob@contoso.test
expect_json "$tmp/cache-fail.json" 's[0]["method"] == "lastknown" and s[0]["decision"] == "next-candidate"'
[ "$(ls "$cache" | wc -l)" = 0 ] || fail "cache-fail: entry not dropped"
echo "ok: cache dropped"

# 14. Options from a config file (same names as the command line).
printf '# test\nprefer-local-xml\nlocal-xml "contoso.test=%s"\n' "$tmp/local.xml" >"$tmp/config"
run config 0 ad --config "$tmp/config" bob@contoso.test
expect_json "$tmp/config.json" 's[0]["method"] == "localxml"'
mkdir -p "$XDG_CONFIG_HOME/autodiscover" && printf 'bogus-option 1\n' >"$XDG_CONFIG_HOME/autodiscover/config"
run config-bad 2 ad bob@contoso.test
grep -q 'unknown option' "$tmp/config-bad.err" || fail "config-bad: reason"
rm -f "$XDG_CONFIG_HOME/autodiscover/config"

# 15. --retries on a timeout: the same request again, then the next candidate. Nothing starts
#     ahead (--stagger), so no held settings give the silent root up before its timeout.
run retries 0 ad --connect-to "contoso.test:443:127.0.0.1:$hang" --timeout 0.3 --retries 1 --stagger 60000 bob@contoso.test
expect_json "$tmp/retries.json" '[x["decision"] for x in s[:2]] == ["retry-after-timeout", "next-candidate"]'

# 16. --pre-auth: the credentials go with the first POST to the address's own hosts (no 401
#     round trip), but a host reached through the port-80 probe gets none up front, even when
#     allowed with --allow-redirect (the switcheroo guard then still decides), and the probe
#     itself never carries them.
run preauth 0 ad --pre-auth bob@contoso.test
expect_json "$tmp/preauth.json" '[(x["method"], x["status"], x["decision"], x["auth"]) for x in s] == [("root", 0, "next-candidate", "basic"), ("autodiscover", 200, "success", "basic")]'
expect_log 'len(r) == 1 and r[0]["host"] == "autodiscover.contoso.test" and r[0]["basic"] == "bob@contoso.test:s3cret-pw"'
run preauth-probe 4 ad --pre-auth --allow-redirect ad.provider.test bob@probe.test
expect_log 'r[0]["method"] == "GET" and all(not x["authorization"] for x in r)'
expect_json "$tmp/preauth-probe.json" 'all(x["auth"] == "none" for x in s if x["method"] == "redirect")'
