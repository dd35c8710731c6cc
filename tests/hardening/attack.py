#!/usr/bin/env python3
"""Hostile clients for autodiscoverd (tests/hardening/service_*.sh). One job per command:

  attack.py bigbody PORT length|chunked MIB      POST with a huge body; prints STATUS SENT_MIB
  attack.py headers PORT many|huge               a header flood; prints STATUS or "closed"
  attack.py slowloris PORT N HOLD_S              N TLS connections from 127.0.0.2.. sending
                                                 partial headers, one header line every 5 s;
                                                 prints "open K" once up (then its stdout
                                                 closes), and "still-open K" after HOLD_S
  attack.py lorismany PORT N ADDRS HOLD_S DRIP_S N TLS connections spread over ADDRS
                                                 source addresses 127.0.1.1.., each sending
                                                 one header line every DRIP_S; a connection
                                                 the server closes is opened again at once;
                                                 prints "open K" once up (then its stdout
                                                 closes), and one JSON line of figures on
                                                 stderr after HOLD_S
  attack.py timing PORT N USER_A USER_B          N wrong-password POSTs each, alternated;
                                                 prints one JSON line of figures
  attack.py load PORT SECONDS THREADS PASSWORD [RATE]
                                                 authenticated POX requests in a loop on
                                                 keep-alive connections; a reused connection
                                                 that dies is retried once on a new one (as
                                                 libcurl does); prints "ok N failed F KINDS";
                                                 RATE (requests/s, all threads): paced, else
                                                 as fast as the daemon answers
  attack.py inflight PORT PAUSE_S                a POST whose body's second half comes
                                                 PAUSE_S later; prints "started", then STATUS

Certificates are not verified (the attacker does not care); 127.0.0.1 is the target.
"""
import base64
import http.client
import json
import os
import select
import socket
import ssl
import statistics
import sys
import threading
import time

HOST = "127.0.0.1"
PATH = "/autodiscover/autodiscover.xml"
BODY = open("bob.xml", "rb").read() if os.path.exists("bob.xml") else b""


def context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def connect(port, source=None, timeout=10):
    raw = socket.socket()
    raw.settimeout(timeout)
    if source:
        raw.bind((source, 0))
    raw.connect((HOST, port))
    return context().wrap_socket(raw, server_hostname="localhost")


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def read_status(s, timeout=10):
    """The status code of the first answer on s, or 'closed'."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (OSError, ssl.SSLError):
        pass
    line = data.split(b"\r\n", 1)[0].split()
    return line[1].decode() if len(line) >= 2 else "closed"


def head(extra=""):
    return ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\n"
            "Content-Type: text/xml\r\n%s" % (PATH, basic("bob@contoso.test", "Passw0rd!"), extra))


def bigbody(port, mode, mib):
    s = connect(port)
    total = mib << 20
    chunk = b"<a>" + b"x" * 65533
    sent = 0
    if mode == "length":
        s.sendall((head("Content-Length: %d\r\n\r\n" % total)).encode())
        print(read_status(s), 0)  # answered from the headers: no body sent at all
        return
    s.sendall(head("Transfer-Encoding: chunked\r\n\r\n").encode())
    try:
        while sent < total:
            s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        s.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server may close early: that is fine too
    print(read_status(s), sent >> 20)


def headers(port, mode):
    s = connect(port)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        if mode == "many":
            for i in range(0, 100000, 500):
                s.sendall(b"".join(b"X-H%d: v\r\n" % (i + k) for k in range(500)))
        else:
            s.sendall(b"X-Huge: ")
            for _ in range(64):
                s.sendall(b"a" * (1 << 16))
            s.sendall(b"\r\n")
        s.sendall(b"\r\n")
    except OSError:
        print("closed")
        return
    print(read_status(s))


def slowloris(port, n, hold):
    conns = []
    for i in range(n):
        source = "127.0.0.%d" % (2 + i // 60)  # under the per-IP limit of 64
        try:
            s = connect(port, source)
            s.sendall(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % PATH.encode())
            conns.append(s)
        except OSError as e:
            print("connect %d failed: %s" % (i, e), file=sys.stderr)
    print("open %d" % len(conns), flush=True)
    sys.stdout.close()
    end = time.monotonic() + hold
    k = 0
    while time.monotonic() < end:
        time.sleep(min(5, max(0, end - time.monotonic())))
        alive = []
        for s in conns:
            try:
                s.sendall(b"X-Drip-%d: a\r\n" % k)
                alive.append(s)
            except OSError:
                s.close()
        conns = alive
        k += 1
    print("still-open %d" % len(conns), file=sys.stderr)


def closed_by_server(socks):
    """The sockets of socks the server closed (EOF or an error; they sent it nothing whole, so
    any data is an answer to a partial request: closed too). poll(): select() stops at 1,023."""
    poller = select.poll()
    for s in socks:
        poller.register(s, select.POLLIN)
    readable = {fd for fd, _ in poller.poll(0)}
    closed = set()
    for s in socks:
        if s.fileno() not in readable:
            continue
        s.setblocking(False)
        try:
            s.recv(1)
            closed.add(s)
        except ssl.SSLWantReadError:
            pass  # only a TLS 1.3 session ticket
        except OSError:
            closed.add(s)
        finally:
            s.setblocking(True)
    return closed


def lorismany(port, n, addrs, hold, drip):
    """A sustained slowloris from many addresses: closed connections are replaced."""
    line = b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % PATH.encode()
    conns = {}  # slot -> (socket, opened at)
    fig = {"opened": 0, "refused": 0, "closed_by_server": 0, "max_age_at_close_s": 0.0,
           "peak_open": 0, "max_poll_gap_s": 0.0}  # a close is seen up to a poll gap late

    def reopen(slots):
        for i in slots:
            try:
                s = connect(port, "127.0.1.%d" % (1 + i % addrs), timeout=1)
                s.sendall(line)
                conns[i] = (s, time.monotonic())
                fig["opened"] += 1
                fig["peak_open"] = max(fig["peak_open"], len(conns))
            except OSError:
                fig["refused"] += 1
                return  # the server takes no more now: try again at the next drip

    reopen(range(n))
    print("open %d" % len(conns), flush=True)
    sys.stdout.close()
    end = time.monotonic() + hold
    k = 0
    last = time.monotonic()
    while time.monotonic() < end:
        time.sleep(min(drip, max(0, end - time.monotonic())))
        now = time.monotonic()
        fig["max_poll_gap_s"] = max(fig["max_poll_gap_s"], round(now - last, 1))
        last = now
        gone = closed_by_server([c[0] for c in conns.values()])
        for i, (s, opened) in list(conns.items()):
            if s not in gone:
                try:
                    s.sendall(b"X-Drip-%d: a\r\n" % k)
                    continue
                except OSError:
                    pass
            fig["closed_by_server"] += 1
            fig["max_age_at_close_s"] = max(fig["max_age_at_close_s"], round(now - opened, 1))
            s.close()
            del conns[i]
        k += 1
        if time.monotonic() < end:
            reopen([i for i in range(n) if i not in conns])
    time.sleep(0.5)  # a last look, at connections the last round did not reopen
    gone = closed_by_server([c[0] for c in conns.values()])
    now = time.monotonic()
    alive = [o for s, o in conns.values() if s not in gone]
    fig["still_open"] = len(alive)
    fig["oldest_open_s"] = round(max((now - o for o in alive), default=0), 1)
    print(json.dumps(fig), file=sys.stderr)


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def timing(port, n, user_a, user_b):
    times = {user_a: [], user_b: []}
    answers = {user_a: set(), user_b: set()}
    conns = {u: http.client.HTTPSConnection(HOST, port, context=context(), timeout=10)
             for u in times}
    for i in range(2 * n):
        user = user_a if i % 2 == 0 else user_b
        c = conns[user]
        t0 = time.perf_counter()
        c.request("POST", PATH, BODY, {"Authorization": basic(user, "wrong-%d" % i),
                                       "Content-Type": "text/xml"})
        r = c.getresponse()
        body = r.read()
        times[user].append((time.perf_counter() - t0) * 1000)
        hdrs = sorted((k, v) for k, v in r.getheaders() if k.lower() not in ("date",))
        answers[user].add((r.status, body, tuple(hdrs)))
    out = {"n": n, "same_answer": answers[user_a] == answers[user_b] and len(answers[user_a]) == 1,
           "status": sorted({a[0] for a in answers[user_a] | answers[user_b]})}
    for u, xs in times.items():
        out[u] = {"median_ms": round(statistics.median(xs), 2),
                  "p10_ms": round(percentile(xs, 0.1), 2), "p90_ms": round(percentile(xs, 0.9), 2),
                  "min_ms": round(min(xs), 2), "max_ms": round(max(xs), 2)}
    print(json.dumps(out))


def load(port, seconds, threads, password, rate=0.0):
    counts = {"ok": 0, "failed": 0}
    kinds = {}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def once(c):
        c.request("POST", PATH, BODY, {"Authorization": basic("bob@contoso.test", password),
                                       "Content-Type": "text/xml"})
        r = c.getresponse()
        body = r.read()
        return None if r.status == 200 and b"Bob Example" in body else "status %d" % r.status

    def worker():
        c = None
        gap = threads / rate if rate > 0 else 0.0
        due = time.monotonic()
        while time.monotonic() < end:
            if gap:
                due += gap
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                elif pause < -1:  # fell behind: do not burst to catch up
                    due = time.monotonic()
            reused = c is not None
            try:
                if c is None:
                    c = http.client.HTTPSConnection(HOST, port, context=context(), timeout=10)
                kind = once(c)
            except (OSError, http.client.HTTPException) as e:
                kind = type(e).__name__
                c.close()
                c = None
                if reused:  # as libcurl does: a reused connection that died is retried once
                    with lock:
                        kinds["retried " + kind] = kinds.get("retried " + kind, 0) + 1
                    try:
                        c = http.client.HTTPSConnection(HOST, port, context=context(), timeout=10)
                        kind = once(c)
                    except (OSError, http.client.HTTPException) as e2:
                        kind = type(e2).__name__
                        c.close()
                        c = None
            with lock:
                if kind is None:
                    counts["ok"] += 1
                else:
                    counts["failed"] += 1
                    kinds[kind] = kinds.get(kind, 0) + 1
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("ok %d failed %d %s" % (counts["ok"], counts["failed"], json.dumps(kinds)))


def inflight(port, pause):
    """One POST whose body arrives in two halves PAUSE s apart; prints its status."""
    s = connect(port)
    s.sendall(head("Content-Length: %d\r\n\r\n" % len(BODY)).encode() + BODY[:len(BODY) // 2])
    print("started", flush=True)
    time.sleep(pause)
    s.sendall(BODY[len(BODY) // 2:])
    print(read_status(s), flush=True)


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    a = sys.argv[3:]
    if cmd == "bigbody":
        bigbody(port, a[0], int(a[1]))
    elif cmd == "headers":
        headers(port, a[0])
    elif cmd == "slowloris":
        slowloris(port, int(a[0]), float(a[1]))
    elif cmd == "lorismany":
        lorismany(port, int(a[0]), int(a[1]), float(a[2]), float(a[3]))
    elif cmd == "timing":
        timing(port, int(a[0]), a[1], a[2])
    elif cmd == "inflight":
        inflight(port, float(a[0]))
    elif cmd == "load":
        load(port, float(a[0]), int(a[1]), a[2], float(a[3]) if len(a) > 3 else 0.0)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
