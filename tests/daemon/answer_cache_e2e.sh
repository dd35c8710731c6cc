#!/bin/bash
# End-to-end test of autodiscoverd's answer cache (doc/decisions.md, "The answer cache"):
# repeated POX and v2 JSON requests are served from it (the /metrics counters say so), and
# every autodiscoverctl change made while the daemon runs is seen by the very next request:
# a Protocol change (POX and v2), a password change, a disabled and a removed mailbox, a
# moved mailbox (v2 redirect), and a commit by another program (the sqlite3 shell), also
# after a WAL checkpoint. Answers still depend on the capability headers and on who
# asks; known and unknown addresses still get the same v2 bytes; the cache stays bounded
# (an early entry is gone after a flood of other requests).
#
#   answer_cache_e2e.sh /path/to/autodiscoverd /path/to/autodiscoverctl
set -u
. "$(dirname "$0")/lib.sh"
e2e_init answer_cache_e2e "$@"

e2e_ca "autodiscoverd answer cache test CA"
e2e_issue server 127.0.0.1 IP:127.0.0.1
mv server.pem cert.pem && mv server.key key.pem

DB=$WORK/directory.db
ctl() { "$CTL" --db "$DB" "$@" >/dev/null || { echo "autodiscoverctl $* failed"; exit 1; }; }
ctl init
ctl org add contoso
ctl domain add contoso.test --org contoso
ctl org add cloud
ctl domain add cloud.test --org cloud
printf 'Bob-Secret-1\n' > bob.pw
printf 'Alice-Secret-2\n' > alice.pw
ctl mailbox add bob@contoso.test --name Bob --password-file bob.pw
ctl mailbox add alice@contoso.test --name Alice --password-file alice.pw
ctl mailbox add bob@cloud.test --name Bob --password-file bob.pw
ctl protocol add contoso EXPR Server=mail1.contoso.test EwsUrl=https://mail1.contoso.test/EWS/Exchange.asmx
ctl protocol add contoso mapiHttp Version=1 MailStore/ExternalUrl=https://mail1.contoso.test/mapi/emsmdb/
ctl protocol add cloud AutodiscoverV1 Url=https://autodiscover.cloud.test/autodiscover/autodiscover.xml

PORT=$(e2e_free_port)
ADMIN_PORT=$(e2e_free_port)
# The credential cache on (so the hash lookup is what a change must get past).
cat > a.conf <<CONF
listen 127.0.0.1 $PORT { tls-certificate "$WORK/cert.pem"; tls-key "$WORK/key.pem" }
listen 127.0.0.1 $ADMIN_PORT { role admin }
directory "sqlite:$DB"
credential-cache-ttl 3600
access-log "$WORK/access.log"
CONF
BASE=https://127.0.0.1:$PORT
URL=$BASE/autodiscover/autodiscover.xml
J=$BASE/autodiscover/autodiscover.json/v1.0
ADMIN=http://127.0.0.1:$ADMIN_PORT
e2e_start_daemon a.conf daemon.err "$BASE/healthz"

request bob@contoso.test > bob.xml
request alice@contoso.test > alice.xml
pox() { # pox USER:PASSWORD REQUEST-FILE [curl options...]
    local cred=$1 file=$2; shift 2
    status -u "$cred" -H 'Content-Type: text/xml' --data-binary @"$file" "$@" "$URL"
}
metric() { "${CURL[@]}" "$ADMIN/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
hits() { metric autodiscoverd_answer_cache_hits_total; }
misses() { metric autodiscoverd_answer_cache_misses_total; }

# --- repeated answers come from the cache, and are the same bytes ---
check "POX, first" 200 "$(pox 'bob@contoso.test:Bob-Secret-1' bob.xml)"
cp body.out pox1.out
H0=$(hits)
check "POX, second" 200 "$(pox 'bob@contoso.test:Bob-Secret-1' bob.xml)"
check "second POX answer from the cache" $((H0 + 1)) "$(hits)"
check "cached POX answer is the same bytes" "" "$(cmp pox1.out body.out)"
contains "POX answer has the first EWS URL" "https://mail1.contoso.test/EWS/Exchange.asmx" body.out

check "v2 Ews, first" 200 "$(status "$J/bob@contoso.test?Protocol=Ews")"
check "v2 Ews, cached" 200 "$(status "$J/bob@contoso.test?Protocol=Ews")"
check "v2 answer" '{"Protocol":"Ews","Url":"https://mail1.contoso.test/EWS/Exchange.asmx"}' "$(cat body.out)"

# --- the capability headers and the authenticated user are part of the key ---
check "POX with MAPI/HTTP" 200 "$(pox 'bob@contoso.test:Bob-Secret-1' bob.xml -H 'X-MapiHttpCapability: 1')"
contains "mapiHttp section for a client that can take it" 'Protocol Type="mapiHttp"' body.out
check "POX with MAPI/HTTP, again" 200 "$(pox 'bob@contoso.test:Bob-Secret-1' bob.xml -H 'X-MapiHttpCapability: 1')"
contains "mapiHttp section, cached" 'Protocol Type="mapiHttp"' body.out
check "POX without MAPI/HTTP after it" 200 "$(pox 'bob@contoso.test:Bob-Secret-1' bob.xml)"
lacks "no mapiHttp section for a client without the header" 'mapiHttp' body.out
check "alice asking for bob's settings" 200 "$(pox 'alice@contoso.test:Alice-Secret-2' bob.xml)"
contains "someone else's mailbox: ErrorCode 500, not bob's cached settings" '<ErrorCode>500</ErrorCode>' body.out

# --- a Protocol change is seen by the very next request (POX and v2) ---
ctl protocol clear contoso
ctl protocol add contoso EXPR Server=mail2.contoso.test EwsUrl=https://mail2.contoso.test/EWS/Exchange.asmx
check "POX after a protocol change" 200 "$(pox 'bob@contoso.test:Bob-Secret-1' bob.xml)"
contains "POX answer has the new EWS URL" "https://mail2.contoso.test/EWS/Exchange.asmx" body.out
lacks "POX answer lost the old EWS URL" "mail1.contoso.test" body.out
check "v2 after a protocol change" 200 "$(status "$J/bob@contoso.test?Protocol=Ews")"
check "v2 answer has the new URL" '{"Protocol":"Ews","Url":"https://mail2.contoso.test/EWS/Exchange.asmx"}' "$(cat body.out)"

# --- a commit by another program (the sqlite3 shell, not autodiscoverctl) is seen too ---
ews_answer() { # ews_answer HOST: the v2 Ews answer naming that host
    printf '{"Protocol":"Ews","Url":"https://%s/EWS/Exchange.asmx"}' "$1"
}
bob_ews() { status "$J/bob@contoso.test?Protocol=Ews" >/dev/null; cat body.out; }
raw_sql() { sqlite3 "$DB" "$1" >/dev/null || echo "sqlite3 $1 failed"; }
if command -v sqlite3 >/dev/null; then
    check "v2 before a raw SQL change" "$(ews_answer mail2.contoso.test)" "$(bob_ews)"
    raw_sql "UPDATE protocol_fields SET value = 'https://mail3.contoso.test/EWS/Exchange.asmx' WHERE path = 'EwsUrl'"
    check "v2 after a raw SQL change" "$(ews_answer mail3.contoso.test)" "$(bob_ews)"
    raw_sql "PRAGMA wal_checkpoint(TRUNCATE)"
    check "v2 after a checkpoint" "$(ews_answer mail3.contoso.test)" "$(bob_ews)"
    raw_sql "UPDATE protocol_fields SET value = 'https://mail2.contoso.test/EWS/Exchange.asmx' WHERE path = 'EwsUrl'"
    check "v2 after a change following the checkpoint" "$(ews_answer mail2.contoso.test)" "$(bob_ews)"
else
    echo "answer_cache_e2e: no sqlite3 shell: raw SQL changes not tested"
fi

# --- known and unknown addresses: the same bytes, cached or not ---
for i in 1 2; do
    status "$J/bob@contoso.test?Protocol=Ews" > /dev/null; cp body.out known$i.out
    status "$J/nobody@contoso.test?Protocol=Ews" > /dev/null; cp body.out unknown$i.out
done
check "v2 known and unknown alike (first)" "" "$(cmp known1.out unknown1.out)"
check "v2 known and unknown alike (cached)" "" "$(cmp known2.out unknown2.out)"

# --- a moved mailbox: the next v2 request is redirected, to a host from the directory ---
ctl mailbox change bob@contoso.test --target-address bob@cloud.test
check "v2 after the move" 302 "$(status "$J/bob@contoso.test?Protocol=Ews")"
contains "Location from the directory" "Location: https://autodiscover.cloud.test/autodiscover/autodiscover.json" headers.out
check "v2 after the move, cached" 302 "$(status "$J/bob@contoso.test?Protocol=Ews")"
contains "cached Location" "Location: https://autodiscover.cloud.test/autodiscover/autodiscover.json" headers.out
check "POX after the move" 200 "$(pox 'bob@contoso.test:Bob-Secret-1' bob.xml)"
contains "POX redirectAddr after the move" "<RedirectAddr>bob@cloud.test</RedirectAddr>" body.out
ctl mailbox change bob@contoso.test --target-address none
check "v2 after moving back" 200 "$(status "$J/bob@contoso.test?Protocol=Ews")"

# --- a password change: the old one is refused on the next request ---
check "alice, cached" 200 "$(pox 'alice@contoso.test:Alice-Secret-2' alice.xml)"
check "alice, cached again" 200 "$(pox 'alice@contoso.test:Alice-Secret-2' alice.xml)"
printf 'Alice-Secret-3\n' > alice.pw
ctl mailbox passwd alice@contoso.test --password-file alice.pw
check "old password refused at once" 401 "$(pox 'alice@contoso.test:Alice-Secret-2' alice.xml)"
check "new password accepted" 200 "$(pox 'alice@contoso.test:Alice-Secret-3' alice.xml)"

# --- a disabled, then a removed mailbox: refused on the next request ---
ctl mailbox change alice@contoso.test --enabled no
check "disabled mailbox refused at once" 401 "$(pox 'alice@contoso.test:Alice-Secret-3' alice.xml)"
ctl mailbox change alice@contoso.test --enabled yes
check "enabled again" 200 "$(pox 'alice@contoso.test:Alice-Secret-3' alice.xml)"
ctl mailbox remove alice@contoso.test
check "removed mailbox refused at once" 401 "$(pox 'alice@contoso.test:Alice-Secret-3' alice.xml)"
check "bob's settings for alice's address: unknown" 200 "$(pox 'bob@contoso.test:Bob-Secret-1' alice.xml)"
contains "ErrorCode 500 for the removed address" '<ErrorCode>500</ErrorCode>' body.out

# --- bounded: after a flood of other requests the first answer is no longer kept ---
status "$J/bob@contoso.test?Protocol=Ews" > /dev/null
H1=$(hits)
status "$J/bob@contoso.test?Protocol=Ews" > /dev/null
check "kept before the flood" $((H1 + 1)) "$(hits)"
: > flood.cfg
for i in $(seq 4200); do printf 'url = "%s/u%d@contoso.test?Protocol=Ews"\noutput = /dev/null\n' "$J" "$i" >> flood.cfg; done
"${CURL[@]}" --max-time 120 -K flood.cfg
M1=$(misses)
check "after the flood" 200 "$(status "$J/bob@contoso.test?Protocol=Ews")"
check "evicted by the flood (LRU, 4096 entries)" $((M1 + 1)) "$(misses)"
check "the daemon is still well" 200 "$(status "$BASE/healthz")"
RSS=$(awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status")
CHECKS=$((CHECKS + 1))
if [ "${RSS:-0}" -lt 262144 ]; then echo "ok: resident memory after the flood: $RSS kB"
else echo "FAIL: resident memory after the flood: $RSS kB"; FAILED=$((FAILED + 1)); fi

e2e_stop_daemon
check "SIGTERM exits 0" 0 $?

# --- a file in rollback-journal mode (no wal-index to watch): changes are still seen ---
if command -v sqlite3 >/dev/null; then
    check "switched to a rollback journal" delete "$(sqlite3 "$DB" 'PRAGMA journal_mode=DELETE')"
    e2e_start_daemon a.conf daemon2.err "$BASE/healthz"
    check "v2, rollback journal" 200 "$(status "$J/bob@contoso.test?Protocol=Ews")"
    check "v2, rollback journal, cached" 200 "$(status "$J/bob@contoso.test?Protocol=Ews")"
    ctl protocol clear contoso
    ctl protocol add contoso EXPR EwsUrl=https://mail4.contoso.test/EWS/Exchange.asmx
    check "v2 after a change, rollback journal" "$(ews_answer mail4.contoso.test)" "$(bob_ews)"
    e2e_stop_daemon
fi
lacks "no password in any log" "Secret" daemon.err access.log
e2e_finish
