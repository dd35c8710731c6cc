#!/bin/bash
# End to end: the analyzer page on an admin listener and `autodiscoverctl selftest`, against a
# real deployment on loopback (service over TLS with a CA made here, a port-80 redirector).
#   analyzer_e2e.sh AUTODISCOVERD AUTODISCOVERCTL AUTODISCOVER
set -u
. "$(dirname "$0")/../daemon/lib.sh"
e2e_init analyzer_e2e "$1" "$2"
CLIENT=$3
SECRET='Sup3r-Secret-Mailbox-Pw'

e2e_ca "analyzer test CA"
e2e_issue good autodiscover.contoso.test "DNS:autodiscover.contoso.test,DNS:contoso.test"
e2e_issue narrow autodiscover.contoso.test "DNS:autodiscover.contoso.test"

DB=$WORK/directory.db
ctl() { "$CTL" --db "$DB" "$@" >/dev/null || { echo "autodiscoverctl $* failed"; exit 1; }; }
ctl init
ctl org add contoso
ctl domain add contoso.test --org contoso
printf '%s\n' "$SECRET" > bob.pw
ctl mailbox add bob@contoso.test --name "Bob Example" --password-file bob.pw
ctl protocol add contoso EXPR Server=mail.contoso.test SSL=On AuthPackage=Basic \
    EwsUrl=https://mail.contoso.test/EWS/Exchange.asmx
ctl protocol add contoso IMAP Server=imap.contoso.test Port=993 SSL=on
ctl protocol add contoso SMTP Server=smtp.contoso.test Port=587 Encryption=TLS
ctl protocol add contoso AutodiscoverV1 Url=https://autodiscover.contoso.test/autodiscover/autodiscover.xml

printf 'adminpw\n' > admin.pw
HASH=$("$CTL" hash-password --password-file admin.pw)
SVC=$(e2e_free_port); P80=$(e2e_free_port); ADM=$(e2e_free_port); DNS=$(e2e_free_port)
# A host that hangs: it listens (the kernel completes the handshake) but never answers.
HANG=$(e2e_free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(900)' "$HANG" &
HANG_PID=$!
e2e_cleanup_hook() { kill "$HANG_PID" 2>/dev/null; wait "$HANG_PID" 2>/dev/null; }
MAP=(--connect-to "contoso.test:443:127.0.0.1:$SVC" --connect-to "autodiscover.contoso.test:443:127.0.0.1:$SVC"
     --connect-to "autodiscover.contoso.test:80:127.0.0.1:$P80")
write_conf() { # write_conf CERT-STEM
    cat > autodiscoverd.conf <<CONF
directory "sqlite:$DB"
access-log "$WORK/access.log"
listen 127.0.0.1 $SVC {
    tls-certificate "$WORK/$1.pem"; tls-key "$WORK/$1.key"
}
listen 127.0.0.1 $P80 {
    role redirector
    redirect-to "https://autodiscover.contoso.test/autodiscover/autodiscover.xml"
}
listen 127.0.0.1 $ADM {
    role admin
    analyzer {
        user admin
        password-hash "$HASH"
        cacert "$WORK/ca.pem"
        dns-server "127.0.0.1:$DNS"
        connect-to "contoso.test:443:127.0.0.1:$SVC"
        connect-to "autodiscover.contoso.test:443:127.0.0.1:$SVC"
        connect-to "autodiscover.contoso.test:80:127.0.0.1:$P80"
        connect-to "hang.test:443:127.0.0.1:$HANG"
        connect-to "autodiscover.hang.test:443:127.0.0.1:$HANG"
        max-runs 2
        deadline 30
    }
}
CONF
}
write_conf good
e2e_start_daemon autodiscoverd.conf daemon.err "http://127.0.0.1:$ADM/healthz"

A=http://127.0.0.1:$ADM
AUTH=(-u admin:adminpw)
n=0
# page CURL-ARGS...: the answer in resp$n.html and head$n.txt, its status in CODE.
page() { n=$((n + 1)); CODE=$("${CURL[@]}" -o "resp$n.html" -D "head$n.txt" -w '%{http_code}' "$@"); }

# --- access ---
page "$A/analyzer"; check "no credentials: 401" 401 "$CODE"
contains "a Basic challenge" 'WWW-Authenticate: Basic' "head$n.txt"
page -u admin:nope "$A/analyzer"; check "wrong password: 401" 401 "$CODE"
page "${AUTH[@]}" "$A/analyzer"; check "the form" 200 "$CODE"
contains "the form posts a run" 'action="/analyzer/run"' "resp$n.html"
contains "a CSP without inline scripts" "script-src 'self'" "head$n.txt"
page "$A/metrics"; check "metrics still served" 200 "$CODE"
page "${AUTH[@]}" -H 'Origin: http://evil.test' \
    --data-urlencode email=bob@contoso.test "$A/analyzer/run"; check "a cross-site form is refused" 403 "$CODE"
page "${AUTH[@]}" --data-urlencode email=bob "$A/analyzer/run"; check "a bad address: 400" 400 "$CODE"
contains "the address problem is said" 'class="error"' "resp$n.html"

# --- a run through the page ---
wait_done() { # wait_done PATH: polls until the run's state is not running; the page in resp$n
    for _ in $(seq 150); do
        page "${AUTH[@]}" "$A$1"
        grep -q 'X-Run-State: running' "head$n.txt" || return 0
        sleep 0.2
    done
    echo "run did not end"; return 1
}
page "${AUTH[@]}" --data-urlencode email=bob@contoso.test \
    --data-urlencode "password=$SECRET" -d protocol=pox -d try=root -d try=autodiscover \
    -d try=redirect -d try=srv -d try=- "$A/analyzer/run"; check "the run is accepted" 303 "$CODE"
RUN=$(sed -n 's/^Location: \(\/analyzer\/run\/[0-9a-f]*\).*/\1/p' "head$n.txt" | tr -d '\r')
check "the Location names the run" 1 "$(grep -c '^/analyzer/run/[0-9a-f]\{32\}$' <<<"$RUN")"
wait_done "$RUN"
RUNPAGE=resp$n.html
contains "the run ended" 'X-Run-State: done' "head$n.txt"
contains "settings found" 'Settings found' "$RUNPAGE"
contains "the diagram" '<svg class="journey"' "$RUNPAGE"
contains "a success box" '<g class="step ok">' "$RUNPAGE"
contains "the step list" '<li id="step-1"' "$RUNPAGE"
contains "the EWS URL" 'https://mail.contoso.test/EWS/Exchange.asmx' "$RUNPAGE"
contains "a download link" "$RUN/report.json" "$RUNPAGE"
page "${AUTH[@]}" "$A$RUN/report.json"; check "the JSON" 200 "$CODE"
cp "resp$n.html" run.json
contains "served as an attachment" 'Content-Disposition: attachment' "head$n.txt"

# The same journey with the client: the same shape.
"$CLIENT" --json --no-cache --sequential --cacert ca.pem "${MAP[@]}" --dns-server "127.0.0.1:$DNS" \
    --password-file bob.pw bob@contoso.test > client.json 2>/dev/null
shape='[.result.ok, .result.code, .result.url, .result.method, (.steps | map([.method, .url, .status, .decision]))]'
check "same result and steps as autodiscover --json" "$(jq -c "$shape" client.json)" "$(jq -c "$shape" run.json)"
check "same keys" "$(jq -c '[.result | keys, (.steps[0] | keys)]' client.json)" \
    "$(jq -c '[.result | keys, (.steps[0] | keys)]' run.json)"

# Upload it back: the same drawing.
page "${AUTH[@]}" -F "report=@run.json;type=application/json" "$A/analyzer/view"; check "the upload is drawn" 200 "$CODE"
svg() { sed -n '/<svg class="journey"/,/<\/svg>/p' "$1"; }
check "the same SVG as the run's page" "$(svg "$RUNPAGE" | md5sum)" "$(svg "resp$n.html" | md5sum)"
printf '{"result":{"ok":false,"reason":"<script>alert(1)</script>"},"steps":[{"method":"<img src=x onerror=alert(2)>","decision":"</svg><script>"}]}' > hostile.json
page "${AUTH[@]}" -F "report=@hostile.json" "$A/analyzer/view"; check "a hostile report is drawn" 200 "$CODE"
lacks "nothing from it runs" '<script>' "resp$n.html"
lacks "no injected element" '<img src=x' "resp$n.html"
page "${AUTH[@]}" --data-urlencode 'json={"steps":' "$A/analyzer/view"; check "not JSON: 400" 400 "$CODE"
contains "with a clear message" 'not a JSON report' "resp$n.html"

# --- SSRF: a host that resolves to loopback is refused without allow-local ---
page "${AUTH[@]}" --data-urlencode email=bob@localhost.localdomain "$A/analyzer/run"; check "a run for a loopback domain starts" 303 "$CODE"
R2=$(sed -n 's/^Location: \(\/analyzer\/run\/[0-9a-f]*\).*/\1/p' "head$n.txt" | tr -d '\r')
wait_done "$R2"
if getent hosts localhost.localdomain >/dev/null; then
    contains "and is refused" 'loopback or link-local' "resp$n.html"
else
    echo "ok: (localhost.localdomain does not resolve here; refusal not checked)"
fi

# --- the self-test: the page, then the command on a good and a broken deployment ---
page "${AUTH[@]}" -d domain=contoso.test --data-urlencode email=bob@contoso.test \
    --data-urlencode "password=$SECRET" "$A/analyzer/selftest"; check "self-test accepted" 303 "$CODE"
R3=$(sed -n 's/^Location: \(\/analyzer\/run\/[0-9a-f]*\).*/\1/p' "head$n.txt" | tr -d '\r')
wait_done "$R3"
contains "the self-test table" '<section class="selftest">' "resp$n.html"
lacks "no failed check on the page" '<tr class="fail">' "resp$n.html"

# --- a run cancelled halfway: its discovery stops, the page says so, its slot is freed ---
# Both slots (max-runs 2) go to runs against the hanging host, whose attempts would last 10 s.
hang_run() { page "${AUTH[@]}" --data-urlencode email=bob@hang.test -d protocol=pox -d try=root -d try=- "$A/analyzer/run"; }
loc() { sed -n 's/^Location: \(\/analyzer\/run\/[0-9a-f]*\).*/\1/p' "head$n.txt" | tr -d '\r'; }
hang_run; check "a run against a hanging host starts" 303 "$CODE"; H1=$(loc)
hang_run; check "a second one starts" 303 "$CODE"; H2=$(loc)
hang_run; check "a third is refused while both slots run" 503 "$CODE"
page "${AUTH[@]}" "$A$H1"; contains "the hanging run is running" 'X-Run-State: running' "head$n.txt"
contains "with a cancel button" "action=\"$H1/cancel\"" "resp$n.html"
t0=$(date +%s%N)
page "${AUTH[@]}" -X POST "$A$H1/cancel"; check "cancel: back to the run" 303 "$CODE"
page "${AUTH[@]}" -X POST "$A$H2/cancel"; check "the second cancelled too" 303 "$CODE"
page "${AUTH[@]}" "$A$H1"
contains "the run is cancelled" 'X-Run-State: cancelled' "head$n.txt"
contains "the page says so" 'This run was cancelled' "resp$n.html"
lacks "no cancel button any more" "$H1/cancel" "resp$n.html"
# The slots free only when the discoveries really end: well before the 10 s attempt timeout.
freed=no
for _ in $(seq 60); do
    page "${AUTH[@]}" --data-urlencode email=bob@contoso.test -d protocol=pox -d try=root -d try=- "$A/analyzer/run"
    [ "$CODE" = 303 ] && { freed=yes; break; }
    sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
check "the slot is freed after the cancel" yes "$freed"
check "the discoveries stopped promptly (${ms} ms, attempts last 10000)" yes "$([ "$ms" -lt 6000 ] && echo yes || echo no)"
R4=$(loc); wait_done "$R4"
contains "a run after the cancel completes" 'X-Run-State: done' "head$n.txt"

ST=(--cacert ca.pem "${MAP[@]}" --dns-server "127.0.0.1:$DNS" --address bob@contoso.test --password-file bob.pw)
"$CTL" selftest contoso.test "${ST[@]}" > st-good.txt; rc=$?
cat st-good.txt
check "selftest passes on a good deployment" 0 "$rc"
contains "X-SOAP-Enabled checked" 'PASS  X-SOAP-Enabled on the GET' st-good.txt
contains "<User> checked" 'PASS  <User> in the settings answer' st-good.txt
contains "the redirect path checked" 'PASS  port-80 redirect Location' st-good.txt
contains "v2 enumeration checked" 'PASS  v2 answers do not tell users apart' st-good.txt
contains "a missing SRV is a warning" 'WARN  DNS SRV _autodiscover._tcp' st-good.txt
"$CTL" selftest contoso.test "${ST[@]}" --json > st-good.json
check "--json is JSON with no failure" 0 "$(jq '.selftest.fail' st-good.json)"

# Broken: SMTP on 465 with Encryption TLS, and a certificate without the root domain.
e2e_stop_daemon
ctl protocol clear contoso
ctl protocol add contoso EXPR Server=mail.contoso.test SSL=On AuthPackage=Basic \
    EwsUrl=https://mail.contoso.test/EWS/Exchange.asmx
ctl protocol add contoso SMTP Server=smtp.contoso.test Port=465 Encryption=TLS
ctl protocol add contoso AutodiscoverV1 Url=https://autodiscover.contoso.test/autodiscover/autodiscover.xml
write_conf narrow
e2e_start_daemon autodiscoverd.conf daemon2.err "http://127.0.0.1:$ADM/healthz"
"$CTL" selftest contoso.test "${ST[@]}" > st-bad.txt; rc=$?
cat st-bad.txt
check "selftest fails on a broken deployment" 1 "$rc"
contains "SMTP 465 with Encryption TLS named" 'FAIL  Encryption versus SSL: SMTP port 465' st-bad.txt
contains "the certificate name named" 'FAIL  certificate covers contoso.test' st-bad.txt
contains "with what to change" 'change: an implicit-TLS port' st-bad.txt

# --- the password went nowhere ---
cat resp*.html head*.txt > all-responses.txt
lacks "the password is in no response" "$SECRET" all-responses.txt
lacks "the password is in no log" "$SECRET" access.log daemon.err daemon2.err
e2e_finish
