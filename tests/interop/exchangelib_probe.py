#!/usr/bin/python3
"""exchangelib_probe.py [--mode pox|soap] EMAIL PASSWORD-FILE - run python3-exchangelib's
Autodiscover for EMAIL and print one JSON line:
{"mode", "ok", "ews_url", "auth", "version", "smtp_address", "error", "error_type", "dns", "http"}.

exchangelib 4.9.0 has two implementations: POX (the default, `discover()`, also
Account(autodiscover="pox")) and SOAP (`SoapAutodiscovery`, Account(autodiscover="soap")).
Both are driven here through their discovery class, which is what Account() calls.

Run it inside the lab (tests/lab/lab exec) with /usr/bin/python3 (Debian's exchangelib),
REQUESTS_CA_BUNDLE=<lab CA> and a private TMPDIR (exchangelib caches discoveries there)."""
import json
import logging
import sys

import dns.resolver
from exchangelib import Credentials
from exchangelib.autodiscover import clear_cache
from exchangelib.autodiscover.discovery.pox import PoxAutodiscovery
from exchangelib.autodiscover.discovery.soap import SoapAutodiscovery

report = {"mode": None, "ok": False, "ews_url": None, "auth": None, "version": None,
          "smtp_address": None, "error": None, "error_type": None, "dns": [], "http": []}

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

args = sys.argv[1:]
mode = "pox"
if len(args) >= 2 and args[0] == "--mode":
    mode, args = args[1], args[2:]
email, pwfile = args[0], args[1]
report["mode"] = mode
with open(pwfile, encoding="utf-8") as f:
    password = f.read().rstrip("\n")
cls = {"pox": PoxAutodiscovery, "soap": SoapAutodiscovery}[mode]
try:
    clear_cache()
    ad, protocol = cls(email=email, credentials=Credentials(email, password)).discover()
    report.update(ok=True, ews_url=protocol.service_endpoint, auth=protocol.config.auth_type,
                  version=str(protocol.config.version),
                  smtp_address=getattr(ad, "autodiscover_smtp_address", None))
except Exception as e:
    report["error"] = f"{type(e).__name__}: {e}"
    report["error_type"] = type(e).__name__
print(json.dumps(report))
