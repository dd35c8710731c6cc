#!/bin/bash
# A full disk for the client's last-known-good cache: --cache-dir on a 4 KiB tmpfs filled
# up (root needed, else SKIP). The discovery still succeeds (exit 0, AD_OK), the failed write
# is reported (a warning in the JSON report naming the directory and "No space left on
# device", and "warning: ..." on stderr), and nothing is left half-written in the cache
# directory (no temporary file). With room again: no warning, one cache file.
#
#   fault_cache_full.sh AUTODISCOVER
set -euo pipefail
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (mount -t tmpfs)"; exit 77; fi
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
client_init hard_cache_full "$@"
mkdir full
mount -t tmpfs -o size=4k tmpfs full
# shellcheck disable=SC2317 # called by e2e_cleanup
e2e_cleanup_hook() { exec 3>&-; kill "$SERVER_PID" 2>/dev/null || true; umount full 2>/dev/null || true; }
mkdir full/cache
dd if=/dev/zero of=full/filler bs=1k count=64 2>/dev/null || true
echo "figure: free on the tmpfs: $(df -B1 --output=avail full | tail -n 1) bytes"
CLIENT_CACHE=$WORK/full/cache client_run full good
check "full cache disk: exit 0" 0 "$RC"
expect_report full 'j["result"]["code"] == "AD_OK"'
expect_report full 'len(j["result"]["warnings"]) == 1 and "cache not written" in j["result"]["warnings"][0] and "No space left on device" in j["result"]["warnings"][0]'
check "full cache disk: the warning on stderr" 1 "$(grep -c '^autodiscover: warning: last-known-good cache not written: .*full/cache: No space left on device$' full.err || true)"
check "nothing left in the cache directory" "" "$(ls -A full/cache)"
# With room again the same run writes the cache (the directory was usable, only full).
rm -f full/filler
CLIENT_CACHE=$WORK/full/cache client_run room good
check "with room: exit 0" 0 "$RC"
expect_report room 'j["result"]["warnings"] == []'
check "with room: one cache file" 1 "$(find full/cache -type f | wc -l)"
e2e_finish
