# Shared by the client's end-to-end scripts (sourced): a CA made here, certificates, the
# fake server (https_server.py) and small assertion helpers. Names are mapped to 127.0.0.1
# with --connect-to; the cache and config directories are private to the run.
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
server_pid=
cleanup() {
    exec 3>&- 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    [ -n "${unbound_pid:-}" ] && kill "$unbound_pid" 2>/dev/null || true
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
export XDG_CACHE_HOME="$tmp/xdg-cache" XDG_CONFIG_HOME="$tmp/xdg-config"

make_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj "/CN=Client Test CA" -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
}
# make_cert NAME DNSNAME...: a certificate for the DNSNAMEs signed by the test CA.
make_cert() {
    local name=$1; shift
    local san="" n
    for n in "$@"; do san="${san:+$san,}DNS:$n"; done
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "/CN=$1" -keyout "$tmp/$name.key" -out "$tmp/$name.csr" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$tmp/$name.ext"
    openssl x509 -req -in "$tmp/$name.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
        -CAcreateserial -days 2 -extfile "$tmp/$name.ext" -out "$tmp/$name.pem" 2>/dev/null
}
make_ca
make_cert good autodiscover.contoso.test contoso.test '*.contoso.test' '*.provider.test' '*.hoster.test' \
    '*.fabrikam.test'
make_cert wrong wrong-name.test

# The server runs until its standard input closes; its first line says where it listens.
mkfifo "$tmp/in" "$tmp/out"
python3 "$here/https_server.py" "$tmp/good.pem" "$tmp/good.key" "$tmp/wrong.pem" \
    "$tmp/wrong.key" "$tmp/requests.log" <"$tmp/in" >"$tmp/out" &
server_pid=$!
exec 3>"$tmp/in"
read -r word good wrong hang plain tls200 tls120 <"$tmp/out"
[ "$word" = PORTS ] || fail "server did not start"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
refused=$(free_port)

printf 's3cret-pw\n' >"$tmp/password"
printf 'wrong-pw\n' >"$tmp/bad-password"
# expect_json FILE PYTHON-CONDITION (j is the document, s its steps)
# s is every step; d only the steps that decided the journey: without "held" and "cancelled"
# ones, which are the timing of parallel probing (a loaded machine adds some). The steps are
# printed when the condition fails.
expect_json() {
    python3 - "$1" "$2" <<'PY' || fail "$2"
import json, sys
j = json.load(open(sys.argv[1])); s = j["steps"]
d = [x for x in s if x["decision"] not in ("held", "cancelled")]
if eval(sys.argv[2]):
    sys.exit(0)
for x in s:
    print(" ", x["method"], x["status"], x["decision"], x["url"] or x["query"], "-", x["reason"])
sys.exit(1)
PY
}
# expect_log PYTHON-CONDITION (r is the list of requests the server saw)
expect_log() {
    python3 - "$tmp/requests.log" "$1" <<'PY' || fail "requests: $1"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}
# run NAME EXPECTED-STATUS COMMAND...: runs with a fresh request log, output in $tmp/NAME.*
run() {
    local name=$1 want=$2; shift 2
    local rc=0
    : >"$tmp/requests.log"
    "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" </dev/null || rc=$?
    [ "$rc" = "$want" ] || { cat "$tmp/$name.err"; fail "$name: exit $rc, expected $want"; }
    grep -q s3cret-pw "$tmp/$name.json" "$tmp/$name.err" && fail "$name: password in the output"
    if [ "$want" != 0 ]; then
        [ "$(wc -l <"$tmp/$name.err")" = 1 ] || { cat "$tmp/$name.err"; fail "$name: not one line on stderr"; }
    fi
    echo "ok: $name"
}
