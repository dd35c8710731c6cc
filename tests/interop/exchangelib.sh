#!/bin/bash
# exchangelib.sh - python3-exchangelib 4.9.0 (Debian), a real third-party client, against our
# daemons in the lab: every journey it can do, in its POX mode (the default) and its SOAP mode
# (autodiscover.svc; Account(autodiscover="soap") uses the same SoapAutodiscovery class).
#
# The provider's secure router (autodiscover-s.outlook.test) runs route-mode http302, as Office
# 365 answers: an HTTP 302 to the mailbox's path on the pod, for POX and for a one-mailbox SOAP
# GetUserSettings. That is the only redirect exchangelib 4.9.0 follows in POX mode: it reads
# redirectUrl only when the element is spelled <RedirectURL> (ANCHORS.md 1.4), while the spec's
# spelling, which our router answers in route-mode redirecturl (MS-OXDSCLI 2.2.4.1.1.2.9), is
# <RedirectUrl>: against such a router it crashes with AttributeError and never reaches the pod
# (doc/lab.md). The lab keeps a redirecturl router on autodiscover.outlook.test:443, whose
# spelling is checked below. So POX and SOAP both complete journeys 3 and 4: the port-80 probe,
# the redirector's 302 to the router, the router's 302 to the pod, the pod's 401 and settings.
# Each run: /usr/bin/python3, a private TMPDIR (exchangelib's on-disk cache), REQUESTS_CA_BUNDLE
# = the lab CA (lab exec sets it).
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$here/../lab/lib/assert.sh"

if ! /usr/bin/python3 -c 'import exchangelib' 2>/dev/null; then
  bail "python3-exchangelib is not installed for /usr/bin/python3 (scripts/setup-deps installs it)"
fi

t_lab_up xl
out=$(info .run_dir)/test-out; mkdir -p "$out"
router=$(info '.hosts[] | select(.role == "router") | .name')
provider=$(info '.hosts[] | select(.role == "redirector") | .name')

# xl TAG MODE EMAIL: run the probe (sets XL to its JSON report file); marks_take before it.
xl() {
  local tag=$1 mode=$2 email=$3 rc=0 tmp
  tmp=$(mktemp -d -p "$out")          # private TMPDIR: no cached discovery
  marks_take
  # /usr/bin/python3: the python3 on PATH may be another interpreter without Debian's packages.
  lab exec env TMPDIR="$tmp" /usr/bin/python3 "$here/exchangelib_probe.py" --mode "$mode" \
    "$email" "$(password_file "$email")" >"$out/$tag.json" 2>"$out/$tag.err" || rc=$?
  XL=$out/$tag.json
  expect_eq "$tag: probe ran" "$rc" 0
}
# http_lines FILE: exchangelib's requests as "METHOD URL STATUS", '|'-joined (path lower-cased).
http_lines() {
  jq -r '[.http[] | capture("^(?<o>[^ ]+) \"(?<m>[A-Z]+) (?<p>[^ ]+) HTTP/1.1\" (?<s>[0-9]+)")
          | "\(.m) \(.o)\(.p | ascii_downcase) \(.s)"] | join("|")' "$1"
}

# --- journey 2, POX and SOAP: bob ------------------------------------------------------------
email=$(journey_mailbox 2); domain=${email#*@}; svc=autodiscover.$domain
for mode in pox soap; do
  path=/autodiscover/autodiscover.xml; [ "$mode" = soap ] && path=/autodiscover/autodiscover.svc
  xl "j2-$mode" "$mode" "$email"
  expect_jq "j2 $mode: exchangelib discovered $email" "$XL" '.ok' true
  expect_jq "j2 $mode: its EWS URL is the lab's" "$XL" '.ews_url' "$(org_setting "$domain" EXPR EwsUrl)"
  expect_jq "j2 $mode: AutoDiscoverSMTPAddress $email" "$XL" '.smtp_address' "$email"
  expect_eq "j2 $mode: it POSTed to https://$svc$path: 401, then 200" "$(http_lines "$XL")" \
    "POST https://$svc:443$path 401|POST https://$svc:443$path 200"
  expect_eq "j2 $mode: access log: 401 without a user, then 200 as $email" "$(requests_since_mark "$svc")" \
    "$svc POST $path 401 -|$svc POST $path 200 $email"
done

# --- journey 6, POX and SOAP: dave, through SRV (exchangelib has no consent step) ----------------
email=$(journey_mailbox 6); domain=${email#*@}
org=$(mailbox_field "$email" org)
target=$(info --arg n "_autodiscover._tcp.$domain" '.records[] | select(.name == $n) | .data | split(" ")[3] | rtrimstr(".")')
for mode in pox soap; do
  path=/autodiscover/autodiscover.xml; [ "$mode" = soap ] && path=/autodiscover/autodiscover.svc
  xl "j6-$mode" "$mode" "$email"
  expect_jq "j6 $mode: exchangelib discovered $email through SRV" "$XL" '.ok' true
  expect_jq "j6 $mode: its EWS URL is the hoster's" "$XL" '.ews_url' "$(org_setting "$org" EXPR EwsUrl)"
  expect_jq "j6 $mode: it asked for the SRV record" "$XL" \
    "[.dns[] | select(startswith(\"SRV _autodiscover._tcp.$domain\"))] | length > 0" true
  expect_eq "j6 $mode: $target saw HEAD (exchangelib's redirect check), 401, then 200 as $email" \
    "$(requests_since_mark "$target")" \
    "$target HEAD $path 405 -|$target POST $path 401 -|$target POST $path 200 $email"
  expect_dns_guard "j6 $mode"
done

# --- journey 3, POX: carol, through the redirector, the router's 302, the pod -----------------
email=$(journey_mailbox 3); domain=${email#*@}
org=$(mailbox_field "$email" org)
pod=$(pod_url "$org"); podhost=${pod#https://}; podhost=${podhost%%/*}
expect_match "j3: our redirecturl router ($provider:443) spells the spec's <RedirectUrl>, which exchangelib 4.9.0 cannot read" \
  "$(lab exec curl -s --max-time 5 -H 'Content-Type: text/xml' --data-binary \
     "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request><EMailAddress>$email</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>" \
     "https://$provider/autodiscover/autodiscover.xml")" "<RedirectUrl>${pod//./\\.}</RedirectUrl>"
path=/autodiscover/autodiscover.xml
xl j3-pox pox "$email"
expect_jq "j3 pox: exchangelib discovered $email" "$XL" '.ok' true
expect_jq "j3 pox: its EWS URL is the pod's" "$XL" '.ews_url' "$(org_setting "$org" EXPR EwsUrl)"
expect_jq "j3 pox: AutoDiscoverSMTPAddress $email" "$XL" '.smtp_address' "$email"
expect_eq "j3 pox: port-80 302, the router's 302 (HEAD, POST), then the pod's mailbox path (HEAD, 401, 200)" \
  "$(http_lines "$XL")" \
  "GET http://autodiscover.$domain:80$path 302|HEAD https://$router:443$path 405|POST https://$router:443$path 302|HEAD https://$podhost:443/autodiscover/$email/autodiscover.xml 405|POST https://$podhost:443/autodiscover/$email/autodiscover.xml 401|POST https://$podhost:443/autodiscover/$email/autodiscover.xml 200"
expect_eq "j3 pox: the redirector saw the probe, without Authorization" "$(requests_since_mark "$provider" 80)" \
  "autodiscover.$domain GET $path 302 -"
expect_eq "j3 pox: the router answered its HEAD and its POST with a 302 (no credentials asked)" \
  "$(requests_since_mark "$router")" "$router HEAD $path 405 -|$router POST $path 302 -"
expect_eq "j3 pox: the pod answered 401, then settings to $email" "$(requests_since_mark "$podhost")" \
  "$podhost HEAD /autodiscover/$email/autodiscover.xml 405 -|$podhost POST /autodiscover/$email/autodiscover.xml 401 -|$podhost POST /autodiscover/$email/autodiscover.xml 200 $email"
expect_dns_guard "j3 pox"

# --- journey 3, SOAP: carol, through the redirector, the router's 302, the pod ---------------------
svc=/autodiscover/autodiscover.svc
xl j3-soap soap "$email"
expect_jq "j3 soap: exchangelib discovered $email" "$XL" '.ok' true
expect_jq "j3 soap: its EWS URL is the pod's" "$XL" '.ews_url' \
  "$(org_setting "$(mailbox_field "$email" org)" EXPR EwsUrl)"
expect_eq "j3 soap: the redirector sent its GET of autodiscover.svc on, without Authorization" \
  "$(requests_since_mark "$provider" 80)" "autodiscover.$domain GET $svc 302 -"
expect_eq "j3 soap: the router answered without asking for credentials, GetUserSettings with a 302" \
  "$(requests_since_mark "$router")" "$router HEAD $svc 405 -|$router POST $svc 200 -|$router POST $svc 302 -"
expect_eq "j3 soap: the pod answered 401, then settings to $email (the mailbox's path)" "$(requests_since_mark "$podhost")" \
  "$podhost HEAD /autodiscover/$email/autodiscover.svc 405 -|$podhost POST /autodiscover/$email/autodiscover.svc 401 -|$podhost POST /autodiscover/$email/autodiscover.svc 200 $email"
expect_dns_guard "j3 soap"

# --- journey 4, POX and SOAP: alice. The restart, then journey 3's provider path for the target ---
email=$(journey_mailbox 4); domain=${email#*@}
target=$(mailbox_field "$email" target_address); tdomain=${target#*@}
tenant=$(info --arg a "$email" '.migrations[] | select(.address == $a) | .tenant')
pod=$(pod_url "$tenant"); podhost=${pod#https://}; podhost=${podhost%%/*}
for mode in pox soap; do
  path=/autodiscover/autodiscover.xml; [ "$mode" = soap ] && path=/autodiscover/autodiscover.svc
  xl "j4-$mode" "$mode" "$email"
  expect_eq "j4 $mode: on-premises answered 401, then the redirect to $target" \
    "$(requests_since_mark "autodiscover.$domain")" \
    "autodiscover.$domain POST $path 401 -|autodiscover.$domain POST $path 200 $email"
  expect_eq "j4 $mode: exchangelib started over for $target (its port-80 probe)" \
    "$(requests_since_mark "$provider" 80 | tr '|' '\n' | cut -d' ' -f1,2 | paste -sd '|')" "autodiscover.$tdomain GET"
  expect_jq "j4 $mode: exchangelib discovered $target at the pod" "$XL" '.ok' true
  expect_jq "j4 $mode: its EWS URL is the tenant's" "$XL" '.ews_url' "$(org_setting "$tenant" EXPR EwsUrl)"
  expect_eq "j4 $mode: the router answered its POST with a 302" \
    "$(requests_since_mark "$router" | tr '|' '\n' | grep POST | tail -1)" "$router POST $path 302 -"
  expect_eq "j4 $mode: the pod answered 401, then settings at $target's path (the login is exchangelib's, $email)" \
    "$(requests_since_mark "$podhost" | tr '|' '\n' | tail -2 | cut -d' ' -f2- | paste -sd '|')" \
    "POST /autodiscover/$target/${path##*/} 401 -|POST /autodiscover/$target/${path##*/} 200 $email"
  expect_dns_guard "j4 $mode"
done

t_done
