#!/bin/bash
# Password guessing against autodiscoverd over TLS: 5 wrong passwords for an account (the
# default auth-failure-limit) and the 6th attempt is 429 with Retry-After, the right
# password included; guesses spread over many accounts from one address are throttled by
# address; the throttled attempts cost no yescrypt (they are fast), other clients go on.
#
#   service_throttle.sh AUTODISCOVERD AUTODISCOVERCTL
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init hard_throttle "$@"
hard_daemon
# The attacker is 127.0.0.7; the real client (127.0.0.1) must stay unaffected.
guess() { status --interface 127.0.0.7 -u "$1:$2" --data-binary @bob.xml "$URL"; }
codes=""
for i in 1 2 3 4 5 6 7; do codes="$codes $(guess alice@contoso.test "guess$i")"; done
check "alice: 5 guesses refused, then throttled" " 401 401 401 401 401 429 429" "$codes"
contains "429 carries Retry-After" 'Retry-After:' headers.out
lacks "429 carries no challenge" 'WWW-Authenticate' headers.out
check "alice's right password while blocked" 429 "$(guess alice@contoso.test alicepw)"
# The client address is now blocked too (it made 5 failures): guesses on other accounts
# from it are throttled; the real client (another address) still works.
check "another account from the same address" 429 "$(guess carol@contoso.test x)"
check_served "from another address while the attacker is blocked"
# A flood of throttled guesses is cheap (no yescrypt) and does not extend the block.
SECONDS=0
for i in $(seq 50); do guess alice@contoso.test "flood$i" > /dev/null; done
echo "figure: 50 throttled guesses took ${SECONDS} s"
metrics=$(grep -c 'authentication failure' daemon.err || true)
echo "figure: authentication failures logged: $metrics"
check "only the 5 real failures were checked (and logged)" 5 "$metrics"
hard_finish
