#!/usr/bin/env python3
"""Autodiscover POX over TLS for the SCP tests, one port, answering by Host:

  cas-a.*    503 Service Unavailable
  cas-err.*  401 Basic, then (with credentials) Autodiscover ErrorCode 500
  anything else: 401 Basic, then (with alice@contoso.test:Passw0rd!) settings naming the host

Usage: scp_https.py CERT KEY LOG. Prints "PORT <port>" when listening; runs until stdin
closes. Every request is one JSON line in LOG: host, method, whether Basic came.
"""
import base64, json, ssl, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USER, PASSWORD = "alice@contoso.test", "Passw0rd!"
SETTINGS = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
 <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
  <User><DisplayName>Alice</DisplayName><AutoDiscoverSMTPAddress>alice@contoso.test</AutoDiscoverSMTPAddress></User>
  <Account><AccountType>email</AccountType><Action>settings</Action>
   <Protocol><Type>EXCH</Type><Server>{host}</Server><EwsUrl>https://mail.contoso.test/EWS/Exchange.asmx</EwsUrl></Protocol>
  </Account>
 </Response>
</Autodiscover>
"""
ERROR_500 = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
 <Response><Error Time="10:00:00" Id="1"><ErrorCode>500</ErrorCode>
 <Message>The e-mail address cannot be found.</Message><DebugData /></Error></Response>
</Autodiscover>
"""
log_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        auth = self.headers.get("Authorization") or ""
        basic = ""
        if auth.startswith("Basic "):
            basic = base64.b64decode(auth[6:]).decode("utf-8", "replace")
        with log_lock, open(sys.argv[3], "a") as f:
            f.write(json.dumps({"host": host, "method": "POST", "basic": bool(basic)}) + "\n")
        if host.startswith("cas-a."):
            return self.send(503)
        if basic != f"{USER}:{PASSWORD}":
            return self.send(401, headers=[("WWW-Authenticate", 'Basic realm="x"')])
        body = ERROR_500 if host.startswith("cas-err.") else SETTINGS.format(host=host)
        self.send(200, body.encode(), [("Content-Type", "text/xml")])


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("PORT", srv.server_address[1], flush=True)
    sys.stdin.read()


main()
