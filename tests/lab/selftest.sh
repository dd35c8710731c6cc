#!/bin/bash
# selftest.sh - the lab itself: up, info, DNS and TLS from inside, the host untouched, a second
# lab in parallel, and a `down` that leaves nothing behind.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/assert.sh
source "$(dirname "$0")/lib/assert.sh"

t_require_root
host_resolv=$(sha256sum /etc/resolv.conf)
t0=$(date +%s%3N)
t_lab_up st
ok "lab up in $(( $(date +%s%3N) - t0 )) ms"
ns=$LAB_NS

# info: valid JSON, the fields tests rely on
check "info is valid JSON" jq -e . <<<"$("$T_LAB" info)" >/dev/null
expect_eq "info: namespace" "$(info .namespace)" "$ns"
check "info: the CA file exists" test -s "$(info .ca)"
expect_eq "info: hosts listed with name/address/role" \
  "$(info '[.hosts[] | select(.name and .address and .role)] | length > 3')" true
expect_eq "info: mailboxes with address/password/journey/expect" \
  "$(info '[.mailboxes[] | select(.address and (.password | length > 8) and .journey and .expect)] | length > 1')" true
expect_eq "info: password file holds the password" \
  "$(cat "$(info '.mailboxes[0].password_file')")" "$(info '.mailboxes[0].password')"
expect_eq "info: daemons with pid and logs" \
  "$(info '[.daemons[] | select(.pid and .config and .access_log and .stderr_log)] | length > 0')" true
check "info: the directory database exists" test -s "$(info .directory)"

# DNS from inside, through the namespace's resolv.conf (no @server)
for name in $(info '.hosts[].name'); do
  want=$(info --arg n "$name" '.hosts[] | select(.name == $n) | .address')
  expect_eq "DNS inside: $name" "$(lab exec dig +short "$name" A | tail -1)" "$want"
done
expect_eq "DNS inside: CNAME autodiscover.fabrikam.test" \
  "$(lab exec getent hosts autodiscover.fabrikam.test | awk '{print $1}')" \
  "$(info '.hosts[] | select(.name == "autodiscover.outlook.test") | .address')"
expect_match "DNS inside: SRV _autodiscover._tcp.tailspin.test" \
  "$(lab exec dig +short SRV _autodiscover._tcp.tailspin.test)" '443 mail\.hoster\.test\.'
expect_match "DNS query log records queries" "$(cat "$(info .dns.query_log)")" 'autodiscover\.fabrikam\.test\. A IN'
if getent hosts autodiscover.contoso.test >/dev/null 2>&1; then fail "the host resolves lab names"
else ok "the host does not resolve lab names"; fi
expect_eq "host /etc/resolv.conf unchanged" "$(sha256sum /etc/resolv.conf)" "$host_resolv"

# exec: the lab CA is trusted, the machine's CA variables are overridden
ca=$(info .ca)
expect_eq "exec: SSL_CERT_FILE etc. point at the lab CA" \
  "$(lab exec sh -c 'echo "$SSL_CERT_FILE $REQUESTS_CA_BUNDLE $CURL_CA_BUNDLE $NODE_EXTRA_CA_CERTS ${SSL_CERT_DIR-unset}"')" \
  "$ca $ca $ca $ca unset"
svc=$(info '.hosts[] | select(.role == "service") | .name' | head -1)
expect_eq "HTTPS: unauthenticated POST to $svc is 401 (lab CA trusted)" \
  "$(lab exec curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: text/xml' -d '<x/>' "https://$svc/autodiscover/autodiscover.xml")" 401
closed=$(info '.hosts[] | select(.role == "closed") | .name' | head -1)
rc=0; lab exec curl -s -o /dev/null --connect-timeout 2 "https://$closed/" || rc=$?
expect_eq "HTTPS: $closed refuses connections (curl exit 7)" "$rc" 7

# the provider's public name: port 80 redirects, 443 has a certificate for *.outlook.test only
redir=$(info '.hosts[] | select(.role == "redirector") | .name')
want=$(info '.daemons[].listen[].hosts[] | select(.role == "redirector") | .redirect_to')
expect_eq "info: every host with a daemon lists its listeners with role and access log" \
  "$(info '[.hosts[] | select(.role | IN("service", "redirector", "router")) | .listeners | length > 0 and all(.role and .access_log)] | all')" true
expect_eq "info: every migration's target is listed as a mailbox" \
  "$(info '[.migrations[].target_address as $t | [.mailboxes[].address] | index($t) != null] | all')" true
cname=$(info --arg r "$redir." '.records[] | select(.type == "CNAME" and .data == $r) | .name' | head -1)
expect_eq "HTTP: GET http://$cname/... (CNAME to $redir) is a 302 to $want" \
  "$(lab exec curl -s --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' "http://$cname/autodiscover/autodiscover.xml")" "302 $want"
expect_eq "HTTP: the redirector refuses a request with Authorization (400)" \
  "$(lab exec curl -s --max-time 5 -o /dev/null -w '%{http_code}' -u x:y "http://$cname/autodiscover/autodiscover.xml")" 400
rc=0; lab exec curl -s -o /dev/null --max-time 5 "https://$cname/autodiscover/autodiscover.xml" || rc=$?
expect_eq "HTTPS: https://$cname fails on the certificate name (curl exit 60)" "$rc" 60

# a second lab in parallel: same addresses, its own namespace
# shellcheck disable=SC2317  # called through check
second_lab() (
  export LAB_NS="$ns-2" LAB_RUN="/tmp/adlab-$ns-2"
  trap '"$T_LAB" down' EXIT
  "$T_LAB" up 2>/dev/null
  [ "$("$T_LAB" exec dig +short "$svc" A)" = "$(info --arg n "$svc" '.hosts[] | select(.name == $n) | .address')" ]
)
check "a second lab runs in parallel (same addresses, own namespace)" second_lab
expect_eq "the first lab still answers" "$(lab exec curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X POST -d '<x/>' "https://$svc/autodiscover/autodiscover.xml")" 401

# stop, then down, leaves nothing (and the daemons exited cleanly)
pids=$(info '[.dns.pid, .daemons[].pid] | map(tostring) | join(" ")')
check "lab stop" "$T_LAB" stop
for log in $(info '.daemons[].stderr_log'); do
  expect_eq "no sanitizer report in $(basename "$log")" "$(sanitizer_reports "$log")" ""
done
t0=$(date +%s%3N)
"$T_LAB" down
ok "lab down in $(( $(date +%s%3N) - t0 )) ms"
INFO_SAVED=$INFO; INFO=""          # the EXIT trap has nothing left to stop
if ip netns list | grep -qw -- "$ns"; then fail "netns $ns still exists"; else ok "no netns $ns"; fi
check "no /etc/netns/$ns" test ! -e "/etc/netns/$ns"
check "run dir removed" test ! -e "$(jq -r .run_dir <<<"$INFO_SAVED")"
left=""   # a zombie (state Z) waiting for PID 1 to reap it does not count
for p in $pids; do
  st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
  [ "${st:0:1}" = Z ] || left+=" $p"
done
expect_eq "no lab process left" "$left" ""
check "down again (idempotent)" "$T_LAB" down
expect_eq "host /etc/resolv.conf unchanged" "$(sha256sum /etc/resolv.conf)" "$host_resolv"
t_done
