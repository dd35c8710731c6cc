#!/bin/bash
# unbound.sh - a private unbound for tests (LAB.md §2 recipe): authoritative for one zone, on
# 127.0.0.1:PORT, in the foreground of a background job (no system service).
#
#   unbound.sh start PORT DIR ZONE RECORDS    start; prints "pid PID" once it answers on PORT
#   unbound.sh stop DIR                       stop the one started with DIR
#
# RECORDS is a file of zone-file lines relative to ZONE ("_autodiscover._tcp IN SRV ...");
# the zone file DIR/ZONE.zone gets the SOA, NS and the name server's A record around them.
# Exit 77 (SKIP) when unbound is not installed; 1 when it does not answer within 5 s.
set -euo pipefail
unbound=$(command -v unbound || echo /usr/sbin/unbound)

# answers PORT ZONE: one SOA question to 127.0.0.1:PORT gets an answer within 100 ms.
answers() {
    python3 - "$1" "$2" <<'PY' 2>/dev/null
import socket, struct, sys
name = b"".join(bytes([len(p)]) + p.encode() for p in sys.argv[2].strip(".").split(".")) + b"\0"
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + name + struct.pack(">HH", 6, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.1)
s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
s.recv(512)
PY
}

start() {
    local port=$1 dir=$2 zone=$3 zonefile=$2/$3.zone
    [ -x "$unbound" ] || { echo "SKIP: unbound not installed"; exit 77; }
    mkdir -p "$dir"
    {
        printf '$ORIGIN %s.\n$TTL 60\n' "$zone"
        printf '@ IN SOA ns.%s. admin.%s. 1 3600 600 86400 60\n' "$zone" "$zone"
        printf '@ IN NS ns.%s.\nns IN A 127.0.0.1\n' "$zone"
        cat "$4"
    } >"$zonefile"
    cat >"$dir/unbound.conf" <<CONF
server:
  interface: 127.0.0.1@$port
  port: $port
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$dir"
  pidfile: ""
  use-syslog: no
  logfile: ""
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  local-zone: "test." nodefault
  module-config: "iterator"
remote-control:
  control-enable: no
auth-zone:
  name: "$zone"
  zonefile: "$zonefile"
  for-downstream: no
  for-upstream: yes
  fallback-enabled: no
CONF
    "$unbound" -d -c "$dir/unbound.conf" 2>"$dir/unbound.log" </dev/null >/dev/null &
    local pid=$!
    echo "$pid" >"$dir/unbound.pid"
    for _ in $(seq 50); do
        if answers "$port" "$zone"; then echo "pid $pid"; return 0; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "unbound.sh: unbound did not answer on 127.0.0.1:$port: $(tail -n 2 "$dir/unbound.log")" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
}

stop() {
    local pid
    pid=$(cat "$1/unbound.pid" 2>/dev/null) || return 0
    kill -CONT "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$1/unbound.pid"
}

case ${1:-} in
start) shift; [ $# -eq 4 ] || { echo "usage: unbound.sh start PORT DIR ZONE RECORDS" >&2; exit 2; }; start "$@" ;;
stop) [ $# -eq 2 ] || { echo "usage: unbound.sh stop DIR" >&2; exit 2; }; stop "$2" ;;
*) echo "usage: unbound.sh start PORT DIR ZONE RECORDS | stop DIR" >&2; exit 2 ;;
esac
