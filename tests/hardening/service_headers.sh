#!/bin/bash
# Header floods against autodiscoverd over TLS: 100,000 small headers and one 4 MiB header.
# libmicrohttpd keeps a request's header block in the connection's memory pool, which the
# daemon sets explicitly (daemon/server.c, CONNECTION_MEMORY_LIMIT): past it the answer is
# 431 (or the connection closes), nothing grows, and the real client keeps being served.
#
#   service_headers.sh AUTODISCOVERD AUTODISCOVERCTL
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init hard_headers "$@"
hard_daemon
START=$(rss_kib)
refused() { # refused NAME ANSWER: 431 or a closed connection, never a 200
    case $2 in 431|closed) check "$1: refused (431 or closed)" ok ok ;;
        *) check "$1: refused (431 or closed)" "431 or closed" "$2" ;; esac
}
for round in 1 2 3; do
    python3 "$HARD_DIR/attack.py" headers "$PORT" many > many.out &
    a=$!
    python3 "$HARD_DIR/attack.py" headers "$PORT" huge > huge.out &
    b=$!
    check_served "during header floods (round $round)"
    wait "$a" "$b"
    refused "100,000 headers (round $round)" "$(cat many.out)"
    refused "one 4 MiB header (round $round)" "$(cat huge.out)"
done
# Many floods in parallel: 40 connections each sending 4 MiB of header.
pids=()
for _ in $(seq 40); do python3 "$HARD_DIR/attack.py" headers "$PORT" huge > /dev/null & pids+=($!); done
check_served "during 40 parallel 4 MiB headers"
check_rss_bound "during 40 parallel 4 MiB headers" "$START"
wait "${pids[@]}"
# Just under the cap: an ordinary request with a 16 KiB header is still answered.
check "a 16 KiB header is accepted" 200 \
    "$(status -H "X-Pad: $(head -c 16384 /dev/zero | tr '\0' a)" "$BASE/healthz")"
check_rss_bound "after the floods" "$START"
hard_finish
