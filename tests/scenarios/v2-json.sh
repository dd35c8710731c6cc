#!/bin/bash
# v2-json.sh - PROTOCOL.md section 10.14: Autodiscover v2 (--protocol json). bob: GET
# https://autodiscover.contoso.test/autodiscover/autodiscover.json/v1.0/bob@contoso.test?Protocol=AutodiscoverV1
# without credentials -> 200 {"Protocol":"AutodiscoverV1","Url":...} (contoso's AutodiscoverV1
# section) -> the POX POST to that Url with credentials -> settings. Protocol=Bogus -> 400
# InvalidProtocol, asked with the client's --v2-protocol and with curl inside the lab.
# Not covered here: the v2 302 of a moved mailbox (it needs the target's domain accepted in
# the same directory; the lab's hybrid move spans two directories).
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

t_lab_up s114
ca=$(info .ca)
bob=$(journey_mailbox 2); domain=${bob#*@}
host="autodiscover.$domain"
v2="https://$host/autodiscover/autodiscover.json/v1.0/bob%40$domain?Protocol=AutodiscoverV1"
url=$(org_setting "$domain" AutodiscoverV1 Url)

marks_take
run_client ok --json --no-cache --sequential --cacert "$ca" --password-file "$(password_file "$bob")" --protocol json "$bob"
f=$(out_file ok)
expect_eq "json: exit 0" "$RC" 0
expect_steps "json: v2 GET 200 (Url), then POX 401 and settings at the Url" "$f" \
  "json 200 follow-redirect none $v2" "json 401 retry-with-credentials none $url" "json 200 success basic $url"
expect_settings "json" "$f" "$bob" "$url" "$domain"
expect_eq "json: the service saw the v2 GET without a user, then POX 401 and 200 as $bob" "$(requests_since_mark "$host")" \
  "$host GET /autodiscover/autodiscover.json/v1.0/bob%2540$domain 200 -|$host POST /autodiscover/autodiscover.xml 401 -|$host POST /autodiscover/autodiscover.xml 200 $bob"
expect_every_run "json" "$f"

marks_take
run_client bogus --json --no-cache --sequential --cacert "$ca" --password-file "$(password_file "$bob")" --protocol json --v2-protocol Bogus "$bob"
f=$(out_file bogus)
expect_eq "Protocol=Bogus: exit 5 (server error answer)" "$RC" 5
expect_jq "Protocol=Bogus: the v2 GET got 400" "$f" '.steps[0].status' 400
expect_match "Protocol=Bogus: the reason names InvalidProtocol" "$(jq -r '.steps[0].reason' "$f")" 'InvalidProtocol'
body=$(lab exec curl -s -w '\n%{http_code}' "https://$host/autodiscover/autodiscover.json/v1.0/$bob?Protocol=Bogus")
expect_eq "curl Protocol=Bogus: 400" "$(tail -n1 <<<"$body")" 400
expect_eq "curl Protocol=Bogus: ErrorCode InvalidProtocol" "$(head -n1 <<<"$body" | jq -r .ErrorCode)" InvalidProtocol
expect_every_run "bogus" "$f"

t_done
