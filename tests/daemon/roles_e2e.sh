#!/bin/bash
# End-to-end test of autodiscoverd playing every part of DESIGN.md §5 from one directory:
# a port-80 redirector, a router (redirectUrl and http302 modes) and a pod on ports 80 and
# 443 of 127.x.y.z addresses, plus an on-premises service, with certificates from a CA made
# here and chosen by SNI. Checked with curl (--resolve maps the names) and openssl s_client.
#
#   roles_e2e.sh /path/to/autodiscoverd /path/to/autodiscoverctl
# Needs root (ports 80 and 443); otherwise it skips (exit 77).
set -u
if [ "$(id -u)" != 0 ]; then echo "roles_e2e: needs root for ports 80 and 443; skipped"; exit 77; fi
. "$(dirname "$0")/lib.sh"
e2e_init roles_e2e "$@"

# Addresses of our own, so parallel runs (another build directory) never share a socket.
NET=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))
REDIR=$NET.10 ROUTER=$NET.11 POD=$NET.12 ONPREM=$NET.20

# --- PKI: a CA and one certificate per name ---
e2e_ca "roles test CA"
issue() { e2e_issue "$1" "$2" "DNS:$2"; } # issue FILE-STEM DNS-NAME
issue router-default autodiscover-s302.outlook.test
issue router autodiscover-s.outlook.test
issue pod pod51049.outlook.test
issue onprem autodiscover.contoso.test

# --- directory: a tenant on a pod, an on-premises organisation, a tenant for its cloud half ---
DB=$WORK/directory.db
C() { "$CTL" --db "$DB" "$@"; }
C init || exit 1
C pod add pod51049 https://pod51049.outlook.test/autodiscover/autodiscover.xml || exit 1
C org add fabrikam --pod pod51049 || exit 1
C domain add fabrikam.test --org fabrikam || exit 1
AUTODISCOVER_PASSWORD='carol pw' C mailbox add carol@fabrikam.test --name Carol || exit 1
C protocol add fabrikam EXCH Server=outlook.office365.test EwsUrl=https://outlook.office365.test/EWS/Exchange.asmx || exit 1
C domain add contoso.test || exit 1
AUTODISCOVER_PASSWORD='alice pw' C mailbox add alice@contoso.test --name Alice || exit 1
AUTODISCOVER_PASSWORD='bob pw' C mailbox add bob@contoso.test --name Bob || exit 1
C protocol add contoso.test EXCH Server=cas.contoso.test || exit 1
C org add contoso-cloud --pod pod51049 --routing-domain contoso.mail.onmicrosoft.test || exit 1
C protocol add contoso-cloud EXCH Server=outlook.office365.test || exit 1
C mailbox alias add bob@contoso.test robert@contoso.test || exit 1

cat > autodiscoverd.conf <<CONF
directory "sqlite:$DB"
access-log "$WORK/access.log"
listen $REDIR 80 { host autodiscover.outlook.test { role redirector; redirect-to "https://autodiscover-s.outlook.test/autodiscover/autodiscover.xml" } }
listen $ROUTER 443 {
    tls-certificate "$WORK/router-default.pem"; tls-key "$WORK/router-default.key"
    host autodiscover-s.outlook.test {
        role router; route-mode redirecturl
        tls-certificate "$WORK/router.pem"; tls-key "$WORK/router.key"
    }
    host autodiscover-s302.outlook.test { role router; route-mode http302 }
}
listen $POD 443 { tls-certificate "$WORK/pod.pem"; tls-key "$WORK/pod.key"; host pod51049.outlook.test { role service } }
listen $ONPREM 443 { tls-certificate "$WORK/onprem.pem"; tls-key "$WORK/onprem.key" }
CONF
"$DAEMON" -n -f autodiscoverd.conf 2>n.err
check "-n accepts the roles config" 0 $?

RESOLVE=(--resolve "autodiscover.outlook.test:80:$REDIR" --resolve "autodiscover.fabrikam.test:80:$REDIR"
    --resolve "autodiscover-s.outlook.test:443:$ROUTER" --resolve "autodiscover-s302.outlook.test:443:$ROUTER"
    --resolve "pod51049.outlook.test:443:$POD" --resolve "autodiscover.contoso.test:443:$ONPREM")
CURL+=("${RESOLVE[@]}")
e2e_start_daemon autodiscoverd.conf daemon.err http://autodiscover.outlook.test/ -v
for a in carol@fabrikam.test bob@contoso.test alice@contoso.test nobody@elsewhere.test \
    alice@contoso.mail.onmicrosoft.test; do request "$a" > "$a.xml"; done
POX=/autodiscover/autodiscover.xml

# --- redirector (port 80) ---
check "redirector: GET is 302" 302 "$(status http://autodiscover.fabrikam.test/Autodiscover/Autodiscover.xml)"
contains "redirector: Location exact" "Location: https://autodiscover-s.outlook.test/autodiscover/autodiscover.xml" headers.out
check "redirector: other path 404" 404 "$(status http://autodiscover.outlook.test/owa/)"
check "redirector: POST 404 or 400" 400 "$(status --data-binary @carol@fabrikam.test.xml http://autodiscover.outlook.test$POX)"
check "redirector: credentials refused" 400 "$(status -u 'carol@fabrikam.test:carol pw' http://autodiscover.outlook.test$POX)"
lacks "redirector: no Location with credentials" "Location:" headers.out

# --- router ---
check "router: hosted domain" 200 "$(status --data-binary @carol@fabrikam.test.xml https://autodiscover-s.outlook.test$POX)"
contains "router: redirectUrl" "<Action>redirectUrl</Action>" body.out
contains "router: the pod's URL" "<RedirectUrl>https://pod51049.outlook.test/autodiscover/autodiscover.xml</RedirectUrl>" body.out
check "router: unhosted domain" 200 "$(status --data-binary @nobody@elsewhere.test.xml https://autodiscover-s.outlook.test$POX)"
contains "router: unhosted is ErrorCode 500" "<ErrorCode>500</ErrorCode>" body.out
check "router: on-premises domain is not hosted" 200 "$(status --data-binary @bob@contoso.test.xml https://autodiscover-s.outlook.test$POX)"
contains "router: on-premises is ErrorCode 500" "<ErrorCode>500</ErrorCode>" body.out
check "router http302: status" 302 "$(status --data-binary @carol@fabrikam.test.xml https://autodiscover-s302.outlook.test$POX)"
contains "router http302: mailbox Location" "Location: https://pod51049.outlook.test/autodiscover/carol@fabrikam.test/autodiscover.xml" headers.out
check "router: the capability GET is answered" 200 "$(status https://autodiscover-s.outlook.test$POX)"
contains "router: GET carries X-SOAP-Enabled" "X-SOAP-Enabled: True" headers.out
check "router: the GET asks for no credentials" "" "$(grep -i '^WWW-Authenticate' headers.out || true)"
check "router: PUT refused" 405 "$(status -X PUT https://autodiscover-s.outlook.test$POX)"

# --- SNI ---
subject() { openssl s_client -connect "$ROUTER:443" "$@" </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null; }
check "SNI picks the host's certificate" "subject=CN = autodiscover-s.outlook.test" "$(subject -servername autodiscover-s.outlook.test)"
check "no SNI gets the default certificate" "subject=CN = autodiscover-s302.outlook.test" "$(subject -noservername)"
check "unknown SNI gets the default certificate" "subject=CN = autodiscover-s302.outlook.test" "$(subject -servername other.test)"

# --- pod (service) ---
check "pod: without credentials 401" 401 "$(status --data-binary @carol@fabrikam.test.xml https://pod51049.outlook.test$POX)"
check "pod: settings" 200 "$(status -u 'carol@fabrikam.test:carol pw' --data-binary @carol@fabrikam.test.xml https://pod51049.outlook.test$POX)"
contains "pod: settings action" "<Action>settings</Action>" body.out
contains "pod: tenant's protocol" "<Server>outlook.office365.test</Server>" body.out
check "pod: mailbox-specific path" 200 "$(status -u 'carol@fabrikam.test:carol pw' --data-binary @carol@fabrikam.test.xml https://pod51049.outlook.test/autodiscover/carol@fabrikam.test/autodiscover.xml)"
contains "pod: mailbox path answers settings" "<Action>settings</Action>" body.out

# --- on-premises: aliases, disabled, changes seen without a restart ---
check "on-prem: login by alias" 200 "$(status -u 'robert@contoso.test:bob pw' --data-binary @bob@contoso.test.xml https://autodiscover.contoso.test$POX)"
contains "on-prem: alias login answers settings" "<AutoDiscoverSMTPAddress>bob@contoso.test</AutoDiscoverSMTPAddress>" body.out
C mailbox change bob@contoso.test --enabled no
check "on-prem: disabled mailbox refused at once" 401 "$(status -u 'bob@contoso.test:bob pw' --data-binary @bob@contoso.test.xml https://autodiscover.contoso.test$POX)"
C mailbox change bob@contoso.test --enabled yes
AUTODISCOVER_PASSWORD='dave pw' C mailbox add dave@contoso.test --name Dave
request dave@contoso.test > dave.xml
check "on-prem: a mailbox added while running" 200 "$(status -u 'dave@contoso.test:dave pw' --data-binary @dave.xml https://autodiscover.contoso.test$POX)"
contains "on-prem: new mailbox answers settings" "<Action>settings</Action>" body.out

# --- migration: on-premises answers redirectAddr, the pod the new address ---
check "migrate" "alice@contoso.mail.onmicrosoft.test" "$(C migrate alice@contoso.test --to contoso-cloud)"
check "on-prem after migrate" 200 "$(status -u 'alice@contoso.test:alice pw' --data-binary @alice@contoso.test.xml https://autodiscover.contoso.test$POX)"
contains "on-prem: redirectAddr" "<RedirectAddr>alice@contoso.mail.onmicrosoft.test</RedirectAddr>" body.out
check "router: routing domain is hosted" 200 "$(status --data-binary @alice@contoso.mail.onmicrosoft.test.xml https://autodiscover-s.outlook.test$POX)"
contains "router: routing domain to the pod" "<RedirectUrl>https://pod51049.outlook.test/autodiscover/autodiscover.xml</RedirectUrl>" body.out
check "pod: migrated mailbox with the original login and password" 200 "$(status -u 'alice@contoso.test:alice pw' --data-binary @alice@contoso.mail.onmicrosoft.test.xml https://pod51049.outlook.test$POX)"
contains "pod: migrated settings" "<AutoDiscoverSMTPAddress>alice@contoso.mail.onmicrosoft.test</AutoDiscoverSMTPAddress>" body.out
contains "pod: cloud protocol" "<Server>outlook.office365.test</Server>" body.out

EXTRA_CHECKS=${EXTRA_CHECKS:-}
[ -n "$EXTRA_CHECKS" ] && . "$EXTRA_CHECKS"

# --- logs: never a password, never an Authorization header ---
lacks "no secret in logs" "pw" access.log daemon.err
lacks "no Authorization in logs" "Authorization" access.log daemon.err
contains "access log: redirector 400 logged" " GET /autodiscover/autodiscover.xml 400 - " access.log

e2e_stop_daemon
check "SIGTERM exits 0" 0 $?
e2e_finish
