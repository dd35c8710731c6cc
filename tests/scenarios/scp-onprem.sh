#!/bin/bash
# scp-onprem.sh - journey 1 (DESIGN.md section 1): on-premises, domain-joined. The client asks
# contoso's domain controller (slapd on dc1.contoso.test:389, the project's schema, the SCP
# published by `autodiscoverctl scp publish` at `lab up`) for the Autodiscover SCPs; the SCP
# names https://cas.contoso.test/...; 401, then settings. No request to https://contoso.test
# is needed. Then the hybrid journey from SCP: alice's SCP URL answers redirectAddr, and the
# client follows the provider's path (journey 4). Checked from --json, the access logs, the
# DNS query log and slapd's log (the search with the spec's filter).
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

export LAB_FEATURES=ldap
t_lab_up j1
email=$(journey_mailbox 2)            # bob: an on-premises mailbox
domain=${email#*@}
ca=$(info .ca)
dc=dc1-contoso
dchost=$(dirsrv $dc host)
confnc=$(dirsrv $dc config_nc)
scpurl=$(info --arg n $dc '.directory_servers[] | select(.name == $n) | .scps[0].url')
cas=${scpurl#https://}; cas=${cas%%/*}
filter='(&(objectClass=serviceConnectionPoint)(|(keywords=67661D7F-8FC4-4fa7-BFAC-E1D7794C1F68)(keywords=77378F46-2C66-4aa9-A6A6-3E7A48B19596)))'
common=(--json --no-cache --cacert "$ca" --password-file "$(password_file "$email")")
scp_steps=("scp 0 next-candidate none ldap://$dchost RootDSE configurationNamingContext"
           "scp 0 next-candidate none ldap://$dchost base=$confnc scope=sub $filter")

# --- the directory itself: the SCP as published, the _ldap._tcp SRV record -------------------
expect_eq "the world: $dchost has the SCP of $cas (autodiscoverctl scp list)" \
  "$(lab exec autodiscoverctl scp list --ldap "ldap://$dchost" | cut -f1,2)" \
  "$scpurl	77378F46-2C66-4aa9-A6A6-3E7A48B19596"
expect_eq "the world: _ldap._tcp.$domain SRV names $dchost" \
  "$(lab exec dig +short "_ldap._tcp.$domain" SRV)" "0 100 389 $dchost."

# --- journey 1, strict (--sequential: one attempt at a time, so "nothing else asked" is exact)
marks_take
run_client seq "${common[@]}" --sequential --ldap "ldap://$dchost" "$email"
f=$(out_file seq)
expect_eq "sequential: exit 0" "$RC" 0
expect_steps "sequential: RootDSE, SCP search, $cas 401, then settings" "$f" \
  "${scp_steps[@]}" "scp 401 retry-with-credentials none $scpurl" "scp 200 success basic $scpurl"
expect_jq "sequential: RootDSE answered the configuration naming context" "$f" '.steps[0].answers | join(",")' "$confnc"
expect_jq "sequential: the search found the one URL SCP (no site: bucket 2)" "$f" '.steps[1].answers | join(",")' "$scpurl: bucket 2"
expect_jq "sequential: the SCP step says how it bound" "$f" '.steps[0].reason' "configurationNamingContext read (anonymous)"
expect_settings "sequential" "$f" "$email" "$scpurl" "$domain"
expect_jq "sequential: result method scp" "$f" '.result.method' scp
expect_eq "sequential: $cas answered 401, then settings to $email" "$(requests_since_mark "$cas")" \
  "$cas POST /autodiscover/autodiscover.xml 401 -|$cas POST /autodiscover/autodiscover.xml 200 $email"
searches=$(ldap_searches_since_mark $dc)
expect_match "sequential: slapd logged the RootDSE read" "$searches" '^base="" scope=0 deref=0 filter="\(objectClass=\*\)"'
expect_match "sequential: slapd logged the subtree search below the configuration NC with the spec's filter" "$searches" \
  "base=\"$(sed 's/CN=/cn=/g; s/DC=/dc=/g' <<<"$confnc")\" scope=2 deref=0 filter=\"\\(&\\(objectClass=serviceConnectionPoint\\)\\(\\|\\(keywords=67661d7f-8fc4-4fa7-bfac-e1d7794c1f68\\)\\(keywords=77378f46-2c66-4aa9-a6a6-3e7a48b19596\\)\\)\\)\""
expect_no_match "sequential: no DNS query for $domain or autodiscover.$domain (no https://$domain request needed)" \
  "$(dns_names_since_mark)" "^(autodiscover\\.)?${domain//./\\.}\\.$"
expect_dns_asked "sequential" "$dchost" A
expect_every_run "sequential" "$f"

# --- journey 1 with parallel probing (the default) and the DC found by DNS SRV ----------------
marks_take
run_client auto "${common[@]}" --ldap auto "$email"
f=$(out_file auto)
expect_eq "ldap auto: exit 0" "$RC" 0
expect_jq "ldap auto: the first step is the _ldap._tcp SRV query" "$f" '.steps[0].query' "_ldap._tcp.$domain SRV"
expect_jq "ldap auto: settings from the SCP URL" "$f" '"\(.result.method) \(.result.url)"' "scp $scpurl"
expect_jq "ldap auto: credentials went only to $cas" "$f" \
  "[.steps[] | select(.auth != \"none\") | .url] | unique | join(\",\")" "$scpurl"
expect_dns_asked "ldap auto" "_ldap._tcp.$domain" SRV
expect_every_run "ldap auto" "$f"

# --- ldaps:// with the lab CA ------------------------------------------------------------------
marks_take
run_client ldaps "${common[@]}" --ldap "ldaps://$dchost" "$email"
expect_eq "ldaps: exit 0" "$RC" 0
expect_jq "ldaps: settings from the SCP URL" "$(out_file ldaps)" '.result.url' "$scpurl"
expect_match "ldaps: slapd saw a TLS connection" "$(log_since "$(dirsrv $dc log)" "${T_MARKS[$(dirsrv $dc log)]}")" 'ACCEPT from IP=[0-9.]+:[0-9]+ \(IP=127\.0\.2\.10:636\)'

# --- hybrid from SCP: alice's on-premises answer is redirectAddr; the provider's path follows ---
alice=$(journey_mailbox 4)
target=$(mailbox_field "$alice" target_address)
tdomain=${target#*@}
tenant=$(info --arg a "$alice" '.migrations[] | select(.address == $a) | .tenant')
router=$(info '.hosts[] | select(.role == "router") | .name')
pod=$(pod_url "$tenant"); podhost=${pod#https://}; podhost=${podhost%%/*}
pod_mbx="https://$podhost/autodiscover/$target/autodiscover.xml" # the router's 302 (http302 mode)
marks_take
run_client hybrid --json --no-cache --cacert "$ca" --password-file "$(password_file "$alice")" \
  --sequential --ldap "ldap://$dchost" --allow-redirect "$router" --allow-basic-after-redirect "$alice"
f=$(out_file hybrid)
expect_eq "hybrid from SCP: exit 0" "$RC" 0
# The explicit --ldap directory is asked again for the new address (each pass runs SCP,
# doc/scp.md); contoso's CAS does not know the cloud address: ErrorCode 500, next candidate.
expect_steps "hybrid from SCP: SCP, redirectAddr, SCP again (500), then the provider's path" "$f" \
  "${scp_steps[@]}" \
  "scp 401 retry-with-credentials none $scpurl" \
  "scp 200 restart-with-address basic $scpurl" \
  "${scp_steps[@]}" \
  "scp 401 retry-with-credentials none $scpurl" \
  "scp 200 next-candidate basic $scpurl" \
  "root 0 next-candidate none $(pox_url "$tdomain")" \
  "autodiscover 0 next-candidate none $(pox_url "autodiscover.$tdomain")" \
  "redirect 302 follow-redirect none http://autodiscover.$tdomain/autodiscover/autodiscover.xml" \
  "redirect 302 follow-redirect none $(pox_url "$router")" \
  "redirect 401 retry-with-credentials none $pod_mbx" \
  "redirect 200 success basic $pod_mbx"
expect_step_reason "hybrid from SCP: the SCP URL answers redirectAddr $target" "$f" "$scpurl" 'ErrorCode 500'
expect_jq "hybrid from SCP: the first answer of $cas is redirectAddr to $target" "$f" \
  "[.steps[] | select(.url == \"$scpurl\" and .status == 200)][0].reason | startswith(\"redirectAddr to $target\")" true
expect_settings "hybrid from SCP" "$f" "$target" "$pod_mbx" "$tenant"
expect_jq "hybrid from SCP: two redirects (address, URL)" "$f" '.result.redirects' 2
expect_eq "hybrid from SCP: $cas: 401, redirectAddr (200 as $alice), 401, ErrorCode 500 (200 as $alice)" \
  "$(requests_since_mark "$cas")" \
  "$cas POST /autodiscover/autodiscover.xml 401 -|$cas POST /autodiscover/autodiscover.xml 200 $alice|$cas POST /autodiscover/autodiscover.xml 401 -|$cas POST /autodiscover/autodiscover.xml 200 $alice"
expect_eq "hybrid from SCP: the pod answered 401, then settings" "$(requests_since_mark "$podhost")" \
  "$podhost POST /autodiscover/$target/autodiscover.xml 401 -|$podhost POST /autodiscover/$target/autodiscover.xml 200 $alice"
expect_every_run "hybrid from SCP" "$f"

t_done
