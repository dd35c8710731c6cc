# lib.sh: the prelude the daemon's end-to-end scripts share (sourced, not run): a work
# directory removed on exit, check helpers and a count of failures, a throwaway CA and
# certificates made with openssl, a free port, the daemon started and waited for, curl with
# the CA. Every script calls e2e_init first and e2e_finish last.
#
#   . "$(dirname "$0")/lib.sh"; e2e_init NAME "$@"
#
# Sets DAEMON and CTL (the script's two arguments), WORK (the current directory from then
# on), DAEMON_PID, FAILED and CHECKS. A script that starts more processes defines
# e2e_cleanup_hook, called at exit before the work directory goes.
# shellcheck shell=bash

e2e_init() { # e2e_init NAME DAEMON CTL
    E2E_NAME=$1
    DAEMON=$2
    CTL=$3
    WORK=$(mktemp -d "/tmp/autodiscoverd-$E2E_NAME.XXXXXX")
    DAEMON_PID=
    FAILED=0
    CHECKS=0
    trap e2e_cleanup EXIT
    cd "$WORK" || exit 1
}

e2e_cleanup() {
    if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; fi
    if declare -F e2e_cleanup_hook >/dev/null; then e2e_cleanup_hook; fi
    rm -rf "$WORK"
}

# Prints the summary line; the script's exit status is its return value.
e2e_finish() {
    echo "$E2E_NAME: $CHECKS checks, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

# --- checks ---

check() { # check DESCRIPTION EXPECTED ACTUAL
    CHECKS=$((CHECKS + 1))
    if [ "$2" != "$3" ]; then echo "FAIL: $1: expected '$2', got '$3'"; FAILED=$((FAILED + 1))
    else echo "ok: $1"; fi
}
contains() { # contains DESCRIPTION NEEDLE FILE
    CHECKS=$((CHECKS + 1))
    if grep -qF -- "$2" "$3"; then echo "ok: $1"; else
        echo "FAIL: $1: '$2' not in $3:"; cat "$3"; FAILED=$((FAILED + 1)); fi
}
lacks() { # lacks DESCRIPTION NEEDLE FILE...
    local d=$1 n=$2; shift 2
    CHECKS=$((CHECKS + 1))
    if grep -qF -- "$n" "$@"; then echo "FAIL: $d: '$n' found"; FAILED=$((FAILED + 1)); else echo "ok: $d"; fi
}
lacks_nocase() { # lacks_nocase DESCRIPTION NEEDLE FILE: as lacks, ignoring letter case
    CHECKS=$((CHECKS + 1))
    if grep -qiF -- "$2" "$3"; then echo "FAIL: $1: '$2' found in $3:"; cat "$3"
        FAILED=$((FAILED + 1)); else echo "ok: $1"; fi
}
no_secret_in_logs() { # no_secret_in_logs SECRET... : none of them, nor Authorization, logged
    local args=(-e Authorization) s
    for s in "$@"; do args+=(-e "$s"); done
    CHECKS=$((CHECKS + 1))
    if grep -q "${args[@]}" access.log daemon.err; then
        echo "FAIL: a secret reached a log"; FAILED=$((FAILED + 1)); else echo "ok: no secret in logs"; fi
}

# --- PKI ---

e2e_ca() { # e2e_ca CN: ca.key, ca.pem
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 \
        -subj "/CN=$1" 2>/dev/null || { echo "openssl CA failed"; exit 1; }
}
e2e_issue() { # e2e_issue STEM CN SAN: STEM.pem and STEM.key; SAN like "DNS:a.test,IP:127.0.0.1"
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null &&
    printf 'subjectAltName=%s\n' "$3" > "$1.ext" &&
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" \
        -days 1 -extfile "$1.ext" 2>/dev/null || { echo "openssl $2 failed"; exit 1; }
}

# --- network, daemon, requests ---

e2e_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# CURL is the client: the scripts add their own options (--resolve, --path-as-is) to it.
CURL=(curl -s --cacert ca.pem --max-time 10)

e2e_start_daemon() { # e2e_start_daemon CONF LOG PROBE-URL [DAEMON OPTIONS...]
    local conf=$1 log=$2 probe=$3; shift 3
    "$DAEMON" -d "$@" -f "$conf" 2> "$log" &
    DAEMON_PID=$!
    for _ in $(seq 100); do
        "${CURL[@]}" -o /dev/null "$probe" && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || { echo "daemon died:"; cat "$log"; exit 1; }
        sleep 0.05
    done
    echo "daemon did not answer"; cat "$log"; exit 1
}
e2e_stop_daemon() { # SIGTERM, and the daemon's exit status
    kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; local rc=$?; DAEMON_PID=; return $rc
}

status() { "${CURL[@]}" -o body.out -D headers.out -w '%{http_code}' "$@"; }

request() { # request ADDRESS: an Outlook POX request
    printf '<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
<Request><EMailAddress>%s</EMailAddress>
<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
</Request></Autodiscover>' "$1"
}
eas() { # eas ADDRESS [SCHEMA]: a mobilesync request
    printf '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"><Request><EMailAddress>%s</EMailAddress><AcceptableResponseSchema>%s</AcceptableResponseSchema></Request></Autodiscover>' \
        "$1" "${2:-http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006}"
}
soap_user() { # soap_user TO MAILBOX SETTING...: a GetUserSettings envelope
    local to=$1 mbx=$2; shift 2
    printf '<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
<soap:Header><a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion>
<wsa:Action>http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings</wsa:Action>
<wsa:To>%s</wsa:To></soap:Header><soap:Body><a:GetUserSettingsRequestMessage><a:Request>
<a:Users><a:User><a:Mailbox>%s</a:Mailbox></a:User></a:Users><a:RequestedSettings>' "$to" "$mbx"
    for s in "$@"; do printf '<a:Setting>%s</a:Setting>' "$s"; done
    printf '</a:RequestedSettings></a:Request></a:GetUserSettingsRequestMessage></soap:Body></soap:Envelope>'
}
soap_domain() { # soap_domain DOMAIN: a GetDomainSettings envelope
    printf '<soap:Envelope xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><wsa:Action>http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetDomainSettings</wsa:Action></soap:Header><soap:Body><a:GetDomainSettingsRequestMessage><a:Request><a:Domains><a:Domain>%s</a:Domain></a:Domains><a:RequestedSettings><a:Setting>ExternalEwsUrl</a:Setting><a:Setting>ExternalEwsVersion</a:Setting></a:RequestedSettings></a:Request></a:GetDomainSettingsRequestMessage></soap:Body></soap:Envelope>' "$1"
}
