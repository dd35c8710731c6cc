#!/bin/bash
# The LDAP server and the DNS server stopping under the client (needs slapd, else SKIP):
# a real slapd (tests/ldap/slapd.sh) for the SCP step, first frozen (SIGSTOP: it accepted
# and never answers, as a server that stopped mid-search), then killed (refused); a real
# unbound for SRV, answering, then frozen, then killed. Each time the step carries a clear
# reason, the next method is tried where there is one (the root domain's server answers
# after SCP: AD_OK), and the journey ends well within its deadline.
#
#   fault_directory_stop.sh AUTODISCOVER
set -euo pipefail
export PATH=$PATH:/usr/sbin
command -v slapd >/dev/null || { echo "SKIP: no slapd"; exit 77; }
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
client_init hard_directory_stop "$@"
SLAPD_SH=$HARD_DIR/../ldap/slapd.sh
LPORT=$(e2e_free_port)
"$SLAPD_SH" start "$LPORT" "$WORK/ldap" > slapd.out
SLAPD_PID=$(sed -n 's/^pid //p' slapd.out)
DNS_PID=
# shellcheck disable=SC2317 # called by e2e_cleanup
e2e_cleanup_hook() {
    exec 3>&-; kill "$SERVER_PID" 2>/dev/null || true
    kill -CONT "$SLAPD_PID" 2>/dev/null || true; "$SLAPD_SH" stop "$WORK/ldap" >/dev/null 2>&1 || true
    "$HARD_DIR/../client/unbound.sh" stop "$WORK/dns" 2>/dev/null || true
}
# Frozen: connected, bound, searched, never answered.
kill -STOP "$SLAPD_PID"
client_run ldap-frozen good --ldap "ldap://127.0.0.1:$LPORT" --timeout 2 --deadline 20
check "slapd frozen: exit 0" 0 "$RC"
expect_report ldap-frozen 's[0]["method"] == "scp" and s[0]["decision"] != "success" and len(s[0]["reason"]) > 5'
expect_report ldap-frozen 'j["result"]["code"] == "AD_OK" and j["result"]["method"] == "root"'
check_within "slapd frozen" 10 160
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["steps"][0]; print("figure: scp step:", s["decision"], "-", s["reason"])' ldap-frozen.json
# Killed: refused.
kill -CONT "$SLAPD_PID"
"$SLAPD_SH" stop "$WORK/ldap" >/dev/null
client_run ldap-stopped good --ldap "ldap://127.0.0.1:$LPORT" --timeout 2 --deadline 20
check "slapd stopped: exit 0" 0 "$RC"
expect_report ldap-stopped 's[0]["method"] == "scp" and s[0]["decision"] != "success" and len(s[0]["reason"]) > 5'
expect_report ldap-stopped 'j["result"]["code"] == "AD_OK" and j["result"]["method"] == "root"'
check_within "slapd stopped" 5 160
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["steps"][0]; print("figure: scp step:", s["decision"], "-", s["reason"])' ldap-stopped.json
# The DNS server for SRV (the only method left once root, autodiscover and the probe are
# excluded): a real unbound (tests/client/unbound.sh) holding _autodiscover._tcp.contoso.test
# -> autodiscover.contoso.test:443 (the good server). Running: the SRV target answers (AD_OK, method
# srv). Frozen (SIGSTOP: the socket is there, nothing answers): a clear reason, the journey
# ends within its deadline. Stopped (killed: the port is closed): a clear reason at once.
UNBOUND_SH=$HARD_DIR/../client/unbound.sh
DPORT=$(e2e_free_port)
echo "_autodiscover._tcp IN SRV 0 0 443 autodiscover.contoso.test." > "$WORK/srv.records"
DNS_PID=$("$UNBOUND_SH" start "$DPORT" "$WORK/dns" contoso.test "$WORK/srv.records" | sed -n 's/^pid //p')
# srv_run NAME: the journey by SRV only; sets RC and ELAPSED (s).
srv_run() {
    SECONDS=0
    RC=0
    "$TOOL" --json --cacert ca.pem --no-cache --sequential --dns-server "127.0.0.1:$DPORT" \
        --connect-to "autodiscover.contoso.test:443:127.0.0.1:${SRV[good]}" \
        --exclude root,autodiscover,redirect --password-file password --timeout 2 --deadline 8 \
        bob@contoso.test > "$1.json" 2> "$1.err" < /dev/null || RC=$?
    ELAPSED=$SECONDS
    echo "figure: DNS $1: exit $RC in ${ELAPSED} s"
    python3 -c 'import json,sys; s=[x for x in json.load(open(sys.argv[1]))["steps"] if x["method"] == "srv"]; print("figure: srv step:", s[0]["decision"], "-", s[0]["reason"]) if s else None' "$1.json"
    check_no_sanitizer "$1.err"
}
srv_run dns-running
check "DNS running: exit 0" 0 "$RC"
expect_report dns-running 'j["result"]["code"] == "AD_OK" and j["result"]["method"] == "srv" and s[0]["method"] == "srv" and s[0]["answers"] == ["0 0 443 autodiscover.contoso.test"]'
kill -STOP "$DNS_PID"
srv_run dns-frozen
check "DNS frozen: the journey ends (not 0)" yes "$([ "$RC" != 0 ] && echo yes || echo no)"
check "DNS frozen: within the deadline (8 s + 2)" yes "$([ "$ELAPSED" -le 10 ] && echo yes || echo "no (${ELAPSED} s)")"
expect_report dns-frozen 's[0]["method"] == "srv" and s[0]["decision"] != "success" and len(s[0]["reason"]) > 5 and not s[0]["answers"]'
"$UNBOUND_SH" stop "$WORK/dns"
srv_run dns-stopped
check "DNS stopped: the journey ends (not 0)" yes "$([ "$RC" != 0 ] && echo yes || echo no)"
check "DNS stopped: within the deadline (8 s + 2)" yes "$([ "$ELAPSED" -le 10 ] && echo yes || echo "no (${ELAPSED} s)")"
expect_report dns-stopped 's[0]["method"] == "srv" and s[0]["decision"] != "success" and len(s[0]["reason"]) > 5 and not s[0]["answers"]'
e2e_finish
