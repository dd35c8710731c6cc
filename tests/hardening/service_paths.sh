#!/bin/bash
# ProxyShell-style paths and query strings, encoded slashes, "..", invalid UTF-8 and
# open-redirect attempts through the v2 JSON Email against autodiscoverd over TLS. The
# service proxies nothing; each request gets a fixed 4xx (or the domain's answer for an
# accepted address) and never a Location outside the configured domains. A mailbox moved
# to a domain the directory does not accept is not redirected there.
#
#   service_paths.sh AUTODISCOVERD AUTODISCOVERCTL
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init hard_paths "$@"
hard_daemon
printf 'movedpw\n' > moved.pw
"$CTL" --db "$DB" mailbox add moved@contoso.test --name Moved --password-file moved.pw \
    --target-address moved@evil.test >/dev/null
START=$(rss_kib)
J=/autodiscover/autodiscover.json
get() { # get EXPECTED-STATUS PATH [ANSWER-SNIPPET]
    check "GET $2" "$1" "$(status --path-as-is "$BASE$2")"
    lacks_nocase "GET $2: no Location" 'location:' headers.out
    lacks "GET $2: evil.test not echoed" 'evil.test' body.out
    if [ $# -ge 3 ]; then contains "GET $2: answer" "$3" body.out; fi
}
get 400 "$J?@evil.test/owa/" '"ErrorCode":"InvalidRequest"'
get 400 "$J?@evil.test/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.test"
get 404 "$J/v1.0/x@evil.test?Protocol=AutodiscoverV1" '"ErrorCode":"NotFound"'
get 404 "$J/v1.0/x@evil.test/owa/?Protocol=Ews"
get 400 "$J?Email=bob@contoso.test%40evil.test&Protocol=Ews" '"ErrorCode":"InvalidEmail"'
get 400 "$J?Email=bob@evil.test%2f@contoso.test&Protocol=Ews" '"ErrorCode":"InvalidEmail"'
get 400 "$J?Email=bob@contoso.test&Email=x@evil.test&Protocol=Ews"
get 404 "$J%2fv1.0%2fbob@contoso.test?Protocol=Ews"
get 400 "$J/v1.0/..%2f..%2fetc%2fpasswd?Protocol=Ews" '"ErrorCode":"InvalidEmail"'
get 400 "$J?Email=b%ff%fe@contoso.test&Protocol=Ews" '"ErrorCode":"InvalidEmail"'
get 400 "$J/v1.0/b%c0%af@contoso.test?Protocol=Ews"
get 404 "/autodiscover/../owa/"
get 404 "/autodiscover/autodiscover.xml/../../ecp/"
get 404 "/autodiscover/%2e%2e/owa/"
get 404 "/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.test"
get 404 "/owa/auth/x.js"
get 404 "/ecp/DDI/DDIService.svc/GetList?Email=autodiscover/autodiscover.json?@evil.test"
# Accepted addresses: the domain's answer, the same for a known, an unknown and a moved
# mailbox whose target domain is not accepted (no redirect to evil.test, no enumeration).
for who in bob nobody moved; do
    get 200 "$J/v1.0/$who@contoso.test?Protocol=Ews" '"Url":"https://cas.contoso.test/EWS/Exchange.asmx"'
    cp body.out "v2-$who.json"
done
check "v2: known and unknown addresses answered alike" "$(cat v2-bob.json)" "$(cat v2-nobody.json)"
check "v2: moved to a foreign domain answered like the rest" "$(cat v2-bob.json)" "$(cat v2-moved.json)"
# The POX path with a ProxyShell query: authenticated, it is only ever the POX answer.
check "POX with ?@evil.test/owa/" 200 "$(status -u "bob@contoso.test:$BOB_PW" --data-binary @bob.xml \
    "$URL?@evil.test/owa/")"
lacks_nocase "POX with a query: no Location" 'location:' headers.out
contains "POX with a query: bob's settings" '<DisplayName>Bob Example</DisplayName>' body.out
check "unauthenticated POX with ?@evil.test/owa/" 401 "$(status --data-binary @bob.xml "$URL?@evil.test/owa/")"
# A very long path and query: 414, nothing cut and answered.
long=$(head -c 8000 /dev/zero | tr '\0' a)
check "v2 query of 8,000 bytes" 414 "$(status "$BASE$J?Email=$long@contoso.test&Protocol=Ews")"
check_served "after the path attacks"
check_rss_bound "after the path attacks" "$START"
hard_finish
