#!/usr/bin/python3
"""startup.py LOG CMD...: start CMD (a foreground autodiscoverd) with NOTIFY_SOCKET set, wait
for its READY=1 (sent once every listener runs, doc/autodiscoverd.md), print
"PID MILLISECONDS" (exec to READY=1) on stdout and leave the daemon running, its output in
LOG. Exit 1 (and kill it) when it exits or is not ready within 20 s."""
import os
import socket
import subprocess
import sys
import tempfile
import time

log, cmd = sys.argv[1], sys.argv[2:]
with tempfile.TemporaryDirectory(prefix="adbench-notify-") as tmp:
    path = os.path.join(tmp, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.05)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    with open(log, "ab") as out:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    while True:
        try:
            msg = sock.recv(4096).decode(errors="replace")
        except socket.timeout:
            msg = ""
        if "READY=1" in msg.split("\n"):
            ms = (time.monotonic() - t0) * 1000
            print(f"{proc.pid} {ms:.1f}")
            sys.exit(0)
        if proc.poll() is not None or time.monotonic() - t0 > 20:
            if proc.poll() is None:
                proc.kill()
            sys.stderr.write(f"startup.py: {cmd[0]} did not become ready (see {log})\n")
            sys.exit(1)
