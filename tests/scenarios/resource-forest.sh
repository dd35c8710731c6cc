#!/bin/bash
# resource-forest.sh - journey 5 (DESIGN.md section 1) and PROTOCOL.md section 10.2 (SCP
# pointer): erin@litware.test's domain controller (dc1.litware.test, the user forest) holds an
# old URL SCP and a pointer SCP (67661D7F-..., Domain=litware.test, LDAP://dc1.exchange.litware.test),
# both published with autodiscoverctl. The client follows the pointer, drops the user
# forest's URL, searches the Exchange resource forest's directory and uses its URL SCP
# (cas.exchange.litware.test): 401, then settings. The 11-hop pointer chain variant of 10.2
# is covered by tests/client/scp-slapd.sh (meson suite ldap).
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

export LAB_FEATURES=ldap
t_lab_up j5
email=$(journey_mailbox 5)
domain=${email#*@}
ca=$(info .ca)
user_dc=dc1-litware res_dc=dc1-exchange-litware
uhost=$(dirsrv $user_dc host); rhost=$(dirsrv $res_dc host)
old=$(info --arg n $user_dc '.directory_servers[] | select(.name == $n) | .scps[0].url')
oldhost=${old#https://}; oldhost=${oldhost%%/*}
ptr=$(info --arg n $user_dc '.directory_servers[] | select(.name == $n) | .pointers[0].target')
url=$(info --arg n $res_dc '.directory_servers[] | select(.name == $n) | .scps[0].url')
cas=${url#https://}; cas=${cas%%/*}
filter='(&(objectClass=serviceConnectionPoint)(|(keywords=67661D7F-8FC4-4fa7-BFAC-E1D7794C1F68)(keywords=77378F46-2C66-4aa9-A6A6-3E7A48B19596)))'

expect_eq "the world: the pointer in $uhost targets $rhost" "$ptr" "LDAP://$rhost"

marks_take
run_client ok --json --no-cache --sequential --cacert "$ca" --password-file "$(password_file "$email")" \
  --ldap auto "$email"
f=$(out_file ok)
expect_eq "exit 0" "$RC" 0
expect_steps "SRV, user forest (RootDSE, search: pointer followed), resource forest (RootDSE, search), $cas 401, settings" "$f" \
  "scp 0 next-candidate none _ldap._tcp.$domain SRV" \
  "scp 0 next-candidate none ldap://$uhost:389 RootDSE configurationNamingContext" \
  "scp 0 follow-redirect none ldap://$uhost:389 base=$(dirsrv $user_dc config_nc) scope=sub $filter" \
  "scp 0 next-candidate none ldap://$rhost RootDSE configurationNamingContext" \
  "scp 0 next-candidate none ldap://$rhost base=$(dirsrv $res_dc config_nc) scope=sub $filter" \
  "scp 401 retry-with-credentials none $url" \
  "scp 200 success basic $url"
expect_jq "the user forest's answers: its URL SCP (bucket 2) and the pointer for $domain" "$f" \
  '.steps[2].answers | map(select(test("bucket 2|pointer"))) | length' 2
expect_jq "the user forest's URL SCP is dropped when the pointer is followed" "$f" '.steps[2].reason | test("dropped")' true
expect_jq "the resource forest's search found $url" "$f" '.steps[4].answers | join(",")' "$url: bucket 2"
expect_settings "resource forest" "$f" "$email" "$url" "$domain"
expect_eq "$cas answered 401, then settings to $email" "$(requests_since_mark "$cas")" \
  "$cas POST /autodiscover/autodiscover.xml 401 -|$cas POST /autodiscover/autodiscover.xml 200 $email"
expect_no_match "the old URL's host $oldhost was never resolved (its SCP was dropped)" "$(dns_names_since_mark)" "^${oldhost//./\\.}\\.$"
expect_match "slapd of the user forest logged the SCP search" "$(ldap_searches_since_mark $user_dc)" 'scope=2 deref=0 filter="\(&\(objectClass=serviceConnectionPoint\)'
expect_match "slapd of the resource forest logged the SCP search (the pointer was followed)" \
  "$(ldap_searches_since_mark $res_dc)" 'base="cn=Configuration,dc=exchange,dc=litware,dc=test" scope=2 deref=0 filter="\(&\(objectClass=serviceConnectionPoint\)'
expect_no_match "no DNS query for $domain or autodiscover.$domain" "$(dns_names_since_mark)" "^(autodiscover\\.)?${domain//./\\.}\\.$"
expect_every_run "resource forest" "$f"

# A user of another domain ignores the litware pointer (Domain= names another domain): the
# user forest's URL SCP is then the one queued (and refused: nothing listens there).
marks_take
run_client other --json --no-cache --sequential --cacert "$ca" --password-file "$(password_file "$email")" \
  --ldap "ldap://$uhost" --exclude root,autodiscover,redirect,srv "someone@fabrikam.test"
f=$(out_file other)
expect_eq "another domain: exit 3" "$RC" 3
expect_jq "another domain: the pointer is not followed" "$f" '.steps[1].decision' next-candidate
expect_jq "another domain: the user forest's URL is tried" "$f" '[.steps[] | select(.url) | .url] | join(",")' "$old"
expect_eq "another domain: the resource forest was not searched" "$(ldap_searches_since_mark $res_dc)" ""

t_done
