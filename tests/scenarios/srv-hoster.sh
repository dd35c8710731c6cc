#!/bin/bash
# srv-hoster.sh - journey 6 (DESIGN.md section 1): a domain served by a hoster, found by DNS SRV.
# tailspin.test and autodiscover.tailspin.test answer nothing (HTTPS and the port-80 probe
# refused); _autodiscover._tcp.tailspin.test SRV 0 0 443 mail.hoster.test; mail.hoster.test is
# outside tailspin.test, so it needs consent: without it nothing is sent there; with it, it
# answers 401, then settings. Checked from the client's --json steps and from the logs.
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

t_lab_up j6
email=$(journey_mailbox 6)
domain=${email#*@}
org=$(mailbox_field "$email" org)
ca=$(info .ca)
pwfile=$(password_file "$email")
srvname="_autodiscover._tcp.$domain"
srvdata=$(info --arg n "$srvname" '.records[] | select(.name == $n and .type == "SRV") | .data')
read -r prio weight port target <<<"$srvdata"
target=${target%.}
url=$(pox_url "$target")
common=(--json --no-cache --cacert "$ca" --password-file "$pwfile")
before_srv=("root 0 next-candidate none $(pox_url "$domain")"
            "autodiscover 0 next-candidate none $(pox_url "autodiscover.$domain")"
            "redirect 0 next-candidate none http://autodiscover.$domain/autodiscover/autodiscover.xml"
            "srv 0 next-candidate none $srvname SRV")

# --- without consent: refused, nothing reaches the hoster -----------------------------------
marks_take
run_client noconsent "${common[@]}" "$email"
f=$(out_file noconsent)
expect_eq "no consent: exit 3 (nothing answered)" "$RC" 3
expect_steps "no consent: root, autodiscover and probe refused, SRV, $target refused" "$f" \
  "${before_srv[@]}" "srv 0 refused-consent none $url"
expect_jq "no consent: the SRV answer is the lab's record" "$f" \
  '[.steps[] | select(.query) | .answers[]] | join(",")' "$prio $weight $port $target"
expect_step_reason "no consent: the refusal says how to allow it" "$f" "$url" "allow it with --allow-redirect $target"
expect_jq "no consent: the one-line reason names the refused consent" "$f" '.result.reason | test("consent refused")' true
expect_eq "no consent: no request reached $target" "$(requests_since_mark "$target")" ""
expect_dns_asked "no consent" "$srvname" SRV
expect_dns_guard "no consent"

# --- consent, with the lab's DNS server given explicitly for SRV ------------------------------
marks_take
run_client ok "${common[@]}" --dns-server "$(info .dns.address)" --allow-redirect "$target" \
  --allow-basic-after-redirect "$email"
f=$(out_file ok)
expect_eq "consent: exit 0" "$RC" 0
expect_steps "consent: root, autodiscover, probe, SRV, $target 401, then settings" "$f" \
  "${before_srv[@]}" "srv 401 retry-with-credentials none $url" "srv 200 success basic $url"
expect_jq "consent: SRV lists $target as the target to try" "$f" \
  '[.steps[] | select(.query) | .reason][0] | test("target to try in order: ")' true
expect_settings "consent" "$f" "$email" "$url" "$org"
expect_eq "consent: $target answered 401, then settings to $email" "$(requests_since_mark "$target")" \
  "$target POST /autodiscover/autodiscover.xml 401 -|$target POST /autodiscover/autodiscover.xml 200 $email"
expect_dns_asked "consent" "$srvname" SRV
expect_dns_guard "consent"

# --- consent, but Basic withheld from a host learnt from SRV (switcheroo guard) ---------------
marks_take
run_client nobasic "${common[@]}" --allow-redirect "$target" "$email"
expect_eq "consent, no --allow-basic-after-redirect: exit 4" "$RC" 4
expect_eq "consent, no basic: $target saw one POST, without a user" "$(requests_since_mark "$target")" \
  "$target POST /autodiscover/autodiscover.xml 401 -"

t_done
