# daemons.sh - autodiscoverd instances from the world's "daemons" list, in the foreground (-d)
# inside $NS; stderr is each daemon's log. Readiness: poll until every listener accepts.
# shellcheck shell=bash

ADD=$AD_BUILD_DIR/daemon/autodiscoverd

daemon_conf() { printf '%s/daemons/%s.conf' "$RUN" "$1"; }
daemon_access_log() { printf '%s/daemons/%s.access.log' "$RUN" "$1"; }
daemon_stderr_log() { printf '%s/daemons/%s.stderr.log' "$RUN" "$1"; }

daemon_write_conf() {  # daemon_write_conf NAME
  local n=$1 dir addr port cert
  dir=$(wq --arg n "$n" '.daemons[] | select(.name == $n) | .directory')
  {
    printf 'directory "sqlite:%s"\n' "$(dir_db "$dir")"
    printf 'access-log "%s"\n' "$(daemon_access_log "$n")"
    while read -r addr port cert; do
      printf 'listen %s %s {\n' "$addr" "$port"
      if [ "$cert" != - ]; then
        printf '    tls-certificate "%s/pki/%s.pem"\n    tls-key "%s/pki/%s.key"\n' "$RUN" "$cert" "$RUN" "$cert"
      fi
      printf '}\n'
    done < <(wq --arg n "$n" '.daemons[] | select(.name == $n) | .listen[] | "\(.address) \(.port) \(.certificate // "-")"')
  } >"$(daemon_conf "$n")"
}

daemons_up() {
  local n out
  [ -x "$ADD" ] || die "$ADD not found: build it (ninja -C $AD_BUILD_DIR daemon/autodiscoverd) or set AD_BUILD_DIR"
  mkdir -p "$RUN/daemons"
  for n in $(wq '.daemons[].name'); do
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
