#!/bin/bash
# scp-site-buckets.sh - PROTOCOL.md section 10.1: SCP + site buckets, with real slapd. The
# scenario replaces the SCPs of dc1.contoso.test the real way (autodiscoverctl scp remove /
# publish), in directory order C (Site=Oslo), B (no site), A (Site=Paris):
#   A cas-a.contoso.test  hostile host: 503 to everything
#   B cas-b.contoso.test  ad-contoso: 401, then settings
#   C cas-c.contoso.test  hostile host: must never be contacted
# With --site Paris the client queues A, B, C (buckets 1, 2, 3): A 503, B 401, B settings,
# C untouched. Without a site, B (bucket 2) comes first.
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

export LAB_FEATURES=ldap,hostile
t_lab_up s101
email=$(journey_mailbox 2)
domain=${email#*@}
ca=$(info .ca)
dc=dc1-contoso
dchost=$(dirsrv $dc host)
u() { pox_url "$1.$domain"; }

scp_publish $dc remove --server CAS --org Contoso
scp_publish $dc publish --server CAS-C --url "$(u cas-c)" --site Oslo --org Contoso
scp_publish $dc publish --server CAS-B --url "$(u cas-b)" --org Contoso
scp_publish $dc publish --server CAS-A --url "$(u cas-a)" --site Paris --org Contoso
expect_eq "the directory holds C, B, A in that order (autodiscoverctl scp list)" \
  "$(lab exec autodiscoverctl scp list --ldap "ldap://$dchost" | cut -f1 | paste -sd ' ')" "$(u cas-c) $(u cas-b) $(u cas-a)"

common=(--json --no-cache --cacert "$ca" --password-file "$(password_file "$email")" --ldap "ldap://$dchost")
marks_take
run_client paris "${common[@]}" --sequential --site Paris "$email"
f=$(out_file paris)
expect_eq "site Paris: exit 0" "$RC" 0
expect_jq "site Paris: buckets in directory order C, B, A: 3, 2, 1" "$f" \
  '[.steps[1].answers[] | capture(": (?<b>bucket [0-9])$").b] | join(",")' "bucket 3,bucket 2,bucket 1"
expect_jq "site Paris: the HTTP steps: A 503, B 401, B settings" "$f" \
  '[.steps[] | select(.url) | "\(.status) \(.decision) \(.url)"] | join("|")' \
  "503 next-candidate $(u cas-a)|401 retry-with-credentials $(u cas-b)|200 success $(u cas-b)"
expect_settings "site Paris" "$f" "$email" "$(u cas-b)" "$domain"
expect_jq "site Paris: source SCP" "$f" '.result.method' scp
expect_eq "site Paris: A (hostile) saw one POST without credentials, answered 503" "$(host_requests_since_mark "cas-a.$domain")" \
  "cas-a.$domain POST /autodiscover/autodiscover.xml 503 -"
expect_eq "site Paris: B answered 401, then settings to $email" "$(host_requests_since_mark "cas-b.$domain")" \
  "cas-b.$domain POST /autodiscover/autodiscover.xml 401 -|cas-b.$domain POST /autodiscover/autodiscover.xml 200 $email"
expect_eq "site Paris: C never contacted" "$(host_requests_since_mark "cas-c.$domain")" ""
expect_no_match "site Paris: C's name never resolved" "$(dns_names_since_mark)" "^cas-c\\."
expect_every_run "site Paris" "$f"

marks_take
run_client nosite "${common[@]}" --sequential "$email"
f=$(out_file nosite)
expect_eq "no site: exit 0" "$RC" 0
expect_jq "no site: every Site= SCP is bucket 3, B bucket 2" "$f" \
  '[.steps[1].answers[] | capture(": (?<b>bucket [0-9])$").b] | join(",")' "bucket 3,bucket 2,bucket 3"
expect_jq "no site: B first, settings" "$f" '[.steps[] | select(.url) | "\(.status) \(.url)"] | join("|")' \
  "401 $(u cas-b)|200 $(u cas-b)"
expect_eq "no site: A and C untouched" "$(host_requests_since_mark "cas-a.$domain")$(host_requests_since_mark "cas-c.$domain")" ""
expect_every_run "no site" "$f"

# Parallel probing (the default): the same winner, credentials only to B, never C.
marks_take
run_client parallel "${common[@]}" --site Paris "$email"
f=$(out_file parallel)
expect_eq "parallel: exit 0" "$RC" 0
expect_jq "parallel: settings from B" "$f" '.result.url' "$(u cas-b)"
expect_jq "parallel: credentials only to B" "$f" '[.steps[] | select(.auth != "none") | .url] | unique | join(",")' "$(u cas-b)"
expect_eq "parallel: C never contacted" "$(host_requests_since_mark "cas-c.$domain")" ""

t_done
