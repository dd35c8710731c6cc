#!/bin/bash
# slapd.sh - a private slapd for tests and the lab, started by hand (no system service, no
# cn=config in /etc): the project's schema (data/ldap/autodiscover.schema), an mdb database
# in DIR, a RootDSE with configurationNamingContext, the LDIF files loaded offline first.
#
#   slapd.sh start PORT DIR [LDIF...]   start; prints "pid PID" when it accepts on PORT
#   slapd.sh stop DIR                   stop the one started with DIR
#   slapd.sh resume DIR                 start again a stopped one (same data, same URLs)
#   slapd.sh base                       print the base entries' LDIF (made by start too)
#
# Environment (all optional):
#   LDAP_HOST     address to listen on                 (127.0.0.1)
#   LDAP_SUFFIX   the database suffix                  (DC=contoso,DC=test)
#   LDAP_ROOTPW   password of CN=admin,<suffix>        (secret)
#   LDAPS_PORT    also listen with ldaps:// on it      (needs TLS_CERT, TLS_KEY)
#   TLS_CERT TLS_KEY TLS_CA   server certificate, key, CA (StartTLS and ldaps://)
#   SLAPD_DEBUG   slapd -d level; the log is DIR/slapd.log (stats: binds, searches, filters)
#   SLAPD_SERVER_ID  with SLAPD_PEERS: this server's serverID (1..4095) for multi-provider
#   SLAPD_PEERS   space-separated ldap:// URIs of the other providers: syncrepl from each
#                 (refreshAndPersist, as the rootdn) and "multiprovider on" (slapd.conf(5))
#   SLAPD_NO_BASE=1  load no base entries (a replica that gets everything from its peers)
#   LDAP_MAXSIZE  the mdb map size in bytes            (16777216; bench/run's 1M users need GiBs)
#   SLAPD_TOOL_THREADS  slapadd's indexing threads     (1)
# The configuration naming context is CN=Configuration,<suffix>; the base entries are the
# suffix, CN=Users, CN=Configuration, CN=Services and CN=Microsoft Exchange Autodiscover
# below it (a place for test SCPs). LAB.md §3 explains the choices (rootDSE file, schema).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
schema=${AUTODISCOVER_SCHEMA:-$here/../../data/ldap/autodiscover.schema}
suffix=${LDAP_SUFFIX:-DC=contoso,DC=test}
config="CN=Configuration,$suffix"

base_ldif() {
    local dc o
    dc=$(echo "$suffix" | sed 's/^[Dd][Cc]=\([^,]*\).*/\1/')
    printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: %s\no: %s\n\n' \
        "$suffix" "$dc" "$dc"
    for o in "CN=Users,$suffix" "$config" "CN=Services,$config" \
        "CN=Microsoft Exchange Autodiscover,CN=Services,$config"; do
        printf 'dn: %s\nobjectClass: container\ncn: %s\n\n' "$o" "$(echo "$o" | sed 's/^CN=\([^,]*\),.*/\1/')"
    done
}

start() {
    local port=$1 dir=$2; shift 2
    local host=${LDAP_HOST:-127.0.0.1}
    mkdir -p "$dir/db"
    dir=$(cd "$dir" && pwd)
    {
        echo "include /etc/ldap/schema/core.schema"
        echo "include /etc/ldap/schema/cosine.schema"
        echo "include /etc/ldap/schema/inetorgperson.schema"
        echo "include $schema"
        [ -n "${SLAPD_PEERS:-}" ] && echo "serverID ${SLAPD_SERVER_ID:?SLAPD_SERVER_ID needed with SLAPD_PEERS}"
        echo "pidfile $dir/slapd.pid"
        echo "argsfile $dir/slapd.args"
        echo "modulepath /usr/lib/ldap"
        echo "moduleload back_mdb"
        echo "tool-threads ${SLAPD_TOOL_THREADS:-1}"
        [ -n "${SLAPD_PEERS:-}" ] && echo "moduleload syncprov"
        echo "rootDSE $dir/rootdse.ldif"
        if [ -n "${TLS_CERT:-}" ]; then
            echo "TLSCertificateFile $TLS_CERT"
            echo "TLSCertificateKeyFile $TLS_KEY"
            [ -n "${TLS_CA:-}" ] && echo "TLSCACertificateFile $TLS_CA"
        fi
        echo "database mdb"
        echo "suffix \"$suffix\""
        echo "rootdn \"CN=admin,$suffix\""
        echo "rootpw ${LDAP_ROOTPW:-secret}"
        echo "directory $dir/db"
        echo "maxsize ${LDAP_MAXSIZE:-16777216}"
        echo "index objectClass,keywords,mail,proxyAddresses,legacyExchangeDN eq"
        [ -n "${SLAPD_PEERS:-}" ] && replication_conf
        # Passwords: only for binding as their owner; everything else readable (as AD lets
        # authenticated users read the configuration partition).
        echo "access to attrs=userPassword by self write by anonymous auth by * none"
        echo "access to * by * read"
    } >"$dir/slapd.conf"
    printf 'dn:\nconfigurationNamingContext: %s\ndefaultNamingContext: %s\nrootDomainNamingContext: %s\ndnsHostName: %s\n' \
        "$config" "$suffix" "$suffix" "$host" >"$dir/rootdse.ldif"
    base_ldif >"$dir/base.ldif"
    slaptest -Q -u -f "$dir/slapd.conf"
    local f files=("$@")
    [ "${SLAPD_NO_BASE:-}" = 1 ] || files=("$dir/base.ldif" "$@")
    for f in ${files[@]+"${files[@]}"}; do
        slapadd -q -f "$dir/slapd.conf" -l "$f"
    done
    local urls="ldap://$host:$port/"
    [ -n "${LDAPS_PORT:-}" ] && urls="$urls ldaps://$host:$LDAPS_PORT/"
    printf '%s\n%s\n%s\n' "$host" "$port" "$urls" >"$dir/listen"
    run "$dir"
}

# Replication with every peer (OpenLDAP 2.5 multi-provider; needs serverID, set above).
replication_conf() {
    local peer rid=0
    echo "overlay syncprov"
    echo "syncprov-checkpoint 10 1"
    for peer in $SLAPD_PEERS; do
        rid=$((rid + 1))
        printf 'syncrepl rid=%03d provider=%s bindmethod=simple binddn="CN=admin,%s" credentials=%s searchbase="%s" type=refreshAndPersist retry="1 +" timeout=3 network-timeout=2\n' \
            "$rid" "$peer" "$suffix" "${LDAP_ROOTPW:-secret}" "$suffix"
    done
    echo "multiprovider on"
}

# Starts slapd on the configuration and URLs start saved in DIR; waits until it accepts.
run() {
    local dir=$1 host port urls
    { read -r host; read -r port; read -r urls; } <"$dir/listen"
    slapd -d "${SLAPD_DEBUG:-stats}" -f "$dir/slapd.conf" -h "$urls" </dev/null >>"$dir/slapd.log" 2>&1 &
    local i
    for i in $(seq 1 200); do
        if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
            echo "pid $(cat "$dir/slapd.pid" 2>/dev/null || echo $!)"
            return 0
        fi
        sleep 0.025
    done
    echo "slapd did not start on $host:$port; see $dir/slapd.log" >&2
    return 1
}

stop() {
    local dir=$1 pid i
    [ -f "$dir/slapd.pid" ] || return 0
    pid=$(cat "$dir/slapd.pid")
    kill "$pid" 2>/dev/null || return 0
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ] && return 0
        sleep 0.02
    done
    kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
start) shift; [ $# -ge 2 ] || { echo "usage: $0 start PORT DIR [LDIF...]" >&2; exit 2; }; start "$@" ;;
stop) [ $# -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }; stop "$2" ;;
resume) [ $# -eq 2 ] || { echo "usage: $0 resume DIR" >&2; exit 2; }; run "$(cd "$2" && pwd)" ;;
base) base_ldif ;;
*) echo "usage: $0 start PORT DIR [LDIF...] | stop DIR | resume DIR | base" >&2; exit 2 ;;
esac
