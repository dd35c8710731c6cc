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

section_scale() {
  log "section 5: directory scale, $SCALE_N mailboxes against $SMALL_N"
  local big_gen t0 t1 r pid ms
  big_gen=$(make_directory "$WORK/big.db" "$SCALE_N")
  BIG_GEN_RATE=$(awk -v n="$SCALE_N" -v s="$big_gen" 'BEGIN { printf "%d", (s > 0) ? n / s : 0 }')
  log "  generated $SCALE_N mailboxes in $big_gen s (one SQLite transaction of pre-hashed rows: $(fmt_rps "$BIG_GEN_RATE")); file $(du -m "$WORK/big.db" | cut -f1) MiB"
  daemon_conf "$WORK/big.conf" "$WORK/big.db" "$ADDR_BIG"

  # Start-up: exec to READY=1 (every listener running), RUNS times each.
  local -a su_small=() su_big=()
  for r in $(seq "$RUNS"); do
    read -r pid ms < <(start_daemon "$WORK/small.conf" "$WORK/small.log")
    [ -n "$pid" ] || die "autodiscoverd (small) did not start"
    su_small+=("$ms"); stop_pid "$pid"
    read -r pid ms < <(start_daemon "$WORK/big.conf" "$WORK/big.log")
    [ -n "$pid" ] || die "autodiscoverd (big) did not start"
    su_big+=("$ms"); stop_pid "$pid"
  done
  local sus sub
  sus=$(median "${su_small[@]}"); sub=$(median "${su_big[@]}")
  log "  start-up to READY=1: $SMALL_N: ${su_small[*]} ms; $SCALE_N: ${su_big[*]} ms"

  # Load: both daemons up (one loaded at a time), runs interleaved.
  local small_pid big_pid
  read -r small_pid ms < <(start_daemon "$WORK/small.conf" "$WORK/small.log")
  read -r big_pid ms < <(start_daemon "$WORK/big.conf" "$WORK/big.log")
  { [ -n "$small_pid" ] && [ -n "$big_pid" ]; } || die "autodiscoverd did not start"
  users_file "$SMALL_N" "$WORK/users-small.tsv"
  users_file "$SCALE_N" "$WORK/users-big.tsv"
  local script=$BENCH_DIR/wrk/pox-many.lua us="https://$ADDR_OURS:$PORT$POX_PATH" ub="https://$ADDR_BIG:$PORT$POX_PATH"
  local -a sr=() sp=() sx=() br=() bp=() by=()
  # Warm-up: each of the 64 mailboxes pays its yescrypt once, one after another (prime_users),
  # so the credential cache holds all of them; then a short load.
  prime_users "$ADDR_OURS" "$WORK/users-small.tsv"
  prime_users "$ADDR_BIG" "$WORK/users-big.tsv"
  SERVER_PID=$small_pid BENCH_USERS_FILE=$WORK/users-small.tsv wrk_run scale-warm-small "$us" "$script" "$WARMUP" >/dev/null
  SERVER_PID=$big_pid BENCH_USERS_FILE=$WORK/users-big.tsv wrk_run scale-warm-big "$ub" "$script" "$WARMUP" >/dev/null
  local m0s m0b
  m0s=$(cache_misses "$ADDR_OURS"); m0b=$(cache_misses "$ADDR_BIG")
  for r in $(seq "$RUNS"); do
    read -r a b e x < <(SERVER_PID=$small_pid BENCH_USERS_FILE=$WORK/users-small.tsv wrk_run "scale-small-$r" "$us" "$script")
    [ "$e" -eq 0 ] || log "  WARNING: scale small run $r: $e errors or non-2xx"
    sr+=("$a"); sp+=("$b"); sx+=("$x")
    read -r c d e y < <(SERVER_PID=$big_pid BENCH_USERS_FILE=$WORK/users-big.tsv wrk_run "scale-big-$r" "$ub" "$script")
    [ "$e" -eq 0 ] || log "  WARNING: scale big run $r: $e errors or non-2xx"
    br+=("$c"); bp+=("$d"); by+=("$y")
    log "  scale run $r: $SMALL_N: $(fmt_rps "$a") p99 $(fmt_ms "$b"); $SCALE_N: $(fmt_rps "$c") p99 $(fmt_ms "$d")"
  done
  local m1s m1b
  m1s=$(cache_misses "$ADDR_OURS"); m1b=$(cache_misses "$ADDR_BIG")
  if [ "$m0s" != "$m1s" ] || [ "$m0b" != "$m1b" ]; then
    log "  WARNING: credential-cache misses during the measured runs ($m0s -> $m1s, $m0b -> $m1b): yescrypt ran"
  fi
  local hwm_s hwm_b rss_s rss_b
  hwm_s=$(vm_kib "$small_pid" VmHWM); hwm_b=$(vm_kib "$big_pid" VmHWM)
  rss_s=$(vm_kib "$small_pid" VmRSS); rss_b=$(vm_kib "$big_pid" VmRSS)
  log "  memory after load: $SMALL_N: VmRSS $rss_s KiB (peak $hwm_s); $SCALE_N: VmRSS $rss_b KiB (peak $hwm_b)"
  stop_tracked

  local sp99 bp99 srps brps pr
  sp99=$(median "${sp[@]}"); bp99=$(median "${bp[@]}")
  srps=$(median "${sr[@]}"); brps=$(median "${br[@]}")
  pr=$(ratio "$bp99" "$sp99")
  local big small
  big=$(awk -v n="$SCALE_N" 'BEGIN { printf (n >= 1e6 ? "%gM" : "%g"), (n >= 1e6 ? n / 1e6 : n) }')
  small=$(awk -v n="$SMALL_N" 'BEGIN { printf (n >= 1e3 ? "%gk" : "%g"), (n >= 1e3 ? n / 1e3 : n) }')
  row 5a "directory $big vs $small mailboxes: POX p99 under load (64 users)" "$(fmt_ms "$bp99")" \
    "$(fmt_ms "$sp99") ($small)" "$pr" "<= 1.2" "$(judge "$pr" '<=' 1.2)"
  row 5b "directory $big vs $small mailboxes: POX requests/s" "$(fmt_rps "$brps")" \
    "$(fmt_rps "$srps") ($small)" "$(ratio "$brps" "$srps")" "-" "info"
  local scpu bcpu
  scpu=$(median "${sx[@]}"); bcpu=$(median "${by[@]}")
  row 5b2 "directory $big vs $small mailboxes: server CPU/request" "$(fmt_us "$bcpu")" \
    "$(fmt_us "$scpu") ($small)" "$(ratio "$bcpu" "$scpu")" "-" "info"
  local worst_su worst_mem
  worst_su=$(printf '%s\n' "$sus" "$sub" | sort -g | tail -1)
  row 5c "daemon start-up (exec to READY=1)" "$(fmt_ms "$sub") ($big)" "$(fmt_ms "$sus") ($small)" \
    "$(ratio "$sub" "$sus")" "< 1 s both" "$(judge "$worst_su" '<' 1000)"
  worst_mem=$(printf '%s\n' "$hwm_s" "$hwm_b" | sort -g | tail -1)
  row 5d "resident memory, peak under load (VmHWM)" \
    "$(awk -v k="$hwm_b" 'BEGIN { printf "%.1f MiB", k / 1024 }') ($big)" \
    "$(awk -v k="$hwm_s" 'BEGIN { printf "%.1f MiB", k / 1024 }') ($small)" \
    "$(ratio "$hwm_b" "$hwm_s")" "< 64 MiB both" "$(judge "$worst_mem" '<' 65536)"

  # autodiscoverctl import (pre-hashed entries, one transaction), when it exists.
  local usage
  usage=$("$CTL" 2>&1 || true)
  if grep -q '^ *import ' <<<"$usage"; then
    import_rate
  else
    row 5e "autodiscoverctl import of pre-hashed entries" "not built yet" \
      "$(fmt_rps "$BIG_GEN_RATE") raw SQL" "-" "> 20,000/s" "not measured"
  fi
  row 5f "LDAP backend (with its cache) beside SQLite" "not ready" "-" "-" "-" "not measured"
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
