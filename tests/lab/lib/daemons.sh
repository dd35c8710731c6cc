# daemons.sh - autodiscoverd instances from the world's "daemons" list, in the foreground (-d)
# inside $NS; stderr is each daemon's log. Readiness: poll until every listener accepts.
# shellcheck shell=bash

ADD=$AD_BUILD_DIR/daemon/autodiscoverd

daemon_conf() { printf '%s/daemons/%s.conf' "$RUN" "$1"; }
daemon_access_log() { printf '%s/daemons/%s.access.log' "$RUN" "$1"; }
daemon_stderr_log() { printf '%s/daemons/%s.stderr.log' "$RUN" "$1"; }

# daemon_conf_lines NAME: the listen blocks of daemon NAME as config lines (one jq run).
# A listen entry is {address, port, certificate?, role?, redirect_to?, route_mode?,
# hosts?: [{name, role?, redirect_to?, route_mode?, certificate?}]}; certificate names an
# entry of the world's certificates. Without a certificate the listener is plain HTTP.
daemon_conf_lines() {
  wq --arg n "$1" --arg pki "$RUN/pki" '
    def q: "\"" + . + "\"";
    def tls($c; $ind): if $c then
        "\($ind)tls-certificate \(($pki + "/" + $c + ".pem") | q)",
        "\($ind)tls-key \(($pki + "/" + $c + ".key") | q)" else empty end;
    def roles($ind): (if .role then "\($ind)role \(.role)" else empty end),
        (if .redirect_to then "\($ind)redirect-to \(.redirect_to | q)" else empty end),
        (if .route_mode then "\($ind)route-mode \(.route_mode)" else empty end);
    .daemons[] | select(.name == $n) | .listen[]
    | "listen \(.address) \(.port) {",
      tls(.certificate; "    "),
      roles("    "),
      ((.hosts // [])[] | "    host \(.name) {", tls(.certificate; "        "), roles("        "), "    }"),
      "}"'
}

daemon_write_conf() {  # daemon_write_conf NAME
  local n=$1 dir
  dir=$(wq --arg n "$n" '.daemons[] | select(.name == $n) | .directory')
  {
    printf 'directory "sqlite:%s"\n' "$(dir_db "$dir")"
    printf 'access-log "%s"\n' "$(daemon_access_log "$n")"
    daemon_conf_lines "$n"
  } >"$(daemon_conf "$n")"
}

# hostile_write_conf NAME: the JSON configuration of a hostile host (tests/lab/hostile/hostile.py).
hostile_write_conf() {
  wq --arg n "$1" --arg pki "$RUN/pki" --arg log "$(daemon_access_log "$1")" '
    .daemons[] | select(.name == $n)
    | {access_log: $log, rules,
       listen: [.listen[] | {address, port}
                + (if .certificate then {cert: ($pki + "/" + .certificate + ".pem"),
                                         key: ($pki + "/" + .certificate + ".key")} else {} end)]}' \
    >"$(daemon_conf "$1")"
}

daemons_up() {
  local n out
  [ -x "$ADD" ] || die "$ADD not found: build it (ninja -C $AD_BUILD_DIR daemon/autodiscoverd) or set AD_BUILD_DIR"
  mkdir -p "$RUN/daemons"
  for n in $(wq '.daemons[] | select(.program == "hostile") | .name'); do
    hostile_write_conf "$n"
    : >"$(daemon_access_log "$n")"
    start_bg "$n" "$(daemon_stderr_log "$n")" /usr/bin/python3 "$LAB_DIR/hostile/hostile.py" "$(daemon_conf "$n")"
  done
  for n in $(wq '.daemons[] | select(.program != "hostile") | .name'); do
    daemon_write_conf "$n"
    out=$(nsx "$ADD" -f "$(daemon_conf "$n")" -n 2>&1) || die "autodiscoverd -n rejects $(daemon_conf "$n"): $out"
    : >"$(daemon_access_log "$n")"
    start_bg "$n" "$(daemon_stderr_log "$n")" "$ADD" -f "$(daemon_conf "$n")" -d
  done
}

# daemons_wait: poll every listener of every daemon; fail fast if a daemon exits.
daemons_wait() {
  local n pid addr port deadline
  deadline=$(( $(now_ms) + LAB_READY_TIMEOUT * 1000 ))
  for n in $(wq '.daemons[].name'); do
    pid=$(cat "$RUN/pids/$n.pid")
    while read -r addr port; do
      until tcp_open "$addr" "$port"; do
        running "$pid" || die "$n exited during start-up; its log: $(tail -n 5 "$(daemon_stderr_log "$n")")"
        [ "$(now_ms)" -lt "$deadline" ] || die "$n not accepting on $addr:$port after ${LAB_READY_TIMEOUT} s"
        sleep 0.01
      done
    done < <(wq --arg n "$n" '.daemons[] | select(.name == $n) | .listen[] | "\(.address) \(.port)"')
  done
}

daemons_stop() {
  local n
  [ -f "$WORLD" ] || return 0
  for n in $(wq '.daemons[].name'); do stop_pid "$n"; done
}
