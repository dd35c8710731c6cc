#!/usr/bin/env python3
"""A tiny Autodiscover POX server over TLS for the client tests.

Usage: https_server.py CERT KEY WRONG_CERT WRONG_KEY LOG
Serves two ports on 127.0.0.1: one with CERT (the right name), one with WRONG_CERT (a
certificate for another name); a third port listens but never accepts (a hung server); a
fourth is plain http, for the port-80 probe; the fifth and sixth serve CERT like the first
but accept TCP and wait 200 ms and 120 ms before the TLS handshake (slow connections).
Prints "PORTS <good> <wrong> <hang> <http> <tls200> <tls120>" once all listen. Every request
is appended to LOG as one JSON line: port, host, method, path, content type, whether an
Authorization or Cookie header came, what Basic decoded to, the address in the body.
POST without credentials: 401 Basic. With bob:s3cret-pw: settings for bob@contoso.test and
for any address on a host outside contoso.test, ErrorCode 500 for any other address.
Some addresses are answered late by one host (SLOW).
Before authentication some addresses get a redirect (see REDIRECTS and redirect_for()).
The http port answers GET by Host: autodiscover.probe.test 302 to ad.provider.test,
autodiscover.probehttp.test 302 to an http URL, anything else 200 with a body.
"""
import base64
import json
import re
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USER, PASSWORD = "bob@contoso.test", "s3cret-pw"

SETTINGS = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
    <User><DisplayName>Bob Example</DisplayName><AutoDiscoverSMTPAddress>bob@contoso.test</AutoDiscoverSMTPAddress></User>
    <Account><AccountType>email</AccountType><Action>settings</Action>
      <Protocol><Type>EXPR</Type><Server>mail.contoso.test</Server><EwsUrl>https://mail.contoso.test/EWS/Exchange.asmx</EwsUrl></Protocol>
      <Protocol><Type>WEB</Type><Internal><OWAUrl AuthenticationMethod="Basic">https://mail.contoso.test/owa/</OWAUrl></Internal></Protocol>
    </Account>
  </Response>
</Autodiscover>
"""

ERROR_500 = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response><Error Time="10:00:00.0000000" Id="1"><ErrorCode>500</ErrorCode>
  <Message>The e-mail address cannot be found.</Message><DebugData /></Error></Response>
</Autodiscover>
"""

REDIRECT_XML = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
    <Account><AccountType>email</AccountType><Action>{action}</Action>{element}</Account>
  </Response>
</Autodiscover>
"""

# address -> (status, Location) answered before authentication, on any host of contoso.test.
HTTP_REDIRECTS = {
    "moved@contoso.test": (302, "https://elsewhere.test/autodiscover/autodiscover.xml"),
    "redir302@contoso.test": (302, "https://eu.provider.test/Autodiscover/bob/Autodiscover.xml"),
    "badpath@contoso.test": (302, "https://eu.provider.test/owa/"),
    "httploc@contoso.test": (301, "http://eu.provider.test/autodiscover/autodiscover.xml"),
}

# address -> (host, seconds): that host answers that address late, after the TLS handshake
# (a live server that is slow, not a black hole). Settings are served for these addresses.
SLOW = {
    "slow@contoso.test": ("contoso.test", 1.0),
    "slowmove@contoso.test": ("contoso.test", 1.0),
}

# address -> (host, status, Location): an HTTP redirect from that host only.
HOST_REDIRECTS = {
    "slowmove@contoso.test": ("contoso.test", 302,
                              "https://eu.provider.test/autodiscover/autodiscover.xml"),
}

log_lock = threading.Lock()


def redirect_xml(kind, target):
    if kind == "url":
        return REDIRECT_XML.format(action="redirectUrl", element="<RedirectUrl>%s</RedirectUrl>" % target)
    return REDIRECT_XML.format(action="redirectAddr", element="<RedirectAddr>%s</RedirectAddr>" % target)


def redirect_for(host, path, address):
    """A POX redirect (kind, target) for this request, or None."""
    if address == "loop@contoso.test":  # A -> B -> A
        if host == "autodiscover.contoso.test":
            return ("url", "https://eu.provider.test/autodiscover/autodiscover.xml")
        return ("url", "https://autodiscover.contoso.test/autodiscover/autodiscover.xml")
    if address == "chain@contoso.test":  # endless: /autodiscover/N/autodiscover.xml -> N+1
        m = re.match(r"/autodiscover/(\d+)/autodiscover.xml", path)
        n = int(m.group(1)) + 1 if m else 1
        return ("url", "https://autodiscover.contoso.test/autodiscover/%d/autodiscover.xml" % n)
    if address == "addr-a@contoso.test":
        return ("addr", "addr-b@fabrikam.test")
    if address == "addr-b@fabrikam.test":
        return ("addr", "addr-a@contoso.test")
    if address == "moveaddr@contoso.test":
        return ("addr", "moved2@fabrikam.test")
    if address == "selfaddr@contoso.test":
        return ("addr", "selfaddr@contoso.test")
    if address == "hop@probe.test" and host == "ad.provider.test":
        return ("url", "https://eu.provider.test/autodiscover/autodiscover.xml")
    return None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self, body):
        auth = self.headers.get("Authorization")
        decoded = None
        if auth and auth.startswith("Basic "):
            decoded = base64.b64decode(auth[6:]).decode("utf-8", "replace")
        m = re.search(rb"<EMailAddress>([^<]*)</EMailAddress>", body)
        entry = {"port": self.server.server_address[1], "method": self.command,
                 "host": (self.headers.get("Host") or "").split(":")[0],
                 "path": self.path, "content_type": self.headers.get("Content-Type"),
                 "authorization": auth is not None, "basic": decoded,
                 "cookie": self.headers.get("Cookie") is not None, "body_len": len(body),
                 "body_has_email": b"<EMailAddress>" in body,
                 "email": m.group(1).decode() if m else None}
        with log_lock, open(self.server.log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")
        return decoded

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # the port-80 probe
        self.record(b"")
        host = (self.headers.get("Host") or "").split(":")[0]
        if host == "autodiscover.probe.test":
            self.answer(302, b"", [("Location", "https://ad.provider.test/autodiscover/autodiscover.xml")])
        elif host == "autodiscover.probehttp.test":
            self.answer(302, b"", [("Location", "http://ad.provider.test/autodiscover/autodiscover.xml")])
        else:
            self.answer(200, SETTINGS.encode(), [("Content-Type", "text/xml")])

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        decoded = self.record(body)
        m = re.search(rb"<EMailAddress>([^<]*)</EMailAddress>", body)
        address = m.group(1).decode() if m else ""
        host = (self.headers.get("Host") or "").split(":")[0]
        if address in SLOW and SLOW[address][0] == host:
            time.sleep(SLOW[address][1])
        if address in HOST_REDIRECTS and HOST_REDIRECTS[address][0] == host:
            self.answer(HOST_REDIRECTS[address][1], b"", [("Location", HOST_REDIRECTS[address][2])])
            return
        if host.endswith("contoso.test") and address in HTTP_REDIRECTS:
            status, location = HTTP_REDIRECTS[address]
            self.answer(status, b"", [("Location", location)])
            return
        redirect = redirect_for(host, self.path, address)
        if redirect:
            self.answer(200, redirect_xml(*redirect).encode(), [("Content-Type", "text/xml")])
            return
        if decoded != USER + ":" + PASSWORD:
            self.answer(401, b"", [("WWW-Authenticate", 'Basic realm="contoso"')])
            return
        known = address == USER or address in SLOW or not host.endswith("contoso.test")
        doc = SETTINGS.replace(USER, address) if known else ERROR_500
        self.answer(200, doc.encode(), [("Content-Type", "text/xml; charset=utf-8")])


def serve(cert, key, log_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.log_path = log_path
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


class SlowTLSServer(ThreadingHTTPServer):
    """Accepts TCP at once, then waits tls_delay seconds (in the request's thread) before
    the TLS handshake: a live server on a slow path, not a black hole."""

    def finish_request(self, request, client_address):
        time.sleep(self.tls_delay)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()


def serve_slow_tls(cert, key, log_path, delay):
    server = SlowTLSServer(("127.0.0.1", 0), Handler)
    server.log_path = log_path
    server.tls_delay = delay
    server.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.ctx.load_cert_chain(cert, key)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def main():
    cert, key, wrong_cert, wrong_key, log_path = sys.argv[1:6]
    good = serve(cert, key, log_path)
    wrong = serve(wrong_cert, wrong_key, log_path)
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(8)
    plain = serve(None, None, log_path)
    tls200 = serve_slow_tls(cert, key, log_path, 0.2)
    tls120 = serve_slow_tls(cert, key, log_path, 0.12)
    print("PORTS %d %d %d %d %d %d" % (good, wrong, hang.getsockname()[1], plain, tls200, tls120),
          flush=True)
    sys.stdin.read()  # runs until the test closes our standard input


if __name__ == "__main__":
    main()
