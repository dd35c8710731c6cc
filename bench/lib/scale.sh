# scale.sh - section 5 of bench/run: the same daemon with SCALE_N mailboxes against SMALL_N.
# Needs section_service's fixture (certificate, small directory). Source it after service.sh.
# shellcheck shell=bash

# users_file N OUT: 64 mailboxes spread evenly over user0000001..user<N-1>, as
# "address<TAB>base64(address:password)" (bench/wrk/pox-many.lua).
users_file() {
  local n=$1 out=$2 k i a
  : >"$out"
  for k in $(seq 0 63); do
    i=$((1 + k * (n - 2) / 63))
    a=$(printf 'user%07d@contoso.test' "$i")
    printf '%s\t%s\n' "$a" "$(printf '%s' "$a:$PASSWORD" | base64 -w0)" >>"$out"
  done
}

# prime_users ADDR USERS_FILE: one authenticated POX request per mailbox of USERS_FILE, in
# order, on one connection (curl --next): each runs yescrypt once and enters the cache.
prime_users() {
  local addr=$1 file=$2 a b64 first=1 cfg=$WORK/prime.curl
  : >"$cfg"
  while IFS=$'\t' read -r a b64; do
    [ $first = 1 ] || echo 'next' >>"$cfg"
    first=0
    printf '%s\n' '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>'"$a"'</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>' >"$WORK/prime-$a.xml"
    cat >>"$cfg" <<EOF
url = "https://$VHOST:$PORT$POX_PATH"
cacert = "$WORK/pki/ca.pem"
resolve = "$VHOST:$PORT:$addr"
fail
silent
show-error
header = "Authorization: Basic $b64"
header = "Content-Type: text/xml; charset=utf-8"
data-binary = "@$WORK/prime-$a.xml"
output = "/dev/null"
EOF
  done <"$file"
  curl -K "$cfg" ||
    log "  WARNING: priming the credential cache on $addr failed"
  rm -f "$WORK"/prime-*.xml
}

# vm_kib PID FIELD: VmRSS or VmHWM in KiB.
vm_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# The daemons of the scale measurement, by tag: scale_add TAG CONF ADDR USERS_FILE [PIDS] adds
# one (PIDS: more processes whose CPU counts as the server's, e.g. its slapd). scale_startup
# and scale_load measure them all, interleaved, and leave the medians in SC_*[TAG].
# shellcheck disable=SC2034  # read by scale_ldap.sh and through namerefs
SC_TAGS=()
declare -A SC_CONF=() SC_ADDR=() SC_USERS=() SC_EXTRA=() SC_SU=() SC_P99=() SC_RPS=() SC_CPU=() \
  SC_HWM=() SC_RSS=() SC_PRIME=()
scale_add() { SC_TAGS+=("$1"); SC_CONF[$1]=$2; SC_ADDR[$1]=$3; SC_USERS[$1]=$4; SC_EXTRA[$1]=${5:-}; }

# scale_startup: exec to READY=1 (every listener running), RUNS times each daemon.
scale_startup() {
  local -A v=()
  local r t pid ms
  for r in $(seq "$RUNS"); do
    for t in "${SC_TAGS[@]}"; do
      read -r pid ms < <(start_daemon "${SC_CONF[$t]}" "$WORK/$t.log")
      [ -n "$pid" ] || die "autodiscoverd ($t) did not start: $(tail -2 "$WORK/$t.log")"
      v[$t]+=" $ms"; stop_pid "$pid"
    done
  done
  for t in "${SC_TAGS[@]}"; do
    # shellcheck disable=SC2086  # a list of numbers
    SC_SU[$t]=$(median ${v[$t]})
    log "  start-up to READY=1, $t:${v[$t]} ms"
  done
}

# cpu_share WRK_OUTPUT PID: " (N% of it pid PID)", PID's share of the server's CPU in
# wrk_run's output; nothing without a PID.
cpu_share() {
  [ -n "$2" ] || return 0
  awk -v p="$2" '/^server CPU:/ { t = $3 } $1 == "CPU" && $4 == p ":" { c = $5 }
    END { if (t > 0) printf " (%d%% of it pid %s)", 100 * c / t, p }' "$1"
}

# scale_load: every daemon up (one loaded at a time); the credential caches filled (each of
# the 64 mailboxes pays its yescrypt once, one after another: prime_users, timed); a short
# load of each; then RUNS runs of each, interleaved; then the memory of each.
scale_load() {
  local -A pid=() m0=() vr=() vp=() vc=()
  local t p ms r a b e x t0 script=$BENCH_DIR/wrk/pox-many.lua
  for t in "${SC_TAGS[@]}"; do
    read -r p ms < <(start_daemon "${SC_CONF[$t]}" "$WORK/$t.log")
    pid[$t]=$p
    [ -n "$p" ] || die "autodiscoverd ($t) did not start: $(tail -2 "$WORK/$t.log")"
  done
  for t in "${SC_TAGS[@]}"; do
    t0=$(now_ns)
    prime_users "${SC_ADDR[$t]}" "${SC_USERS[$t]}"
    SC_PRIME[$t]=$(awk -v ns=$(($(now_ns) - t0)) -v n="$(wc -l <"${SC_USERS[$t]}")" 'BEGIN { printf "%.2f", ns / 1e6 / n }')
    SERVER_PID="${pid[$t]} ${SC_EXTRA[$t]}" BENCH_USERS_FILE=${SC_USERS[$t]} \
      wrk_run "scale-warm-$t" "https://${SC_ADDR[$t]}:$PORT$POX_PATH" "$script" "$WARMUP" >/dev/null
  done
  for t in "${SC_TAGS[@]}"; do m0[$t]=$(cache_misses "${SC_ADDR[$t]}"); done
  for r in $(seq "$RUNS"); do
    for t in "${SC_TAGS[@]}"; do
      read -r a b e x < <(SERVER_PID="${pid[$t]} ${SC_EXTRA[$t]}" BENCH_USERS_FILE=${SC_USERS[$t]} \
        wrk_run "scale-$t-$r" "https://${SC_ADDR[$t]}:$PORT$POX_PATH" "$script")
      [ "$e" -eq 0 ] || log "  WARNING: scale $t run $r: $e errors or non-2xx (see $WORK/wrk/scale-$t-$r.txt)"
      vr[$t]+=" $a"; vp[$t]+=" $b"; vc[$t]+=" $x"
      log "  scale run $r, $t: $(fmt_rps "$a") p99 $(fmt_ms "$b") $(fmt_us "$x") CPU/req$(cpu_share \
        "$WORK/wrk/scale-$t-$r.txt" "${SC_EXTRA[$t]}")"
    done
  done
  for t in "${SC_TAGS[@]}"; do
    [ "${m0[$t]}" = "$(cache_misses "${SC_ADDR[$t]}")" ] ||
      log "  WARNING: $t: credential-cache misses during the measured runs: yescrypt ran"
    SC_HWM[$t]=$(vm_kib "${pid[$t]}" VmHWM); SC_RSS[$t]=$(vm_kib "${pid[$t]}" VmRSS)
    log "  $t after load: VmRSS ${SC_RSS[$t]} KiB (peak ${SC_HWM[$t]}); first request of a mailbox ${SC_PRIME[$t]} ms"
    stop_pid "${pid[$t]}"
    # shellcheck disable=SC2086,SC2034  # lists of numbers; read through namerefs
    { SC_RPS[$t]=$(median ${vr[$t]}); SC_P99[$t]=$(median ${vp[$t]}); SC_CPU[$t]=$(median ${vc[$t]}); }
  done
}

# pair_row ID LABEL FMT ARRAY TAG BASE_TAG BASE_NOTE [OP LIMIT]: a row of ARRAY[TAG] (formatted
# by FMT) beside ARRAY[BASE_TAG]; the ratio judged against OP LIMIT, else "info".
pair_row() {
  local id=$1 label=$2 fmt=$3 t=$5 bt=$6 note=$7 op=${8:-} lim=${9:-} r target=- verdict=info
  local -n pr_v=$4
  r=$(ratio "${pr_v[$t]}" "${pr_v[$bt]}")
  [ -z "$op" ] || { target="$op $lim"; verdict=$(judge "$r" "$op" "$lim"); }
  row "$id" "$label" "$($fmt "${pr_v[$t]}")" "$($fmt "${pr_v[$bt]}") ($note)" "$r" "$target" "$verdict"
}

# size_label N: 1M, 20k, 500.
size_label() {
  awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%gM\n", n / 1e6; else if (n >= 1e3) printf "%gk\n", n / 1e3; else print n }'
}
fmt_mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB\n", k / 1024 }'; }

section_scale() {
  log "section 5: directory scale, $SCALE_N mailboxes against $SMALL_N${SCALE_LDAP:+, SQLite and LDAP}"
  local big_gen big small
  big_gen=$(make_directory "$WORK/big.db" "$SCALE_N")
  BIG_GEN_RATE=$(awk -v n="$SCALE_N" -v s="$big_gen" 'BEGIN { printf "%d", (s > 0) ? n / s : 0 }')
  log "  generated $SCALE_N mailboxes in $big_gen s (one SQLite transaction of pre-hashed rows: $(fmt_rps "$BIG_GEN_RATE")); file $(du -m "$WORK/big.db" | cut -f1) MiB"
  daemon_conf "$WORK/big.conf" "$WORK/big.db" "$ADDR_BIG"
  users_file "$SMALL_N" "$WORK/users-small.tsv"
  users_file "$SCALE_N" "$WORK/users-big.tsv"
  scale_add small "$WORK/small.conf" "$ADDR_OURS" "$WORK/users-small.tsv"
  scale_add big "$WORK/big.conf" "$ADDR_BIG" "$WORK/users-big.tsv"
  [ -z "${SCALE_LDAP:-}" ] || ldap_setup
  scale_startup
  scale_load
  [ -z "${SCALE_LDAP:-}" ] || ldap_stop

  big=$(size_label "$SCALE_N"); small=$(size_label "$SMALL_N")
  pair_row 5a "directory $big vs $small mailboxes: POX p99 under load (64 users)" fmt_ms SC_P99 \
    big small "$small" '<=' 1.2
  pair_row 5b "directory $big vs $small mailboxes: POX requests/s" fmt_rps SC_RPS big small "$small"
  pair_row 5b2 "directory $big vs $small mailboxes: server CPU/request" fmt_us SC_CPU big small "$small"
  row 5c "daemon start-up (exec to READY=1)" "$(fmt_ms "${SC_SU[big]}") ($big)" "$(fmt_ms "${SC_SU[small]}") ($small)" \
    "$(ratio "${SC_SU[big]}" "${SC_SU[small]}")" "< 1 s both" \
    "$(judge "$(max_of "${SC_SU[big]}" "${SC_SU[small]}")" '<' 1000)"
  row 5d "resident memory, peak under load (VmHWM)" "$(fmt_mib "${SC_HWM[big]}") ($big)" \
    "$(fmt_mib "${SC_HWM[small]}") ($small)" "$(ratio "${SC_HWM[big]}" "${SC_HWM[small]}")" "< 64 MiB both" \
    "$(judge "$(max_of "${SC_HWM[big]}" "${SC_HWM[small]}")" '<' 65536)"

  # autodiscoverctl import (pre-hashed entries, one transaction), when it exists.
  local usage
  usage=$("$CTL" 2>&1 || true)
  if grep -q '^ *import ' <<<"$usage"; then
    import_rate
  else
    row 5e "autodiscoverctl import of pre-hashed entries" "not built yet" \
      "$(fmt_rps "$BIG_GEN_RATE") raw SQL" "-" "> 20,000/s" "not measured"
  fi
  if [ -n "${SCALE_LDAP:-}" ]; then
    ldap_rows "$small" "$big"
  else
    row 5f "LDAP backend (with its cache) beside SQLite" "bench/run ldap" "-" "-" "-" "not measured"
  fi
}

# import_rate: IMPORT_N mailboxes (bob's hash, no alias) imported into a new file from CSV and
# from JSON (doc/autodiscoverctl.md, "Import and export"); the rate beside the raw SQL insert.
import_rate() {
  local n=${BENCH_IMPORT_N:-100000} hash fmt t0 t1 rate secs id=5e
  hash=$(sqlite3 "$WORK/small.db" "SELECT password_hash FROM mailboxes WHERE address = 'bob@contoso.test'")
  /usr/bin/python3 "$BENCH_DIR/lib/import_files.py" "$n" "$hash" "$WORK/import"
  for fmt in csv json; do
    rm -f "$WORK/import.db" "$WORK/import.db-wal" "$WORK/import.db-shm"
    "$CTL" --db "$WORK/import.db" init
    t0=$(now_ns)
    if "$CTL" --db "$WORK/import.db" import --format "$fmt" "$WORK/import.$fmt" >"$WORK/import-$fmt.log" 2>&1 &&
       [ "$(sqlite3 "$WORK/import.db" 'SELECT count(*) FROM mailboxes')" = "$n" ]; then
      t1=$(now_ns)
      secs=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }')
      rate=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%d", n / s }')
      log "  import --format $fmt: $n mailboxes in $secs s"
      row "$id" "autodiscoverctl import --format $fmt ($n pre-hashed)" "$(fmt_rps "$rate")" \
        "$(fmt_rps "$BIG_GEN_RATE") raw SQL" "$(ratio "$rate" "$BIG_GEN_RATE")" "> 20,000/s" \
        "$(judge "$rate" '>' 20000)"
    else
      log "  import --format $fmt failed: $(tail -2 "$WORK/import-$fmt.log")"
      row "$id" "autodiscoverctl import --format $fmt ($n pre-hashed)" "failed" "-" "-" "> 20,000/s" "not measured"
    fi
    id=5e2
  done
  rm -f "$WORK/import.db" "$WORK/import.db-wal" "$WORK/import.db-shm" "$WORK/import.csv" "$WORK/import.json"
}
