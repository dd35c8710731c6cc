#!/usr/bin/env python3
"""Hostile Autodiscover servers for the client (tests/hardening/client_*.sh).

Usage: hostile_server.py DIR   (DIR holds ca.pem, ca.key, good.pem, good.key, wrong.pem,
wrong.key; the expired, not-yet-valid and self-signed certificates are made here)

One port per behaviour on 127.0.0.1; prints "PORTS name=port ..." then serves until its
standard input closes. Every request is appended to DIR/requests.log as one JSON line:
port name, path, whether an Authorization header came and whether it held the password,
and when it was read ("time", seconds since the epoch).

  good        401 Basic without credentials; settings for bob with bob:s3cret-pw
  hang        TCP accepted, never read (no TLS handshake)
  hangtls     TLS handshake, the request read, never an answer
  slow        200 with a 100 KB Content-Length, the body one byte a second
  endless     200 chunked, an endless XML body
  hugeheader  200, then one header line that never ends
  redirect    302 to https://contoso.test/autodiscover/N/autodiscover.xml, N+1 each time
  gzip        200 Content-Encoding gzip: 64 MiB of XML compressed to ~64 KB
  ntlm        401 offering NTLM and Negotiate only
  malformed   200 text/xml that is not XML
  wrongschema 200 well-formed XML of another schema
  expired, notyet, selfsigned, wrongname: the good server with such a certificate
"""
import base64
import datetime
import gzip
import json
import os
import socket
import socketserver
import ssl
import sys
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PASSWORD = "s3cret-pw"
SETTINGS = b"""<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
    <User><DisplayName>Bob Example</DisplayName><AutoDiscoverSMTPAddress>bob@contoso.test</AutoDiscoverSMTPAddress></User>
    <Account><AccountType>email</AccountType><Action>settings</Action>
      <Protocol><Type>EXPR</Type><Server>mail.contoso.test</Server></Protocol>
    </Account>
  </Response>
</Autodiscover>
"""
WRONG_SCHEMA = b"""<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://example.test/not-autodiscover"><Response><Account>
<Action>settings</Action><Protocol><Type>EXPR</Type><Server>evil.test</Server></Protocol>
</Account></Response></Autodiscover>
"""
DIR = sys.argv[1]
LOCK = threading.Lock()
COUNTER = [0]


def make_cert(name, not_before, not_after, self_signed=False):
    """DIR/NAME.pem and .key for autodiscover.contoso.test and contoso.test."""
    ca_key = serialization.load_pem_private_key(open(os.path.join(DIR, "ca.key"), "rb").read(), None)
    ca = x509.load_pem_x509_certificate(open(os.path.join(DIR, "ca.pem"), "rb").read())
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "contoso.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(subject)
         .issuer_name(subject if self_signed else ca.subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now + not_before).not_valid_after(now + not_after)
         .add_extension(x509.SubjectAlternativeName(
             [x509.DNSName("contoso.test"), x509.DNSName("autodiscover.contoso.test")]), False))
    cert = b.sign(key if self_signed else ca_key, hashes.SHA256())
    with open(os.path.join(DIR, name + ".pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(DIR, name + ".key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))


def log(mode, path, auth):
    decoded = ""
    if auth and auth.lower().startswith("basic "):
        decoded = base64.b64decode(auth[6:]).decode("utf-8", "replace")
    entry = {"server": mode, "path": path, "authorization": auth is not None,
             "password": PASSWORD in decoded, "time": time.time()}
    with LOCK, open(os.path.join(DIR, "requests.log"), "a") as f:
        f.write(json.dumps(entry) + "\n")


def read_request(f):
    """(path, headers dict lower-case) of one request, its body read and dropped."""
    line = f.readline(8192)
    if not line:
        return None, None
    parts = line.split()
    path = parts[1].decode("latin-1") if len(parts) > 1 else ""
    headers = {}
    while True:
        h = f.readline(8192)
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0") or 0)
    if n:
        f.read(n)
    return path, headers


def answer(w, status, body=b"", headers=()):
    reason = {200: "OK", 302: "Found", 401: "Unauthorized"}.get(status, "X")
    out = "HTTP/1.1 %d %s\r\n" % (status, reason)
    for k, v in headers:
        out += "%s: %s\r\n" % (k, v)
    out += "Content-Length: %d\r\n\r\n" % len(body)
    w.write(out.encode() + body)
    w.flush()


GZIP_BOMB = None


def gzip_bomb():
    global GZIP_BOMB
    if GZIP_BOMB is None:
        raw = b'<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"><!--'
        GZIP_BOMB = gzip.compress(raw + b" " * (64 << 20) + b"--></Autodiscover>", 9)
    return GZIP_BOMB


def serve_mode(mode, conn):
    f = conn.makefile("rb")
    w = conn.makefile("wb")
    while True:
        path, headers = read_request(f)
        if path is None:
            return
        auth = headers.get("authorization")
        log(mode, path, auth)
        if mode == "hangtls":
            time.sleep(3600)
        elif mode == "slow":
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n")
            w.flush()
            for _ in range(100000):
                w.write(b" ")
                w.flush()
                time.sleep(1)
        elif mode == "endless":
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"<a>" * 10000
            while True:
                w.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                w.flush()
        elif mode == "hugeheader":
            w.write(b"HTTP/1.1 200 OK\r\nX-Huge: ")
            while True:
                w.write(b"a" * 65536)
                w.flush()
        elif mode == "redirect":
            with LOCK:
                COUNTER[0] += 1
                n = COUNTER[0]
            answer(w, 302, b"", [("Location", "https://contoso.test/autodiscover/%d/autodiscover.xml" % n)])
        elif mode == "gzip":
            answer(w, 200, gzip_bomb(), [("Content-Type", "text/xml"), ("Content-Encoding", "gzip")])
        elif mode == "ntlm":
            answer(w, 401, b"", [("WWW-Authenticate", "NTLM"), ("WWW-Authenticate", "Negotiate")])
        elif mode == "malformed":
            answer(w, 200, b"<Autodiscover><Response><Account></Resp", [("Content-Type", "text/xml")])
        elif mode == "wrongschema":
            answer(w, 200, WRONG_SCHEMA, [("Content-Type", "text/xml")])
        else:  # good and the certificate variants
            if auth != "Basic " + base64.b64encode(("bob@contoso.test:" + PASSWORD).encode()).decode():
                answer(w, 401, b"", [("WWW-Authenticate", 'Basic realm="contoso"')])
            else:
                answer(w, 200, SETTINGS, [("Content-Type", "text/xml; charset=utf-8")])


def make_server(mode, cert):
    ctx = None
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(DIR, cert + ".pem"), os.path.join(DIR, cert + ".key"))

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            conn = self.request
            try:
                if mode == "hang":
                    time.sleep(3600)
                    return
                conn = ctx.wrap_socket(conn, server_side=True)
                serve_mode(mode, conn)
            except (OSError, ssl.SSLError, ValueError):
                pass

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 64

    s = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    return s.server_address[1]


def main():
    day = datetime.timedelta(days=1)
    make_cert("expired", -10 * day, -1 * day)
    make_cert("notyet", 1 * day, 10 * day)
    make_cert("selfsigned", -1 * day, 1 * day, self_signed=True)
    gzip_bomb()
    modes = {"good": "good", "hang": None, "hangtls": "good", "slow": "good",
             "endless": "good", "hugeheader": "good", "redirect": "good", "gzip": "good",
             "ntlm": "good", "malformed": "good", "wrongschema": "good", "expired": "expired",
             "notyet": "notyet", "selfsigned": "selfsigned", "wrongname": "wrong"}
    ports = {m: make_server(m, c) for m, c in modes.items()}
    print("PORTS " + " ".join("%s=%d" % kv for kv in ports.items()), flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
