#!/bin/bash
# Slowloris from many addresses against autodiscoverd over TLS, in a network namespace of its
# own (root needed, else SKIP): 1,200 connections from 24 loopback addresses (127.0.1.1..,
# 50 each: under the per-IP limit of 64, together over the 1,024 slots), each sending one
# header line every 2 s and never finishing its request; every connection the daemon closes
# is opened again at once. With request-deadline 10 the daemon must evict the oldest of them
# while they are over 7/8 of the slots and close each of them soon after the deadline, keep
# slots free for the real client (127.0.0.1), which is served throughout, and keep its
# memory bounded; then a POST whose body stalls past the deadline
# is cut. Without the defence the attacker holds all 1,024 slots and no real request is
# answered.
#
#   service_slowloris_many.sh AUTODISCOVERD AUTODISCOVERCTL
# LORIS_DEADLINE (default 10) is the request-deadline set; empty: the directive is left out
# (for measuring a daemon without it; the default deadline is then assumed).
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
hard_in_netns hard-loris "$0" "$@"
e2e_init hard_slowloris_many "$@"
N=1200 ADDRS=24 HOLD=30 DRIP=2
DEADLINE=${LORIS_DEADLINE-10}
ADMIN=$(e2e_free_port) # its /metrics count the connections the daemon closed
HARD_CONF="listen 127.0.0.1 $ADMIN { role admin }"
if [ -n "$DEADLINE" ]; then HARD_CONF="request-deadline $DEADLINE"$'\n'$HARD_CONF; else DEADLINE=20; fi
hard_daemon
START=$(rss_kib)
python3 "$HARD_DIR/attack.py" lorismany "$PORT" "$N" "$ADDRS" "$HOLD" "$DRIP" > loris.out 2> loris.err &
LORIS=$!
e2e_cleanup_hook() { kill "$LORIS" 2>/dev/null || true; }
for _ in $(seq 120); do grep -q '^open' loris.out && break; sleep 0.5; done
read -r _ opened < loris.out
echo "figure: slowloris connections opened at first: $opened of $N"
CHECKS=$((CHECKS + 1))
if [ "$opened" -ge 1000 ]; then echo "ok: the attacker got at least 1,000 connections"; else
    echo "FAIL: the attacker got only $opened connections"; FAILED=$((FAILED + 1)); fi
probe_during $((HOLD - 6))
echo "figure: real client during the slowloris: $SERVED of $TRIES requests served"
# A real request may lose a race for a slot now and then; 9 in 10 must be served.
CHECKS=$((CHECKS + 1))
if [ $((SERVED * 10)) -ge $((TRIES * 9)) ] && [ "$TRIES" -gt 0 ]; then
    echo "ok: real client served during the slowloris"; else
    echo "FAIL: real client served $SERVED of $TRIES"; FAILED=$((FAILED + 1)); fi
check_rss_bound "with the slowloris from $ADDRS addresses" "$START"
HWM=$(awk '/^VmHWM:/ {print $2}' "/proc/$DAEMON_PID/status")
echo "figure: VmHWM: $HWM KiB (start VmRSS $START KiB, +$(((HWM - START) / 1024)) MiB)"
CHECKS=$((CHECKS + 1))
if [ "$HWM" -le $((START + 64 * 1024)) ]; then echo "ok: peak memory bounded"; else
    echo "FAIL: VmHWM $HWM KiB > $START + 64 MiB"; FAILED=$((FAILED + 1)); fi
echo "figure: daemon file descriptors: $(find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l)"
wait "$LORIS" || true
cat loris.err
figures=$(tail -n 1 loris.err)
echo "figure: attacker: $figures"
# Closed at most 3 s after the deadline (the daemon checks when connections start or end),
# as the attacker sees it: it looks every drip, and a round of reconnections takes time too.
CHECKS=$((CHECKS + 1))
if python3 - "$figures" "$DEADLINE" <<'PY'; then echo "ok: overdue connections closed"
import json, sys
f = json.loads(sys.argv[1]); late = float(sys.argv[2]) + 3
sys.exit(0 if f["closed_by_server"] > 0 and f["oldest_open_s"] <= late
         and f["max_age_at_close_s"] <= late + f["max_poll_gap_s"] else 1)
PY
else echo "FAIL: overdue connections kept (deadline $DEADLINE s): $figures"; FAILED=$((FAILED + 1)); fi
"${CURL[@]}" "http://127.0.0.1:$ADMIN/metrics" > metrics.out || true
closed=$(awk '$1 == "autodiscoverd_connections_deadline_closed_total" {print $2}' metrics.out)
evicted=$(awk '$1 == "autodiscoverd_connections_evicted_total" {print $2}' metrics.out)
echo "figure: daemon closed ${closed:-0} connections for the deadline, evicted ${evicted:-0}"
CHECKS=$((CHECKS + 1))
if [ "${closed:-0}" -gt 0 ] && [ "${evicted:-0}" -gt 0 ]; then
    echo "ok: the daemon evicted and closed overdue connections, and counted them"
else echo "FAIL: connections evicted ${evicted:-0}, closed for the deadline ${closed:-0}"
    FAILED=$((FAILED + 1)); fi
# The deadline holds for a body too: one whose second half comes after it is cut (by the
# idle timeout, which the deadline caps, or when the daemon looks as connections start).
python3 "$HARD_DIR/attack.py" inflight "$PORT" $((DEADLINE + 3)) > inflight.out &
INFLIGHT=$!
probe_during $((DEADLINE + 2))
wait "$INFLIGHT" || true
check "a body trickled past the deadline is cut" closed "$(tail -n 1 inflight.out)"
check_alive "after the slowloris"
hard_finish
