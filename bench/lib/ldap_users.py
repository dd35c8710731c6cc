#!/usr/bin/python3
"""ldap_users.py N HASH OUT: the LDIF of the LDAP directory of bench/run's scale section,
for slapadd: the service account CN=svc-autodiscover (password on stdin's first line, as
given: slapd hashes nothing offline, so pass a {SSHA} from slappasswd) and the mailboxes
bob@contoso.test, user0000001..user<N-1>@contoso.test (N in all, as the SQLite directory of
make_directory), each inetOrgPerson + autodiscoverMailRecipient with the same mail,
displayName and legacyExchangeDN values as the SQLite rows and userPassword {CRYPT}HASH:
the SQLite directory's own yescrypt hash, which slapd checks with crypt(3) on a bind."""
import sys

n, pw_hash, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
svc_hash = sys.stdin.readline().strip()
users = "CN=Users,DC=contoso,DC=test"
legacy = "/o=contoso.test/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn="
with open(out, "w", buffering=1 << 20) as f:
    f.write(f"dn: CN=svc-autodiscover,{users}\nobjectClass: inetOrgPerson\ncn: svc-autodiscover\n"
            f"sn: svc-autodiscover\nuserPassword: {svc_hash}\n\n")
    entry = ("dn: CN={u},{users}\nobjectClass: inetOrgPerson\nobjectClass: autodiscoverMailRecipient\n"
             "cn: {u}\nsn: {u}\nmail: {u}@contoso.test\ndisplayName: {name}\n"
             "legacyExchangeDN: {legacy}{u}\nuserPassword: {{CRYPT}}{h}\n\n")
    f.write(entry.format(u="bob", users=users, name="Bob Example", legacy=legacy, h=pw_hash))
    for i in range(1, n):
        f.write(entry.format(u=f"user{i:07d}", users=users, name=f"User {i:07d}", legacy=legacy,
                             h=pw_hash))
