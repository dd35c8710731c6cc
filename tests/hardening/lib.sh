# lib.sh: what the hardening scripts share (sourced, not run). It sources the daemon's
# end-to-end prelude (tests/daemon/lib.sh: work directory, check/contains/lacks, CA, daemon
# start) and adds: a daemon over TLS with a small directory, resident memory and sanitizer
# checks, and a "real client" probe that must keep succeeding during an attack.
#
#   . "$(dirname "$0")/lib.sh"; e2e_init NAME "$@"; hard_daemon
#
# After hard_daemon: PORT, BASE, URL (the POX URL), DB, and bob@contoso.test (password
# Passw0rd!) and alice@contoso.test exist. Scripts end with hard_finish.
# shellcheck shell=bash
HARD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/daemon/lib.sh
. "$HARD_DIR/../daemon/lib.sh"

BOB_PW='Passw0rd!'
# In the ASan build, freed memory waits in a quarantine (256 MiB by default) that counts in
# VmRSS: keep it small so the memory bounds measure the program, not the sanitizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"

# hard_daemon: CA, certificate for 127.0.0.1, directory, daemon started; HARD_CONF (lines)
# is added to the configuration's top level; HARD_SAN (default IP:127.0.0.1,DNS:localhost)
# is the certificate's subjectAltName.
hard_daemon() {
    e2e_ca "hardening test CA"
    e2e_issue server 127.0.0.1 "${HARD_SAN:-IP:127.0.0.1,DNS:localhost}"
    DB=$WORK/directory.db
    "$CTL" --db "$DB" init >/dev/null
    "$CTL" --db "$DB" domain add contoso.test >/dev/null
    AUTODISCOVER_PASSWORD=$BOB_PW "$CTL" --db "$DB" mailbox add bob@contoso.test --name "Bob Example" >/dev/null
    AUTODISCOVER_PASSWORD=alicepw "$CTL" --db "$DB" mailbox add alice@contoso.test --name Alice >/dev/null
    "$CTL" --db "$DB" protocol add contoso.test EXCH Server=cas.contoso.test \
        EwsUrl=https://cas.contoso.test/EWS/Exchange.asmx >/dev/null
    PORT=$(e2e_free_port)
    {
        printf 'directory "sqlite:%s"\naccess-log "%s/access.log"\n' "$DB" "$WORK"
        printf '%s\n' "${HARD_CONF:-}"
        printf 'listen 127.0.0.1 %s {\n  tls-certificate "%s/server.pem"\n  tls-key "%s/server.key"\n}\n' \
            "$PORT" "$WORK" "$WORK"
    } > autodiscoverd.conf
    BASE=https://127.0.0.1:$PORT
    URL=$BASE/autodiscover/autodiscover.xml
    request bob@contoso.test > bob.xml
    e2e_start_daemon autodiscoverd.conf daemon.err "$BASE/"
}

# hard_in_netns NAME SCRIPT [ARGS...]: outside a namespace, runs SCRIPT again in a network
# namespace of its own (NAME-PID, deleted afterwards) and exits with its status (SKIP, 77,
# unless root); inside it (HARD_NETNS set), brings loopback up and returns.
hard_in_netns() {
    if [ -n "${HARD_NETNS:-}" ]; then ip link set lo up; return 0; fi
    if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root for a network namespace"; exit 77; fi
    local ns=$1-$$ script=$2 rc=0
    shift 2
    ip netns add "$ns"
    ip netns exec "$ns" env HARD_NETNS="$ns" "$script" "$@" || rc=$?
    ip netns del "$ns"
    exit "$rc"
}

# real_client: 0 when an authenticated POX request gets 200 with bob's settings.
real_client() {
    local out
    out=$("${CURL[@]}" --max-time "${1:-10}" -u "bob@contoso.test:$BOB_PW" \
        -H 'Content-Type: text/xml; charset=utf-8' --data-binary @bob.xml "$URL" 2>/dev/null) || return 1
    case $out in *'<DisplayName>Bob Example</DisplayName>'*) return 0 ;; *) return 1 ;; esac
}
# probe_during SECONDS: the real client every 0.5 s (5 s each at most) for SECONDS; sets
# SERVED and TRIES.
probe_during() {
    SERVED=0 TRIES=0
    SECONDS=0
    while [ "$SECONDS" -lt "$1" ]; do
        TRIES=$((TRIES + 1))
        if real_client 5; then SERVED=$((SERVED + 1)); fi
        sleep 0.5
    done
}
check_served() { # check_served WHEN: the real client is answered
    if real_client 10; then check "real client served $1" 0 0; else check "real client served $1" 0 1; fi
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status"; }
# check_rss_bound WHEN BASE_KIB [LIMIT_MIB]: VmRSS now is at most BASE + LIMIT (default 64 MiB).
check_rss_bound() {
    local now limit=$((${3:-64} * 1024))
    now=$(rss_kib)
    echo "figure: VmRSS $1: $now KiB (start $2 KiB, +$(((now - $2) / 1024)) MiB)"
    CHECKS=$((CHECKS + 1))
    if [ "$now" -le $(($2 + limit)) ]; then echo "ok: memory bounded $1"; else
        echo "FAIL: memory $1: $now KiB > $2 + $limit KiB"; FAILED=$((FAILED + 1)); fi
}
check_alive() { # check_alive WHEN
    if kill -0 "$DAEMON_PID" 2>/dev/null; then check "daemon alive $1" 0 0; else
        check "daemon alive $1" 0 1; cat daemon.err; fi
}
# No AddressSanitizer/UBSan/LeakSanitizer report in the files (the ASan build runs these too).
check_no_sanitizer() {
    lacks "no sanitizer report" "Sanitizer" "$@"
    lacks "no undefined behaviour" "runtime error:" "$@"
}

# hard_finish: the daemon still serves, stops cleanly (SIGTERM: exit 0; LeakSanitizer runs
# then in the ASan build), and left no sanitizer report.
hard_finish() {
    check_served "at the end"
    local rc=0
    e2e_stop_daemon || rc=$?
    check "clean exit on SIGTERM" 0 "$rc"
    check_no_sanitizer daemon.err
    e2e_finish
}

# --- network faults, in a network namespace of the script's own ---

# nft_input RULE...: the table "hardening" whose INPUT hook applies the RULEs (a drop there
# makes connect() time out, as a black hole does; in the OUTPUT hook it fails at once).
nft_input() {
    {
        printf 'table inet hardening {\n    chain input {\n'
        printf '        type filter hook input priority 0; policy accept;\n'
        printf '        %s\n' "$@"
        printf '    }\n}\n'
    } | nft -f -
}

# --- the client against hostile servers (hostile_server.py) ---

# client_init NAME TOOL: work directory, CA and certificates, the hostile servers started;
# SRV[mode] is each one's port, REFUSED a closed port.
client_init() {
    e2e_init "$1" "$2" ""
    TOOL=$2
    e2e_ca "hostile test CA"
    e2e_issue good contoso.test DNS:contoso.test,DNS:autodiscover.contoso.test
    e2e_issue wrong wrong-name.test DNS:wrong-name.test
    printf 's3cret-pw\n' > password
    mkfifo server.in
    python3 "$HARD_DIR/hostile_server.py" "$WORK" < server.in > ports.out &
    SERVER_PID=$!
    exec 3> server.in
    # shellcheck disable=SC2317 # called by e2e_cleanup
    e2e_cleanup_hook() { exec 3>&-; kill "$SERVER_PID" 2>/dev/null || true; }
    for _ in $(seq 100); do grep -q '^PORTS' ports.out && break; sleep 0.1; done
    declare -gA SRV=()
    local kv kvs
    read -r -a kvs < <(sed -n 's/^PORTS //p' ports.out)
    for kv in "${kvs[@]}"; do SRV[${kv%%=*}]=${kv#*=}; done
    [ -n "${SRV[good]:-}" ] || { echo "hostile server did not start"; exit 1; }
    REFUSED=$(e2e_free_port)
}

# client_run NAME ROOT-SERVER [OPTIONS...]: the client for bob@contoso.test with
# https://contoso.test on ROOT-SERVER and https://autodiscover.contoso.test on the good
# server (the probe and SRV refused), under /usr/bin/time -v. Sets RC, ELAPSED (s), MAXRSS
# (KiB); the report is NAME.json, stderr NAME.err. --timeout 2 and --deadline 30 unless given;
# --sequential unless CLIENT_PARALLEL=1; --no-cache unless CLIENT_CACHE names a --cache-dir.
client_run() {
    local name=$1 root=$2; shift 2
    : > requests.log
    RC=0
    local cache=(--no-cache)
    [ -z "${CLIENT_CACHE:-}" ] || cache=(--cache-dir "$CLIENT_CACHE")
    local order=(--sequential)
    if [ "${CLIENT_PARALLEL:-0}" = 1 ]; then order=(--stagger 100); fi
    /usr/bin/time -v -o "$name.time" "$TOOL" --json --cacert ca.pem "${cache[@]}" "${order[@]}" \
        --connect-to "contoso.test:443:127.0.0.1:${SRV[$root]}" \
        --connect-to "autodiscover.contoso.test:443:127.0.0.1:${SRV[good]}" \
        --connect-to "autodiscover.contoso.test:80:127.0.0.1:$REFUSED" \
        --dns-server "127.0.0.1:$REFUSED" --password-file password --timeout 2 --deadline 30 \
        "$@" bob@contoso.test > "$name.json" 2> "$name.err" < /dev/null || RC=$?
    MAXRSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$name.time")
    ELAPSED=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$name.time")
    echo "figure: client $name: exit $RC, ${ELAPSED} s, max RSS $((MAXRSS / 1024)) MiB"
    lacks "$name: no password in the report" s3cret-pw "$name.json" "$name.err"
    check_no_sanitizer "$name.err"
}

# expect_report NAME PYTHON-CONDITION: j is the report, s its steps, r the requests seen.
expect_report() {
    CHECKS=$((CHECKS + 1))
    if python3 - "$1.json" requests.log "$2" <<'PY'; then echo "ok: $1: $2"; else
import json, sys
j = json.load(open(sys.argv[1])); s = j["steps"]
r = [json.loads(l) for l in open(sys.argv[2])]
sys.exit(0 if eval(sys.argv[3]) else 1)
PY
        echo "FAIL: $1: $2"; cat "$1.json"; FAILED=$((FAILED + 1)); fi
}
# check_within NAME SECONDS MAX-RSS-MIB: elapsed and max RSS of the last client_run.
check_within() {
    CHECKS=$((CHECKS + 1))
    if awk -v e="$ELAPSED" -v l="$2" 'BEGIN {exit !(e <= l)}' &&
        [ "$MAXRSS" -le $(($3 * 1024)) ]; then echo "ok: $1: within $2 s and $3 MiB"
    else echo "FAIL: $1: ${ELAPSED} s, $((MAXRSS / 1024)) MiB (limits $2 s, $3 MiB)"
        FAILED=$((FAILED + 1)); fi
}
