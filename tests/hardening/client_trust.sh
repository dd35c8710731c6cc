#!/bin/bash
# The client against servers it must not trust or believe: expired, not-yet-valid,
# self-signed and wrong-name certificates (nothing sent there, a TLS reason, next candidate),
# the switcheroo (NTLM offered first, then a server offering only Basic: no password sent
# anywhere), and malformed or wrong-schema XML (a reason, next candidate).
#
#   client_trust.sh AUTODISCOVER
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
client_init hard_client_trust "$@"
declare -A REASON=([expired]="TLS: certificate has expired" [notyet]="TLS: certificate is not yet valid"
    [selfsigned]="TLS: self-signed certificate"
    [wrongname]="TLS: certificate name does not match contoso.test"
    [malformed]="200 OK but the body is not well-formed or forbidden XML"
    [wrongschema]="200 OK but the body is not an Autodiscover response")
for mode in expired notyet selfsigned wrongname malformed wrongschema; do
    client_run "$mode" "$mode"
    check "$mode: exit 0 (settings from the next candidate)" 0 "$RC"
    expect_report "$mode" "s[0]['reason'] == '${REASON[$mode]}' and s[0]['decision'] == 'next-candidate'"
    expect_report "$mode" "not any(x['server'] == '$mode' and x['authorization'] for x in r)"
    expect_report "$mode" 'j["result"]["code"] == "AD_OK"'
    check_within "$mode" 8 160
done
expect_report wrongname 'not any(x["server"] == "wrongname" for x in r)'
client_run switcheroo ntlm
check "switcheroo: exit 4 (AD_E_AUTH)" 4 "$RC"
expect_report switcheroo 'not any(x["authorization"] for x in r)'
expect_report switcheroo '"credentials withheld" in s[1]["reason"]'
check_within switcheroo 8 160
e2e_finish
