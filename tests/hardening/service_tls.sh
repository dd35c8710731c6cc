#!/bin/bash
# TLS downgrade attempts against autodiscoverd: SSL 3/TLS 1.0/1.1 and weak cipher suites
# (RC4, 3DES, CBC, NULL, anonymous, export, static RSA key exchange) must fail the handshake;
# TLS 1.2 with an AEAD/ECDHE suite and TLS 1.3 succeed. OpenSSL's client is opened up with
# @SECLEVEL=0 so the refusal is the server's, not the client's own policy.
#
#   service_tls.sh AUTODISCOVERD AUTODISCOVERCTL
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init hard_tls "$@"
hard_daemon
hs() { # hs NAME EXPECTED(ok|refused) OPENSSL-OPTIONS...: one handshake
    local name=$1 want=$2 got=refused; shift 2
    if openssl s_client -connect "127.0.0.1:$PORT" -servername localhost "$@" \
        </dev/null > "hs.out" 2>&1 && grep -q '^New, TLSv1\.[23], Cipher is [A-Z]' hs.out; then
        got=ok; fi
    check "TLS $name" "$want" "$got"
}
hs "1.3" ok -tls1_3
hs "1.2 ECDHE-RSA-AES128-GCM-SHA256" ok -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
hs "1.1" refused -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
hs "1.0" refused -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
for c in RC4 3DES DES-CBC3-SHA 'ECDHE-RSA-AES128-SHA' 'ECDHE-RSA-AES256-SHA384' \
    'AES128-GCM-SHA256' 'AES256-SHA' NULL aNULL EXP 'DHE-RSA-AES128-GCM-SHA256' 'CAMELLIA'; do
    hs "1.2 $c" refused -tls1_2 -cipher "$c:@SECLEVEL=0"
done
# A client that starts TLS and sends garbage, or plain HTTP on the TLS port: refused, and the
# service goes on.
check "plain HTTP on the TLS port" 000 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    "http://127.0.0.1:$PORT/healthz" || true)"
head -c 65536 /dev/urandom > noise.bin
timeout 5 bash -c "cat noise.bin > /dev/tcp/127.0.0.1/$PORT" 2>/dev/null || true
check_alive "after the handshake attempts"
hard_finish
