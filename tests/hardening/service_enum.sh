#!/bin/bash
# User enumeration against autodiscoverd over TLS: wrong passwords for a known and an
# unknown address must get the same answer bytes (status, headers but Date, body), and the
# unknown path runs yescrypt on a dummy hash, so the times match too. Throttling is off
# here (auth-failure-limit 0) to measure 200 attempts each. The timing figures are printed
# and recorded in doc/security.md; the only timing assertion is a gross one (the medians
# within a factor of 2: an unknown user that skipped yescrypt would be ~100 times faster).
#
#   service_enum.sh AUTODISCOVERD AUTODISCOVERCTL
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init hard_enum "$@"
HARD_CONF='auth-failure-limit 0' hard_daemon
N=${HARD_ENUM_N:-200}
python3 "$HARD_DIR/attack.py" timing "$PORT" "$N" bob@contoso.test nobody@contoso.test > timing.json
echo "figure: enumeration timing: $(cat timing.json)"
python3 - timing.json <<'PY' > verdict.out
import json, sys
t = json.load(open(sys.argv[1]))
a, b = t["bob@contoso.test"]["median_ms"], t["nobody@contoso.test"]["median_ms"]
print("same", t["same_answer"], t["status"])
print("ratio-ok", max(a, b) / min(a, b) < 2.0)
PY
check "known and unknown: same answer bytes, all 401" "same True [401]" "$(sed -n 1p verdict.out)"
check "known and unknown: medians within a factor of 2" "ratio-ok True" "$(sed -n 2p verdict.out)"
# Authenticated as bob, asking for another address: the domain's own answer for unknown ones,
# never "this user exists elsewhere".
request nobody@contoso.test > nobody.xml
check "bob asks for an unknown address" 200 "$(status -u "bob@contoso.test:$BOB_PW" --data-binary @nobody.xml "$URL")"
contains "unknown address: ErrorCode 500" '<ErrorCode>500</ErrorCode>' body.out
hard_finish
