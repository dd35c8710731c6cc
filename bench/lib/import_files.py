#!/usr/bin/python3
"""import_files.py N HASH BASE: BASE.csv and BASE.json for `autodiscoverctl import`
(doc/autodiscoverctl.md, "Import and export"): one organisation and domain, contoso.test,
and N mailboxes user0000001@contoso.test... with the password hash HASH, no aliases."""
import json
import sys
import uuid

n, h, base = int(sys.argv[1]), sys.argv[2], sys.argv[3]
dn = "/o=contoso.test/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn="
guid = str(uuid.uuid4())
with open(base + ".csv", "w", encoding="utf-8") as f:
    f.write(f"org,contoso.test,{guid},,\ndomain,contoso.test,contoso.test\n")
    for i in range(1, n + 1):
        f.write(f"mailbox,user{i:07d}@contoso.test,User {i:07d},{dn}user{i:07d},{h},,1\n")
doc = {"format": 1, "pods": [],
       "organisations": [{"name": "contoso.test", "deployment_id": guid, "pod": None,
                          "routing_domain": None, "protocols": []}],
       "domains": [{"name": "contoso.test", "organisation": "contoso.test"}],
       "mailboxes": [{"address": f"user{i:07d}@contoso.test", "display_name": f"User {i:07d}",
                      "legacy_dn": f"{dn}user{i:07d}", "password_hash": h,
                      "target_address": None, "enabled": True, "aliases": [], "protocols": []}
                     for i in range(1, n + 1)]}
with open(base + ".json", "w", encoding="utf-8") as f:
    json.dump(doc, f)
