#!/bin/bash
# End-to-end test of the provider's roles for every protocol, not only POX: the port-80
# redirector's .svc 302, the router's SOAP RedirectUrl / InvalidUser / 302 (http302 mode),
# its v2 JSON 302 that only ever points at a configured pod, its mobilesync 302, and the pod
# answering SOAP for carol on the plain and the mailbox path; then per-mailbox protocol
# overrides seen in POX, SOAP and v2. The real daemon over real TLS on loopback, with
# high ports (no root needed) and curl --resolve for the names.
#
#   provider_protocols_e2e.sh /path/to/autodiscoverd /path/to/autodiscoverctl
set -u
. "$(dirname "$0")/lib.sh"
e2e_init provider_protocols_e2e "$@"

REDIR_PORT=$(e2e_free_port) ROUTER_PORT=$(e2e_free_port) POD_PORT=$(e2e_free_port)
e2e_ca "provider protocols test CA"
e2e_issue router autodiscover-s.outlook.test DNS:autodiscover-s.outlook.test,DNS:autodiscover-s302.outlook.test
e2e_issue pod pod51049.outlook.test DNS:pod51049.outlook.test
POD=https://pod51049.outlook.test:$POD_PORT

DB=$WORK/directory.db
C() { "$CTL" --db "$DB" "$@" || { echo "autodiscoverctl $* failed"; exit 1; }; }
C init
C pod add pod51049 "$POD/autodiscover/autodiscover.xml"
C org add fabrikam --pod pod51049
C domain add fabrikam.test --org fabrikam
printf 'carol pw\n' > carol.pw
C mailbox add carol@fabrikam.test --name Carol --password-file carol.pw
C mailbox add dan@fabrikam.test --name Dan --password-file carol.pw
C protocol add fabrikam EXCH Server=outlook.office365.test MdbDN=/o=fabrikam/cn=db1 \
    EwsUrl=https://outlook.office365.test/EWS/Exchange.asmx
C protocol add fabrikam EXPR Server=outlook.office365.test EwsUrl=https://outlook.office365.test/EWS/Exchange.asmx
C protocol add fabrikam MobileSync Url=https://outlook.office365.test/Microsoft-Server-ActiveSync
C protocol add fabrikam AutodiscoverV1 Url=https://autodiscover-s.outlook.test/autodiscover/autodiscover.xml
C domain add contoso.test
C mailbox add bob@contoso.test --name Bob --password-file carol.pw

cat > autodiscoverd.conf <<CONF
directory "sqlite:$DB"
access-log "$WORK/access.log"
listen 127.0.0.1 $REDIR_PORT { host autodiscover.outlook.test { role redirector; redirect-to "https://autodiscover-s.outlook.test/autodiscover/autodiscover.xml" } }
listen 127.0.0.1 $ROUTER_PORT {
    tls-certificate "$WORK/router.pem"; tls-key "$WORK/router.key"
    host autodiscover-s.outlook.test { role router; route-mode redirecturl }
    host autodiscover-s302.outlook.test { role router; route-mode http302 }
}
listen 127.0.0.1 $POD_PORT { tls-certificate "$WORK/pod.pem"; tls-key "$WORK/pod.key"; host pod51049.outlook.test { role service } }
CONF
CURL+=(--resolve "autodiscover.fabrikam.test:$REDIR_PORT:127.0.0.1"
    --resolve "autodiscover-s.outlook.test:$ROUTER_PORT:127.0.0.1"
    --resolve "autodiscover-s302.outlook.test:$ROUTER_PORT:127.0.0.1"
    --resolve "pod51049.outlook.test:$POD_PORT:127.0.0.1")
e2e_start_daemon autodiscoverd.conf daemon.err "http://autodiscover.fabrikam.test:$REDIR_PORT/"
ROUTER=https://autodiscover-s.outlook.test:$ROUTER_PORT
ROUTER302=https://autodiscover-s302.outlook.test:$ROUTER_PORT
SVC=/autodiscover/autodiscover.svc
CAROL=(-u 'carol@fabrikam.test:carol pw')

# --- redirector: the .svc path too (exchangelib's SOAP mode, EWS Managed API) ---
check "redirector: GET .svc is 302" 302 "$(status "http://autodiscover.fabrikam.test:$REDIR_PORT/Autodiscover/Autodiscover.svc")"
contains "redirector: .svc Location derived from redirect-to" "Location: https://autodiscover-s.outlook.test/autodiscover/autodiscover.svc" headers.out
check "redirector: GET .xml still 302" 302 "$(status "http://autodiscover.fabrikam.test:$REDIR_PORT/autodiscover/autodiscover.xml")"
contains "redirector: .xml Location" "Location: https://autodiscover-s.outlook.test/autodiscover/autodiscover.xml" headers.out
check "redirector: .svc with credentials refused" 400 "$(status "${CAROL[@]}" "http://autodiscover.fabrikam.test:$REDIR_PORT$SVC")"
check "redirector: .svc/wssecurity 404" 404 "$(status "http://autodiscover.fabrikam.test:$REDIR_PORT$SVC/wssecurity")"

# --- router: SOAP ---
soap_user "$ROUTER$SVC" carol@fabrikam.test UserDisplayName ExternalEwsUrl > soap-carol.xml
soap_user "$ROUTER$SVC" nobody@elsewhere.test UserDisplayName > soap-foreign.xml
soap_user "$ROUTER$SVC" bob@contoso.test UserDisplayName > soap-bob.xml
check "router SOAP: hosted, no credentials" 200 "$(status --data-binary @soap-carol.xml "$ROUTER$SVC")"
contains "router SOAP: RedirectUrl" "<ErrorCode>RedirectUrl</ErrorCode>" body.out
contains "router SOAP: RedirectTarget is the pod's .svc" "<RedirectTarget>$POD/autodiscover/autodiscover.svc</RedirectTarget>" body.out
lacks "router SOAP: reveals no setting" "outlook.office365.test" body.out
check "router SOAP: foreign domain" 200 "$(status --data-binary @soap-foreign.xml "$ROUTER$SVC")"
contains "router SOAP: foreign is InvalidUser" "<ErrorCode>InvalidUser</ErrorCode>" body.out
lacks "router SOAP: no RedirectTarget for foreign" "<RedirectTarget>" body.out
check "router SOAP: unhosted accepted domain" 200 "$(status --data-binary @soap-bob.xml "$ROUTER$SVC")"
contains "router SOAP: unhosted is InvalidUser" "<ErrorCode>InvalidUser</ErrorCode>" body.out
soap_domain fabrikam.test > soap-domain.xml
check "router SOAP: GetDomainSettings" 200 "$(status --data-binary @soap-domain.xml "$ROUTER$SVC")"
contains "router SOAP: domain RedirectUrl" "<RedirectTarget>$POD/autodiscover/autodiscover.svc</RedirectTarget>" body.out
check "router SOAP: malformed" 500 "$(status --data-binary '<soap:Envelope' "$ROUTER$SVC")"
contains "router SOAP: fault" "<faultcode>s:Client</faultcode>" body.out
check "router SOAP: http302 mode" 302 "$(status --data-binary @soap-carol.xml "$ROUTER302$SVC")"
contains "router SOAP: http302 mailbox Location" "Location: $POD/autodiscover/carol@fabrikam.test/autodiscover.svc" headers.out
check "router SOAP: http302 foreign stays InvalidUser" 200 "$(status --data-binary @soap-foreign.xml "$ROUTER302$SVC")"
contains "router SOAP: http302 InvalidUser" "<ErrorCode>InvalidUser</ErrorCode>" body.out
check "router SOAP: HEAD (exchangelib's check) answered" 405 "$(status -I "$ROUTER$SVC")"

# --- router: v2 JSON, only ever to a configured pod ---
J=/autodiscover/autodiscover.json
check "router v2: hosted" 302 "$(status "$ROUTER$J?Email=carol%40fabrikam.test&Protocol=Ews&RedirectCount=2")"
contains "router v2: to the pod, RedirectCount+1" "Location: $POD$J?Email=carol@fabrikam.test&Protocol=Ews&RedirectCount=3" headers.out
check "router v2: path form" 302 "$(status "$ROUTER$J/v1.0/carol@fabrikam.test?Protocol=AutodiscoverV1")"
contains "router v2: path form to the pod" "Location: $POD$J?Email=carol@fabrikam.test&Protocol=AutodiscoverV1&RedirectCount=1" headers.out
check "router v2: unknown mailbox of a hosted domain, same 302" 302 "$(status "$ROUTER$J?Email=ghost%40fabrikam.test&Protocol=Ews")"
contains "router v2: ghost to the pod" "Location: $POD$J?Email=ghost@fabrikam.test" headers.out
check "router v2: foreign domain" 404 "$(status "$ROUTER$J?Email=x%40attacker.test&Protocol=Ews")"
lacks "router v2: no Location for foreign" "Location:" headers.out
check "router v2: ProxyShell-style" 400 "$(status "$ROUTER$J?@attacker.test/x&Email=carol%40fabrikam.test&Protocol=Ews")"
lacks "router v2: no Location for ProxyShell" "Location:" headers.out
check "router v2: redirect cap" 400 "$(status "$ROUTER$J?Email=carol%40fabrikam.test&Protocol=Ews&RedirectCount=10")"
contains "router v2: RedirectLimit" '"ErrorCode":"RedirectLimit"' body.out
check "pod v2: answers what the router sent" 200 "$(status "$POD$J?Email=carol@fabrikam.test&Protocol=Ews&RedirectCount=3")"
check "pod v2: Ews URL" '{"Protocol":"Ews","Url":"https://outlook.office365.test/EWS/Exchange.asmx"}' "$(cat body.out)"

# --- router: mobilesync ---
eas carol@fabrikam.test > eas-carol.xml
eas nobody@elsewhere.test > eas-foreign.xml
check "router mobilesync: hosted is 302" 302 "$(status --data-binary @eas-carol.xml "$ROUTER/autodiscover/autodiscover.xml")"
contains "router mobilesync: to the pod" "Location: $POD/autodiscover/autodiscover.xml" headers.out
check "router mobilesync: http302 mailbox form" 302 "$(status --data-binary @eas-carol.xml "$ROUTER302/autodiscover/autodiscover.xml")"
contains "router mobilesync: mailbox Location" "Location: $POD/autodiscover/carol@fabrikam.test/autodiscover.xml" headers.out
check "router mobilesync: foreign" 200 "$(status --data-binary @eas-foreign.xml "$ROUTER/autodiscover/autodiscover.xml")"
contains "router mobilesync: Status 2" "<Status>2</Status>" body.out
check "pod mobilesync: carol" 200 "$(status "${CAROL[@]}" --data-binary @eas-carol.xml "$POD/autodiscover/carol@fabrikam.test/autodiscover.xml")"
contains "pod mobilesync: EAS URL" "<Url>https://outlook.office365.test/Microsoft-Server-ActiveSync</Url>" body.out

# --- pod: SOAP for carol, plain and mailbox path ---
check "pod SOAP: without credentials" 401 "$(status --data-binary @soap-carol.xml "$POD$SVC")"
check "pod SOAP: settings" 200 "$(status "${CAROL[@]}" --data-binary @soap-carol.xml "$POD$SVC")"
contains "pod SOAP: NoError" "<ErrorCode>NoError</ErrorCode>" body.out
contains "pod SOAP: display name" "<Value>Carol</Value>" body.out
contains "pod SOAP: EWS URL" "<Value>https://outlook.office365.test/EWS/Exchange.asmx</Value>" body.out
check "pod SOAP: mailbox path form" 200 "$(status "${CAROL[@]}" --data-binary @soap-carol.xml "$POD/autodiscover/carol@fabrikam.test/autodiscover.svc")"
contains "pod SOAP: mailbox path answers settings" "<Value>Carol</Value>" body.out
check "pod SOAP: dot segment refused" 404 "$(status --path-as-is "${CAROL[@]}" --data-binary @soap-carol.xml "$POD/autodiscover/../autodiscover.svc")"

# --- per-mailbox overrides: carol's own EXPR replaces the tenant's, in POX, SOAP and v2 ---
C protocol add --mailbox carol@fabrikam.test EXPR Server=carol.pod.test EwsUrl=https://carol.pod.test/EWS/Exchange.asmx
check "override listed" "EXPR" "$("$CTL" --db "$DB" protocol list --mailbox carol@fabrikam.test --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["type"])')"
request carol@fabrikam.test > pox-carol.xml
request dan@fabrikam.test > pox-dan.xml
check "override POX" 200 "$(status "${CAROL[@]}" --data-binary @pox-carol.xml "$POD/autodiscover/autodiscover.xml")"
contains "override POX: own EXPR server" "<Server>carol.pod.test</Server>" body.out
contains "override POX: the tenant's EXCH kept" "<Type>EXCH</Type>" body.out
CHECKS=$((CHECKS + 1))
if [ "$(grep -o '<Type>EXPR</Type>' body.out | wc -l)" = 1 ]; then echo "ok: override POX: one EXPR"; else echo "FAIL: override POX: EXPR count"; FAILED=$((FAILED + 1)); fi
check "override POX: another mailbox" 200 "$(status -u 'dan@fabrikam.test:carol pw' --data-binary @pox-dan.xml "$POD/autodiscover/autodiscover.xml")"
lacks "override POX: not for dan" "carol.pod.test" body.out
check "override SOAP" 200 "$(status "${CAROL[@]}" --data-binary @soap-carol.xml "$POD$SVC")"
contains "override SOAP: ExternalEwsUrl is carol's" "<Value>https://carol.pod.test/EWS/Exchange.asmx</Value>" body.out
check "override v2" 200 "$(status "$POD$J?Email=carol@fabrikam.test&Protocol=Ews")"
check "override v2: Ews is carol's" '{"Protocol":"Ews","Url":"https://carol.pod.test/EWS/Exchange.asmx"}' "$(cat body.out)"
C protocol clear --mailbox carol@fabrikam.test
check "override cleared" 200 "$(status "${CAROL[@]}" --data-binary @soap-carol.xml "$POD$SVC")"
contains "override cleared: tenant URL again" "<Value>https://outlook.office365.test/EWS/Exchange.asmx</Value>" body.out

EXTRA_CHECKS=${EXTRA_CHECKS:-}
[ -n "$EXTRA_CHECKS" ] && . "$EXTRA_CHECKS"

no_secret_in_logs "carol pw"
e2e_stop_daemon
check "SIGTERM exits 0" 0 $?
e2e_finish
