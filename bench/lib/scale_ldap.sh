# scale_ldap.sh - row 5f of bench/run (section "ldap"): the LDAP mailbox backend, with its
# cache, measured beside SQLite in section 5's runs. section_scale calls ldap_setup (after
# adding its SQLite daemons), ldap_stop and ldap_rows when SCALE_LDAP is set. Source it
# after scale.sh.
#
# Two private slapd (tests/ldap/slapd.sh: the project's schema, mdb), SMALL_N and SCALE_N
# mailboxes loaded offline with slapadd from bench/lib/ldap_users.py's LDIF: the same
# addresses, names and legacy DNs as make_directory's rows, and as userPassword the SQLite
# directory's own yescrypt hash as {CRYPT}$y$... (slapd checks it with crypt(3) when the
# daemon binds as the user, so a bind costs what the SQLite backend's yescrypt costs).
# Three daemons, each with a mailbox-less SQLite file for the organisation and protocols
# (make_org_db) and ldaps:// to its slapd: LDAP SMALL_N and SCALE_N with the default cache
# (cache-ttl 60), and SCALE_N with cache-ttl 0 (a search for every lookup).
# shellcheck shell=bash

LDAP_ADDR=127.0.77.10                 # both slapd, on ports PORT+10.. (ldap://, ldaps://)
: "${PORT:?common.sh first}"
ADDR_LDAP_SMALL=127.0.77.4            # the daemons
ADDR_LDAP_BIG=127.0.77.5
ADDR_LDAP_NOCACHE=127.0.77.6
LDAP_USERS_DN=CN=Users,DC=contoso,DC=test
LDAP_SVC_PASSWORD=Bench-Svc-5e1b
declare -A LDAP_PID=() LDAP_LOAD=() LDAP_RSS=() LDAP_ANON=()

# ldap_block PORT [LINES]: the daemon's mailboxes ldap block for the slapd on PORT (ldaps).
ldap_block() {
  cat <<EOF
mailboxes ldap {
    uri "ldaps://$LDAP_ADDR:$1"
    base "$LDAP_USERS_DN"
    bind-dn "CN=svc-autodiscover,$LDAP_USERS_DN"
    bind-password-file "$WORK/ldap.pw"
    tls-ca "$WORK/pki/ca.pem"
    ${2:-}
}
EOF
}

# ldap_slapd NAME N LDAP_PORT: a slapd in WORK/slapd-NAME with N mailboxes (slapadd, timed
# into LDAP_LOAD[NAME]), then pinned to SERVER_CPU; its PID in LDAP_PID[NAME].
ldap_slapd() {
  local name=$1 n=$2 port=$3 dir=$WORK/slapd-$1 t0 out hash
  hash=$(sqlite3 "$WORK/small.db" "SELECT password_hash FROM mailboxes WHERE address = 'bob@contoso.test'")
  [[ $hash == "\$y\$"* ]] || die "bob's hash is not yescrypt ($hash): the LDIF would not match"
  slappasswd -s "$LDAP_SVC_PASSWORD" |
    /usr/bin/python3 "$BENCH_DIR/lib/ldap_users.py" "$n" "$hash" "$WORK/ldap-$name.ldif" ||
    die "ldap_users.py failed"
  local p
  for p in "$port" $((port + 1)); do
    ! (exec 3<>"/dev/tcp/$LDAP_ADDR/$p") 2>/dev/null || die "$LDAP_ADDR:$p is taken: set BENCH_PORT"
  done
  t0=$(now_ns)
  # slapadd on every CPU (tool-threads 2); slapd without a log (SLAPD_DEBUG=0).
  out=$(SLAPD_DEBUG=0 LDAP_HOST=$LDAP_ADDR LDAPS_PORT=$((port + 1)) LDAP_MAXSIZE=$((n * 4096 + 67108864)) \
    SLAPD_TOOL_THREADS=2 TLS_CERT=$WORK/pki/slapd.pem TLS_KEY=$WORK/pki/slapd.key TLS_CA=$WORK/pki/ca.pem \
    timeout "${BENCH_SLAPADD_TIMEOUT:-900}" "$REPO_DIR/tests/ldap/slapd.sh" start "$port" "$dir" \
    "$WORK/ldap-$name.ldif" 2>&1) || {
    [ ! -f "$dir/slapd.pid" ] || stop_pid "$(cat "$dir/slapd.pid")"
    die "slapd ($name, $n mailboxes) did not start: $(printf '%s' "$out" | tail -1) $(tail -1 "$dir/slapd.log" 2>/dev/null)"
  }
  LDAP_LOAD[$name]=$(awk -v ns=$(($(now_ns) - t0)) 'BEGIN { printf "%.1f", ns / 1e9 }')
  LDAP_PID[$name]=$(cat "$dir/slapd.pid" 2>/dev/null || true)
  { [ -n "${LDAP_PID[$name]}" ] && running "${LDAP_PID[$name]}"; } ||
    die "slapd ($name) is not running after its start: $(tail -1 "$dir/slapd.log" 2>/dev/null)"
  track "${LDAP_PID[$name]}"
  taskset -a -p -c "$SERVER_CPU" "${LDAP_PID[$name]}" >/dev/null
  [ "$NICE" = 0 ] || renice -n "$NICE" -p "${LDAP_PID[$name]}" >/dev/null
  rm -f "$WORK/ldap-$name.ldif"
  log "  slapd $name: $n mailboxes loaded by slapadd and started in ${LDAP_LOAD[$name]} s; mdb $(du -m "$dir/db" | cut -f1) MiB"
}

# ldap_setup: the slapds and the three LDAP daemons, added to section 5's measurement.
ldap_setup() {
  local tool
  for tool in slapd slapadd slappasswd slaptest; do
    command -v "$tool" >/dev/null || die "$tool is missing: run bench/setup-deps (slapd, ldap-utils)"
  done
  pki_leaf "$WORK/pki" slapd "$LDAP_ADDR" "IP:$LDAP_ADDR"
  make_org_db "$WORK/org.db"
  printf '%s\n' "$LDAP_SVC_PASSWORD" >"$WORK/ldap.pw"
  ldap_slapd small "$SMALL_N" $((PORT + 10))
  ldap_slapd big "$SCALE_N" $((PORT + 12))
  daemon_conf "$WORK/ldap-small.conf" "$WORK/org.db" "$ADDR_LDAP_SMALL" "$(ldap_block $((PORT + 11)))"
  daemon_conf "$WORK/ldap-big.conf" "$WORK/org.db" "$ADDR_LDAP_BIG" "$(ldap_block $((PORT + 13)))"
  daemon_conf "$WORK/ldap-nocache.conf" "$WORK/org.db" "$ADDR_LDAP_NOCACHE" \
    "$(ldap_block $((PORT + 13)) 'cache-ttl 0')"
  scale_add ldap-small "$WORK/ldap-small.conf" "$ADDR_LDAP_SMALL" "$WORK/users-small.tsv" "${LDAP_PID[small]}"
  scale_add ldap-big "$WORK/ldap-big.conf" "$ADDR_LDAP_BIG" "$WORK/users-big.tsv" "${LDAP_PID[big]}"
  scale_add ldap-nocache "$WORK/ldap-nocache.conf" "$ADDR_LDAP_NOCACHE" "$WORK/users-big.tsv" "${LDAP_PID[big]}"
}

# ldap_stop: the slapds' memory (logged), then stop them.
ldap_stop() {
  local name
  for name in small big; do
    running "${LDAP_PID[$name]}" ||
      die "slapd $name died during the runs: $(tail -1 "$WORK/slapd-$name/slapd.log" 2>/dev/null)"
    LDAP_RSS[$name]=$(vm_kib "${LDAP_PID[$name]}" VmRSS); LDAP_ANON[$name]=$(vm_kib "${LDAP_PID[$name]}" RssAnon)
    log "  slapd $name after load: VmRSS ${LDAP_RSS[$name]} KiB (peak $(vm_kib "${LDAP_PID[$name]}" VmHWM)); RssAnon ${LDAP_ANON[$name]}, RssFile $(vm_kib "${LDAP_PID[$name]}" RssFile) (mapped mdb pages)"
    stop_pid "${LDAP_PID[$name]}"
  done
}

# both_row ID LABEL FMT ARRAY: LDAP beside SQLite at both sizes, as "BIG / SMALL".
both_row() {
  local -n br_v=$4
  row "$1" "$2" "$($3 "${br_v[ldap-big]}") / $($3 "${br_v[ldap-small]}")" \
    "$($3 "${br_v[big]}") / $($3 "${br_v[small]}") SQLite" \
    "$(ratio "${br_v[ldap-big]}" "${br_v[big]}") / $(ratio "${br_v[ldap-small]}" "${br_v[small]}")" "-" "info"
}

# ldap_rows SMALL_LABEL BIG_LABEL: rows 5f... (LDAP big vs small, LDAP vs SQLite).
ldap_rows() {
  local small=$1 big=$2 l="LDAP, cache on:" v
  v="LDAP vs SQLite ($big / $small):"
  pair_row 5f "$l $big vs $small: POX p99 under load (64 users)" fmt_ms SC_P99 ldap-big ldap-small \
    "LDAP $small" '<=' 1.2
  both_row 5f2 "$v POX p99 under load" fmt_ms SC_P99
  pair_row 5f3 "$l $big vs $small: POX requests/s" fmt_rps SC_RPS ldap-big ldap-small "LDAP $small"
  both_row 5f4 "$v POX requests/s" fmt_rps SC_RPS
  pair_row 5f5 "$l $big vs $small: CPU/request (autodiscoverd + slapd)" fmt_us SC_CPU ldap-big ldap-small \
    "LDAP $small"
  both_row 5f6 "$v CPU/request (with slapd)" fmt_us SC_CPU
  row 5f7 "$l daemon start-up (exec to READY=1)" "$(fmt_ms "${SC_SU[ldap-big]}") ($big)" \
    "$(fmt_ms "${SC_SU[ldap-small]}") (LDAP $small)" "$(ratio "${SC_SU[ldap-big]}" "${SC_SU[ldap-small]}")" \
    "< 1 s both" "$(judge "$(max_of "${SC_SU[ldap-big]}" "${SC_SU[ldap-small]}")" '<' 1000)"
  both_row 5f8 "$v daemon start-up" fmt_ms SC_SU
  row 5f9 "$l autodiscoverd VmHWM under load" "$(fmt_mib "${SC_HWM[ldap-big]}") ($big)" \
    "$(fmt_mib "${SC_HWM[ldap-small]}") (LDAP $small)" "$(ratio "${SC_HWM[ldap-big]}" "${SC_HWM[ldap-small]}")" \
    "< 64 MiB both" "$(judge "$(max_of "${SC_HWM[ldap-big]}" "${SC_HWM[ldap-small]}")" '<' 65536)"
  both_row 5f10 "$v autodiscoverd VmHWM" fmt_mib SC_HWM
  pair_row 5f11 "LDAP $big, cache-ttl 0 vs 60 (default): POX p99" fmt_ms SC_P99 ldap-nocache ldap-big "cache on"
  pair_row 5f12 "LDAP $big, cache-ttl 0 vs 60: CPU/request (with slapd)" fmt_us SC_CPU ldap-nocache ldap-big \
    "cache on"
  pair_row 5f13 "$big: first request of a mailbox, caches cold (serial), LDAP vs SQLite" fmt_ms SC_PRIME \
    ldap-big big "SQLite"
  row 5f15 "slapd after load: VmRSS (RssAnon: its own heap; the rest is mapped mdb file)" \
    "$(fmt_mib "${LDAP_RSS[big]}") ($(fmt_mib "${LDAP_ANON[big]}"))" \
    "$(fmt_mib "${LDAP_RSS[small]}") ($(fmt_mib "${LDAP_ANON[small]}")) (slapd $small)" \
    "$(ratio "${LDAP_RSS[big]}" "${LDAP_RSS[small]}")" "-" "info"
  local rate
  rate=$(awk -v n="$SCALE_N" -v s="${LDAP_LOAD[big]}" 'BEGIN { printf "%d", (s > 0) ? n / s : 0 }')
  row 5f14 "LDAP $big: slapadd of the LDIF (+ slapd start)" "$(fmt_rps "$rate") (${LDAP_LOAD[big]} s)" \
    "$(fmt_rps "$BIG_GEN_RATE") raw SQL" "$(ratio "$rate" "$BIG_GEN_RATE")" "-" "info"
}
