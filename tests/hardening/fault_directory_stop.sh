#!/bin/bash
# The LDAP server and the DNS server stopping under the client (needs slapd, else SKIP):
# a real slapd (tests/ldap/slapd.sh) for the SCP step, first frozen (SIGSTOP: it accepted
# and never answers, as a server that stopped mid-search), then killed (refused); a DNS
# server for SRV that stopped answering (a bound UDP socket that never reads). Each time the
# step carries a clear reason, the next method is tried (the root domain's server answers:
# AD_OK), and the journey ends well within its deadline.
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
    [ -z "$DNS_PID" ] || kill "$DNS_PID" 2>/dev/null || true
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
# A DNS server that stopped answering, for SRV (the only method left after root and
# autodiscover are excluded): a clear reason, no hang past the deadline (exit not 0).
DPORT=$(e2e_free_port)
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",int(sys.argv[1]))); print("up",flush=True); time.sleep(120)' "$DPORT" > dns.out &
DNS_PID=$!
for _ in $(seq 50); do grep -q up dns.out && break; sleep 0.1; done
SECONDS=0
rc=0
"$TOOL" --json --cacert ca.pem --no-cache --sequential --dns-server "127.0.0.1:$DPORT" \
    --exclude root,autodiscover,redirect --password-file password --timeout 2 --deadline 8 \
    bob@contoso.test > dns.json 2> dns.err < /dev/null || rc=$?
echo "figure: DNS server silent: exit $rc in ${SECONDS} s"
check "DNS silent: the journey ends (not 0)" yes "$([ "$rc" != 0 ] && echo yes || echo no)"
check "DNS silent: within the deadline (8 s + 2)" yes "$([ "$SECONDS" -le 10 ] && echo yes || echo "no (${SECONDS} s)")"
CHECKS=$((CHECKS + 1))
if python3 - dns.json <<'PY'; then echo "ok: DNS silent: the srv step has a reason"; else echo "FAIL: DNS silent: no srv step with a reason"; cat dns.json; FAILED=$((FAILED + 1)); fi
import json, sys
s = [x for x in json.load(open(sys.argv[1]))["steps"] if x["method"] == "srv"]
print("figure: srv step:", s[0]["decision"], "-", s[0]["reason"]) if s else None
sys.exit(0 if s and s[0]["decision"] != "success" and len(s[0]["reason"]) > 5 else 1)
PY
e2e_finish
