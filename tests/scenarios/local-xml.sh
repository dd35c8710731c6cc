#!/bin/bash
# local-xml.sh - PROTOCOL.md section 10.8: local XML. (a) --prefer-local-xml: the file answers
# first; zero network traffic (the DNS query log and every access log unchanged). (b) Not
# preferred and the network steps failing (dave@tailspin.test: the root and
# autodiscover.tailspin.test refuse connections): the file is used after step 5, before the
# probe and SRV.
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

t_lab_up s108
ca=$(info .ca)
xml() {  # xml EMAIL EWSURL: a settings answer
  cat <<XML
<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
 <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
  <User><DisplayName>From the file</DisplayName><AutoDiscoverSMTPAddress>$1</AutoDiscoverSMTPAddress></User>
  <Account><AccountType>email</AccountType><Action>settings</Action>
   <Protocol><Type>EXPR</Type><Server>local.example</Server><EwsUrl>$2</EwsUrl></Protocol>
  </Account>
 </Response>
</Autodiscover>
XML
}
dir=$(info .run_dir)/test-out; mkdir -p "$dir"
all_logs() { for f in $(info '.daemons[].access_log, .dns.query_log'); do wc -l <"$f"; done | paste -sd ' '; }

# --- (a) preferred: no network at all ----------------------------------------------------------
bob=$(journey_mailbox 2)
xml "$bob" "https://local.contoso.test/EWS/Exchange.asmx" >"$dir/contoso.xml"
before=$(all_logs)
marks_take
run_client prefer --json --no-cache --cacert "$ca" --password-file "$(password_file "$bob")" \
  --local-xml "contoso.test=$dir/contoso.xml" --prefer-local-xml "$bob"
f=$(out_file prefer)
expect_eq "preferred: exit 0" "$RC" 0
expect_steps "preferred: one step, the file" "$f" "localxml 0 success none $dir/contoso.xml"
expect_jq "preferred: settings from the file" "$f" '"\(.result.method) \(.result.protocols[0].EwsUrl)"' \
  "localxml https://local.contoso.test/EWS/Exchange.asmx"
expect_eq "preferred: zero network traffic (DNS log and every access log unchanged)" "$(all_logs)" "$before"

# --- (b) not preferred, network failing: the file after step 5 ---------------------------------
dave=$(journey_mailbox 6)
xml "$dave" "https://local.tailspin.test/EWS/Exchange.asmx" >"$dir/tailspin.xml"
marks_take
run_client after --json --no-cache --sequential --cacert "$ca" --password-file "$(password_file "$dave")" \
  --local-xml "tailspin.test=$dir/tailspin.xml" "$dave"
f=$(out_file after)
expect_eq "not preferred: exit 0" "$RC" 0
expect_steps "not preferred: root and autodiscover refused, then the file (no probe, no SRV)" "$f" \
  "root 0 next-candidate none $(pox_url tailspin.test)" \
  "autodiscover 0 next-candidate none $(pox_url autodiscover.tailspin.test)" \
  "localxml 0 success none $dir/tailspin.xml"
expect_jq "not preferred: settings from the file" "$f" '.result.protocols[0].EwsUrl' "https://local.tailspin.test/EWS/Exchange.asmx"
expect_no_match "not preferred: no SRV query (the file came first)" "$(dns_names_since_mark)" '^_autodiscover\._tcp\.'
expect_every_run "not preferred" "$f"

t_done
