# common.sh - settings and small helpers shared by the lab scripts (source it, don't run it).
# Everything lives in ONE network namespace ($NS); every "host" is a 127.x address on the
# namespace's own lo, so no packet can leave the machine, even when a command runs outside it.
# shellcheck shell=bash disable=SC2034  # the settings are used by the other lib files

PATH=$PATH:/usr/sbin:/sbin                     # ip, unbound: not on every user's PATH
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$LAB_DIR/../.." && pwd)
NS=${LAB_NS:-adlab}                            # network namespace name
RUN=${LAB_RUN:-/tmp/adlab-$NS}                 # runtime state: configs, pids, logs, certs
NSETC=/etc/netns/$NS                           # bind-mounted over /etc/* by `ip netns exec`
WORLD_SRC=${LAB_WORLD:-$LAB_DIR/world/standard.json}
WORLD=$RUN/world.json                          # the copy a running lab was built from
AD_BUILD_DIR=${AD_BUILD_DIR:-$REPO_DIR/build}
AD_BUILD_DIR=$(cd "$AD_BUILD_DIR" 2>/dev/null && pwd || echo "$AD_BUILD_DIR")
LAB_READY_TIMEOUT=${LAB_READY_TIMEOUT:-8}      # seconds, per daemon

# Sanitizer settings used when the binaries are an ASan/UBSan build (harmless otherwise).
# LeakSanitizer works inside the namespace as root (tested); reports go to the daemon's stderr log.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
nsx() { ip netns exec "$NS" "$@"; }            # run a command inside the lab namespace
lab_exists() { [ -e "/run/netns/$NS" ]; }

# wq [jq options] FILTER: query the world description of the running lab (raw output).
wq() { jq -r "$@" "$WORLD"; }

# running PID: true if PID exists and is not a zombie. (Orphans are re-parented to PID 1,
# which here reaps only every ~2 s, so `kill -0` alone reports a dead daemon as alive.)
running() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "${st:0:1}" != Z ]
}

# in_ns PID: true if PID lives in our namespace (guards against a recycled PID).
in_ns() { [ "$(ip netns identify "$1" 2>/dev/null)" = "$NS" ]; }

# start_bg NAME STDERR-LOG CMD...: start a foreground-mode daemon inside $NS, record its PID.
# `ip netns exec` execs the command, so $! is the daemon's own PID.
start_bg() {
  local name=$1 errlog=$2; shift 2
  ip netns exec "$NS" "$@" </dev/null >>"$errlog" 2>&1 &
  echo $! >"$RUN/pids/$name.pid"
}

# stop_pid NAME: SIGTERM the daemon recorded as NAME (only if still in our namespace),
# wait for it to exit (so sanitizer reports are written), SIGKILL after 5 s.
stop_pid() {
  local f=$RUN/pids/$1.pid pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f"); rm -f "$f"
  running "$pid" && in_ns "$pid" || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 250); do running "$pid" || return 0; sleep 0.02; done
  log "$1 (pid $pid) ignored SIGTERM for 5 s; killing it"
  kill -9 "$pid" 2>/dev/null || true
}

# tcp_open IP PORT: true if something accepts on IP:PORT inside $NS (one attempt).
tcp_open() { nsx bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
