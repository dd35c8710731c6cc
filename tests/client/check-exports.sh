#!/bin/sh
# libautodiscover.so must export the public API (ad_*) and nothing else.
set -eu
lib=${1:?usage: check-exports.sh LIBRARY}
symbols=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVWi]$/ {print $3}' | sed 's/@.*//')
[ -n "$symbols" ] || { echo "no exported symbols in $lib"; exit 1; }
bad=$(printf '%s\n' "$symbols" | grep -v '^ad_' | grep -v '^AUTODISCOVER_0$' || true)
if [ -n "$bad" ]; then
    echo "symbols outside the ad_ namespace exported by $lib:"
    printf '%s\n' "$bad"
    exit 1
fi
for required in ad_discover ad_result_to_json ad_client_new; do
    printf '%s\n' "$symbols" | grep -qx "$required" || { echo "missing $required"; exit 1; }
done
echo "ok: $(printf '%s\n' "$symbols" | wc -l) symbols, all ad_*"
