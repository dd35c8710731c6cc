#!/bin/bash
# SCP look-up against real slapd instances (tests/ldap/slapd.sh) and an https server by Host
# (tests/ldap/scp_https.py): PROTOCOL.md §10 scenarios 1 and 2, the hop cap, loops, skipped
# SCPs, an Autodiscover error from an SCP URL, unreachable directories bounded by the
# deadline, simple binds over StartTLS and ldaps://.
# With AUTODISCOVERCTL, also SCPs published by "autodiscoverctl scp" and then discovered.
#   scp-slapd.sh AUTODISCOVER [AUTODISCOVERCTL]
set -euo pipefail
tool=${1:?usage: scp-slapd.sh AUTODISCOVER [AUTODISCOVERCTL]}
ctl=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
ldap_dir=$here/../ldap
slapd_sh=$ldap_dir/slapd.sh
tmp=$(mktemp -d)
server_pid= hang_pid=
dcs=()
cleanup() {
    exec 3>&- 2>/dev/null || true
    local d
    for d in "${dcs[@]}"; do "$slapd_sh" stop "$d" || true; done
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    [ -n "$hang_pid" ] && kill "$hang_pid" 2>/dev/null || true
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
command -v slapd >/dev/null || command -v /usr/sbin/slapd >/dev/null || { echo "SKIP: no slapd"; exit 77; }
export PATH=$PATH:/usr/sbin

# A CA and one certificate for every test host (the https server and slapd's TLS).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=SCP Test CA" -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=contoso.test" \
    -keyout "$tmp/srv.key" -out "$tmp/srv.csr" 2>/dev/null
printf 'subjectAltName=DNS:*.contoso.test,DNS:contoso.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$tmp/srv.ext"
openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
    -days 2 -extfile "$tmp/srv.ext" -out "$tmp/srv.pem" 2>/dev/null

mkfifo "$tmp/in" "$tmp/out"
python3 "$ldap_dir/scp_https.py" "$tmp/srv.pem" "$tmp/srv.key" "$tmp/requests.log" <"$tmp/in" >"$tmp/out" &
server_pid=$!
exec 3>"$tmp/in"
read -r word https_port <"$tmp/out"
[ "$word" = PORT ] || fail "https server did not start"
refused=$(free_port)
printf 'Passw0rd!\n' >"$tmp/password"
printf 'wrong\n' >"$tmp/bad-password"

SCPS="CN=Microsoft Exchange Autodiscover,CN=Services,CN=Configuration,DC=contoso,DC=test"
# scp NAME BINDING KEYWORD...: one SCP entry (LDIF on stdout)
scp() {
    local name=$1 binding=$2 k; shift 2
    printf 'dn: CN=%s,%s\nobjectClass: serviceConnectionPoint\ncn: %s\n' "$name" "$SCPS" "$name"
    printf 'serviceClassName: ms-Exchange-AutoDiscover-Service\nserviceBindingInformation: %s\n' "$binding"
    for k in "$@"; do printf 'keywords: %s\n' "$k"; done
    echo
}
url() { echo "https://$1.contoso.test/autodiscover/autodiscover.xml"; }
U=77378F46-2C66-4aa9-A6A6-3E7A48B19596 P=67661d7F-8FC4-4fa7-BFAC-E1D7794C1F68
# dc NAME PORT: starts a slapd with $tmp/NAME.ldif
dc() {
    dcs+=("$tmp/$1")
    "$slapd_sh" start "$2" "$tmp/$1" "$tmp/$1.ldif" >/dev/null
}

ad() {
    "$tool" --json --no-cache --cacert "$tmp/ca.pem" --exclude redirect,srv \
        --dns-server "127.0.0.1:$refused" --password-file "$tmp/password" \
        --connect-to "contoso.test:443:127.0.0.1:$refused" \
        --connect-to "autodiscover.contoso.test:443:127.0.0.1:$refused" \
        --connect-to "cas-a.contoso.test:443:127.0.0.1:$https_port" \
        --connect-to "cas-b.contoso.test:443:127.0.0.1:$https_port" \
        --connect-to "cas-c.contoso.test:443:127.0.0.1:$https_port" \
        --connect-to "cas-err.contoso.test:443:127.0.0.1:$https_port" "$@"
}
# run NAME EXPECTED-STATUS ARGS...: ad with a fresh request log, output in $tmp/NAME.*
run() {
    local name=$1 want=$2 rc=0; shift 2
    : >"$tmp/requests.log"
    ad "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" </dev/null || rc=$?
    [ "$rc" = "$want" ] || { cat "$tmp/$name.err"; steps "$tmp/$name.json"; fail "$name: exit $rc, expected $want"; }
    grep -q 'Passw0rd' "$tmp/$name.json" "$tmp/$name.err" && fail "$name: a password in the output"
    echo "ok: $name"
}
steps() { python3 -c 'import json,sys; [print(x["method"], x["url"] or x["query"], x["status"], x["decision"], x["reason"], x.get("answers")) for x in json.load(open(sys.argv[1]))["steps"]]' "$1" || true; }
# expect NAME PYTHON-CONDITION: j the document, s its steps, c the scp steps, r the requests
expect() {
    python3 - "$tmp/$1.json" "$tmp/requests.log" "$2" <<'PY' || { steps "$tmp/$1.json"; fail "$1: $2"; }
import json, sys
j = json.load(open(sys.argv[1])); s = j["steps"]; c = [x for x in s if x["method"] == "scp" and not x["url"]]
r = [json.loads(l) for l in open(sys.argv[2])]
sys.exit(0 if eval(sys.argv[3]) else 1)
PY
}

# --- Scenario 1: site buckets. Directory order C, B, A; site Paris gives A, B, C.
p1=$(free_port)
{ scp C "$(url cas-c)" "$U" Site=Oslo; scp B "$(url cas-b)" "$U"; scp A "$(url cas-a)" "$U" site=PARIS; } >"$tmp/dc1.ldif"
dc dc1 "$p1"
run site 0 --ldap "ldap://127.0.0.1:$p1" --site Paris alice@contoso.test
expect site 'j["result"]["url"] == "'"$(url cas-b)"'" and j["result"]["method"] == "scp"'
expect site '[x["host"] for x in r] == ["cas-a.contoso.test", "cas-b.contoso.test", "cas-b.contoso.test"] and r[2]["basic"]'
expect site 'len(c) == 2 and "configurationNamingContext" in c[0]["query"] and "objectClass=serviceConnectionPoint" in c[1]["query"]'
expect site '[a.split(":")[-1].strip() for a in c[1]["answers"]] == ["bucket 3", "bucket 2", "bucket 1"]'
expect site '[x["url"] for x in s if x["method"] == "scp" and x["url"]][:2] == ["'"$(url cas-a)"'", "'"$(url cas-b)"'"]'
expect site 'not any(x["host"] == "cas-c.contoso.test" for x in r) and s[2]["status"] == 503'
# Without a site: B (no Site=) first.
run nosite 0 --ldap "ldap://127.0.0.1:$p1" alice@contoso.test
expect nosite '[x["host"] for x in r] == ["cas-b.contoso.test", "cas-b.contoso.test"]'
# --exclude scp: no LDAP at all.
run excluded 3 --ldap "ldap://127.0.0.1:$p1" --exclude scp,redirect,srv alice@contoso.test
expect excluded 'not c'

# --- Scenario 2: a pointer for the user's domain; DC1's own URL SCP is dropped.
p2=$(free_port) p3=$(free_port)
{ scp unrelated "$(url cas-a)" "$U"; scp other "LDAP://127.0.0.1:$p3" "$P" Domain=fabrikam.test
  scp ptr "LDAP://127.0.0.1:$p2" "$P" domain=CONTOSO.test; } >"$tmp/dcp1.ldif"
scp casb "$(url cas-b)" "$U" >"$tmp/dcp2.ldif"
dc dcp1 "$p3"; dc dcp2 "$p2"
run pointer 0 --ldap "ldap://127.0.0.1:$p3" alice@contoso.test
expect pointer 'j["result"]["url"] == "'"$(url cas-b)"'" and [x["host"] for x in r] == ["cas-b.contoso.test"] * 2'
expect pointer 'len(c) == 4 and c[1]["decision"] == "follow-redirect" and "dropped" in c[1]["reason"] and any("another domain" in a for a in c[1]["answers"])'
expect pointer '"127.0.0.1:'"$p2"'" in c[2]["query"]'

# A pointer without Domain= is searched only when nothing usable is found.
p4=$(free_port)
{ scp fb "LDAP://127.0.0.1:$p2" "$P"; scp http "http://cas-c.contoso.test/autodiscover/autodiscover.xml" "$U"; } >"$tmp/dcf.ldif"
dc dcf "$p4"
run fallback 0 --ldap "ldap://127.0.0.1:$p4" alice@contoso.test
expect fallback 'j["result"]["url"] == "'"$(url cas-b)"'" and "fallback" in c[1]["reason"] and any("http://" in a and "https only" in a for a in c[1]["answers"])'
# ...and not when a URL is usable there.
{ scp fb "LDAP://127.0.0.1:$p2" "$P"; scp a "$(url cas-err)" "$U"; } >"$tmp/dcf2.ldif"
p5=$(free_port); dc dcf2 "$p5"
run nofallback 5 --ldap "ldap://127.0.0.1:$p5" alice@contoso.test
expect nofallback 'len(c) == 2 and not any(x["host"] == "cas-b.contoso.test" for x in r)'

# --- Hop cap: DC0 -> DC1 -> ... -> DC10 -> DC11 (never started): 10 hops followed, the 11th
# refused; SCP gives nothing and the journey goes on at step 4 (root).
ports=(); for i in $(seq 0 11); do ports+=("$(free_port)"); done
for i in $(seq 0 10); do
    scp "ptr$i" "LDAP://127.0.0.1:${ports[$((i + 1))]}" "$P" Domain=contoso.test >"$tmp/chain$i.ldif"
    dc "chain$i" "${ports[$i]}"
done
run chain 3 --ldap "ldap://127.0.0.1:${ports[0]}" alice@contoso.test
expect chain 'len(c) == 22 and "more than 10 pointer hops" in c[-1]["reason"] and c[-1]["code"] == "0x8004010F"'
expect chain 's[len(c)]["method"] == "root" and not r'
# A pointer loop: DC points at itself.
p6=$(free_port)
scp self "LDAP://127.0.0.1:$p6" "$P" Domain=contoso.test >"$tmp/loop.ldif"
dc loop "$p6"
run loop 3 --ldap "ldap://127.0.0.1:$p6" alice@contoso.test
expect loop 'len(c) == 2 and "loop" in c[-1]["reason"] and s[2]["method"] == "root"'

# --- Malformed serviceBindingInformation, an http:// URL: skipped with a reason.
p7=$(free_port)
{ scp bad "not a url" "$U"; scp badpath "https://cas-c.contoso.test/owa/" "$U"
  scp badptr "LDAP://bad host:x" "$P" Domain=contoso.test; scp http "http://cas-c.contoso.test/autodiscover/autodiscover.xml" "$U"
  scp good "$(url cas-b)" "$U"; } >"$tmp/bad.ldif"
dc bad "$p7"
run malformed 0 --ldap "ldap://127.0.0.1:$p7" alice@contoso.test
expect malformed 'sum(1 for a in c[1]["answers"] if a.startswith("skipped")) == 4 and [x["host"] for x in r] == ["cas-b.contoso.test"] * 2'

# --- An Autodiscover error from an SCP URL: the next SCP URL is tried (PROTOCOL.md §10.10).
p8=$(free_port)
{ scp err "$(url cas-err)" "$U"; scp good "$(url cas-b)" "$U"; } >"$tmp/err.ldif"
dc err "$p8"
run scperror 0 --ldap "ldap://127.0.0.1:$p8" alice@contoso.test
expect scperror '[x["host"] for x in r] == ["cas-err.contoso.test"] * 2 + ["cas-b.contoso.test"] * 2'

# --- Unreachable directories: refused (fast, the journey goes on), silent (bounded).
run refused 3 --ldap "ldap://127.0.0.1:$refused" alice@contoso.test
expect refused 'len(c) == 1 and c[0]["decision"] == "next-candidate" and s[1]["method"] == "root"'
hang=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(5); time.sleep(120)' "$hang" &
hang_pid=$!
for i in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$hang") 2>/dev/null && break; sleep 0.05; done
start=$(date +%s%N)
run silent 3 --ldap "ldap://127.0.0.1:$hang" --deadline 1.5 alice@contoso.test
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$elapsed" -lt 4000 ] || fail "silent directory: took $elapsed ms with --deadline 1.5"
expect silent 'len(c) == 1 and "deadline" in j["result"]["reason"]'
start=$(date +%s%N)
run silent-timeout 3 --ldap "ldap://127.0.0.1:$hang" --timeout 1 alice@contoso.test
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$elapsed" -lt 4000 ] || fail "silent directory: took $elapsed ms with --timeout 1"
expect silent-timeout 'len(c) == 1 and s[1]["method"] == "root"'
echo "ok: unreachable directories bounded ($elapsed ms)"

# --- Binds: simple bind over StartTLS and ldaps://; a wrong password; anonymous refused TLS.
p9=$(free_port) p10=$(free_port)
{ printf 'dn: CN=alice,CN=Users,DC=contoso,DC=test\nobjectClass: inetOrgPerson\ncn: alice\nsn: Alice\nuserPassword: Passw0rd!\n\n'
  scp good "$(url cas-b)" "$U"; } >"$tmp/tls.ldif"
dcs+=("$tmp/tls")
TLS_CERT=$tmp/srv.pem TLS_KEY=$tmp/srv.key TLS_CA=$tmp/ca.pem LDAPS_PORT=$p10 \
    "$slapd_sh" start "$p9" "$tmp/tls" "$tmp/tls.ldif" >/dev/null
alice="CN=alice,CN=Users,DC=contoso,DC=test"
run starttls 0 --ldap "ldap://127.0.0.1:$p9" --ldap-starttls --ldap-user "$alice" alice@contoso.test
expect starttls '"simple bind, StartTLS" in c[0]["reason"] and j["result"]["method"] == "scp"'
grep -qi "BIND dn=\"cn=alice,cn=users,dc=contoso,dc=test\" mech=SIMPLE.* ssf=256" "$tmp/tls/slapd.log" || fail "no simple bind in slapd's log"
run ldaps 0 --ldap "ldaps://127.0.0.1:$p10" --ldap-user "$alice" --ldap-password-file "$tmp/password" alice@contoso.test
expect ldaps '"ldaps" in c[0]["reason"] and j["result"]["method"] == "scp"'
run badbind 3 --ldap "ldap://127.0.0.1:$p9" --ldap-starttls --ldap-user "$alice" --ldap-password-file "$tmp/bad-password" --exclude scp,redirect,srv alice@contoso.test
run badbind2 3 --ldap "ldap://127.0.0.1:$p9" --ldap-starttls --ldap-user "$alice" --ldap-password-file "$tmp/bad-password" alice@contoso.test
expect badbind2 'len(c) == 1 and "Invalid credentials" in c[0]["reason"]'
# The CA is checked: without --cacert the system store does not know the test CA.
"$tool" --json --no-cache --exclude redirect,srv,root,autodiscover --ldap "ldaps://127.0.0.1:$p10" \
    alice@contoso.test >"$tmp/untrusted.json" 2>/dev/null </dev/null || true
expect untrusted 'len(c) == 1 and c[0]["decision"] == "next-candidate" and "contact" in c[0]["reason"]'

# --- Publishing with autodiscoverctl, then discovery.
if [ -n "$ctl" ]; then
    p11=$(free_port) p12=$(free_port)
    : >"$tmp/pub.ldif"; : >"$tmp/pub2.ldif"
    dc pub "$p11"; dc pub2 "$p12"
    printf 'secret\n' >"$tmp/admin-pw"
    admin=(--bind-dn "CN=admin,DC=contoso,DC=test" --bind-password-file "$tmp/admin-pw")
    "$ctl" scp publish --ldap "ldap://127.0.0.1:$p11" "${admin[@]}" --server EXCH01 --url "$(url cas-a)" --site Oslo >/dev/null
    "$ctl" scp publish --ldap "ldap://127.0.0.1:$p11" "${admin[@]}" --server EXCH02 --url "$(url cas-err)" --site Paris >/dev/null
    AUTODISCOVER_LDAP_PASSWORD=secret "$ctl" scp publish --ldap "ldap://127.0.0.1:$p11" \
        --bind-dn "CN=admin,DC=contoso,DC=test" --server EXCH02 --url "$(url cas-b)" --site Paris >/dev/null
    "$ctl" scp list --ldap "ldap://127.0.0.1:$p11" >"$tmp/list.txt"
    [ "$(wc -l <"$tmp/list.txt")" = 2 ] || { cat "$tmp/list.txt"; fail "scp list: expected 2 SCPs"; }
    grep -qi "	cn=EXCH02,cn=Autodiscover,cn=Protocols,cn=EXCH02,cn=Servers,cn=Exchange Administrative Group (FYDIBOHF23SPDLT),cn=Administrative Groups,cn=First Organization,cn=Microsoft Exchange,cn=Services,cn=Configuration,dc=contoso,dc=test$" \
        "$tmp/list.txt" || fail "scp list: EXCH02 is not where Exchange puts it"
    run published 0 --ldap "ldap://127.0.0.1:$p11" --site Paris alice@contoso.test
    expect published '[x["host"] for x in r] == ["cas-b.contoso.test"] * 2 and j["result"]["method"] == "scp"'
    # A pointer published in pub2 leads to pub.
    "$ctl" scp publish-pointer --ldap "ldap://127.0.0.1:$p12" "${admin[@]}" --name contoso \
        --target "LDAP://127.0.0.1:$p11" --domain contoso.test >/dev/null
    run published-pointer 0 --ldap "ldap://127.0.0.1:$p12" --site Paris alice@contoso.test
    expect published-pointer 'c[1]["decision"] == "follow-redirect" and j["result"]["url"] == "'"$(url cas-b)"'"'
    # Removed: only EXCH01 (Oslo) is left, which answers 503.
    "$ctl" scp remove --ldap "ldap://127.0.0.1:$p11" "${admin[@]}" --server EXCH02 >/dev/null
    run removed 3 --ldap "ldap://127.0.0.1:$p11" --site Paris alice@contoso.test
    expect removed '[x["host"] for x in r] == ["cas-a.contoso.test"]'
    rc=0; "$ctl" scp publish --ldap "ldap://127.0.0.1:$p11" "${admin[@]}" --server X --url http://x.contoso.test/ 2>/dev/null || rc=$?
    [ "$rc" = 2 ] || fail "scp publish of an http URL: exit $rc, expected 2"
    rc=0; "$ctl" scp publish --ldap "ldap://127.0.0.1:$p11" --bind-dn "CN=admin,DC=contoso,DC=test" \
        --bind-password-file "$tmp/bad-password" --server X --url "$(url cas-b)" 2>/dev/null || rc=$?
    [ "$rc" = 1 ] || fail "scp publish with a wrong password: exit $rc, expected 1"
    echo "ok: publishing"
fi
echo "all SCP tests passed"
