#!/bin/bash
# unsafe-redirects.sh - PROTOCOL.md section 10.11, against the hostile host (no real server
# of ours sends these): the port-80 probe answered by a 302 to http:// (ignored), the port-80
# probe answered by a 200 with a body (ignored: its redirectUrl is never followed), an
# authenticated 302 to https://x.test/owa/ (rejected: the path). The fourth case, a host that
# needs consent offering only Basic (no credentials without --allow-basic-after-redirect), is
# asserted by journeys 3 and 6 (cloud-tenant.sh, srv-hoster.sh: "consent, no basic").
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

export LAB_FEATURES=hostile
t_lab_up s111
ca=$(info .ca)
pw=$(info .run_dir)/test-out/any.pw; mkdir -p "${pw%/*}"; printf 'whatever' >"$pw"
common=(--json --no-cache --sequential --cacert "$ca" --password-file "$pw")

for d in http302 body200; do
  domain=$d.fabrikam.test
  marks_take
  run_client "$d" "${common[@]}" --exclude srv "x@$domain"
  f=$(out_file "$d")
  expect_eq "$d: exit 3 (nothing answered)" "$RC" 3
  expect_jq "$d: the probe is the last step, not followed" "$f" \
    '[.steps[] | select(.method == "redirect")] | "\(length) \(.[0].decision)"' "1 next-candidate"
  expect_eq "$d: the hostile port-80 host saw one GET, no credentials" \
    "$(host_requests_since_mark "autodiscover.$domain" 80)" \
    "autodiscover.$domain GET /autodiscover/autodiscover.xml $([ $d = http302 ] && echo 302 || echo 200) -"
  expect_eq "$d: nothing reached loop-a (the Location / the body's redirectUrl)" "$(host_requests_since_mark loop-a.fabrikam.test)" ""
  expect_every_run "$d" "$f"
done
expect_step_reason "http302: the reason says http is not followed" "$(out_file http302)" \
  "http://autodiscover.http302.fabrikam.test/autodiscover/autodiscover.xml" 'http'

marks_take
run_client owa "${common[@]}" --o365-url "https://loop-a.fabrikam.test/autodiscover/owa/autodiscover.xml" \
  --exclude root,autodiscover,redirect,srv someone@fabrikam.test
f=$(out_file owa)
expect_eq "owa: exit 3" "$RC" 3
expect_jq "owa: 401, then a 302 after credentials, not followed" "$f" \
  '[.steps[] | select(.url) | "\(.status) \(.auth)"] | join(",")' "401 none,302 basic"
expect_step_reason "owa: the reason names the path" "$f" "https://loop-a.fabrikam.test/autodiscover/owa/autodiscover.xml" 'path'
expect_no_match "owa: x.test never resolved" "$(dns_names_since_mark)" '^x\.test\.$'
expect_every_run "owa" "$f"

t_done
