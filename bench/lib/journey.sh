# journey.sh - section 4 of bench/run: carol@fabrikam.test's hosted-tenant journey
# (tests/scenarios/cloud-tenant.sh, with consent) in the lab, healthy and with
# https://fabrikam.test and https://autodiscover.fabrikam.test black-holed: an nftables rule
# inside the lab's namespace drops their packets to port 443 in the INPUT hook (LAB.md
# gotcha 7: an output-hook drop fails at once with EPERM; an input drop makes connect() time
# out). Source it after common.sh.
# shellcheck shell=bash

LAB=$REPO_DIR/tests/lab/lab

lab_cleanup() {
  [ -n "${JNS:-}" ] || return 0
  LAB_NS=$JNS AD_BUILD_DIR=$BUILD "$LAB" down >/dev/null 2>&1 || true
  JNS=
}

# in_lab CMD...: run CMD inside the lab namespace with the lab CA (as `lab exec` does, minus
# its ~20 ms of bash start-up, which would be a third of the healthy journey).
in_lab() {
  local ca=$JRUN/pki/ca.pem
  mkdir -p "$JRUN/xdg/cache" "$JRUN/xdg/config"
  ip netns exec "$JNS" env -u SSL_CERT_DIR -u CURL_CA_BUNDLE XDG_CACHE_HOME="$JRUN/xdg/cache" \
    XDG_CONFIG_HOME="$JRUN/xdg/config" SSL_CERT_FILE="$ca" REQUESTS_CA_BUNDLE="$ca" "$@"
}

# time_runs TAG CMD...: JOURNEY_RUNS runs inside the lab; sets T_MEDIAN (ms) and T_RCS.
time_runs() {
  local tag=$1; shift
  mkdir -p "$WORK/journey"
  local -a ms=() rcs=()
  local m rc
  while read -r m rc; do ms+=("$m"); rcs+=("$rc"); done < <(in_lab "$BENCH_DIR/lib/timeit.py" \
    "$JOURNEY_RUNS" "$WORK/journey/$tag" "$@")
  T_MEDIAN=$(median "${ms[@]}")
  T_RCS=$(printf '%s\n' "${rcs[@]}" | sort -u | paste -sd, -)
  log "  $tag: ${ms[*]} ms (exit ${rcs[*]})"
}

# steps_summary FILE: "method status decision elapsed_ms" per step of a client --json answer.
steps_summary() {
  jq -r '.steps[] | "    \(.method) \(.status) \(.decision) \(.elapsed_ms) ms \(.url)"' "$1" 2>/dev/null
}

section_journey() {
  if [ "$(id -u)" -ne 0 ]; then
    row 4 "client journey through a broken network" "needs root (lab namespace)" "-" "-" "<= 1.5" "not measured"
    return 0
  fi
  JNS=adbench$$
  JRUN=/tmp/adlab-$JNS
  log "section 4: client journey (lab $JNS)"
  LAB_NS=$JNS LAB_RUN=$JRUN AD_BUILD_DIR=$BUILD "$LAB" up >"$WORK/lab-up.log" 2>&1 ||
    { cat "$WORK/lab-up.log" >&2; die "lab up failed"; }
  local info=$WORK/lab-info.json
  LAB_NS=$JNS LAB_RUN=$JRUN AD_BUILD_DIR=$BUILD "$LAB" info >"$info"
  local email pwfile router ca domain
  email=$(jq -r '.mailboxes[] | select(.journey == 3) | .address' "$info" | head -1)
  pwfile=$(jq -r --arg e "$email" '.mailboxes[] | select(.address == $e) | .password_file' "$info")
  router=$(jq -r '.hosts[] | select(.role == "router") | .name' "$info" | head -1)
  ca=$JRUN/pki/ca.pem
  domain=${email#*@}
  local -a client=("$BUILD/tool/autodiscover" --json --no-cache --cacert "$ca" --password-file "$pwfile"
    --allow-redirect "$router" --allow-basic-after-redirect)
  local -a exlib=(/usr/bin/python3 "$REPO_DIR/tests/interop/exchangelib_probe.py" "$email" "$pwfile")

  # The addresses of https://DOMAIN and https://autodiscover.DOMAIN, as the lab resolves them.
  local a1 a2
  a1=$(in_lab getent ahostsv4 "$domain" | awk 'NR == 1 { print $1 }')
  a2=$(in_lab getent ahostsv4 "autodiscover.$domain" | awk 'NR == 1 { print $1 }')
  { [ -n "$a1" ] && [ -n "$a2" ]; } || die "cannot resolve $domain / autodiscover.$domain in the lab"

  log "  healthy lab: $email"
  time_runs healthy-default "${client[@]}" "$email";                local hd=$T_MEDIAN hd_rc=$T_RCS
  time_runs healthy-sequential "${client[@]}" --sequential "$email"; local hs=$T_MEDIAN hs_rc=$T_RCS
  BENCH_PRIVATE_TMPDIR=1 time_runs healthy-exchangelib "${exlib[@]}"; local he=$T_MEDIAN
  local he_err
  he_err=$(jq -r '.error // "ok"' "$WORK/journey/healthy-exchangelib.1.out" 2>/dev/null | cut -c1-100)

  log "  black hole: $domain ($a1) and autodiscover.$domain ($a2), TCP 443, INPUT hook"
  ip netns exec "$JNS" nft -f - <<EOF
table inet adbench {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr { $a1, $a2 } tcp dport 443 drop
  }
}
EOF
  time_runs broken-default "${client[@]}" "$email";                 local bd=$T_MEDIAN bd_rc=$T_RCS
  steps_summary "$WORK/journey/broken-default.1.out" >&2
  time_runs broken-sequential "${client[@]}" --sequential "$email";  local bs=$T_MEDIAN bs_rc=$T_RCS
  BENCH_PRIVATE_TMPDIR=1 time_runs broken-exchangelib "${exlib[@]}"; local be=$T_MEDIAN
  local be_err
  be_err=$(jq -r '.error // "ok"' "$WORK/journey/broken-exchangelib.1.out" 2>/dev/null | cut -c1-100)
  ip netns exec "$JNS" nft delete table inet adbench 2>/dev/null || true
  lab_cleanup

  local r
  r=$(ratio "$bd" "$hd")
  local rc
  for rc in "$hd_rc" "$hs_rc" "$bd_rc" "$bs_rc"; do
    [ "$rc" = 0 ] || { log "  WARNING: our client exited $hd_rc (healthy), $hs_rc (healthy, --sequential), $bd_rc (broken), $bs_rc (broken, --sequential): not always 0"; break; }
  done
  row 4a "journey, broken vs healthy network: ours (default, parallel)" "$(fmt_ms "$bd")" \
    "$(fmt_ms "$hd") healthy" "$r" "<= 1.5" "$(judge "$r" '<=' 1.5)"
  r=$(ratio "$bs" "$hs")
  row 4b "journey, broken vs healthy network: ours --sequential" "$(fmt_ms "$bs")" \
    "$(fmt_ms "$hs") healthy" "$r" "-" "info"
  r=$(ratio "$be" "$he")
  row 4c "journey, broken vs healthy: python3-exchangelib (FAILS, time to failure)" "$(fmt_ms "$be")" \
    "$(fmt_ms "$he") healthy" "$r" "-" "info"
  r=$(ratio "$bd" "$be")
  row 4d "journey, broken network: ours (default) vs exchangelib's time to failure" "$(fmt_ms "$bd")" \
    "$(fmt_ms "$be") exchangelib" "$r" "-" "info"
  EXLIB_ERR="healthy: $he_err; broken: $be_err"
  log "  exchangelib: $EXLIB_ERR"
  printf '%s\n' "$EXLIB_ERR" >"$WORK/exchangelib-errors.txt"
}
