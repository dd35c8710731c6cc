#!/bin/bash
# hybrid.sh - journey 4 (DESIGN.md section 1): a contoso mailbox moved to contoso's cloud tenant
# (made by `autodiscoverctl migrate`, see doc/lab.md). The on-premises service answers
# redirectAddr to the cloud address; the client starts over for that address, with the same
# user name and password, and follows journey 3's path at the provider: the routing domain's
# autodiscover name is a CNAME to autodiscover.outlook.test (certificate name mismatch), the
# port-80 probe gets a 302 to the router (consent), the router answers the POST with an HTTP 302
# to the mailbox's path on the pod (route-mode http302), the pod answers settings. Checked from the client's --json steps and from the logs.
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

t_lab_up j4
email=$(journey_mailbox 4)
domain=${email#*@}
target=$(mailbox_field "$email" target_address)
tdomain=${target#*@}
tenant=$(info --arg a "$email" '.migrations[] | select(.address == $a) | .tenant')
ca=$(info .ca)
pwfile=$(password_file "$email")
onprem="autodiscover.$domain"
provider=$(info '.hosts[] | select(.role == "redirector") | .name')
router=$(info '.hosts[] | select(.role == "router") | .name')
pod=$(pod_url "$tenant")
podhost=${pod#https://}; podhost=${podhost%%/*}
pod_mbx="https://$podhost/autodiscover/$target/autodiscover.xml" # the router's 302 target
probe="http://autodiscover.$tdomain/autodiscover/autodiscover.xml"
router_url=$(pox_url "$router")
common=(--json --no-cache --cacert "$ca" --password-file "$pwfile")
# the on-premises part of the journey, the same with and without consent
onprem_steps=("root 0 next-candidate none $(pox_url "$domain")"
              "autodiscover 401 retry-with-credentials none $(pox_url "$onprem")"
              "autodiscover 200 restart-with-address basic $(pox_url "$onprem")"
              "root 0 next-candidate none $(pox_url "$tdomain")"
              "autodiscover 0 next-candidate none $(pox_url "autodiscover.$tdomain")"
              "redirect 302 follow-redirect none $probe")
onprem_log="$onprem POST /autodiscover/autodiscover.xml 401 -|$onprem POST /autodiscover/autodiscover.xml 200 $email"

expect_match "the world: $email was migrated to a cloud address" "$target" '^[^@]+@[^@]+$'

# --- without consent: restart, then the router is refused; nothing reaches router or pod ------
marks_take
run_client noconsent "${common[@]}" "$email"
f=$(out_file noconsent)
expect_eq "no consent: exit 3 (nothing answered)" "$RC" 3
expect_steps "no consent: on-premises redirectAddr, restart, probe 302, router refused, SRV" "$f" \
  "${onprem_steps[@]}" \
  "redirect 0 refused-consent none $router_url" \
  "srv 0 next-candidate none _autodiscover._tcp.$tdomain SRV"
expect_eq "no consent: on-premises answered 401, then (redirectAddr) to $email" "$(requests_since_mark "$onprem")" "$onprem_log"
expect_eq "no consent: no request reached $router" "$(requests_since_mark "$router")" ""
expect_eq "no consent: no request reached $podhost" "$(requests_since_mark "$podhost")" ""
expect_dns_guard "no consent"

# --- consent: the whole journey -------------------------------------------------------------
marks_take
run_client ok "${common[@]}" --allow-redirect "$router" --allow-basic-after-redirect "$email"
f=$(out_file ok)
expect_eq "consent: exit 0" "$RC" 0
expect_steps "consent: on-premises redirectAddr, restart, probe 302, router 302, pod settings" "$f" \
  "${onprem_steps[@]}" \
  "redirect 302 follow-redirect none $router_url" \
  "redirect 401 retry-with-credentials none $pod_mbx" \
  "redirect 200 success basic $pod_mbx"
expect_step_reason "consent: on-premises answers redirectAddr $target" "$f" "$(pox_url "$onprem")" "redirectAddr to ${target//./\\.}"
expect_jq "consent: steps 1-3 ask for $email, the rest for $target" "$f" \
  '[.steps[].email] | (.[0:3] | unique | join(",")) + " " + (.[3:] | unique | join(","))' "$email $target"
expect_jq "consent: the second address in the steps is the target address" "$f" \
  "[.steps[] | .email] | map(select(. != \"$email\")) | .[0]" "$target"
expect_settings "consent" "$f" "$target" "$pod_mbx" "$tenant"
expect_jq "consent: two redirects followed (address, then URL)" "$f" '.result.redirects' 2
expect_eq "consent: on-premises answered 401, then redirectAddr to $email" "$(requests_since_mark "$onprem")" "$onprem_log"
expect_eq "consent: the redirector saw the probe only (GET, no Authorization)" \
  "$(requests_since_mark "$provider" 80)" "autodiscover.$tdomain GET /autodiscover/autodiscover.xml 302 -"
expect_eq "consent: the router answered one POST, without asking who" \
  "$(requests_since_mark "$router")" "$router POST /autodiscover/autodiscover.xml 302 -"
# The pod logs the primary address of the mailbox the Basic user name names: $email (the
# synced on-premises user) when the client keeps alice's user name, as doc/autodiscover.md
# says ("the same user name and password"); $target if it logs in as the new address.
expect_eq "consent: the pod answered 401, then settings to a login as $email (the user name is kept across the restart)" \
  "$(requests_since_mark "$podhost")" \
  "$podhost POST /autodiscover/$target/autodiscover.xml 401 -|$podhost POST /autodiscover/$target/autodiscover.xml 200 $email"
expect_dns_asked "consent" "autodiscover.$tdomain" A
expect_dns_guard "consent"

# --- with the user name given explicitly, the pod sees that login ----------------------------
marks_take
run_client user "${common[@]}" --user "$email" --allow-redirect "$router" --allow-basic-after-redirect "$email"
expect_eq "--user $email: exit 0" "$RC" 0
expect_settings "--user $email" "$(out_file user)" "$target" "$pod_mbx" "$tenant"
expect_eq "--user $email: the pod answered a login as $email" "$(requests_since_mark "$podhost")" \
  "$podhost POST /autodiscover/$target/autodiscover.xml 401 -|$podhost POST /autodiscover/$target/autodiscover.xml 200 $email"

t_done
