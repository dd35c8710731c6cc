#!/bin/bash
# Slowloris against autodiscoverd over TLS: 1,000 connections from 17 loopback addresses
# (127.0.0.2.., 60 each: under the per-IP limit of 64, so the total limit of 1,024 is what
# is tested), each holding a request's headers open and sending one more header line every
# 5 s. The real client (127.0.0.1) must be served throughout, and again as soon as the
# attack stops; memory stays bounded.
#
#   service_slowloris.sh AUTODISCOVERD AUTODISCOVERCTL
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init hard_slowloris "$@"
hard_daemon
START=$(rss_kib)
HOLD=20
python3 "$HARD_DIR/attack.py" slowloris "$PORT" 1000 "$HOLD" > loris.out 2> loris.err &
LORIS=$!
e2e_cleanup_hook() { kill "$LORIS" 2>/dev/null || true; }
for _ in $(seq 120); do grep -q '^open' loris.out && break; sleep 0.5; done
read -r _ opened < loris.out
echo "figure: slowloris connections open: $opened"
check "1,000 slowloris connections accepted" 1000 "$opened"
probe_during $((HOLD - 5))
echo "figure: real client during the slowloris: $SERVED of $TRIES requests served"
check "every real request served during the slowloris" "$TRIES" "$SERVED"
check_rss_bound "with 1,000 slowloris connections" "$START"
echo "figure: daemon file descriptors: $(find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l)"
wait "$LORIS"
cat loris.err
check_alive "after the slowloris"
hard_finish
