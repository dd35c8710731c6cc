#!/bin/bash
# cloud-tenant.sh - journey 3 (DESIGN.md section 1): a cloud-only tenant. fabrikam.test refuses
# the connection; autodiscover.fabrikam.test is a CNAME to the provider's autodiscover.outlook.test,
# whose *.outlook.test certificate does not name fabrikam, so it fails on the name; the
# unauthenticated port-80 GET probe gets a 302 to the provider's router (a host outside
# fabrikam.test: consent); the router, without credentials, answers the POST with an HTTP 302
# to the mailbox's path on the pod (route-mode http302, as Office 365 does; the client follows
# a 302 on POST); the pod answers 401, then settings. Checked from the client's --json steps and from every
# daemon's access log and the DNS query log. Every expected value is read from `lab info`.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

t_lab_up j3
email=$(journey_mailbox 3)
domain=${email#*@}
tenant=$(mailbox_field "$email" org)
ca=$(info .ca)
pwfile=$(password_file "$email")
provider=$(info '.hosts[] | select(.role == "redirector") | .name')
router=$(info '.hosts[] | select(.role == "router") | .name')
pod=$(pod_url "$tenant")
podhost=${pod#https://}; podhost=${podhost%%/*}
pod_mbx="https://$podhost/autodiscover/$email/autodiscover.xml" # the router's 302 target
probe="http://autodiscover.$domain/autodiscover/autodiscover.xml"
router_url=$(pox_url "$router")
probe_ok="autodiscover.$domain GET /autodiscover/autodiscover.xml 302 -"
common=(--json --no-cache --cacert "$ca" --password-file "$pwfile")

# --- without consent: the client refuses the router; nothing reaches the router or the pod ---
marks_take
run_client noconsent "${common[@]}" "$email"
f=$(out_file noconsent)
expect_eq "no consent: exit 3 (nothing answered)" "$RC" 3
expect_steps "no consent: root, autodiscover, probe 302, router refused, SRV" "$f" \
  "root 0 next-candidate none $(pox_url "$domain")" \
  "autodiscover 0 next-candidate none $(pox_url "autodiscover.$domain")" \
  "redirect 302 follow-redirect none $probe" \
  "redirect 0 refused-consent none $router_url" \
  "srv 0 next-candidate none _autodiscover._tcp.$domain SRV"
expect_step_reason "no consent: autodiscover.$domain fails on the certificate name" "$f" \
  "$(pox_url "autodiscover.$domain")" 'certificate name does not match'
expect_step_reason "no consent: the refusal says how to allow it" "$f" "$router_url" "allow it with --allow-redirect $router"
expect_eq "no consent: the redirector ($provider) saw the probe only, no Authorization (no 400)" \
  "$(requests_since_mark "$provider" 80)" "$probe_ok"
expect_eq "no consent: no request reached $router" "$(requests_since_mark "$router")" ""
expect_eq "no consent: no request reached $podhost" "$(requests_since_mark "$podhost")" ""
expect_dns_guard "no consent"

# --- consent for the router, but Basic withheld from it and its pod (switcheroo guard) -------
marks_take
run_client nobasic "${common[@]}" --allow-redirect "$router" "$email"
f=$(out_file nobasic)
expect_eq "consent, no --allow-basic-after-redirect: exit 4 (credentials withheld)" "$RC" 4
expect_step_reason "consent, no basic: the pod's 401 is not answered with credentials" "$f" "$pod_mbx" \
  'credentials withheld \(allow with --allow-basic-after-redirect\)'
expect_eq "consent, no basic: the pod saw one POST, without a user" \
  "$(requests_since_mark "$podhost")" "$podhost POST /autodiscover/$email/autodiscover.xml 401 -"

# --- consent: the whole journey -------------------------------------------------------------
marks_take
run_client ok "${common[@]}" --allow-redirect "$router" --allow-basic-after-redirect "$email"
f=$(out_file ok)
expect_eq "consent: exit 0" "$RC" 0
expect_steps "consent: root, autodiscover, probe 302, router 302, pod 401, pod settings" "$f" \
  "root 0 next-candidate none $(pox_url "$domain")" \
  "autodiscover 0 next-candidate none $(pox_url "autodiscover.$domain")" \
  "redirect 302 follow-redirect none $probe" \
  "redirect 302 follow-redirect none $router_url" \
  "redirect 401 retry-with-credentials none $pod_mbx" \
  "redirect 200 success basic $pod_mbx"
expect_step_reason "consent: the router answers a 302 to the mailbox's path on the pod" "$f" "$router_url" \
  "^302 Found to ${pod_mbx//./\\.}"
expect_jq "consent: the pod steps are hop 1, redirected from the router" "$f" \
  "[.steps[] | select(.url == \"$pod_mbx\") | \"\(.hop) \(.redirected_from)\"] | unique | join(\",\")" "1 $router_url"
expect_settings "consent" "$f" "$email" "$pod_mbx" "$tenant"
expect_jq "consent: one redirect followed" "$f" '.result.redirects' 1
expect_eq "consent: the redirector saw the probe only (GET, no Authorization)" "$(requests_since_mark "$provider" 80)" "$probe_ok"
expect_eq "consent: the router answered one POST, without asking who" \
  "$(requests_since_mark "$router")" "$router POST /autodiscover/autodiscover.xml 302 -"
expect_eq "consent: the pod answered 401, then settings to $email" "$(requests_since_mark "$podhost")" \
  "$podhost POST /autodiscover/$email/autodiscover.xml 401 -|$podhost POST /autodiscover/$email/autodiscover.xml 200 $email"
expect_dns_asked "consent" "autodiscover.$domain" A
expect_dns_guard "consent"

t_done
