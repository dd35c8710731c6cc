#!/bin/bash
# srv-weights.sh - PROTOCOL.md section 10.7: SRV with several records. woodgrove.test has no
# A records; _autodiscover._tcp.woodgrove.test SRV: 0 10 80 http.woodgrove.test (port 80:
# ignored), 10 5 443 backup.hoster.test, 0 5 443 mail.hoster.test, 0 1 443 mail2.hoster.test.
# The client tries port-443 targets in RFC 2782 order: priority 0 first ({mail, mail2} by a
# weighted draw; --seed makes it repeatable), backup last. The targets are outside
# woodgrove.test: consent. With consent for the first one, it gets the POST.
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

t_lab_up s107
email=henry@woodgrove.test
domain=${email#*@}
ca=$(info .ca)
srvname="_autodiscover._tcp.$domain"
common=(--json --no-cache --cacert "$ca" --password-file "$(password_file "$email")" --dns-server "$(info .dns.address)")
order() { jq -r '[.steps[] | select(.method == "srv" and .url) | .url | sub("^https://"; "") | sub("/.*"; "")] | join(",")' "$1"; }

# --- seed 1: mail.hoster.test first; consent for it only -----------------------------------
marks_take
run_client seed1 "${common[@]}" --seed 1 --allow-redirect mail.hoster.test --allow-basic-after-redirect "$email"
f=$(out_file seed1)
expect_eq "seed 1: exit 0" "$RC" 0
expect_jq "seed 1: root, autodiscover, probe fail (no A records), then SRV" "$f" \
  '[.steps[0:4][] | "\(.method) \(.decision)"] | join(",")' \
  "root next-candidate,autodiscover next-candidate,redirect next-candidate,srv next-candidate"
expect_jq "seed 1: the SRV answer holds the four records" "$f" \
  "[.steps[] | select(.query == \"$srvname SRV\") | .answers[]] | sort | join(\",\")" \
  "0 1 443 mail2.hoster.test,0 10 80 http.woodgrove.test,0 5 443 mail.hoster.test,10 5 443 backup.hoster.test"
expect_jq "seed 1: the port-80 record is ignored, with the reason" "$f" \
  "[.steps[] | select(.query == \"$srvname SRV\") | .reason][0] | test(\"ignored: http.woodgrove.test \\\\(not port 443\\\\)\")" true
expect_jq "seed 1: targets in order mail, mail2, backup (reason)" "$f" \
  "[.steps[] | select(.query == \"$srvname SRV\") | .reason][0] | test(\"in order: mail.hoster.test, mail2.hoster.test, backup.hoster.test\")" true
expect_jq "seed 1: POST to mail.hoster.test: 401, then settings" "$f" \
  '[.steps[] | select(.method == "srv" and .url) | "\(.status) \(.decision) \(.url)"] | join("|")' \
  "401 retry-with-credentials $(pox_url mail.hoster.test)|200 success $(pox_url mail.hoster.test)"
expect_settings "seed 1" "$f" "$email" "$(pox_url mail.hoster.test)" "$domain"
expect_eq "seed 1: mail.hoster.test answered 401, then settings" "$(host_requests_since_mark mail.hoster.test)" \
  "mail.hoster.test POST /autodiscover/autodiscover.xml 401 -|mail.hoster.test POST /autodiscover/autodiscover.xml 200 $email"
expect_eq "seed 1: mail2 and backup untouched" "$(host_requests_since_mark mail2.hoster.test)$(host_requests_since_mark backup.hoster.test)" ""
expect_no_match "seed 1: http.woodgrove.test never resolved" "$(dns_names_since_mark)" '^http\.woodgrove\.test\.$'
expect_every_run "seed 1" "$f"

# --- without consent: nothing sent; the order alone, for seeds 1..24 --------------------------
marks_take
declare -A seen=()
valid=1
for s in $(seq 1 24); do
  run_client "seed$s-order" "${common[@]}" --exclude root,autodiscover,redirect --seed "$s" "$email"
  o=$(order "$(out_file "seed$s-order")")
  case $o in
    mail.hoster.test,mail2.hoster.test,backup.hoster.test|mail2.hoster.test,mail.hoster.test,backup.hoster.test) ;;
    *) valid=0; fail "seed $s: order $o is not an RFC 2782 draw" ;;
  esac
  seen[${o%%,*}]=$(( ${seen[${o%%,*}]:-0} + 1 ))
  [ "$s" = 1 ] && expect_eq "seed 1 again: the same order (repeatable)" "$o" "mail.hoster.test,mail2.hoster.test,backup.hoster.test"
done
[ "$valid" = 1 ] && ok "seeds 1..24: priority 0 targets first, backup (priority 10) last, port 80 never"
mailfirst=${seen[mail.hoster.test]:-0}; mail2first=${seen[mail2.hoster.test]:-0}
check "seeds 1..24: weight 5 beats weight 1 most of the time ($mailfirst vs $mail2first first)" [ "$mailfirst" -gt "$mail2first" ]
check "seeds 1..24: weight 1 still wins sometimes ($mail2first)" [ "$mail2first" -ge 1 ]
expect_eq "no consent: nothing reached the hoster" \
  "$(host_requests_since_mark mail.hoster.test)$(host_requests_since_mark mail2.hoster.test)$(host_requests_since_mark backup.hoster.test)" ""
expect_every_run "seed orders" "$(out_file seed24-order)"

t_done
