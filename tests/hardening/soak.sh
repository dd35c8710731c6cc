#!/bin/bash
# Load soak of autodiscoverd (issue 7, "Load"; run by hand, not a meson test):
#
#   tests/hardening/soak.sh [BUILDDIR]          (default build; SOAK_SECONDS, default 600)
#
# One daemon over TLS on loopback. First its capacity is measured (8 keep-alive threads of
# authenticated POX as fast as it answers, SOAK_PROBE_SECONDS, default 5). Then, for
# SOAK_SECONDS: a Python keep-alive load paced at SOAK_PERCENT (default 80) % of that
# capacity, and our client (tool/autodiscover) in a loop for POX, SOAP and Autodiscover v2
# (json) journeys. VmRSS and the open descriptors (/proc/PID/fd) are sampled every 10 s.
# Checks: zero failed requests and zero failed journeys; memory flat (the last sample at most
# SOAK_RSS_MIB, default 16, MiB above the first one after warm-up, the first 10 % of the
# run or 30 s); no descriptor growth (the idle count after the load equals the one before,
# and the last sample under load is at most the first one after warm-up + 4). The reports
# of failed journeys are kept in SOAK_KEEP (default: the current directory).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KEEP=${SOAK_KEEP:-$PWD}   # failed journeys' reports are copied here (the work dir goes)
BUILD=$(cd "${1:-$HERE/../../build}" && pwd)
SOAK_SECONDS=${SOAK_SECONDS:-600}
PERCENT=${SOAK_PERCENT:-80}
# shellcheck source=tests/hardening/lib.sh
. "$HERE/lib.sh"
e2e_init hard_soak "$BUILD/daemon/autodiscoverd" "$BUILD/daemon/autodiscoverctl"
CLIENT=$BUILD/tool/autodiscover
HARD_SAN=IP:127.0.0.1,DNS:localhost,DNS:contoso.test,DNS:autodiscover.contoso.test,DNS:cas.contoso.test hard_daemon
printf '%s\n' "$BOB_PW" > password
REFUSED=$(e2e_free_port)
fds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
journey() { # journey PROTOCOL: one discovery by our client against the daemon
    "$CLIENT" --json --cacert ca.pem --no-cache --sequential --timeout 5 --deadline 20 \
        --connect-to "contoso.test:443:127.0.0.1:$PORT" \
        --connect-to "autodiscover.contoso.test:443:127.0.0.1:$PORT" \
        --connect-to "cas.contoso.test:443:127.0.0.1:$PORT" \
        --connect-to "::127.0.0.1:$REFUSED" --dns-server "127.0.0.1:$REFUSED" \
        --password-file password --protocol "$1" bob@contoso.test > "journey-$1.json" 2> "journey-$1.err" < /dev/null
}
for p in pox soap json; do
    rc=0; journey "$p" || rc=$?
    check "one $p journey first" 0 "$rc"
    [ "$rc" = 0 ] || { cat "journey-$p.err" "journey-$p.json"; exit 1; }
done
IDLE_FDS=$(fds)
PROBE=${SOAK_PROBE_SECONDS:-5}
python3 "$HARD_DIR/attack.py" load "$PORT" "$PROBE" 8 "$BOB_PW" > probe.out
read -r _ pok _ pfailed _ < probe.out
CAPACITY=$((pok / PROBE))
RATE=$((CAPACITY * PERCENT / 100))
echo "figure: capacity $CAPACITY requests/s ($pok in $PROBE s, $pfailed failed); soak at $RATE/s for $SOAK_SECONDS s"
sleep 2

python3 "$HARD_DIR/attack.py" load "$PORT" "$SOAK_SECONDS" 8 "$BOB_PW" "$RATE" > load.out &
LOAD=$!
END=$((SECONDS + SOAK_SECONDS))
(
    ok=0 failed=0
    while [ "$SECONDS" -lt "$END" ]; do
        for p in pox soap json; do
            if journey "$p"; then ok=$((ok + 1)); else failed=$((failed + 1)); cat "journey-$p.json" "journey-$p.err" > "$KEEP/soak-failed-$failed-$p.txt"; fi
        done
    done
    echo "$ok $failed" > journeys.out
) &
JOURNEYS=$!
# shellcheck disable=SC2317 # called by e2e_cleanup
e2e_cleanup_hook() { kill "$LOAD" "$JOURNEYS" 2>/dev/null || true; }
WARM=$((SOAK_SECONDS / 10)); [ "$WARM" -ge 30 ] || WARM=30
: > samples.txt
t=0
while kill -0 "$LOAD" 2>/dev/null; do
    sleep 10; t=$((t + 10))
    kill -0 "$LOAD" 2>/dev/null || break
    echo "$t $(rss_kib) $(fds)" | tee -a samples.txt | sed 's/^/sample: t(s) VmRSS(KiB) fds: /'
done
wait "$LOAD"; wait "$JOURNEYS"
read -r _ ok _ failed kinds < load.out
read -r jok jfailed < journeys.out
echo "figure: keep-alive load: $ok ok, $failed failed $kinds (~$((ok / SOAK_SECONDS))/s)"
echo "figure: client journeys (pox, soap, json): $jok ok, $jfailed failed"
check "load requests served" yes "$([ "$ok" -gt 0 ] && echo yes || echo no)"
check "zero failed requests" 0 "$failed"
check "zero failed journeys" 0 "$jfailed"
read -r wt wrss wfds < <(awk -v w="$WARM" '$1 >= w && !f {print; f = 1} END {if (!f) print}' samples.txt)
read -r lt lrss lfds < <(tail -n 1 samples.txt)
maxrss=$(awk 'BEGIN {m = 0} {if ($2 > m) m = $2} END {print m}' samples.txt)
echo "figure: VmRSS after warm-up (t=$wt s) $wrss KiB, last (t=$lt s) $lrss KiB, max $maxrss KiB; fds $wfds -> $lfds"
check "memory flat (last <= warm-up + ${SOAK_RSS_MIB:-16} MiB)" yes \
    "$([ "$lrss" -le $((wrss + ${SOAK_RSS_MIB:-16} * 1024)) ] && echo yes || echo "no ($wrss -> $lrss)")"
check "no fd growth under load (last <= warm-up + 4)" yes \
    "$([ "$lfds" -le $((wfds + 4)) ] && echo yes || echo "no ($wfds -> $lfds)")"
for _ in $(seq 50); do [ "$(fds)" -le "$IDLE_FDS" ] && break; sleep 0.2; done
check "idle descriptors after the soak as before" "$IDLE_FDS" "$(fds)"
check_alive "after the soak"
hard_finish
