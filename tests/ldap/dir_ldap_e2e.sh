#!/bin/bash
# End-to-end test of autodiscoverd's LDAP mailbox backend (daemon/dir_ldap.c) against two
# real slapd (tests/ldap/slapd.sh) holding the same mailboxes, over real TLS (a CA made
# here): POX settings for a user authenticated by a bind as their entry, a wrong or empty
# password refused, aliases from proxyAddresses, targetAddress as redirectAddr, a disabled
# entry (enabled-filter), the legacy DN, SOAP and v2 JSON on the same backend; the lookup
# cache proved with slapd's stats log; the first slapd stopped -> the second one answers
# without a failed request; both stopped -> 503 (and /healthz 503); one back -> served.
#
#   dir_ldap_e2e.sh /path/to/autodiscoverd /path/to/autodiscoverctl
set -u
command -v slapd >/dev/null || command -v /usr/sbin/slapd >/dev/null || { echo "no slapd: skipped"; exit 77; }
export PATH=$PATH:/usr/sbin
HERE=$(cd "$(dirname "$0")" && pwd)
SLAPD_SH=$HERE/slapd.sh
. "$HERE/../daemon/lib.sh"
e2e_init dir_ldap_e2e "$@"
e2e_cleanup_hook() { "$SLAPD_SH" stop "$WORK/s1" 2>/dev/null; "$SLAPD_SH" stop "$WORK/s2" 2>/dev/null; }

# --- PKI: one CA for the daemon's and the directory servers' certificates ---
e2e_ca "dir_ldap test CA"
e2e_issue server 127.0.0.1 IP:127.0.0.1,DNS:localhost
SUFFIX=DC=contoso,DC=test
USERS=CN=Users,$SUFFIX
LEGACY_BOB="/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=bob"

# --- the mailboxes: inetOrgPerson + autodiscoverMailRecipient, passwords hashed by slapd ---
person() { # person CN PASSWORD [ATTRIBUTE: VALUE lines...]
    local cn=$1 pw=$2; shift 2
    printf 'dn: CN=%s,%s\nobjectClass: inetOrgPerson\nobjectClass: autodiscoverMailRecipient\ncn: %s\nsn: %s\nuserPassword: %s\n' \
        "$cn" "$USERS" "$cn" "$cn" "$(slappasswd -s "$pw")"
    printf '%s\n' "$@"
    echo
}
{
    person svc-autodiscover 'Svc-Secret-9'
    person bob 'Passw0rd!' "mail: bob@contoso.test" "displayName: Bob Example" \
        "proxyAddresses: SMTP:Bob@Contoso.test" "proxyAddresses: smtp:robert@contoso.test" \
        "proxyAddresses: X500:/o=Old/cn=bob" "legacyExchangeDN: $LEGACY_BOB"
    person alice 'alicepw' "mail: alice@contoso.test" "displayName: Alice" \
        "targetAddress: SMTP:alice@contoso.mail.onmicrosoft.test"
    person carol 'Carol-Secret-3' "mail: carol@contoso.test" "displayName: Carol"
    person dave 'Dave-Secret-4' "mail: dave@contoso.test" "description: disabled"
    person erin 'Erin-Secret-5' "proxyAddresses: SMTP:erin@contoso.test"
    person frank 'Frank-Secret-6' "mail: frank@elsewhere.test"
} > users.ldif

start_slapd() { # start_slapd NAME LDAP-PORT LDAPS-PORT
    LDAP_HOST=127.0.0.1 LDAPS_PORT=$3 TLS_CERT=$WORK/server.pem TLS_KEY=$WORK/server.key \
        TLS_CA=$WORK/ca.pem "$SLAPD_SH" start "$2" "$WORK/$1" "$WORK/users.ldif" >/dev/null ||
        { echo "slapd $1 did not start"; cat "$WORK/$1/slapd.log"; exit 1; }
}
L1=$(e2e_free_port); S1=$(e2e_free_port); L2=$(e2e_free_port); S2=$(e2e_free_port)
start_slapd s1 "$L1" "$S1"
start_slapd s2 "$L2" "$S2"

# --- organisations, domains and protocols: the companion SQLite directory ---
DB=$WORK/org.db
ctl() { "$CTL" --db "$DB" "$@" || { echo "autodiscoverctl $* failed"; exit 1; }; }
ctl init
ctl org add contoso
ctl domain add contoso.test --org contoso
ctl org add cloud
ctl domain add contoso.mail.onmicrosoft.test --org cloud
ctl protocol add contoso EXCH Server=cas.contoso.test \
    EwsUrl=https://cas.contoso.test/EWS/Exchange.asmx
ctl protocol add contoso EXPR Server=mail.contoso.test SSL=On AuthPackage=Basic \
    EwsUrl=https://mail.contoso.test/EWS/Exchange.asmx
ctl protocol add cloud EXPR EwsUrl=https://pod51049.outlook.test/EWS/Exchange.asmx

printf 'Svc-Secret-9\n' > ldap.pw
PORT=$(e2e_free_port)
ADMIN_PORT=$(e2e_free_port)
cat > autodiscoverd.conf <<CONF
directory "sqlite:$DB"
access-log "$WORK/access.log"
auth-failure-limit 0
mailboxes ldap {
    uri "ldaps://127.0.0.1:$S1 ldaps://127.0.0.1:$S2"
    base "$USERS"
    bind-dn "CN=svc-autodiscover,$USERS"
    bind-password-file "$WORK/ldap.pw"
    tls-ca "$WORK/ca.pem"
    enabled-filter "(!(description=disabled))"
    timeout 3
    connect-timeout 2
    down-time 2
    pool-size 2
    cache-ttl 60
}
listen 127.0.0.1 $PORT { tls-certificate "$WORK/server.pem"; tls-key "$WORK/server.key" }
listen 127.0.0.1 $ADMIN_PORT { role admin }
CONF
BASE=https://127.0.0.1:$PORT
URL=$BASE/autodiscover/autodiscover.xml
e2e_start_daemon autodiscoverd.conf daemon.err "$BASE/healthz" -v

pox() { # pox USER:PASSWORD ADDRESS
    request "$2" > req.xml
    status -u "$1" -H 'Content-Type: text/xml' --data-binary @req.xml "$URL"
}
searches() { grep -c "SRCH base=.*filter=.*$2" "$WORK/$1/slapd.log"; } # searches SLAPD NEEDLE
binds() { grep -ci "BIND dn=\"cn=$2,cn=users.* method=128" "$WORK/$1/slapd.log"; } # binds SLAPD CN

# --- POX with a bind as the user ---
check "POX for bob" 200 "$(pox 'bob@contoso.test:Passw0rd!' bob@contoso.test)"
contains "display name from LDAP" '<DisplayName>Bob Example</DisplayName>' body.out
contains "legacy DN from LDAP" "<LegacyDN>$LEGACY_BOB</LegacyDN>" body.out
contains "primary address from SMTP:, lower-cased" '<AutoDiscoverSMTPAddress>bob@contoso.test</AutoDiscoverSMTPAddress>' body.out
contains "protocols from the SQLite organisation" '<Server>cas.contoso.test</Server>' body.out
check "bob bound once as himself" 1 "$(binds s1 bob)"
check "wrong password" 401 "$(pox 'bob@contoso.test:wrong' bob@contoso.test)"
check "empty password (never an unauthenticated bind)" 401 "$(pox 'bob@contoso.test:' bob@contoso.test)"
check "unknown user" 401 "$(pox 'nobody@contoso.test:Passw0rd!' nobody@contoso.test)"
check "disabled entry (enabled-filter)" 401 "$(pox 'dave@contoso.test:Dave-Secret-4' dave@contoso.test)"
check "domain not accepted in SQLite" 401 "$(pox 'frank@elsewhere.test:Frank-Secret-6' frank@elsewhere.test)"

# --- the cache: bob again, no new search and no new bind within the TTL ---
N_SEARCH=$(searches s1 'bob@contoso.test')
check "bob searched once" 1 "$N_SEARCH"
check "bob again" 200 "$(pox 'bob@contoso.test:Passw0rd!' bob@contoso.test)"
check "bob again: no new search (lookup cache)" "$N_SEARCH" "$(searches s1 'bob@contoso.test')"
check "bob again: no new bind (credential cache)" 2 "$(binds s1 bob)"
check "a wrong password after a cached success still fails" 401 "$(pox 'bob@contoso.test:wrong2' bob@contoso.test)"
check "...and binds to find out" 3 "$(binds s1 bob)"

# --- aliases: proxyAddresses smtp:, any letter case; login with an alias ---
check "alias login and request" 200 "$(pox 'robert@contoso.test:Passw0rd!' ROBERT@contoso.test)"
contains "alias resolves to the primary" '<AutoDiscoverSMTPAddress>bob@contoso.test</AutoDiscoverSMTPAddress>' body.out
check "upper-case login" 200 "$(pox 'BOB@CONTOSO.TEST:Passw0rd!' bob@contoso.test)"
check "proxyAddresses only (no mail)" 200 "$(pox 'erin@contoso.test:Erin-Secret-5' erin@contoso.test)"
contains "erin's display name defaults to the address" '<DisplayName>erin@contoso.test</DisplayName>' body.out

# --- legacy DN request ---
printf '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><LegacyDN>%s</LegacyDN><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>' \
    "$LEGACY_BOB" > legacy.xml
check "POX by LegacyDN" 200 "$(status -u 'bob@contoso.test:Passw0rd!' -H 'Content-Type: text/xml' --data-binary @legacy.xml "$URL")"
contains "LegacyDN finds bob" '<AutoDiscoverSMTPAddress>bob@contoso.test</AutoDiscoverSMTPAddress>' body.out

# --- targetAddress: redirectAddr ---
check "alice (moved)" 200 "$(pox 'alice@contoso.test:alicepw' alice@contoso.test)"
contains "redirectAddr from targetAddress, SMTP: stripped" '<RedirectAddr>alice@contoso.mail.onmicrosoft.test</RedirectAddr>' body.out

# --- SOAP and v2 JSON on the LDAP backend ---
S=$BASE/autodiscover/autodiscover.svc
soap_user "$S" bob@contoso.test UserDisplayName ExternalEwsUrl > soap-bob.xml
check "SOAP GetUserSettings" 200 "$(status -u 'bob@contoso.test:Passw0rd!' -H 'Content-Type: text/xml; charset=utf-8' --data-binary @soap-bob.xml "$S")"
contains "SOAP display name" '<Value>Bob Example</Value>' body.out
contains "SOAP ExternalEwsUrl" '<Value>https://mail.contoso.test/EWS/Exchange.asmx</Value>' body.out
soap_user "$S" alice@contoso.test UserDisplayName > soap-alice.xml
check "SOAP moved mailbox" 200 "$(status -u 'alice@contoso.test:alicepw' --data-binary @soap-alice.xml "$S")"
contains "SOAP RedirectTarget" '<RedirectTarget>alice@contoso.mail.onmicrosoft.test</RedirectTarget>' body.out
J=$BASE/autodiscover/autodiscover.json
check "v2 JSON Ews" 200 "$(status "$J/v1.0/bob@contoso.test?Protocol=Ews")"
check "v2 JSON answer" '{"Protocol":"Ews","Url":"https://mail.contoso.test/EWS/Exchange.asmx"}' "$(cat body.out)"
check "v2 JSON moved mailbox" 302 "$(status "$J?Email=alice%40contoso.test&Protocol=Ews")"

# --- failover: the first slapd stops; carol (never seen, so no cache) is served by s2 ---
"$SLAPD_SH" stop "$WORK/s1"
check "carol with s1 down" 200 "$(pox 'carol@contoso.test:Carol-Secret-3' carol@contoso.test)"
check "carol searched on s2" 1 "$(searches s2 'carol@contoso.test')"
check "carol bound on s2" 1 "$(binds s2 carol)"
contains "s1 marked down in the log" "LDAP server ldaps://127.0.0.1:$S1 marked down" daemon.err
check "healthz with one server" 200 "$(status "$BASE/healthz")"
# Access log: TIME CLIENT HOST METHOD PATH STATUS ... (doc/autodiscoverd.md)
check "no request failed so far (no 5xx in the access log)" 0 "$(awk '$6 >= 500' access.log | wc -l)"
check "requests were answered" yes "$([ "$(awk '$6 == 200' access.log | wc -l)" -gt 10 ] && echo yes)"

# --- both down: 503 for what needs LDAP; what is cached still answers ---
"$SLAPD_SH" stop "$WORK/s2"
check "erin's new password with both down: 503" 503 "$(pox 'erin@contoso.test:other' erin@contoso.test)"
check "healthz with both down" 503 "$(status "$BASE/healthz")"
check "bob (cached lookup and credentials) still served" 200 "$(pox 'bob@contoso.test:Passw0rd!' bob@contoso.test)"
lacks "the service password never logged" 'Svc-Secret-9' daemon.err access.log
lacks "user passwords never logged" 'Passw0rd!' daemon.err access.log

# --- recovery: s2 comes back; after down-time it is used again ---
"$SLAPD_SH" resume "$WORK/s2" >/dev/null || { echo "slapd s2 did not come back"; exit 1; }
sleep 2.2
check "erin after recovery" 200 "$(pox 'erin@contoso.test:Erin-Secret-5' erin@contoso.test)"
check "healthz after recovery" 200 "$(status "$BASE/healthz")"

e2e_stop_daemon || { echo "daemon exit status $?"; FAILED=$((FAILED + 1)); }
e2e_finish
