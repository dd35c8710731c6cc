#!/bin/bash
# End-to-end test of autodiscoverd's authentication and operations features over real TLS:
# the verified-credential cache (proved by the /metrics counter and the -v debug line),
# throttling (429 + Retry-After per address and per account, lifted after the window), the
# fail2ban log line and no password in any log, /healthz, /metrics only on the admin
# listener, sd_notify readiness (READY/RELOADING/STOPPING over a unix datagram socket), and,
# when run as root, the drop to `user nobody` checked in /proc/PID/status and a reload
# after the drop (sockets inherited, no new bind).
#
#   auth_ops_e2e.sh /path/to/autodiscoverd /path/to/autodiscoverctl
set -u
. "$(dirname "$0")/lib.sh"
e2e_init auth_ops_e2e "$@"
LISTENER_PID=
e2e_cleanup_hook() {
    if [ -n "$LISTENER_PID" ]; then kill "$LISTENER_PID" 2>/dev/null; wait "$LISTENER_PID" 2>/dev/null; fi
}
wait_for() { # wait_for FILE NEEDLE: up to 5 s
    for _ in $(seq 100); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}

# --- PKI and directory ---
e2e_ca "autodiscoverd test CA"
e2e_issue server 127.0.0.1 IP:127.0.0.1
mv server.pem cert.pem && mv server.key key.pem
DB=$WORK/directory.db
"$CTL" --db "$DB" init || exit 1
"$CTL" --db "$DB" domain add contoso.test || exit 1
AUTODISCOVER_PASSWORD='Bob-Secret-1' "$CTL" --db "$DB" mailbox add bob@contoso.test --name Bob || exit 1
AUTODISCOVER_PASSWORD='Alice-Secret-2' "$CTL" --db "$DB" mailbox add alice@contoso.test --name Alice || exit 1
"$CTL" --db "$DB" protocol add contoso.test EXCH Server=cas.contoso.test || exit 1

PORT=$(e2e_free_port)
ADMIN_PORT=$(e2e_free_port)
BASE=https://127.0.0.1:$PORT
URL=$BASE/Autodiscover/Autodiscover.xml
ADMIN=http://127.0.0.1:$ADMIN_PORT
request bob@contoso.test > bob.xml
pox() { # pox USER:PASSWORD [curl options...]
    local cred=$1; shift
    status -u "$cred" -H 'Content-Type: text/xml' --data-binary @bob.xml "$@" "$URL"
}
metric() { # metric NAME: its value on the admin listener
    "${CURL[@]}" "$ADMIN/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}
start_daemon() { e2e_start_daemon "$1" "$2" "$BASE/healthz" -v; } # start_daemon CONF LOG
stop_daemon() { e2e_stop_daemon; }

# --- a readiness listener: every datagram on one line of notify.log ---
NOTIFY=$WORK/notify.sock
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode().replace("\n", " ") + "\n")
' "$NOTIFY" "$WORK/notify.log" &
LISTENER_PID=$!
for _ in $(seq 100); do [ -S "$NOTIFY" ] && break; sleep 0.05; done

cat > a.conf <<CONF
directory "sqlite:$DB"
access-log "$WORK/access.log"
credential-cache-ttl 60
auth-failure-limit 3
auth-failure-window 6
listen 127.0.0.1 $PORT { tls-certificate "$WORK/cert.pem"; tls-key "$WORK/key.pem" }
listen 127.0.0.1 $ADMIN_PORT { role admin }
CONF
NOTIFY_SOCKET=$NOTIFY start_daemon a.conf a.err
wait_for notify.log READY=1
contains "READY=1 sent after start" "READY=1" notify.log

# --- health and metrics ---
check "healthz on the TLS listener" 200 "$(status "$BASE/healthz")"
check "healthz body" ok "$(cat body.out)"
check "healthz needs GET" 405 "$(status -X POST "$BASE/healthz")"
check "healthz on the admin listener" 200 "$(status "$ADMIN/healthz")"
check "no metrics on the public listener" 404 "$(status "$BASE/metrics")"
check "metrics on the admin listener" 200 "$(status "$ADMIN/metrics")"
contains "metrics content type" "Content-Type: text/plain; version=0.0.4" headers.out
check "admin listener serves nothing else" 404 "$(status "$ADMIN/autodiscover/autodiscover.xml")"

# --- the credential cache: the second good request skips yescrypt ---
check "first good request" 200 "$(pox 'bob@contoso.test:Bob-Secret-1')"
check "cache miss counted" 1 "$(metric autodiscoverd_credential_cache_misses_total)"
check "second good request" 200 "$(pox 'bob@contoso.test:Bob-Secret-1')"
check "third good request" 200 "$(pox 'bob@contoso.test:Bob-Secret-1')"
check "cache hits counted" 2 "$(metric autodiscoverd_credential_cache_hits_total)"
contains "cache hit in the debug log" "credential cache hit for bob@contoso.test" a.err
check "wrong password never hits the cache" 401 "$(pox 'bob@contoso.test:Bob-Secret-X')"
check "still one miss more" 2 "$(metric autodiscoverd_credential_cache_misses_total)"

# A cached password does not outlive a disabled mailbox or a password change.
AUTODISCOVER_PASSWORD='Carol-Secret-3' "$CTL" --db "$DB" mailbox add carol@contoso.test --name Carol || exit 1
check "carol, cached" 200 "$(pox 'carol@contoso.test:Carol-Secret-3' --interface 127.0.0.4)"
"$CTL" --db "$DB" mailbox change carol@contoso.test --enabled no || exit 1
check "disabled mailbox refused although cached" 401 "$(pox 'carol@contoso.test:Carol-Secret-3' --interface 127.0.0.4)"
"$CTL" --db "$DB" mailbox change carol@contoso.test --enabled yes || exit 1
check "enabled again" 200 "$(pox 'carol@contoso.test:Carol-Secret-3' --interface 127.0.0.4)"
printf 'Carol-Secret-4\n' > carol.pw
"$CTL" --db "$DB" mailbox passwd carol@contoso.test --password-file carol.pw || exit 1
check "old password refused after a change although cached" 401 "$(pox 'carol@contoso.test:Carol-Secret-3' --interface 127.0.0.5)"
check "new password accepted" 200 "$(pox 'carol@contoso.test:Carol-Secret-4' --interface 127.0.0.5)"

# --- throttling: limit 3 in 6 s; the address and the account are blocked ---
# From an address of its own (127.0.0.6), so that how long the steps above took on a busy
# machine cannot move an earlier failure in or out of the window. bob's wrong password above
# may still count for bob (1 or 2 failures of his: both under the limit).
check "failure 1 of 127.0.0.6 (bob)" 401 "$(pox 'bob@contoso.test:Bob-Secret-X' --interface 127.0.0.6)"
check "failure 2 of 127.0.0.6 (alice 1)" 401 "$(pox 'alice@contoso.test:guess-1' --interface 127.0.0.6)"
check "failure 3 of 127.0.0.6 (alice 2)" 401 "$(pox 'alice@contoso.test:guess-2' --interface 127.0.0.6)"
check "address 127.0.0.6 throttled" 429 "$(pox 'alice@contoso.test:guess-3' --interface 127.0.0.6)"
contains "Retry-After sent" "Retry-After: " headers.out
check "other accounts from that address too" 429 "$(pox 'bob@contoso.test:Bob-Secret-1' --interface 127.0.0.6)"
check "alice from 127.0.0.2: failure 3 of her account" 401 "$(pox 'alice@contoso.test:guess-4' --interface 127.0.0.2)"
check "account throttled: right password refused too" 429 "$(pox 'alice@contoso.test:Alice-Secret-2' --interface 127.0.0.2)"
check "account throttled, any letter case" 429 "$(pox 'ALICE@contoso.test:Alice-Secret-2' --interface 127.0.0.3)"
check "another account from a clean address" 200 "$(pox 'bob@contoso.test:Bob-Secret-1' --interface 127.0.0.3)"
THROTTLED=$(metric autodiscoverd_auth_throttled_total)
check "throttled attempts counted" 4 "$THROTTLED"
check "failures counted" 7 "$(metric autodiscoverd_auth_failures_total)"
sleep 6.2
check "accepted after the window" 200 "$(pox 'alice@contoso.test:Alice-Secret-2')"

# --- logs: the fail2ban line, and never a password ---
contains "fail2ban line" "autodiscoverd[$DAEMON_PID]: authentication failure for alice@contoso.test from 127.0.0.6" a.err
contains "fail2ban line, other source" "authentication failure for alice@contoso.test from 127.0.0.2" a.err
pox 'eve x@contoso.test:pw' >/dev/null
contains "user name escaped in the line" "authentication failure for eve%20x@contoso.test from" a.err
contains "429 in the access log" " 429 " access.log

# --- reload and stop notifications ---
kill -HUP "$DAEMON_PID"
wait_for a.err "autodiscoverd: reloaded"
contains "reloaded" "autodiscoverd: reloaded" a.err
wait_for notify.log "RELOADING=1"
contains "RELOADING=1 sent" "RELOADING=1 MONOTONIC_USEC=" notify.log
check "serving after reload" 200 "$(status "$BASE/healthz")"
stop_daemon
check "SIGTERM exits 0" 0 $?
wait_for notify.log STOPPING=1
contains "STOPPING=1 sent" "STOPPING=1" notify.log
check "READY=1 after start and after reload" 2 "$(grep -c '^READY=1' notify.log)"
lacks "no password in any log" "Secret" a.err access.log notify.log
lacks "no guessed password in any log" "guess-" a.err access.log notify.log

# --- privilege drop (root only) ---
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    # Everything the unprivileged daemon reads on a reload must be readable by nobody.
    chmod 755 "$WORK"
    chmod 644 key.pem cert.pem "$DB"
    cat > b.conf <<CONF
directory "sqlite:$DB"
user nobody
listen 127.0.0.1 $PORT { tls-certificate "$WORK/cert.pem"; tls-key "$WORK/key.pem" }
CONF
    chmod 644 b.conf
    start_daemon b.conf b.err
    UIDS=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$DAEMON_PID/status")
    NOBODY=$(id -u nobody)
    check "all uids are nobody's" "$NOBODY $NOBODY $NOBODY $NOBODY" "$UIDS"
    GROUPS_LINE=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$DAEMON_PID/status")
    CHECKS=$((CHECKS + 1))
    case " $GROUPS_LINE " in
        *" 0 "*) echo "FAIL: still in group 0: $GROUPS_LINE"; FAILED=$((FAILED + 1)) ;;
        *) echo "ok: root group dropped" ;;
    esac
    contains "start logged with the user" "started as user nobody" b.err
    check "settings as nobody" 200 "$(pox 'bob@contoso.test:Bob-Secret-1')"
    check "healthz as nobody" 200 "$(status "$BASE/healthz")"
    kill -HUP "$DAEMON_PID"
    wait_for b.err "reload" && sleep 0.2
    wait_for b.err "autodiscoverd: reloaded"
    contains "reload after the drop (socket inherited)" "autodiscoverd: reloaded" b.err
    check "settings after the reload" 200 "$(pox 'bob@contoso.test:Bob-Secret-1')"
    stop_daemon
    check "SIGTERM exits 0 (nobody)" 0 $?
    # A user that does not exist: the daemon refuses to start.
    sed 's/^user nobody/user no-such-user-autodiscoverd/' b.conf > c.conf
    "$DAEMON" -d -f c.conf 2> c.err
    check "unknown user refused" 1 $?
    contains "unknown user named" "user no-such-user-autodiscoverd" c.err
else
    echo "auth_ops_e2e: not root: privilege drop not tested"
fi

e2e_finish
