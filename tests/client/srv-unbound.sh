#!/bin/bash
# DNS SRV against a real unbound started here on 127.0.0.1:<free port> with a zone file
# (unbound.sh, LAB.md §2 recipe): RFC 2782 order with --seed, the port-80 record ignored, targets needing
# consent, the chosen target answering. Skips (77) without unbound.
set -euo pipefail
tool=${1:?usage: srv-unbound.sh AUTODISCOVER}
command -v unbound >/dev/null || [ -x /usr/sbin/unbound ] || { echo "SKIP: unbound not installed"; exit 77; }
. "$(dirname "$0")/fixture.sh"

dns_port=$(free_port)
cat >"$tmp/srv.records" <<'ZONE'
_autodiscover._tcp IN SRV 0 10 80 http.srv.test.
_autodiscover._tcp IN SRV 10 5 443 backup.hoster.test.
_autodiscover._tcp IN SRV 0 5 443 mail.hoster.test.
_autodiscover._tcp IN SRV 0 1 443 mail2.hoster.test.
ZONE
unbound_pid=$("$here/unbound.sh" start "$dns_port" "$tmp/dns" srv.test "$tmp/srv.records" | sed -n 's/^pid //p')

srv() { # the caller's options first, so its --connect-to wins
    "$tool" "$@" --json --cacert "$tmp/ca.pem" --no-cache --dns-server "127.0.0.1:$dns_port" \
        --connect-to "srv.test:443:127.0.0.1:$refused" \
        --connect-to "autodiscover.srv.test:443:127.0.0.1:$refused" \
        --connect-to ":80:127.0.0.1:$refused" \
        --connect-to "mail.hoster.test:443:127.0.0.1:$good" \
        --connect-to "mail2.hoster.test:443:127.0.0.1:$good" \
        --password-file "$tmp/password" --user bob@contoso.test
}

# 1. Consent refused for every target (hoster.test is not srv.test): the order is visible,
#    nothing is sent. Priority 0 first (mail, mail2 by weight), priority 10 last, port 80 out.
run srv-seed1 3 srv --seed 1 alice@srv.test
expect_json "$tmp/srv-seed1.json" 's[3]["method"] == "srv" and s[3]["url"] is None and s[3]["query"] == "_autodiscover._tcp.srv.test SRV" and len(s[3]["answers"]) == 4'
expect_json "$tmp/srv-seed1.json" '"http.srv.test (not port 443)" in s[3]["reason"] and [x["decision"] for x in s[4:]] == ["refused-consent"] * 3'
expect_json "$tmp/srv-seed1.json" 'sorted(x["url"] for x in s[4:6]) == ["https://mail.hoster.test/autodiscover/autodiscover.xml", "https://mail2.hoster.test/autodiscover/autodiscover.xml"] and s[6]["url"] == "https://backup.hoster.test/autodiscover/autodiscover.xml"'
expect_log 'len(r) == 0'
order() { python3 -c 'import json,sys; print(" ".join(x["url"] for x in json.load(open(sys.argv[1]))["steps"][4:]))' "$1"; }
run srv-seed1-again 3 srv --seed 1 alice@srv.test
[ "$(order "$tmp/srv-seed1.json")" = "$(order "$tmp/srv-seed1-again.json")" ] || fail "--seed 1 gave two orders"
# Over 20 seeds, mail (weight 5) comes first more often than mail2 (weight 1).
mail_first=0
for seed in $(seq 2 21); do
    srv --seed "$seed" alice@srv.test >"$tmp/seed.json" 2>/dev/null </dev/null || true
    case "$(order "$tmp/seed.json")" in https://mail.hoster.test/*) mail_first=$((mail_first + 1)) ;; esac
done
[ "$mail_first" -ge 11 ] || fail "weighted choice: mail.hoster.test first only $mail_first/20 times"
echo "ok: weighted order ($mail_first/20 mail first)"

# 2. Allowed targets answer (credentials need the Basic opt-in: consent hosts offering only Basic).
run srv-allowed 0 srv --seed 1 --allow-redirect mail.hoster.test --allow-redirect mail2.hoster.test \
    --allow-basic-after-redirect alice@srv.test
expect_json "$tmp/srv-allowed.json" 'j["result"]["method"] == "srv" and j["result"]["url"].endswith(".hoster.test/autodiscover/autodiscover.xml")'
expect_log 'all(x["host"].endswith("hoster.test") for x in r) and r[-1]["basic"] == "bob@contoso.test:s3cret-pw"'

# 3. No SRV record: one step that says so.
run srv-none 3 srv --seed 1 alice@nosrv.srv.test
expect_json "$tmp/srv-none.json" 's[-1]["method"] == "srv" and s[-1]["decision"] == "next-candidate" and s[-1]["answers"] == []'
