#!/bin/bash
# The analyzer page in a real browser (headless Chromium, Debian's chromium): a hosted-tenant
# journey (carol@fabrikam.test: the domain's hosts fail, the port-80 probe redirects to the
# hoster's autodiscover.hoster.test, allowed by the analyzer's allow-redirect) started through
# the page's form with curl, then its run page loaded in Chromium with scripts on (the DOM after
# scripts ran); the scripts-off view checked on the served HTML; a screenshot kept as a test
# artefact in ARTEFACT-DIR (meson-logs/analyzer-hosted-journey.png).
#   browser.sh AUTODISCOVERD AUTODISCOVERCTL ARTEFACT-DIR
set -u
. "$(dirname "$0")/../daemon/lib.sh"
CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then echo "chromium is not installed (scripts/setup-deps)"; exit 77; fi
e2e_init analyzer_browser "$1" "$2"
ARTEFACTS=$3
mkdir -p "$ARTEFACTS"
SECRET='Carol-Mailbox-Pw-42'

e2e_ca "analyzer browser test CA"
e2e_issue hoster autodiscover.hoster.test "DNS:autodiscover.hoster.test"
DB=$WORK/directory.db
ctl() { "$CTL" --db "$DB" "$@" >/dev/null || { echo "autodiscoverctl $* failed"; exit 1; }; }
ctl init
ctl org add fabrikam
ctl domain add fabrikam.test --org fabrikam
printf '%s\n' "$SECRET" > carol.pw
ctl mailbox add carol@fabrikam.test --name "Carol Hosted" --password-file carol.pw
ctl protocol add fabrikam EXPR Server=mail.hoster.test SSL=On AuthPackage=Basic \
    EwsUrl=https://mail.hoster.test/EWS/Exchange.asmx
ctl protocol add fabrikam IMAP Server=imap.hoster.test Port=993 SSL=on
printf 'adminpw\n' > admin.pw
HASH=$("$CTL" hash-password --password-file admin.pw)
SVC=$(e2e_free_port); P80=$(e2e_free_port); ADM=$(e2e_free_port); DNS=$(e2e_free_port)
CLOSED=$(e2e_free_port) # nothing listens: fabrikam.test refuses the connection
cat > autodiscoverd.conf <<CONF
directory "sqlite:$DB"
access-log "$WORK/access.log"
listen 127.0.0.1 $SVC {
    tls-certificate "$WORK/hoster.pem"; tls-key "$WORK/hoster.key"
}
listen 127.0.0.1 $P80 {
    role redirector
    redirect-to "https://autodiscover.hoster.test/autodiscover/autodiscover.xml"
}
listen 127.0.0.1 $ADM {
    role admin
    analyzer {
        user admin
        password-hash "$HASH"
        cacert "$WORK/ca.pem"
        dns-server "127.0.0.1:$DNS"
        connect-to "fabrikam.test:443:127.0.0.1:$CLOSED"
        connect-to "autodiscover.fabrikam.test:443:127.0.0.1:$SVC"
        connect-to "autodiscover.fabrikam.test:80:127.0.0.1:$P80"
        connect-to "autodiscover.hoster.test:443:127.0.0.1:$SVC"
        allow-redirect autodiscover.hoster.test
        max-runs 2
        deadline 60
    }
}
CONF
e2e_start_daemon autodiscoverd.conf daemon.err "http://127.0.0.1:$ADM/healthz"
A=http://127.0.0.1:$ADM
AUTH=(-u admin:adminpw)

# Start the run through the page's form, and wait for it to end (polling, up to 60 s).
CODE=$("${CURL[@]}" "${AUTH[@]}" -o start.html -D start.txt -w '%{http_code}' \
    --data-urlencode email=carol@fabrikam.test --data-urlencode "password=$SECRET" -d protocol=pox \
    -d try=root -d try=autodiscover -d try=redirect -d try=- "$A/analyzer/run")
check "the run is accepted" 303 "$CODE"
RUN=$(sed -n 's/^Location: \(\/analyzer\/run\/[0-9a-f]*\).*/\1/p' start.txt | tr -d '\r')
state=
for _ in $(seq 300); do
    "${CURL[@]}" "${AUTH[@]}" -o run.html -D run.txt "$A$RUN"
    state=$(sed -n 's/^X-Run-State: \([a-z]*\).*/\1/p' run.txt)
    [ "$state" = running ] || break
    sleep 0.2
done
check "the run ended" done "$state"

# Chromium: a fresh profile each time, the flags that work on a closed network, a hard timeout.
chrome() { # chrome ARGS... (URL last)
    local profile
    profile=$(mktemp -d "$WORK/profile.XXXXXX")
    timeout -k 10 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update --disable-sync \
        --disable-dev-shm-usage --user-data-dir="$profile" "$@" 2>>chromium.err
}
URL="http://admin:adminpw@127.0.0.1:$ADM$RUN"
chrome --virtual-time-budget=5000 --dump-dom "$URL" > dom.html
contains "the browser drew the run page" 'id="report"' dom.html
contains "scripts ran without a CSP violation" 'class="journey"' dom.html
# The diagram: one box per step, the probe's redirect arrow, the hoster's success.
boxes=$(grep -o '<g class="step [a-z-]*"' dom.html | wc -l)
lis=$(grep -o '<li id="step-[0-9]*"' dom.html | wc -l)
check "at least four boxes (root, autodiscover., probe, hoster)" yes "$([ "$boxes" -ge 4 ] && echo yes || echo no)"
check "a box per listed step" "$lis" "$boxes"
contains "a failed box (the hoster's 401: Basic withheld after the probe)" '<g class="step fail">' dom.html
contains "a redirect arrow" '<path class="redirect"' dom.html
contains "the step list names the root candidate" 'https://fabrikam.test/autodiscover/autodiscover.xml' dom.html
contains "the probe" 'http://autodiscover.fabrikam.test/autodiscover/autodiscover.xml' dom.html
contains "the hoster" 'https://autodiscover.hoster.test/autodiscover/autodiscover.xml' dom.html
contains "the probe's decision" 'follow-redirect' dom.html
contains "a failed candidate's decision" 'next-candidate' dom.html
contains "the hoster's decision and why" 'credentials withheld' dom.html
lacks "the password is not on the page" "$SECRET" dom.html

# Scripts off: Chromium's --dump-dom needs scripts, so the DOM check is on the page as served
# (server-side HTML, what a browser without scripts renders). Chromium 156's headless mode
# dumps nothing and screenshots nothing with --blink-settings=scriptEnabled=false.
check "scripts off: the same boxes in the served page" "$boxes" "$(grep -o '<g class="step [a-z-]*"' run.html | wc -l)"
contains "scripts off: the step list" '<li id="step-1"' run.html
contains "scripts off: the hoster's decision" 'credentials withheld' run.html

# The screenshot, kept under the build directory.
SHOT=$ARTEFACTS/analyzer-hosted-journey.png
rm -f "$SHOT"
chrome --virtual-time-budget=5000 --screenshot="$SHOT" --window-size=1280,2000 --hide-scrollbars "$URL" >/dev/null
check "a screenshot was written" yes "$([ -s "$SHOT" ] && echo yes || echo no)"
check "it is a PNG" 89504e470d0a1a0a "$(head -c 8 "$SHOT" 2>/dev/null | od -An -tx1 | tr -d ' \n')"
[ "$FAILED" -eq 0 ] || { echo "--- chromium stderr ---"; tail -20 chromium.err; echo "--- run page ---"; cat run.html; }
e2e_finish
