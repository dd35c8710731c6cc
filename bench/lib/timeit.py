#!/usr/bin/python3
"""timeit.py RUNS PREFIX CMD...: run CMD RUNS times, one after another; print "MS RC" per run
(wall time from fork to exit, monotonic clock). Run N's stdout goes to PREFIX.N.out and its
stderr to PREFIX.N.err. With BENCH_PRIVATE_TMPDIR=1 each run gets a fresh TMPDIR (exchangelib
keeps an Autodiscover cache there)."""
import os
import subprocess
import sys
import tempfile
import time

runs, prefix, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
for n in range(1, runs + 1):
    env = dict(os.environ)
    tmp = None
    if os.environ.get("BENCH_PRIVATE_TMPDIR") == "1":
        tmp = tempfile.TemporaryDirectory(prefix="adbench-tmp-")
        env["TMPDIR"] = tmp.name
    with open(f"{prefix}.{n}.out", "wb") as out, open(f"{prefix}.{n}.err", "wb") as err:
        t0 = time.monotonic()
        rc = subprocess.call(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        ms = (time.monotonic() - t0) * 1000
    if tmp:
        tmp.cleanup()
    print(f"{ms:.1f} {rc}", flush=True)
