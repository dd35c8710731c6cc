#!/bin/bash
# End-to-end test of autodiscoverd over real TLS on loopback: a throwaway CA and server
# certificate made with openssl, a directory filled with autodiscoverctl, the daemon in the
# foreground on a free port, and curl checking every HTTP answer of doc/autodiscoverd.md.
#
#   tls_e2e.sh /path/to/autodiscoverd /path/to/autodiscoverctl
set -u
. "$(dirname "$0")/lib.sh"
e2e_init tls_e2e "$@"

# --- PKI: a CA and a certificate for 127.0.0.1 signed by it ---
e2e_ca "autodiscoverd test CA"
e2e_issue server 127.0.0.1 IP:127.0.0.1,DNS:localhost
mv server.pem cert.pem && mv server.key key.pem

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

PORT=$(e2e_free_port)
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

BASE=https://127.0.0.1:$PORT
URL=$BASE/Autodiscover/Autodiscover.xml
e2e_start_daemon autodiscoverd.conf daemon.err "$BASE/"

request bob@contoso.test > bob.xml
request alice@contoso.test > alice.xml
request nobody@contoso.test > nobody.xml
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
no_secret_in_logs Passw0rd alicepw

e2e_stop_daemon
check "SIGTERM exits 0" 0 $?
e2e_finish
