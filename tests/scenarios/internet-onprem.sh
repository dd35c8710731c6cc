#!/bin/bash
# internet-onprem.sh - journey 2 (DESIGN.md section 1): an on-premises mailbox found from the
# internet. https://contoso.test/ refuses the connection; https://autodiscover.contoso.test/
# answers 401, then the settings. Every expected value is read from `lab info`.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

t_lab_up j2
email=$(journey_mailbox 2)
domain=${email#*@}
ca=$(info .ca)
pwfile=$(password_file "$email")
root_url="https://$domain/autodiscover/autodiscover.xml"
ad_url="https://autodiscover.$domain/autodiscover/autodiscover.xml"
want_ews=$(org_setting "$domain" EXPR EwsUrl)

# --- the journey -------------------------------------------------------------------------
marks_take
run_client ok --json --no-cache --cacert "$ca" --password-file "$pwfile" "$email"
out=$(out_file ok)
expect_eq "client exits 0 for $email" "$RC" 0
expect_jq "output is one JSON document with steps" "$out" '.steps | type' array
expect_jq "step 1: method root" "$out" '.steps[0].method' root
expect_jq "step 1: url $root_url" "$out" '.steps[0].url' "$root_url"
expect_jq "step 1: status 0 (connection refused)" "$out" '.steps[0].status' 0
expect_jq "step 1: decision next-candidate" "$out" '.steps[0].decision' next-candidate
expect_jq "then exactly two autodiscover steps" "$out" '[.steps[1:][] | .method] | join(",")' autodiscover,autodiscover
expect_jq "step 2: 401 at $ad_url" "$out" '.steps[1] | "\(.url) \(.status)"' "$ad_url 401"
expect_jq "step 2: decision retry-with-credentials" "$out" '.steps[1].decision' retry-with-credentials
expect_jq "step 3: 200 at $ad_url" "$out" '.steps[2] | "\(.url) \(.status)"' "$ad_url 200"
expect_jq "step 3: decision success" "$out" '.steps[2].decision' success
expect_jq "every step has elapsed_ms" "$out" '[.steps[] | .elapsed_ms | type == "number"] | all' true
expect_jq "result ok" "$out" '.result.ok' true
expect_jq "result email" "$out" '.result.email' "$email"
expect_jq "result url" "$out" '.result.url' "$ad_url"
expect_jq "EXPR EwsUrl is the lab's ($want_ews)" "$out" '.result.protocols[] | select(.Type == "EXPR") | .EwsUrl' "$want_ews"

# The daemon saw exactly two requests: the first without a user, the second as the mailbox.
expect_eq "access log: 401 without a user, then 200 as $email" \
  "$(requests_since_mark "autodiscover.$domain")" \
  "autodiscover.$domain POST /autodiscover/autodiscover.xml 401 -|autodiscover.$domain POST /autodiscover/autodiscover.xml 200 $email"

# DNS: nothing outside the lab zones; never autodiscover.<public suffix> (PSL leak guard).
expect_dns_asked "DNS" "autodiscover.$domain" A
expect_dns_guard "DNS"

# --- wrong password: exit 4, the credentials were refused (401 after sending them) ----------
wrong=$(info .run_dir)/test-out/wrong.pw
printf 'not-%s' "$(cat "$pwfile")" >"$wrong"
run_client wrongpw --json --no-cache --cacert "$ca" --password-file "$wrong" "$email"
expect_eq "wrong password: exit 4" "$RC" 4
expect_jq "wrong password: a 401 answered the credentials" "$(out_file wrongpw)" \
  '[.steps[] | select(.status == 401 and (.auth // "none") != "none")] | length > 0' true

# --- unknown address, authenticated as a real mailbox: the service's "not found" answer ----
run_client unknown --json --no-cache --cacert "$ca" --password-file "$pwfile" --user "$email" "nobody@$domain"
expect_eq "unknown address: exit 5 (Autodiscover error answer)" "$RC" 5
expect_jq "unknown address: result code AD_E_SERVER_ERROR" "$(out_file unknown)" '.result.code' AD_E_SERVER_ERROR
expect_jq "unknown address: the service answered ErrorCode 500 (after credentials)" "$(out_file unknown)" \
  '[.steps[] | select(.status == 200 and .auth != "none" and (.reason | test("ErrorCode 500")))] | length' 1
expect_match "unknown address: one-line reason on stderr names ErrorCode 500" "$(cat "$(err_file unknown)")" '^autodiscover: .*ErrorCode 500'
expect_eq "unknown address: stderr is one line" "$(wc -l <"$(err_file unknown)")" 1

# --- malformed address: exit 2 and one line on stderr --------------------------------------
run_client malformed --json --cacert "$ca" --password-file "$pwfile" "not-an-address"
expect_eq "malformed address: exit 2" "$RC" 2
expect_eq "malformed address: one line on stderr" "$(wc -l <"$(err_file malformed)")" 1

t_done
