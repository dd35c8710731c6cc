#!/bin/bash
# make fuzz: builds the libFuzzer targets (build-fuzz, clang, ASan+UBSan, see doc/fuzzing.md),
# runs each for FUZZ_SECONDS (default 60) on its corpus, merges what found new coverage into
# fuzz/corpus/<name> (-merge=1 adds only inputs that add coverage), and fails if any target
# crashed, leaving the input in build-fuzz/fuzz-crashes/<name>/ and the log in
# build-fuzz/fuzz-logs/<name>.log. FUZZ_TARGETS="a b" runs only those; FUZZ_JOBS=2 runs two
# targets at a time. One line of figures per target goes to build-fuzz/fuzz-logs/summary.txt.
set -uo pipefail
cd "$(dirname "$0")/.."

B=${FUZZ_BUILD:-build-fuzz}
SECS=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
ALL=$(cd fuzz && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
TARGETS=${FUZZ_TARGETS:-$ALL}

if [ ! -f "$B/build.ninja" ]; then
    CC=clang meson setup "$B" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer' \
        || exit 1
fi
# shellcheck disable=SC2046  # one ninja target per word
ninja -C "$B" $(for t in $TARGETS; do echo "fuzz/fuzz_$t"; done) || exit 1
mkdir -p "$B/fuzz-logs"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

run_one() {
    local t=$1 work log crashes extra=()
    work=$(mktemp -d "${TMPDIR:-/tmp}/adfuzz-$t.XXXXXX")
    log="$B/fuzz-logs/$t.log"
    crashes="$B/fuzz-crashes/$t"
    mkdir -p "$crashes" "fuzz/corpus/$t"
    case $t in
    # Noisy on stderr by design (auth failure lines, option errors); reports still show.
    http_request | tool_config) extra+=(-close_fd_mask=2) ;;
    esac
    [ "$t" = http_request ] && extra+=(-max_len=16384)
    "$B/fuzz/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "${extra[@]}" \
        "$work" "fuzz/corpus/$t" >"$log" 2>&1
    local rc=$?
    "$B/fuzz/fuzz_$t" -merge=1 "${extra[@]}" "fuzz/corpus/$t" "$work" >>"$log" 2>&1
    rm -rf "$work"
    local execs cov ft
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    printf '%s seconds=%s execs=%s cov=%s ft=%s corpus=%s rc=%s\n' "$t" "$SECS" "${execs:-?}" \
        "${cov:-?}" "${ft:-?}" "$(ls "fuzz/corpus/$t" | wc -l)" "$rc" >>"$B/fuzz-logs/summary.txt"
    if [ $rc -ne 0 ]; then
        echo "fuzz: $t FAILED (rc $rc); input(s) in $crashes/, log $log" >&2
        grep -m1 -A12 -E 'ERROR: |runtime error|fuzz invariant' "$log" >&2
        return 1
    fi
    echo "fuzz: $t ok: ${execs:-?} executions, cov ${cov:-?}, ft ${ft:-?}"
}

status=0
running=0
for t in $TARGETS; do
    run_one "$t" &
    running=$((running + 1))
    if [ $running -ge "$JOBS" ]; then
        wait -n || status=1
        running=$((running - 1))
    fi
done
while [ $running -gt 0 ]; do
    wait -n || status=1
    running=$((running - 1))
done
exit $status
