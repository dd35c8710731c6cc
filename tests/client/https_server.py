#!/usr/bin/env python3
"""A tiny Autodiscover POX server over TLS for the client tests.

Usage: https_server.py CERT KEY WRONG_CERT WRONG_KEY LOG
Serves two ports on 127.0.0.1: one with CERT (the right name), one with WRONG_CERT (a
certificate for another name); a third port listens but never accepts (a hung server).
Prints "PORTS <good> <wrong> <hang>" once all listen. Every request
is appended to LOG as one JSON line: port, method, path, content type, whether an
Authorization header came and what it decoded to. POST without credentials: 401 Basic.
moved@contoso.test: 302 to elsewhere.test. With bob:s3cret-pw: settings for bob@contoso.test, ErrorCode 500 for any other address.
"""
import base64
import json
import re
import socket
import ssl
import sys
import threading
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

log_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self, body):
        auth = self.headers.get("Authorization")
        decoded = None
        if auth and auth.startswith("Basic "):
            decoded = base64.b64decode(auth[6:]).decode("utf-8", "replace")
        entry = {"port": self.server.server_address[1], "method": self.command,
                 "path": self.path, "content_type": self.headers.get("Content-Type"),
                 "authorization": auth is not None, "basic": decoded,
                 "body_has_email": b"<EMailAddress>" in body}
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

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        decoded = self.record(body)
        if b"<EMailAddress>moved@" in body:  # an HTTP redirect, before any authentication
            self.answer(302, b"", [("Location", "https://elsewhere.test/autodiscover/autodiscover.xml")])
            return
        if decoded != USER + ":" + PASSWORD:
            self.answer(401, b"", [("WWW-Authenticate", 'Basic realm="contoso"')])
            return
        m = re.search(rb"<EMailAddress>([^<]*)</EMailAddress>", body)
        address = m.group(1).decode() if m else ""
        doc = SETTINGS if address == USER else ERROR_500
        self.answer(200, doc.encode(), [("Content-Type", "text/xml; charset=utf-8")])


def serve(cert, key, log_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.log_path = log_path
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def main():
    cert, key, wrong_cert, wrong_key, log_path = sys.argv[1:6]
    good = serve(cert, key, log_path)
    wrong = serve(wrong_cert, wrong_key, log_path)
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(8)
    print("PORTS %d %d %d" % (good, wrong, hang.getsockname()[1]), flush=True)
    sys.stdin.read()  # runs until the test closes our standard input


if __name__ == "__main__":
    main()
