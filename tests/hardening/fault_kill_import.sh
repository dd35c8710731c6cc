#!/bin/bash
# kill -9 of autodiscoverctl in the middle of an import: a CSV of 100,000 pre-hashed
# mailboxes with an alias each (200,002 records) is imported into a directory that already
# holds two mailboxes, and the import is killed at three points after it started writing
# (its rollback journal exists), each time on a fresh copy of the directory. Each time the
# directory passes PRAGMA integrity_check and holds all or none of the import (none: the
# same counts as before; all: a kill after the commit); at least one kill must land inside
# the transaction (none). Then an import left to finish holds all of it.
#
#   fault_kill_import.sh AUTODISCOVERD AUTODISCOVERCTL
set -euo pipefail
# shellcheck source=tests/hardening/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init hard_kill_import "$@"
DB=$WORK/directory.db
"$CTL" --db "$DB" init >/dev/null
"$CTL" --db "$DB" domain add contoso.test >/dev/null
AUTODISCOVER_PASSWORD=$BOB_PW "$CTL" --db "$DB" mailbox add bob@contoso.test --name Bob >/dev/null
AUTODISCOVER_PASSWORD=alicepw "$CTL" --db "$DB" mailbox add alice@contoso.test --name Alice >/dev/null
N=100000
python3 - "$N" > big.csv <<'PY'
import sys
n = int(sys.argv[1])
h = "$y$j9T$wQiCPfeCHZWFS1sfrDbVO.$BZWcyob51yG3HFco9eq956yRnufqTH1dIaXHPA6TwmD"   # looks like a SHA-crypt hash; never checked against
out = ["org,big.test,6f0c2a51-3d1e-4c8b-9a7e-2b9d4f1e8c30,,", "domain,big.test,big.test"]
for i in range(n):
    out.append("mailbox,u%d@big.test,User %d,/o=big/cn=u%d,%s,,1" % (i, i, i, h))
    out.append("alias,a%d@big.test,u%d@big.test" % (i, i))
sys.stdout.write("\n".join(out) + "\n")
PY
echo "figure: big.csv $(wc -l < big.csv) records, $(($(stat -c %s big.csv) / 1024)) KiB"
counts() { sqlite3 "$DB" 'SELECT (SELECT count(*) FROM mailboxes) || " " || (SELECT count(*) FROM domains);'; }
BEFORE=$(counts)
read -r m d <<< "$BEFORE"
ALL="$((m + N)) $((d + 1))"
echo "figure: before: mailboxes domains = $BEFORE"
cp "$DB" base.db
nones=0
# Kill at these delays (ms) after the journal appeared, i.e. after writing started.
for delay in 0 150 400 900; do
    rm -f ctl.err "$DB-journal" "$DB-wal" "$DB-shm"
    cp base.db "$DB"
    "$CTL" --db "$DB" import --format csv big.csv > ctl.out 2> ctl.err &
    IMP=$!
    started=no
    for _ in $(seq 2000); do
        if [ -e "$DB-journal" ] || [ -e "$DB-wal" ]; then started=yes; break; fi
        kill -0 "$IMP" 2>/dev/null || break
        sleep 0.005
    done
    sleep "$(awk -v d="$delay" 'BEGIN {print d / 1000}')"
    alive=no; kill -0 "$IMP" 2>/dev/null && alive=yes
    kill -9 "$IMP" 2>/dev/null || true
    rc=0; wait "$IMP" 2>/dev/null || rc=$?
    echo "figure: kill at +$delay ms: still running $alive, exit $rc"
    check "import at +$delay ms: writing had started" yes "$started"
    check "integrity_check after the kill at +$delay ms" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check;')"
    now=$(counts)
    echo "figure: after the kill at +$delay ms: mailboxes domains = $now"
    check "all or none of the import after the kill at +$delay ms" yes \
        "$([ "$now" = "$BEFORE" ] || [ "$now" = "$ALL" ] && echo yes || echo "no ($now)")"
    [ "$now" != "$BEFORE" ] || nones=$((nones + 1))
done
check "at least one kill inside the transaction" yes "$([ "$nones" -ge 1 ] && echo yes || echo no)"
rm -f "$DB-journal" "$DB-wal" "$DB-shm"
cp base.db "$DB"
SECONDS=0
rc=0; "$CTL" --db "$DB" import --format csv big.csv > ctl.out 2> ctl.err || rc=$?
echo "figure: a full import of $N mailboxes took ${SECONDS} s"
check "the import left to finish succeeds" 0 "$rc"
check "all of the import" "$ALL" "$(counts)"
check "aliases imported" "$N" "$(sqlite3 "$DB" "SELECT count(*) FROM aliases WHERE address LIKE '%@big.test';")"
check "integrity_check at the end" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check;')"
e2e_finish
