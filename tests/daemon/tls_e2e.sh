#!/bin/bash
# End-to-end test of autodiscoverd over real TLS on loopback: a throwaway CA and server
# certificate made with openssl, a directory filled with autodiscoverctl, the daemon in the
# foreground on a free port, and curl checking every HTTP answer of doc/autodiscoverd.md.
#
#   tls_e2e.sh /path/to/autodiscoverd /path/to/autodiscoverctl
set -u
DAEMON=$1
CTL=$2
WORK=$(mktemp -d /tmp/autodiscoverd-e2e.XXXXXX)
DAEMON_PID=
cleanup() {
    if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK" || exit 1

FAILED=0
CHECKS=0
check() { # check DESCRIPTION EXPECTED ACTUAL
    CHECKS=$((CHECKS + 1))
    if [ "$2" != "$3" ]; then
        echo "FAIL: $1: expected '$2', got '$3'"
        FAILED=$((FAILED + 1))
    else
        echo "ok: $1"
    fi
}
contains() { # contains DESCRIPTION NEEDLE FILE
    CHECKS=$((CHECKS + 1))
    if grep -qF -- "$2" "$3"; then echo "ok: $1"; else
        echo "FAIL: $1: '$2' not in $3:"; cat "$3"; FAILED=$((FAILED + 1)); fi
}

# --- PKI: a CA and a certificate for 127.0.0.1 signed by it ---
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 \
    -subj "/CN=autodiscoverd test CA" 2>/dev/null || { echo "openssl CA failed"; exit 1; }
openssl req -newkey rsa:2048 -nodes -keyout key.pem -out server.csr \
    -subj "/CN=127.0.0.1" 2>/dev/null || exit 1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cert.pem \
    -days 1 -extfile san.ext 2>/dev/null || { echo "openssl signing failed"; exit 1; }

# --- directory ---
DB=$WORK/directory.db
"$CTL" --db "$DB" init || exit 1
"$CTL" --db "$DB" domain add contoso.test || exit 1
AUTODISCOVER_PASSWORD='Passw0rd!' "$CTL" --db "$DB" mailbox add bob@contoso.test \
    --name "Bob Example" || exit 1
printf 'alicepw\n' > alice.pw
"$CTL" --db "$DB" mailbox add alice@contoso.test --name Alice --password-file alice.pw \
    --target-address alice@contoso.mail.onmicrosoft.test || exit 1
"$CTL" --db "$DB" protocol add contoso.test EXCH Server=cas.contoso.test \
    EwsUrl=https://cas.contoso.test/EWS/Exchange.asmx || exit 1
"$CTL" --db "$DB" protocol add contoso.test EXPR Server=mail.contoso.test SSL=On || exit 1
"$CTL" --db "$DB" mailbox add nopw@contoso.test --name X </dev/null 2>/dev/null
check "mailbox add without a password fails" 1 $?
"$CTL" --db "$DB" protocol add contoso.test EXCH NoSuchElement=1 2>/dev/null
check "unknown protocol element rejected" 1 $?
"$CTL" --db "$DB" frobnicate 2>/dev/null
check "unknown command is a usage error" 2 $?

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
write_conf() { # write_conf MAX_BODY
    cat > autodiscoverd.conf <<CONF
# written by tls_e2e.sh
directory "sqlite:$DB"
access-log "$WORK/access.log"
max-body $1
listen 127.0.0.1 $PORT {
    tls-certificate "$WORK/cert.pem"
    tls-key "$WORK/key.pem"
}
CONF
}
write_conf 4096

"$DAEMON" -n -f autodiscoverd.conf 2>/dev/null
check "-n accepts a good config" 0 $?
printf 'directory "sqlite:/x"\nbogus 1\n' > bad.conf
"$DAEMON" -n -f bad.conf 2> bad.err
check "-n rejects a bad config" 1 $?
contains "-n names file and line" "bad.conf:2: unknown directive" bad.err

"$DAEMON" -d -f autodiscoverd.conf 2> daemon.err &
DAEMON_PID=$!
BASE=https://127.0.0.1:$PORT
URL=$BASE/Autodiscover/Autodiscover.xml
CURL=(curl -s --cacert "$WORK/ca.pem" --max-time 10)
for _ in $(seq 100); do
    "${CURL[@]}" -o /dev/null "$BASE/" && break
    kill -0 "$DAEMON_PID" 2>/dev/null || { echo "daemon died:"; cat daemon.err; exit 1; }
    sleep 0.05
done

request() { # request ADDRESS
    printf '<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
<Request><EMailAddress>%s</EMailAddress>
<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
</Request></Autodiscover>' "$1"
}
request bob@contoso.test > bob.xml
request alice@contoso.test > alice.xml
request nobody@contoso.test > nobody.xml
status() { "${CURL[@]}" -o body.out -D headers.out -w '%{http_code}' "$@"; }
XML=(-H 'Content-Type: text/xml; charset=utf-8')

check "POST without credentials" 401 "$(status "${XML[@]}" --data-binary @bob.xml "$URL")"
contains "Basic challenge" 'WWW-Authenticate: Basic realm="autodiscover"' headers.out
check "GET without credentials" 401 "$(status "$URL")"
contains "GET 401 carries X-SOAP-Enabled" 'X-SOAP-Enabled: True' headers.out
contains "GET 401 carries X-OAuth-Enabled" 'X-OAuth-Enabled: True' headers.out
check "wrong password" 401 "$(status -u 'bob@contoso.test:wrong' "${XML[@]}" --data-binary @bob.xml "$URL")"
check "unknown user" 401 "$(status -u 'eve@contoso.test:Passw0rd!' "${XML[@]}" --data-binary @bob.xml "$URL")"
check "settings" 200 "$(status -u 'Bob@Contoso.test:Passw0rd!' "${XML[@]}" --data-binary @bob.xml "$URL")"
contains "settings content type" 'Content-Type: text/xml; charset=utf-8' headers.out
contains "settings display name" '<DisplayName>Bob Example</DisplayName>' body.out
contains "settings action" '<Action>settings</Action>' body.out
contains "settings EXCH first" '<Type>EXCH</Type>' body.out
check "lower-case path" 200 "$(status -u 'bob@contoso.test:Passw0rd!' --data-binary @bob.xml "$BASE/autodiscover/autodiscover.xml")"
check "malformed body" 200 "$(status -u 'bob@contoso.test:Passw0rd!' --data-binary '<Autodiscover' "$URL")"
contains "malformed body is ErrorCode 600" '<ErrorCode>600</ErrorCode>' body.out
head -c 5000 /dev/zero | tr '\0' x > big.xml
check "body over max-body" 413 "$(status -u 'bob@contoso.test:Passw0rd!' --data-binary @big.xml "$URL")"
check "chunked body over max-body" 413 "$(status -u 'bob@contoso.test:Passw0rd!' -H 'Transfer-Encoding: chunked' --data-binary @big.xml "$URL")"
check "unknown address" 200 "$(status -u 'bob@contoso.test:Passw0rd!' --data-binary @nobody.xml "$URL")"
contains "unknown address is ErrorCode 500" '<ErrorCode>500</ErrorCode>' body.out
check "another mailbox's address" 200 "$(status -u 'bob@contoso.test:Passw0rd!' --data-binary @alice.xml "$URL")"
contains "another mailbox's address is ErrorCode 500" '<ErrorCode>500</ErrorCode>' body.out
check "moved mailbox" 200 "$(status -u 'alice@contoso.test:alicepw' --data-binary @alice.xml "$URL")"
contains "moved mailbox redirects" '<RedirectAddr>alice@contoso.mail.onmicrosoft.test</RedirectAddr>' body.out
check "another path" 404 "$(status -u 'bob@contoso.test:Passw0rd!' --data-binary @bob.xml "$BASE/ews/exchange.asmx")"
check "PUT" 405 "$(status -u 'bob@contoso.test:Passw0rd!' -X PUT --data-binary @bob.xml "$URL")"
check "authenticated GET" 405 "$(status -u 'bob@contoso.test:Passw0rd!' "$URL")"
check "TLS 1.1 refused" 000 "$(status --tlsv1 --tls-max 1.1 "$URL")"
check "TLS 1.2 accepted" 401 "$(status --tlsv1.2 --tls-max 1.2 "$URL")"

# Reload: a bad config is refused and the old one keeps serving; a good one applies.
printf 'bogus\n' > autodiscoverd.conf
kill -HUP "$DAEMON_PID"
sleep 0.3
check "serving after a bad reload" 401 "$(status "$URL")"
contains "bad reload logged" "reload failed" daemon.err
write_conf 65536
kill -HUP "$DAEMON_PID"
for _ in $(seq 100); do grep -q '^autodiscoverd: reloaded' daemon.err && break; sleep 0.05; done
check "new max-body after reload" 200 "$(status -u 'bob@contoso.test:Passw0rd!' --data-binary @big.xml "$URL")"

# The access log: one line per request, never a password.
LINES=$(wc -l < access.log)
CHECKS=$((CHECKS + 1))
if [ "$LINES" -ge 15 ]; then echo "ok: access log lines ($LINES)"; else echo "FAIL: access log has $LINES lines"; FAILED=$((FAILED + 1)); fi
contains "access log records the user" " POST /Autodiscover/Autodiscover.xml 200 bob@contoso.test " access.log
CHECKS=$((CHECKS + 1))
if grep -q -e 'Passw0rd' -e 'alicepw' -e 'Authorization' access.log daemon.err; then
    echo "FAIL: a secret reached a log"; FAILED=$((FAILED + 1)); else echo "ok: no secret in logs"; fi

kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check "SIGTERM exits 0" 0 $?
DAEMON_PID=

echo "tls_e2e: $CHECKS checks, $FAILED failed"
[ "$FAILED" -eq 0 ]
