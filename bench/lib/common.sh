# common.sh - settings and helpers of bench/run (source it). Benchmarks are never tests:
# nothing here asserts a timing; a figure is only ever printed beside its baseline.
# shellcheck shell=bash disable=SC2034  # settings are used by the other lib files

PATH=$PATH:/usr/sbin:/sbin
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$REPO_DIR/build-bench}
RUNS=${BENCH_RUNS:-3}                 # runs of each measurement; the median is reported
DURATION=${BENCH_DURATION:-5}         # seconds of each wrk run
WARMUP=${BENCH_WARMUP:-1}             # seconds of load before the measured runs
CONNECTIONS=${BENCH_CONNECTIONS:-32}  # wrk connections (the daemon allows 64 per client address)
SERVER_CPU=${BENCH_SERVER_CPU:-1}     # the server under test: ours and nginx, one at a time
CLIENT_CPU=${BENCH_CLIENT_CPU:-0}     # wrk
SCALE_N=${BENCH_SCALE_N:-1000000}     # mailboxes of the big directory
SMALL_N=${BENCH_SMALL_N:-1000}        # mailboxes of the small one (and of sections 1-3)
JOURNEY_RUNS=${BENCH_JOURNEY_RUNS:-$RUNS}
NICE=${BENCH_NICE:-0}                 # nice value of the servers and wrk (e.g. -10 on a busy machine)

# Addresses on the host's lo (any 127/8 address is local): ours, nginx, ours with the big
# directory. Not the lab's 127.0.x plan, and never an address off this machine.
ADDR_OURS=127.0.77.1
ADDR_NGINX=127.0.77.2
ADDR_BIG=127.0.77.3
PORT=${BENCH_PORT:-8443}
ADMIN_PORT=$((PORT + 1))
VHOST=autodiscover.contoso.test
PASSWORD=Bench-Passw0rd-7d3a
POX_PATH=/autodiscover/autodiscover.xml
JSON_PATH='/autodiscover/autodiscover.json/v1.0/bob@contoso.test?Protocol=Ews'

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
now_ns() { date +%s%N; }

# median V...: the middle value (the lower middle for an even count); numbers as printed.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]}'; }

# max_of V...: the largest.
max_of() { printf '%s\n' "$@" | sort -g | tail -1; }

# ratio A B [DIGITS]: A / B.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {if (b == 0) print "-"; else printf "%.*f\n", d, a / b}'; }

# judge VALUE OP LIMIT: "met" or "missed" (OP is one of <= >= < >).
judge() {
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    if (v == "-" || v == "") { print "n/a"; exit }
    ok = (op == "<=") ? v <= l : (op == ">=") ? v >= l : (op == "<") ? v < l : v > l
    print ok ? "met" : "missed" }'
}

# row ID BENCHMARK OURS BASELINE RATIO TARGET VERDICT: one line of the final table.
row() { local IFS=$'\t'; printf '%s\n' "$*" >>"$WORK/results.tsv"; }

# running PID: alive and not a zombie (PID 1 here reaps orphans only every ~2 s).
running() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "${st:0:1}" != Z ]
}

# stop_pid PID: SIGTERM a process this run started, wait for it (5 s), then SIGKILL.
stop_pid() {
  local pid=$1
  running "$pid" || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 250); do running "$pid" || return 0; sleep 0.02; done
  kill -9 "$pid" 2>/dev/null || true
}

# track PID: remember a process to stop at exit.
track() { echo "$1" >>"$WORK/pids"; }

stop_tracked() {
  [ -f "$WORK/pids" ] || return 0
  local pid
  while read -r pid; do stop_pid "$pid"; done <"$WORK/pids"
  : >"$WORK/pids"
}

# wait_tcp ADDR PORT: until something accepts (5 s at most).
wait_tcp() {
  for _ in $(seq 250); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.02
  done
  return 1
}

# cpu_ns PID: CPU time used so far by every thread of PID, in ns (/proc/PID/task/*/schedstat).
cpu_ns() {
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# wrk_run TAG URL SCRIPT [SECONDS]: one wrk run on CLIENT_CPU against the server whose PID is
# in $SERVER_PID (or PIDs, space-separated: a daemon and its slapd). Prints "RPS P99_MS
# ERRORS CPU_US": ERRORS are non-2xx answers plus socket errors; CPU_US is the server's CPU
# time (all threads of all its PIDs) per request, in microseconds, which does not depend on
# whether wrk or the server was the bottleneck. The full wrk output goes to
# $WORK/wrk/TAG.txt, with each PID's share as "CPU of pid PID: NS ns".
wrk_run() {
  local tag=$1 url=$2 script=$3 secs=${4:-$DURATION} out c0=0 c1=0 i
  local -a pids b=() d=()
  read -r -a pids <<<"$SERVER_PID"
  mkdir -p "$WORK/wrk"
  out=$WORK/wrk/$tag.txt
  for i in "${!pids[@]}"; do b[i]=$(cpu_ns "${pids[i]}"); c0=$((c0 + b[i])); done
  taskset -c "$CLIENT_CPU" nice -n "$NICE" wrk -t1 -c"$CONNECTIONS" -d"${secs}s" --timeout 10s \
    --latency -s "$script" "$url" >"$out" 2>&1 || true
  for i in "${!pids[@]}"; do d[i]=$(($(cpu_ns "${pids[i]}") - b[i])); c1=$((c1 + b[i] + d[i])); done
  echo "server CPU: $((c1 - c0)) ns (pid $SERVER_PID: $c0 -> $c1)" >>"$out"
  for i in "${!pids[@]}"; do echo "CPU of pid ${pids[i]}: ${d[i]} ns" >>"$out"; done
  awk -v cpu=$((c1 - c0)) '
    /Requests\/sec:/ { rps = $2 }
    / requests in / { reqs = $1 }
    $1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
                  p99 = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : (u == "m") ? v * 60000 : v }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { for (i = 3; i <= NF; i++) { x = $i; gsub(/,/, "", x); if (x ~ /^[0-9]+$/) err += x } }
    END { printf "%s %s %d %.1f\n", (rps == "" ? 0 : rps), (p99 == "" ? 0 : p99), err,
                 (reqs > 0 ? cpu / reqs / 1000 : 0) }' "$out"
}

# fmt_rps N: "12,345/s"; fmt_ms N: "1.23 ms" or "12.3 s".
fmt_rps() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n + 0.5); o = "";
  while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
  print s o "/s" }'; }
fmt_ms() { awk -v n="$1" 'BEGIN { if (n >= 10000) printf "%.1f s\n", n / 1000;
  else if (n >= 1000) printf "%.2f s\n", n / 1000; else if (n >= 100) printf "%.0f ms\n", n;
  else printf "%.2f ms\n", n }'; }
fmt_us() { awk -v n="$1" 'BEGIN { if (n >= 1000) printf "%.2f ms\n", n / 1000; else printf "%.1f us\n", n }'; }

# cache_misses ADDR: autodiscoverd_credential_cache_misses_total of the daemon on ADDR.
cache_misses() {
  curl -sS --max-time 5 "http://$1:$ADMIN_PORT/metrics" 2>/dev/null |
    awk '$1 == "autodiscoverd_credential_cache_misses_total" { print $2; f = 1 } END { if (!f) print "?" }'
}
