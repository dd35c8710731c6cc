#!/bin/bash
# Many machines (DESIGN.md §8, doc/deployment.md): two slapd replicating each other
# (OpenLDAP 2.5 multi-provider syncrepl) and two autodiscoverd behind one name, driven by
# our autodiscover client in a loop. In the middle of the run one slapd and one daemon are
# stopped: every discovery must still succeed. A mailbox added on either slapd is served
# by the daemon that prefers the other one (replication works both ways).
#
# One name, two addresses without DNS: curl resolves "localhost" itself to 127.0.0.1 and
# ::1 and, when a connection is refused, tries the next address. Daemon 1 listens on
# 127.0.0.1, daemon 2 on [::1], same port; the client is sent there with --connect-to.
#
#   replication.sh /path/to/autodiscoverd /path/to/autodiscoverctl /path/to/autodiscover
set -u
export PATH=$PATH:/usr/sbin
command -v slapd >/dev/null || { echo "no slapd: skipped"; exit 77; }
ip -6 addr show lo 2>/dev/null | grep -q '::1' || { echo "no ::1 on lo: skipped"; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
SLAPD_SH=$HERE/slapd.sh
CLIENT=$3
. "$HERE/../daemon/lib.sh"
e2e_init replication "$1" "$2"
D1_PID= D2_PID= LOOP_PID=
e2e_cleanup_hook() {
    local p
    for p in $LOOP_PID $D1_PID $D2_PID; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    "$SLAPD_SH" stop "$WORK/s1" 2>/dev/null; "$SLAPD_SH" stop "$WORK/s2" 2>/dev/null
}

e2e_ca "replication test CA"
e2e_issue server autodiscover.contoso.test \
    DNS:autodiscover.contoso.test,DNS:contoso.test,DNS:localhost,IP:127.0.0.1,IP:::1
SUFFIX=DC=contoso,DC=test
USERS=CN=Users,$SUFFIX
person() { # person CN MAIL PASSWORD
    printf 'dn: CN=%s,%s\nobjectClass: inetOrgPerson\nobjectClass: autodiscoverMailRecipient\ncn: %s\nsn: %s\nmail: %s\ndisplayName: %s\nuserPassword: %s\n\n' \
        "$1" "$USERS" "$1" "$1" "$2" "$1" "$(slappasswd -s "$3")"
}
for i in 1 2 3; do person "user$i" "user$i@contoso.test" "Secret-$i"; done > users.ldif

# --- two providers replicating each other; s2 starts empty and gets everything from s1 ---
L1=$(e2e_free_port); S1=$(e2e_free_port); L2=$(e2e_free_port); S2=$(e2e_free_port)
tls=(LDAP_HOST=127.0.0.1 TLS_CERT="$WORK/server.pem" TLS_KEY="$WORK/server.key" TLS_CA="$WORK/ca.pem")
env "${tls[@]}" LDAPS_PORT="$S1" SLAPD_SERVER_ID=1 SLAPD_PEERS="ldap://127.0.0.1:$L2/" \
    "$SLAPD_SH" start "$L1" "$WORK/s1" "$WORK/users.ldif" >/dev/null || { cat s1/slapd.log; exit 1; }
env "${tls[@]}" LDAPS_PORT="$S2" SLAPD_SERVER_ID=2 SLAPD_PEERS="ldap://127.0.0.1:$L1/" SLAPD_NO_BASE=1 \
    "$SLAPD_SH" start "$L2" "$WORK/s2" >/dev/null || { cat s2/slapd.log; exit 1; }

has_entry() { # has_entry LDAP-PORT MAIL: the entry is there (within 10 s)
    for _ in $(seq 200); do
        ldapsearch -x -LLL -H "ldap://127.0.0.1:$1" -b "$USERS" "(mail=$2)" dn 2>/dev/null |
            grep -q '^dn:' && return 0
        sleep 0.05
    done
    return 1
}
check "s2 got s1's mailboxes by replication" yes "$(has_entry "$L2" user3@contoso.test && echo yes)"

# --- organisations: one SQLite file per machine (copies of the same file) ---
ctl() { "$CTL" --db "$WORK/org1.db" "$@" || { echo "autodiscoverctl $* failed"; exit 1; }; }
ctl init
ctl domain add contoso.test
ctl protocol add contoso.test EXPR Server=mail.contoso.test SSL=On AuthPackage=Basic \
    EwsUrl=https://mail.contoso.test/EWS/Exchange.asmx
cp org1.db org2.db

PORT=$(e2e_free_port)
daemon_conf() { # daemon_conf N ADDRESS FIRST-LDAPS SECOND-LDAPS
    cat <<CONF
directory "sqlite:$WORK/org$1.db"
access-log "$WORK/access$1.log"
credential-cache-ttl 0
auth-failure-limit 0
mailboxes ldap {
    uri "ldaps://127.0.0.1:$3 ldaps://127.0.0.1:$4"
    base "$USERS"
    tls-ca "$WORK/ca.pem"
    timeout 3
    connect-timeout 2
    down-time 5
    cache-ttl 0
}
listen $2 $PORT { tls-certificate "$WORK/server.pem"; tls-key "$WORK/server.key" }
CONF
}
# Each daemon prefers its own slapd, as on two machines each with a local replica.
daemon_conf 1 127.0.0.1 "$S1" "$S2" > d1.conf
daemon_conf 2 ::1 "$S2" "$S1" > d2.conf
start() { # start N: sets DN_PID
    "$DAEMON" -d -v -f "d$1.conf" 2> "d$1.err" &
    eval "D$1_PID=$!"
    local url=https://127.0.0.1:$PORT/healthz
    [ "$1" = 2 ] && url=https://[::1]:$PORT/healthz
    for _ in $(seq 100); do "${CURL[@]}" -o /dev/null "$url" && return 0; sleep 0.05; done
    echo "daemon $1 did not start"; cat "d$1.err"; exit 1
}
start 1
start 2

discover() { # discover ADDRESS PASSWORD [CONNECT-TARGET]: exit status of one discovery
    local target=${3:-localhost}
    printf '%s\n' "$2" > pw
    "$CLIENT" --cacert ca.pem --no-cache --sequential --timeout 5 \
        --exclude scp,redirect,srv,lastknown,o365,localxml --password-file pw \
        --connect-to "contoso.test:443:$target:$PORT" \
        --connect-to "autodiscover.contoso.test:443:$target:$PORT" "$1" > discover.out 2>&1
}

# --- replication both ways, seen through the daemons ---
ldapadd_to() { # ldapadd_to LDAP-PORT: the LDIF on stdin
    ldapadd -x -H "ldap://127.0.0.1:$1" -D "CN=admin,$SUFFIX" -w secret > /dev/null
}
person gina gina@contoso.test Gina-Secret | ldapadd_to "$L2"
has_entry "$L1" gina@contoso.test
discover gina@contoso.test Gina-Secret 127.0.0.1; check "added on s2, served by daemon 1 (reads s1)" 0 $?
check "gina was searched on s1" yes "$(grep -q 'SRCH base=.*gina@contoso.test' s1/slapd.log && echo yes)"
check "gina never searched on s2" 0 "$(grep -c 'SRCH base=.*gina@contoso.test' s2/slapd.log)"
person hank hank@contoso.test Hank-Secret | ldapadd_to "$L1"
has_entry "$L2" hank@contoso.test
discover hank@contoso.test Hank-Secret '[::1]'; check "added on s1, served by daemon 2 (reads s2)" 0 $?
check "hank was searched on s2" yes "$(grep -q 'SRCH base=.*hank@contoso.test' s2/slapd.log && echo yes)"
check "hank never searched on s1" 0 "$(grep -c 'SRCH base=.*hank@contoso.test' s1/slapd.log)"

# --- the run: N discoveries by the one name; s2 and daemon 1 stop a third of the way ---
N=45
STOP_AT=15
run_loop() {
    local i u
    for i in $(seq "$N"); do
        u=$(( (i % 3) + 1 ))
        discover "user$u@contoso.test" "Secret-$u"
        local rc=$?
        echo "$i $rc" >> results
        [ "$rc" = 0 ] || cp discover.out "failed-$i.out"
        # Wait at the stop point, so the stop always falls in the middle of the run, however
        # slow or fast the machine is (a busy machine once let the loop finish first).
        if [ "$i" = "$STOP_AT" ]; then
            for _ in $(seq 600); do [ -e stopped ] && break; sleep 0.05; done
        fi
    done
}
: > results
run_loop &
LOOP_PID=$!
for _ in $(seq 600); do [ "$(wc -l < results)" -ge "$STOP_AT" ] && break; sleep 0.05; done
"$SLAPD_SH" stop "$WORK/s2"
kill "$D1_PID"; wait "$D1_PID" 2>/dev/null; D1_PID=
STOPPED=$(wc -l < results)
: > stopped
echo "stopped s2 and daemon 1 after $STOPPED discoveries"
check "the stop fell in the middle of the run" "$STOP_AT" "$STOPPED"
wait "$LOOP_PID"; LOOP_PID=
check "discoveries run" "$N" "$(wc -l < results)"
check "every discovery succeeded" "$N" "$(awk '$2 == 0' results | wc -l)"
for f in failed-*.out; do [ -e "$f" ] && { echo "--- $f"; cat "$f"; }; done
# Access log: TIME CLIENT HOST METHOD PATH STATUS ... (doc/autodiscoverd.md)
D2_OK=$(awk '$4 == "POST" && $6 == 200' access2.log | wc -l)
echo "daemon 1 answered $(awk '$4 == "POST" && $6 == 200' access1.log | wc -l) POSTs with 200, daemon 2 $D2_OK"
check "daemon 2 answered the discoveries after the stop" yes "$([ "$D2_OK" -ge $(( N - STOPPED )) ] && echo yes)"
contains "daemon 2 moved to s1 when s2 stopped" "LDAP server ldaps://127.0.0.1:$S2 marked down" d2.err
check "no 5xx on daemon 2" 0 "$(awk '$6 >= 500' access2.log | wc -l)"

e2e_finish
