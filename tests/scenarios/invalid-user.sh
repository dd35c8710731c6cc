#!/bin/bash
# invalid-user.sh - PROTOCOL.md section 10.10: an Autodiscover error answer (ErrorCode 500).
# From a non-SCP endpoint (autodiscover.contoso.test, for an address it does not know): the
# final result is "no such mailbox" (exit 5) once the candidates are exhausted. From an SCP
# URL (cas-err.contoso.test, a hostile host answering ErrorCode 500 to bob after his
# credentials, published with Site=Paris so it comes first): logged, and the next SCP URL
# (cas.contoso.test) is tried and succeeds.
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

export LAB_FEATURES=ldap,hostile
t_lab_up s110
email=$(journey_mailbox 2)
domain=${email#*@}
ca=$(info .ca)
dc=dc1-contoso
dchost=$(dirsrv $dc host)
cas=$(info --arg n $dc '.directory_servers[] | select(.name == $n) | .scps[0].url')
err=$(pox_url "cas-err.$domain")
common=(--json --no-cache --sequential --cacert "$ca" --password-file "$(password_file "$email")" --user "$email")

# --- not SCP: ErrorCode 500 from autodiscover.contoso.test; candidates exhausted: exit 5 -----
marks_take
run_client nonscp "${common[@]}" "nobody@$domain"
f=$(out_file nonscp)
expect_eq "non-SCP: exit 5 (no such mailbox)" "$RC" 5
expect_jq "non-SCP: result code AD_E_SERVER_ERROR, reason ErrorCode 500" "$f" \
  '"\(.result.code) \(.result.reason | test("ErrorCode 500"))"' "AD_E_SERVER_ERROR true"
expect_jq "non-SCP: the ErrorCode 500 came from autodiscover.$domain after credentials, then the other candidates" "$f" \
  '[.steps[] | "\(.method) \(.status) \(.decision) \(.auth)"] | join("|")' \
  "root 0 next-candidate none|autodiscover 401 retry-with-credentials none|autodiscover 200 next-candidate basic|redirect 0 next-candidate none|srv 0 next-candidate none"
expect_eq "non-SCP: autodiscover.$domain answered 401, then (ErrorCode 500) as $email" \
  "$(requests_since_mark "autodiscover.$domain")" \
  "autodiscover.$domain POST /autodiscover/autodiscover.xml 401 -|autodiscover.$domain POST /autodiscover/autodiscover.xml 200 $email"
expect_every_run "non-SCP" "$f"

# --- SCP: cas-err first (Site=Paris), ErrorCode 500, then cas.contoso.test succeeds ----------
scp_publish $dc publish --server CAS-ERR --url "$err" --site Paris --org Contoso
marks_take
run_client scp "${common[@]}" --ldap "ldap://$dchost" --site Paris "$email"
f=$(out_file scp)
expect_eq "SCP: exit 0" "$RC" 0
expect_jq "SCP: cas-err 401, ErrorCode 500 (next candidate), then cas 401 and settings" "$f" \
  '[.steps[] | select(.url) | "\(.status) \(.decision) \(.auth) \(.url)"] | join("|")' \
  "401 retry-with-credentials none $err|200 next-candidate basic $err|401 retry-with-credentials none $cas|200 success basic $cas"
expect_step_reason "SCP: the error answer is logged in the step" "$f" "$err" 'ErrorCode 500'
expect_settings "SCP" "$f" "$email" "$cas" "$domain"
expect_eq "SCP: the hostile cas-err saw 401, then the credentials of $email" "$(host_requests_since_mark "cas-err.$domain")" \
  "cas-err.$domain POST /autodiscover/autodiscover.xml 401 -|cas-err.$domain POST /autodiscover/autodiscover.xml 200 $email"
expect_every_run "SCP" "$f"

t_done
