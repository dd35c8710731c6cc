#!/bin/bash
# cert-mismatch.sh - PROTOCOL.md section 10.4: adatum.test:443 serves a valid (lab CA)
# certificate for www.other.test only; autodiscover.adatum.test is valid. Expect no
# credentials to adatum.test (its access log stays empty: TLS fails before HTTP) and success
# at autodiscover.adatum.test. Also: an expired certificate and one from an untrusted CA
# (given as --o365-url, the explicit endpoint tried first) fail in TLS with their reason.
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

export LAB_FEATURES=adatum
t_lab_up s104
email=grace@adatum.test
domain=${email#*@}
ca=$(info .ca)
common=(--json --no-cache --sequential --cacert "$ca" --password-file "$(password_file "$email")")

marks_take
run_client ok "${common[@]}" "$email"
f=$(out_file ok)
expect_eq "exit 0" "$RC" 0
expect_steps "root fails in TLS, autodiscover 401, then settings" "$f" \
  "root 0 next-candidate none $(pox_url "$domain")" \
  "autodiscover 401 retry-with-credentials none $(pox_url "autodiscover.$domain")" \
  "autodiscover 200 success basic $(pox_url "autodiscover.$domain")"
expect_step_reason "the root's certificate does not name $domain" "$f" "$(pox_url "$domain")" "certificate name does not match|no alternative certificate subject name"
expect_settings "autodiscover" "$f" "$email" "$(pox_url "autodiscover.$domain")" "$domain"
expect_eq "nothing reached $domain over HTTP (TLS failed first): no credentials" "$(host_requests_since_mark "$domain")" ""
expect_eq "autodiscover.$domain: 401, then settings" "$(host_requests_since_mark "autodiscover.$domain")" \
  "autodiscover.$domain POST /autodiscover/autodiscover.xml 401 -|autodiscover.$domain POST /autodiscover/autodiscover.xml 200 $email"
expect_every_run "mismatch" "$f"

for kind in expired untrusted; do
  marks_take
  run_client "$kind" "${common[@]}" --o365-url "$(pox_url "$kind.$domain")" --exclude root,autodiscover,redirect,srv "$email"
  f=$(out_file "$kind")
  expect_eq "$kind certificate: exit 3" "$RC" 3
  expect_jq "$kind certificate: one step, no answer" "$f" '[.steps[] | "\(.status) \(.auth)"] | join(",")' "0 none"
  case $kind in
    expired) expect_step_reason "expired: TLS reason" "$f" "$(pox_url "$kind.$domain")" 'expired' ;;
    untrusted) expect_step_reason "untrusted: TLS reason" "$f" "$(pox_url "$kind.$domain")" 'local issuer|self.signed|unable to get' ;;
  esac
  expect_eq "$kind certificate: nothing reached the server over HTTP" "$(host_requests_since_mark "$kind.$domain")" ""
done

t_done
