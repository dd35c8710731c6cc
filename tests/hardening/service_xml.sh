#!/bin/bash
# Hostile request bodies against autodiscoverd over TLS: a DTD, external entities (file and
# network), billion laughs, deep nesting, invalid UTF-8, a body far over max-body announced
# by Content-Length (413 from the headers, nothing read) and sent chunked (413, read and
# dropped, never buffered). Each is answered, the real client keeps being served, memory
# stays bounded, no sanitizer report.
#
#   service_xml.sh AUTODISCOVERD AUTODISCOVERCTL
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init hard_xml "$@"
hard_daemon
START=$(rss_kib)
post() { # post FILE: the status; the answer in body.out
    status -u "bob@contoso.test:$BOB_PW" -H 'Content-Type: text/xml' --data-binary @"$1" "$URL"
}
expect_600() { # expect_600 NAME FILE
    check "$1: 200" 200 "$(post "$2")"
    contains "$1: ErrorCode 600" '<ErrorCode>600</ErrorCode>' body.out
    lacks "$1: no file content in the answer" 'root:' body.out
    lacks "$1: no expansion in the answer" 'lollollol' body.out
}
REQ_TAIL='<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>'
REQ_HEAD='<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request>'

printf '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>%s<EMailAddress>&x;</EMailAddress>%s' \
    "$REQ_HEAD" "$REQ_TAIL" > xxe-file.xml
expect_600 "XXE file" xxe-file.xml
printf '<?xml version="1.0"?><!DOCTYPE a SYSTEM "http://127.0.0.1:1/evil.dtd">%s<EMailAddress>bob@contoso.test</EMailAddress>%s' \
    "$REQ_HEAD" "$REQ_TAIL" > xxe-net.xml
expect_600 "external DTD" xxe-net.xml
printf '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY %% p SYSTEM "http://127.0.0.1:1/p">%%p;]>%s<EMailAddress>bob@contoso.test</EMailAddress>%s' \
    "$REQ_HEAD" "$REQ_TAIL" > xxe-param.xml
expect_600 "parameter entity" xxe-param.xml
{
    printf '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    printf '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    for i in 2 3 4 5 6 7 8 9; do
        printf '<!ENTITY lol%d "' "$i"
        for _ in 1 2 3 4 5 6 7 8 9 10; do printf '&lol%d;' $((i - 1)); done
        printf '">'
    done
    printf ']>%s<EMailAddress>&lol9;</EMailAddress>%s' "$REQ_HEAD" "$REQ_TAIL"
} > laughs.xml
expect_600 "billion laughs" laughs.xml
python3 -c 'import sys; sys.stdout.write(sys.argv[1] + "<a>" * 5000 + "</a>" * 5000 + sys.argv[2])' \
    "$REQ_HEAD" "$REQ_TAIL" > deep.xml
expect_600 "deep nesting (5,000)" deep.xml
python3 -c 'import sys; sys.stdout.write(sys.argv[1] + "<a/>" * 5000 + sys.argv[2])' \
    "$REQ_HEAD" "$REQ_TAIL" > wide.xml
expect_600 "5,000 elements" wide.xml
printf '%s<EMailAddress>bob\xff\xfe@contoso.test</EMailAddress>%s' "$REQ_HEAD" "$REQ_TAIL" > utf8.xml
expect_600 "invalid UTF-8 in the address" utf8.xml
printf '%s<EMailAddress>bob@contoso.test</EMailAddress>%s\xc0\xaf' "$REQ_HEAD" "$REQ_TAIL" > utf8b.xml
expect_600 "overlong UTF-8 after the document" utf8b.xml
check_served "after the XML attacks"

# Over the cap, announced: 413 from the headers; the attacker sent no body at all.
read -r st sent < <(python3 "$HARD_DIR/attack.py" bigbody "$PORT" length 1024)
check "1 GiB by Content-Length: 413 before any body byte" "413 0" "$st $sent"
# Over the cap, chunked: the 64 MiB are read and dropped, not kept.
python3 "$HARD_DIR/attack.py" bigbody "$PORT" chunked 64 > chunked.out &
ATTACK=$!
sleep 1
check_served "during a 64 MiB chunked upload"
check_rss_bound "during a 64 MiB chunked upload" "$START"
wait "$ATTACK"
read -r st sent < chunked.out
check "64 MiB chunked: 413" 413 "$st"
echo "figure: chunked upload: $sent MiB sent before the answer"
check_rss_bound "after the body attacks" "$START"
check_alive "after the body attacks"
hard_finish
