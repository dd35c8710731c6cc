# assert.sh - helpers for the lab tests (tests/scenarios, tests/interop, tests/lab/selftest.sh).
# Source it from a test script; then `t_lab_up NAME` brings up a private lab (unique LAB_NS),
# and an EXIT trap stops it, checks the daemons' logs for sanitizer reports, prints diagnostics
# on failure and tears it down, whatever happens.
# shellcheck shell=bash disable=SC2034  # RC, INFO are read by the test scripts

T_LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lab
T_FAILS=0
export AD_BUILD_DIR=${AD_BUILD_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/build}

ok()   { printf 'ok - %s\n' "$*"; }
fail() { printf 'not ok - %s\n' "$*"; T_FAILS=$((T_FAILS + 1)); }
bail() { printf 'Bail out! %s\n' "$*"; exit 1; }

# t_require_root: a lab needs a network namespace. Exit 77 (meson: SKIP) with one clear line
# when not root; as root, anything that goes wrong later is a failure.
t_require_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP: $(basename "$0") needs root to create a network namespace (run the tests as root)"
    exit 77
  fi
}

# t_lab_up NAME: bring up a private lab for this test; sets INFO (the lab's info JSON).
t_lab_up() {
  t_require_root
  export LAB_NS="t-$1-$$"
  export LAB_RUN="/tmp/adlab-$LAB_NS"
  trap t_cleanup EXIT
  trap 'exit 130' INT TERM HUP
  "$T_LAB" up || bail "lab up failed"
  INFO=$("$T_LAB" info) || bail "lab info failed"
}

lab() { "$T_LAB" "$@"; }
info() { jq -r "$@" <<<"$INFO"; }   # info [jq options] FILTER

# sanitizer_reports FILE...: print sanitizer report lines found in FILE(s), if any.
sanitizer_reports() {
  grep -hE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)' "$@" 2>/dev/null || true
}

t_cleanup() {
  local rc=$? log reports
  trap - EXIT
  if [ -n "${INFO:-}" ]; then
    "$T_LAB" stop || true              # SIGTERM + wait: leak reports are written at exit
    for log in $(info '.daemons[].stderr_log'); do
      reports=$(sanitizer_reports "$log")
      if [ -n "$reports" ]; then fail "sanitizer report in $log:"; printf '%s\n' "$reports" | head -20; rc=1
      else ok "no sanitizer report in $(basename "$log")"; fi
    done
    [ "$T_FAILS" -eq 0 ] || rc=1
    [ "$rc" -eq 0 ] || t_diagnostics
  fi
  "$T_LAB" down || true
  [ "$rc" -eq 0 ] && [ "$T_FAILS" -eq 0 ] && echo "# PASS $(basename "$0")" || echo "# FAIL $(basename "$0") ($T_FAILS failed, exit $rc)"
  exit "$rc"
}

t_diagnostics() {
  local f
  echo "# ---- diagnostics (lab $LAB_NS) ----"
  for f in $(info '.daemons[] | .access_log, .stderr_log') "$(info .dns.query_log)" "${T_OUT_DIR:-/nonexistent}"/*; do
    [ -f "$f" ] || continue
    echo "# == $f (last 40 lines)"; tail -n 40 "$f" | sed 's/^/#   /'
  done
}

# t_done: end of a test script; the EXIT trap turns failures into the exit status.
t_done() { [ "$T_FAILS" -eq 0 ] || exit 1; exit 0; }

# --- assertions --------------------------------------------------------------------------

# check DESCRIPTION CMD...: ok if CMD succeeds
check() {
  local d=$1; shift
  if "$@"; then ok "$d"; else fail "$d"; fi
}

# expect_eq DESCRIPTION GOT WANT
expect_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got '$2', want '$3'"; fi
}

# expect_jq DESCRIPTION FILE FILTER WANT: the raw output of jq FILTER on FILE equals WANT.
expect_jq() {
  local got
  got=$(jq -r "$3" "$2" 2>&1) || got="(jq failed: $got)"
  expect_eq "$1" "$got" "$4"
}

# expect_match DESCRIPTION TEXT REGEX (grep -E)
expect_match() {
  if grep -qE -- "$3" <<<"$2"; then ok "$1"; else fail "$1: '$2' does not match /$3/"; fi
}

# expect_no_match DESCRIPTION TEXT REGEX (grep -E)
expect_no_match() {
  local hit
  hit=$(grep -E -- "$3" <<<"$2" | head -3 || true)
  if [ -z "$hit" ]; then ok "$1"; else fail "$1: found: $hit"; fi
}

# --- logs --------------------------------------------------------------------------------

# log_mark FILE: the number of lines in FILE now; log_since FILE MARK: the lines added after.
log_mark() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
log_since() { tail -n "+$(( $2 + 1 ))" "$1" 2>/dev/null || true; }

# access_since FILE MARK: "HOST METHOD PATH STATUS USER" for each request autodiscoverd logged
# since MARK (PATH lower-cased). Its access log line is
# "TIME CLIENT HOST METHOD PATH STATUS USER BYTES MICROSECONDS", "-" for a missing value.
# Lines are in the order of TIME (the start of each request): the daemon writes a line when
# the request completes, and a 401 answered before its body was read was seen to complete
# after the next request on a new connection.
access_since() {
  log_since "$1" "$2" | sort -s -k1,1 | awk '{ print $3, $4, tolower($5), $6, $7 }'
}

# dns_names_since MARK: the names queried (lower-case, trailing dot) since MARK in the DNS
# query log. unbound logs "... info: CLIENT NAME. TYPE IN".
dns_names_since() {
  log_since "$(info .dns.query_log)" "$1" | awk '/ info: .* IN$/ { print tolower($(NF-2)) }'
}

# outside_lab_zones NAME...: print the names that are in none of the lab's zones.
outside_lab_zones() {
  local n z inside
  for n in "$@"; do
    inside=
    for z in $(info '.dns.zones[]'); do
      case $n in "$z." | *".$z.") inside=1; break ;; esac
    done
    [ -n "$inside" ] || echo "$n"
  done
}

# --- the client ---------------------------------------------------------------------------

T_OUT_DIR=""
# run_client TAG ARGS...: run `autodiscover ARGS` inside the lab; stdout in $T_OUT_DIR/TAG.out,
# stderr in TAG.err; sets RC. A sanitizer report on the client's stderr is a failure.
run_client() {
  local tag=$1 reports; shift
  [ -n "$T_OUT_DIR" ] || T_OUT_DIR=$(info .run_dir)/test-out
  mkdir -p "$T_OUT_DIR"
  RC=0
  # stdin from /dev/null: a test never answers a consent prompt (the client refuses instead)
  lab exec autodiscover "$@" </dev/null >"$T_OUT_DIR/$tag.out" 2>"$T_OUT_DIR/$tag.err" || RC=$?
  reports=$(sanitizer_reports "$T_OUT_DIR/$tag.err")
  [ -z "$reports" ] || fail "sanitizer report from the client ($tag): $(head -3 <<<"$reports")"
}
out_file() { printf '%s/%s.out' "$T_OUT_DIR" "$1"; }
err_file() { printf '%s/%s.err' "$T_OUT_DIR" "$1"; }

# password_file ADDRESS: the file holding ADDRESS's password in the running lab.
password_file() { info --arg a "$1" '.mailboxes[] | select(.address == $a) | .password_file'; }

# org_setting ORG TYPE KEY: a protocol setting as the lab configured it.
org_setting() {
  info --arg o "$1" --arg t "$2" --arg k "$3" \
    '.organisations[] | select(.name == $o) | .protocols[] | select(.Type == $t) | .[$k]'
}

# --- the world, by name -------------------------------------------------------------------

# journey_mailbox N: the address of the (first) mailbox of journey N.
journey_mailbox() { info --argjson j "$1" '[.mailboxes[] | select(.journey == $j)][0].address'; }

# mailbox_field ADDRESS FIELD: one field of a mailbox in lab info (org, target_address, ...).
mailbox_field() { info --arg a "$1" --arg f "$2" '.mailboxes[] | select(.address == $a) | .[$f] // empty'; }

# host_access_log HOST [PORT]: the access log of the daemon that listens for HOST (on PORT).
host_access_log() {
  info --arg h "$1" --arg p "${2:-}" \
    '[.hosts[] | select(.name == $h) | .listeners[] | select($p == "" or (.port | tostring) == $p) | .access_log][0] // empty'
}

# pod_url TENANT: the URL of the pod that serves organisation TENANT.
pod_url() {
  info --arg o "$1" '(.organisations[] | select(.name == $o) | .pod) as $p | .pods[] | select(.name == $p) | .url'
}

# pox_url HOST: the POX URL of HOST as the client builds it.
pox_url() { printf 'https://%s/autodiscover/autodiscover.xml' "$1"; }

# --- log marks around one client run ------------------------------------------------------

declare -A T_MARKS=()
# marks_take: remember where every daemon's access log and the DNS query log end now.
marks_take() {
  local f
  for f in $(info '.daemons[].access_log, .dns.query_log, .directory_servers[].log'); do T_MARKS[$f]=$(log_mark "$f"); done
}

# dirsrv NAME FIELD: a field of a directory server (slapd) of `lab info` (log, host, admin_dn, ...).
dirsrv() { info --arg n "$1" --arg f "$2" '.directory_servers[] | select(.name == $n) | .[$f] // empty'; }

# ldap_searches_since_mark NAME: the SRCH lines (base, scope, filter) slapd NAME logged since
# marks_take, '|'-joined, without the connection numbers: "base=... scope=N filter=...".
ldap_searches_since_mark() {
  local f; f=$(dirsrv "$1" log)
  log_since "$f" "${T_MARKS[$f]:-0}" | sed -n 's/.* SRCH \(base=.*\)$/\1/p' | paste -sd '|'
}

# scp_publish NAME ARGS...: `autodiscoverctl scp ARGS` against directory server NAME, bound as
# its admin (the real way of publishing; used by scenarios that change the SCPs).
scp_publish() {
  local n=$1; shift
  lab exec autodiscoverctl scp "$@" --ldap "$(dirsrv "$n" ldap_url)" --bind-dn "$(dirsrv "$n" admin_dn)" \
    --bind-password-file "$(dirsrv "$n" admin_password_file)" >/dev/null
}

# expect_every_run WHAT FILE: what PROTOCOL.md section 10 asks of every run. Since marks_take:
# no Authorization reached a port-80 listener (the redirector answers 400 to one and logs no
# user), no DNS query for autodiscover.test or outside the lab zones; the client followed at
# most 10 redirects.
expect_every_run() {
  local what=$1 f=$2 log bad=""
  for log in $(info '.hosts[].listeners[] | select(.port == 80) | .access_log' | sort -u); do
    # the hostile host logs CLIENT as ADDRESS:LOCALPORT: keep its port-80 lines only
    bad+=$(log_since "$log" "${T_MARKS[$log]:-0}" | awk '$2 !~ /:/ || $2 ~ /:80$/' | awk '$6 == 400 || $7 != "-"')
  done
  expect_eq "$what: no Authorization on port 80" "$bad" ""
  expect_dns_guard "$what"
  expect_jq "$what: at most 10 redirects" "$f" '(.result.redirects // 0) <= 10' true
}

# requests_since_mark HOST [PORT]: "HOST METHOD PATH STATUS USER" lines, joined by '|', that the
# daemon of HOST logged since marks_take (HOST is the Host header, so a CNAME'd name shows).
requests_since_mark() {
  local f; f=$(host_access_log "$@")
  [ -n "$f" ] || { echo "(no daemon for $1)"; return; }
  access_since "$f" "${T_MARKS[$f]:-0}" | paste -sd '|'
}

# host_requests_since_mark HOST [PORT]: requests_since_mark, only those whose Host header is
# HOST (a daemon serving several names, e.g. the hostile host, has one log for all of them).
host_requests_since_mark() {
  local f; f=$(host_access_log "$@")
  [ -n "$f" ] || { echo "(no daemon for $1)"; return; }
  access_since "$f" "${T_MARKS[$f]:-0}" | awk -v h="$1" 'tolower($1) == tolower(h)' | paste -sd '|'
}

# dns_names_since_mark: the names asked of the lab DNS since marks_take, one per line.
dns_names_since_mark() { dns_names_since "${T_MARKS[$(info .dns.query_log)]:-0}"; }

# expect_dns_guard WHAT: the PSL leak guard. Since marks_take, no DNS query for
# autodiscover.test (autodiscover.<public suffix>) or for the bare suffix test., and none for
# a name outside the lab zones.
expect_dns_guard() {
  local names
  mapfile -t names < <(dns_names_since_mark)
  expect_no_match "$1: no DNS query for autodiscover.test or test." "${names[*]}" '(^| )(autodiscover\.)?test\.( |$)'
  expect_eq "$1: no DNS query outside the lab zones" "$(outside_lab_zones "${names[@]}" | sort -u | tr '\n' ' ')" ""
}

# expect_dns_asked WHAT NAME TYPE: the lab DNS was asked NAME (TYPE) since marks_take.
expect_dns_asked() {
  local q; q=$(log_since "$(info .dns.query_log)" "${T_MARKS[$(info .dns.query_log)]:-0}")
  expect_match "$1: DNS asked for $2 $3" "$q" " info: [^ ]+ ${2//./\\.}\\. $3 IN$"
}

# --- the client's JSON report ---------------------------------------------------------------

# steps_summary FILE: one line per step, "METHOD STATUS DECISION AUTH URL-or-QUERY", '|'-joined.
# "held" and "cancelled" steps are left out: they are the timing of parallel probing (on a
# loaded machine a slow answer lets the next candidate start ahead, and its unused answer is
# "held"), not the journey; tests/client/parallel-local.sh asserts them where they are meant.
steps_summary() {
  jq -r '[.steps[] | select(.decision != "held" and .decision != "cancelled")
          | "\(.method) \(.status) \(.decision) \(.auth) \(.url // .query)"] | join("|")' "$1"
}

# expect_steps WHAT FILE LINE...: the client's steps are exactly LINE... (see steps_summary).
expect_steps() {
  local what=$1 file=$2; shift 2
  expect_eq "$what" "$(steps_summary "$file")" "$(IFS='|'; echo "$*")"
}

# expect_step_reason WHAT FILE URL REGEX: the last step at URL has a reason matching REGEX.
expect_step_reason() {
  local r; r=$(jq -r --arg u "$3" '[.steps[] | select(.url == $u) | .reason][-1] // "(no such step)"' "$2")
  expect_match "$1" "$r" "$4"
}

# expect_settings WHAT FILE EMAIL URL ORG: a successful result for EMAIL from URL whose EXPR
# EwsUrl and user AutoDiscoverSMTPAddress are the ones the lab configured.
expect_settings() {
  local what=$1 f=$2 email=$3 url=$4 org=$5 ews
  ews=$(org_setting "$org" EXPR EwsUrl)
  expect_jq "$what: result ok" "$f" '.result.ok' true
  expect_jq "$what: result email $email" "$f" '.result.email' "$email"
  expect_jq "$what: settings from $url" "$f" '.result.url' "$url"
  expect_jq "$what: action settings" "$f" '.result.action' settings
  expect_jq "$what: AutoDiscoverSMTPAddress $email" "$f" '.result.user.AutoDiscoverSMTPAddress' "$email"
  expect_jq "$what: EXPR EwsUrl is $org's ($ews)" "$f" '.result.protocols[] | select(.Type == "EXPR") | .EwsUrl' "$ews"
}
