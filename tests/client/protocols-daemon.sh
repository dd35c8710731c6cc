#!/bin/bash
# The client's protocols against the REAL daemon (build-dir autodiscoverd) over TLS on
# loopback: SOAP GetUserSettings (capability GET, settings, InvalidSetting and
# SettingIsNotAvailable, RedirectAddress), v2 JSON (Url -> POX with credentials, a v2 302,
# InvalidProtocol, --v2-protocol Ews), mobilesync (settings, Action/Redirect). contoso.test
# itself is the fake server of https_server.py, whose GET carries no X-SOAP-Enabled (so the
# SOAP capability probe skips it); autodiscover.contoso.test and autodiscover.fabrikam.test
# are the daemon. The CA is made at test time (fixture.sh); names are mapped with --connect-to.
#
#   protocols-daemon.sh AUTODISCOVER AUTODISCOVERD AUTODISCOVERCTL [EXAMPLE]
set -euo pipefail
tool=${1:?usage: protocols-daemon.sh AUTODISCOVER AUTODISCOVERD AUTODISCOVERCTL [EXAMPLE]}
daemon=${2:?}
ctl=${3:?}
example=${4:-}
. "$(dirname "$0")/fixture.sh"
daemon_pid=
stop_daemon() { [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true; cleanup; }
trap stop_daemon EXIT

# --- the directory: contoso (bob; alice moved to fabrikam) and fabrikam ---
db=$tmp/directory.db
c() { "$ctl" --db "$db" "$@" >/dev/null || fail "autodiscoverctl $*"; }
c init
c org add contoso
c domain add contoso.test --org contoso
c org add fabrikam
c domain add fabrikam.test --org fabrikam
c mailbox add bob@contoso.test --name "Bob Example" --password-file "$tmp/password"
printf 'alice-pw\n' >"$tmp/alice.pw"
c mailbox add alice@contoso.test --name Alice --password-file "$tmp/alice.pw" \
    --target-address alice@fabrikam.test
c mailbox add alice@fabrikam.test --name Alice --password-file "$tmp/alice.pw"
c protocol add contoso EXCH Server=cas.contoso.test EwsUrl=https://cas.contoso.test/EWS/Exchange.asmx
c protocol add contoso EXPR Server=mail.contoso.test EwsUrl=https://mail.contoso.test/EWS/Exchange.asmx
c protocol add contoso MobileSync Url=https://mail.contoso.test/Microsoft-Server-ActiveSync
c protocol add contoso AutodiscoverV1 Url=https://autodiscover.contoso.test/autodiscover/autodiscover.xml
c protocol add fabrikam EXPR EwsUrl=https://mail.fabrikam.test/EWS/Exchange.asmx
c protocol add fabrikam AutodiscoverV1 Url=https://autodiscover.fabrikam.test/autodiscover/autodiscover.xml

# --- the daemon, with the fixture's certificate (it names *.contoso.test and *.fabrikam.test) ---
port=$(free_port)
cat >"$tmp/autodiscoverd.conf" <<CONF
directory "sqlite:$db"
listen 127.0.0.1 $port {
    tls-certificate "$tmp/good.pem"
    tls-key "$tmp/good.key"
}
CONF
"$daemon" -d -f "$tmp/autodiscoverd.conf" 2>"$tmp/daemon.err" &
daemon_pid=$!
for _ in $(seq 100); do
    curl -s -o /dev/null --cacert "$tmp/ca.pem" --connect-to "autodiscover.contoso.test:443:127.0.0.1:$port" \
        https://autodiscover.contoso.test/healthz && break
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$tmp/daemon.err"; fail "daemon died"; }
    sleep 0.05
done

ad() {
    "$tool" --json --cacert "$tmp/ca.pem" --no-cache \
        --connect-to "contoso.test:443:127.0.0.1:$good" \
        --connect-to "autodiscover.contoso.test:443:127.0.0.1:$port" \
        --connect-to "autodiscover.contoso.test:80:127.0.0.1:$refused" \
        --connect-to "fabrikam.test:443:127.0.0.1:$refused" \
        --connect-to "autodiscover.fabrikam.test:443:127.0.0.1:$port" \
        --connect-to "autodiscover.fabrikam.test:80:127.0.0.1:$refused" \
        --dns-server "127.0.0.1:$refused" "$@"
}
steps() { # the (method, status, decision) of every step
    python3 -c 'import json,sys; print([(s["method"], s["status"], s["decision"]) for s in json.load(open(sys.argv[1]))["steps"]])' "$1"
}

# ===== SOAP =====
run soap 0 ad --protocol soap --password-file "$tmp/password" --setting UserDisplayName \
    --setting ExternalEwsUrl --setting InternalEwsUrl --setting NoSuchSetting \
    --setting InternalUMUrl bob@contoso.test
expect_json "$tmp/soap.json" 'j["result"]["protocol"] == "soap" and j["result"]["url"] == "https://autodiscover.contoso.test/autodiscover/autodiscover.svc"'
expect_json "$tmp/soap.json" 'j["result"]["settings"] == {"UserDisplayName": "Bob Example", "ExternalEwsUrl": "https://mail.contoso.test/EWS/Exchange.asmx", "InternalEwsUrl": "https://cas.contoso.test/EWS/Exchange.asmx"}'
expect_json "$tmp/soap.json" '{e["name"]: e["code"] for e in j["result"]["setting_errors"]} == {"NoSuchSetting": "InvalidSetting", "InternalUMUrl": "SettingIsNotAvailable"}'
# contoso.test (https_server.py) has no X-SOAP-Enabled: skipped after its GET, nothing POSTed there.
expect_json "$tmp/soap.json" '[(x["method"], x["status"], x["decision"]) for x in s] == [("root", 200, "next-candidate"), ("autodiscover", 401, "proceed"), ("autodiscover", 401, "retry-with-credentials"), ("autodiscover", 200, "success")]'
expect_json "$tmp/soap.json" '"without X-SOAP-Enabled" in s[0]["reason"] and s[0]["url"] == "https://contoso.test/autodiscover/autodiscover.xml" and s[0]["auth"] == "none"'
expect_json "$tmp/soap.json" 's[1]["url"].endswith("/autodiscover.xml") and s[2]["url"].endswith("/autodiscover.svc") and s[3]["auth"] == "basic"'
expect_log 'len(r) == 1 and r[0]["method"] == "GET" and r[0]["host"] == "contoso.test" and not r[0]["authorization"]'

# The human output prints the settings and the refused ones.
"$tool" --cacert "$tmp/ca.pem" --no-cache --connect-to "contoso.test:443:127.0.0.1:$refused" \
    --connect-to "autodiscover.contoso.test:443:127.0.0.1:$port" --exclude redirect,srv \
    --protocol soap --password-file "$tmp/password" --setting UserDisplayName --setting NoSuchSetting \
    bob@contoso.test >"$tmp/soap.txt"
grep -q 'UserDisplayName  *Bob Example' "$tmp/soap.txt" || { cat "$tmp/soap.txt"; fail "human output: settings"; }
grep -q 'NoSuchSetting  *not given: InvalidSetting' "$tmp/soap.txt" || { cat "$tmp/soap.txt"; fail "human output: setting errors"; }
echo "ok: soap human output"

# RedirectAddress: the journey starts over for alice@fabrikam.test (authenticating as alice@contoso.test,
# whom the daemon then answers InvalidUser for another mailbox: an error after the restart).
run soap-redirect 5 ad --protocol soap --password-file "$tmp/alice.pw" alice@contoso.test
expect_json "$tmp/soap-redirect.json" '[x["decision"] for x in s if x["method"] == "autodiscover"][:4] == ["proceed", "retry-with-credentials", "restart-with-address", "proceed"]'
expect_json "$tmp/soap-redirect.json" '[x for x in s if x["decision"] == "restart-with-address"][0]["code"] == "0x800C8205" and "RedirectAddress to alice@fabrikam.test" in [x for x in s if x["decision"] == "restart-with-address"][0]["reason"]'
expect_json "$tmp/soap-redirect.json" 'j["result"]["email"] == "alice@fabrikam.test" and j["result"]["redirects"] == 1 and "InvalidUser" in j["result"]["reason"]'
expect_json "$tmp/soap-redirect.json" '[(x["url"], x["email"]) for x in s if (x["url"] or "").endswith(".svc")][-1] == ("https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc", "alice@fabrikam.test")'

# ===== v2 JSON =====
run json 0 ad --protocol json --password-file "$tmp/password" bob@contoso.test
expect_json "$tmp/json.json" '[(x["method"], x["status"], x["decision"]) for x in s] == [("json", 200, "follow-redirect"), ("json", 401, "retry-with-credentials"), ("json", 200, "success")]'
expect_json "$tmp/json.json" 's[0]["url"] == "https://autodiscover.contoso.test/autodiscover/autodiscover.json/v1.0/bob%40contoso.test?Protocol=AutodiscoverV1" and s[0]["auth"] == "none"'
expect_json "$tmp/json.json" 's[1]["url"] == "https://autodiscover.contoso.test/autodiscover/autodiscover.xml" and s[1]["redirected_from"] == s[0]["url"] and s[2]["auth"] == "basic"'
expect_json "$tmp/json.json" 'j["result"]["protocol"] == "json" and j["result"]["user"]["DisplayName"] == "Bob Example" and any(p["Type"] == "EXPR" for p in j["result"]["protocols"])'

# A v2 302 (alice moved to fabrikam) is followed; its Url is outside contoso.test: consent (refused).
run json-302 3 ad --protocol json --password-file "$tmp/alice.pw" alice@contoso.test
expect_json "$tmp/json-302.json" '[(x["status"], x["decision"]) for x in s][:3] == [(302, "follow-redirect"), (200, "follow-redirect"), (0, "refused-consent")]'
expect_json "$tmp/json-302.json" 's[1]["url"].startswith("https://autodiscover.fabrikam.test/autodiscover/autodiscover.json?") and "RedirectCount=1" in s[1]["url"] and s[1]["hop"] == 1'

# InvalidProtocol: the daemon's 400 is the explanation (contoso.test answers no v2 document).
run json-invalid 5 ad --protocol json --v2-protocol Bogus bob@contoso.test
expect_json "$tmp/json-invalid.json" 's[0]["status"] == 400 and "InvalidProtocol" in s[0]["reason"] and j["result"]["code"] == "AD_E_SERVER_ERROR"'
expect_json "$tmp/json-invalid.json" 's[1]["status"] == 200 and "not a v2 answer" in s[1]["reason"]'

# Another v2 protocol: its Url is the answer, no POX, no credentials.
run json-ews 0 ad --protocol json --v2-protocol Ews bob@contoso.test
expect_json "$tmp/json-ews.json" 'j["result"]["settings"] == {"Protocol": "Ews", "Url": "https://mail.contoso.test/EWS/Exchange.asmx"} and len(s) == 1'

# ===== mobilesync =====
run eas 0 ad --protocol mobilesync --password-file "$tmp/password" bob@contoso.test
# contoso.test (https_server.py) answers Outlook POX: not a mobilesync answer, next candidate.
expect_json "$tmp/eas.json" '[(x["method"], x["status"], x["decision"]) for x in s] == [("root", 401, "retry-with-credentials"), ("root", 200, "next-candidate"), ("autodiscover", 401, "retry-with-credentials"), ("autodiscover", 200, "success")]'
expect_json "$tmp/eas.json" '"not a mobilesync answer" in s[1]["reason"]'
expect_json "$tmp/eas.json" 'j["result"]["protocols"] == [{"Type": "MobileSync", "Url": "https://mail.contoso.test/Microsoft-Server-ActiveSync", "Name": "https://mail.contoso.test/Microsoft-Server-ActiveSync"}] and j["result"]["user"]["DisplayName"] == "Bob Example"'
run eas-redirect 5 ad --protocol mobilesync --password-file "$tmp/alice.pw" alice@contoso.test
expect_json "$tmp/eas-redirect.json" 'any(x["decision"] == "restart-with-address" and x["code"] == "0x800C8205" for x in s) and j["result"]["email"] == "alice@fabrikam.test"'
expect_json "$tmp/eas-redirect.json" '"Action/Error Status 2" in j["result"]["reason"]'

# ===== the example program: credentials callback and trace =====
if [ -n "$example" ]; then
    AUTODISCOVER_PASSWORD=s3cret-pw "$example" --cacert "$tmp/ca.pem" \
        --connect-to "contoso.test:443:127.0.0.1:$refused" \
        --connect-to "autodiscover.contoso.test:443:127.0.0.1:$port" \
        bob@contoso.test >"$tmp/example.out" 2>"$tmp/example.err" || { cat "$tmp/example.err"; fail "example"; }
    grep -q '^EwsUrl: https://cas.contoso.test/EWS/Exchange.asmx$' "$tmp/example.out" || { cat "$tmp/example.out"; fail "example EwsUrl"; }
    grep -q '^credentials asked for https://autodiscover.contoso.test/autodiscover/autodiscover.xml$' "$tmp/example.err" || { cat "$tmp/example.err"; fail "credentials callback"; }
    [ "$(grep -c '^step: ' "$tmp/example.err")" -ge 3 ] || { cat "$tmp/example.err"; fail "trace lines"; }
    grep -q s3cret-pw "$tmp/example.out" "$tmp/example.err" && fail "password in the example's output"
    echo "ok: example (credentials callback, trace)"
fi
grep -q -e s3cret-pw -e alice-pw "$tmp/daemon.err" && fail "a secret in the daemon's log"
echo "protocols-daemon: all passed"
