#!/usr/bin/python3
"""exchangelib_probe.py EMAIL PASSWORD-FILE - run python3-exchangelib's POX Autodiscover for
EMAIL and print one JSON line: {"ok", "ews_url", "auth", "version", "error", "dns", "http"}.

Run it inside the lab (tests/lab/lab exec) with /usr/bin/python3 (Debian's exchangelib),
REQUESTS_CA_BUNDLE=<lab CA> and a private TMPDIR (exchangelib caches discoveries there)."""
import json
import logging
import sys

import dns.resolver
from exchangelib import Credentials
from exchangelib.autodiscover import discover

report = {"ok": False, "ews_url": None, "auth": None, "version": None, "error": None,
          "dns": [], "http": []}

_resolve = dns.resolver.Resolver.resolve


def resolve(self, qname, rdtype="A", *args, **kwargs):
    """Record every DNS query exchangelib sends, with its outcome."""
    try:
        ans = _resolve(self, qname, rdtype, *args, **kwargs)
        report["dns"].append(f"{rdtype} {qname} -> {','.join(r.to_text() for r in ans)}")
        return ans
    except Exception as e:
        report["dns"].append(f"{rdtype} {qname} -> {type(e).__name__}")
        raise


dns.resolver.Resolver.resolve = resolve


class HttpLog(logging.Handler):
    """Keep urllib3's one-line request records ('https://host:443 "POST /path HTTP/1.1" 200 n')."""
    def emit(self, record):
        msg = record.getMessage()
        if '"' in msg and "HTTP/1.1" in msg:
            report["http"].append(msg)


urllib3_log = logging.getLogger("urllib3.connectionpool")
urllib3_log.setLevel(logging.DEBUG)
urllib3_log.addHandler(HttpLog())

email, pwfile = sys.argv[1], sys.argv[2]
with open(pwfile, encoding="utf-8") as f:
    password = f.read().rstrip("\n")
try:
    ad, protocol = discover(email, credentials=Credentials(email, password))
    report.update(ok=True, ews_url=protocol.service_endpoint, auth=protocol.config.auth_type,
                  version=str(protocol.config.version))
except Exception as e:
    report["error"] = f"{type(e).__name__}: {e}"
print(json.dumps(report))
