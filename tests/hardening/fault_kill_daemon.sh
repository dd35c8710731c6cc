#!/bin/bash
# kill -9 of autodiscoverd under load, restarted by a supervisor loop (as systemd's
# Restart=always would): a paced keep-alive load (200 requests/s, 4 threads) runs while the
# daemon is killed; requests fail only during the gap (at most the load's rate over the gap
# plus one second), the restarted daemon answers the real client within 3 s of the kill, and
# a second load after the restart has no failure. The gap and the failures are printed.
#
#   fault_kill_daemon.sh AUTODISCOVERD AUTODISCOVERCTL
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init hard_kill_daemon "$@"
hard_daemon
e2e_stop_daemon
# The supervisor: start, wait, start again unless told to stop.
(
    while [ ! -e stop ]; do
        "$DAEMON" -d -f autodiscoverd.conf 2>> daemon.err &
        echo $! > daemon.pid
        rc=0; wait $! || rc=$?
        echo "$rc" > daemon.exit
        [ -e stop ] || echo "restart $(date +%s.%N)" >> restarts.log
    done
) &
SUPERVISOR=$!
# shellcheck disable=SC2317 # called by e2e_cleanup
e2e_cleanup_hook() { touch stop; kill "$(cat daemon.pid)" 2>/dev/null || true; wait "$SUPERVISOR" 2>/dev/null || true; }
for _ in $(seq 100); do real_client 2 && break; sleep 0.05; done
DAEMON_PID=$(cat daemon.pid)
check_served "under the supervisor"
RATE=200
python3 "$HARD_DIR/attack.py" load "$PORT" 8 4 "$BOB_PW" "$RATE" > load1.out &
LOAD=$!
sleep 3
OLD=$DAEMON_PID
t0=$(date +%s.%N)
kill -9 "$OLD"
# The real client, polled until it is answered by the restarted daemon.
served=no
for _ in $(seq 300); do
    if [ "$(cat daemon.pid)" != "$OLD" ] && real_client 2; then served=yes; break; fi
    sleep 0.01
done
t1=$(date +%s.%N)
GAP_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%d", (b - a) * 1000}')
DAEMON_PID=$(cat daemon.pid)
wait "$LOAD"
read -r _ ok _ failed kinds < load1.out
echo "figure: kill -9 to the first answer of the restarted daemon: $GAP_MS ms"
echo "figure: load across the kill: $ok ok, $failed failed $kinds"
check "restarted daemon answers" yes "$served"
check "answered within 3 s of the kill" yes "$([ "$GAP_MS" -le 3000 ] && echo yes || echo "no ($GAP_MS ms)")"
check "one restart" 1 "$(wc -l < restarts.log)"
check "requests served around the kill" yes "$([ "$ok" -gt 500 ] && echo yes || echo "no ($ok)")"
bound=$(((GAP_MS + 1000) * RATE / 1000))
check "failures only during the gap (at most $bound)" yes "$([ "$failed" -le "$bound" ] && echo yes || echo "no ($failed)")"
python3 "$HARD_DIR/attack.py" load "$PORT" 3 4 "$BOB_PW" "$RATE" > load2.out
read -r _ ok2 _ failed2 kinds2 < load2.out
echo "figure: load after the restart: $ok2 ok, $failed2 failed $kinds2"
check "no failure after the restart" 0 "$failed2"
check_no_sanitizer daemon.err
check_served "at the end"
touch stop
kill -TERM "$DAEMON_PID"
wait "$SUPERVISOR" || true
DAEMON_PID=
check "clean exit on SIGTERM" 0 "$(cat daemon.exit)"
check_no_sanitizer daemon.err
e2e_finish
