#!/usr/bin/python3
"""hostile.py - a small scripted HTTP(S) server for the lab: behaviour no real Autodiscover
server shows on purpose (a 503, redirect loops, redirects to http:// or to /owa/, a 200 body on
port 80, a redirectAddr back to the address asked). Real TLS with the lab CA's certificates.

    hostile.py CONF.json

CONF: {"access_log": PATH,
       "listen": [{"address", "port", "cert"?, "key"?}],     # no cert: plain HTTP
       "rules": [{"host"?: NAME, "method"?: M, "path"?: REGEX (any case), "basic"?: true,
                  "status": N, "headers"?: {..}, "body"?: TEXT}]}
The first rule whose host (Host header, port stripped; absent = any), method and path match
answers. "basic": true answers 401 (WWW-Authenticate: Basic) to a request without Basic
credentials and the rule's answer to one with them (any password: a hostile host accepts
anything). "email": ADDRESS matches only a request for that EMailAddress. TEXT may hold
{email} (the request's EMailAddress), {host}, and {n1}: the path's named group n plus one
(for chains of distinct redirects).
Access log lines are autodiscoverd's: TIME CLIENT HOST METHOD PATH STATUS USER BYTES US, except
that CLIENT is ADDRESS:LOCALPORT (one log serves the 443 and the 80 listeners).
Prints "ready" on stdout when every listener accepts.
"""
import base64, datetime, json, re, socket, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

conf = json.load(open(sys.argv[1]))
log_lock = threading.Lock()
logf = open(conf["access_log"], "a", buffering=1)


def esc(v):
    return "".join(c if 33 <= ord(c) < 127 and c not in '%"' else "%%%02X" % ord(c) for c in v) or "-"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        t0 = time.time()
        start = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        host = (self.headers.get("Host") or "-").split(":")[0].lower()
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        m = re.search(r"<EMailAddress>([^<]*)</EMailAddress>", body)
        email = m.group(1) if m else ""
        user = "-"
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("basic "):
            try:
                user = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
            except Exception:
                user = "?"
        status, headers, text = 404, {}, ""
        for r in conf["rules"]:
            if r.get("host") and r["host"].lower() != host:
                continue
            if r.get("method") and r["method"] != self.command:
                continue
            pm = re.fullmatch(r["path"], self.path, re.I) if r.get("path") else None
            if r.get("path") and not pm:
                continue
            if r.get("email") and r["email"].lower() != email.lower():
                continue
            if r.get("basic") and user == "-":
                status, headers = 401, {"WWW-Authenticate": 'Basic realm="hostile"'}
            else:
                status, headers = r["status"], r.get("headers", {})
                text = r.get("body", "").replace("{email}", email).replace("{host}", host)
                if pm and "n" in pm.groupdict():
                    text = text.replace("{n1}", str(int(pm.group("n")) + 1))
            break
        data = text.encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if data:
            self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        us = int((time.time() - t0) * 1e6)
        with log_lock:
            logf.write("%s %s %s %s %s %d %s %d %d\n" % (start, "%s:%d" % (self.client_address[0], self.server.server_address[1]), esc(host),
                       self.command, esc(self.path), status, esc(user) if user != "-" else "-", len(data), us))

    do_GET = do_POST = do_HEAD = do_PUT = handle_any


servers = []
for l in conf["listen"]:
    s = ThreadingHTTPServer((l["address"], l["port"]), Handler)
    s.daemon_threads = True
    if l.get("cert"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(l["cert"], l["key"])
        s.socket = ctx.wrap_socket(s.socket, server_side=True)
    servers.append(s)
for s in servers[1:]:
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("ready", flush=True)
try:
    servers[0].serve_forever()
except KeyboardInterrupt:
    pass
