#!/bin/bash
# exchangelib.sh - python3-exchangelib (Debian), a real third-party client, discovers an
# on-premises mailbox (journey 2) against our autodiscoverd in the lab.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$here/../lab/lib/assert.sh"

if ! /usr/bin/python3 -c 'import exchangelib' 2>/dev/null; then
  bail "python3-exchangelib is not installed for /usr/bin/python3 (scripts/setup-deps installs it)"
fi

t_lab_up xl
email=$(info '[.mailboxes[] | select(.journey == 2)][0].address')
domain=${email#*@}
access_log=$(info '.daemons[0].access_log')
want_ews=$(org_setting "$domain" EXPR EwsUrl)
out=$(info .run_dir)/test-out; mkdir -p "$out/tmp"   # private TMPDIR: no cached discovery

a0=$(log_mark "$access_log")
rc=0
# /usr/bin/python3: the python3 on PATH may be another interpreter without Debian's packages.
lab exec env TMPDIR="$out/tmp" /usr/bin/python3 "$here/exchangelib_probe.py" \
  "$email" "$(password_file "$email")" >"$out/exchangelib.json" 2>"$out/exchangelib.err" || rc=$?
expect_eq "probe ran" "$rc" 0
expect_jq "exchangelib discovered $email" "$out/exchangelib.json" '.ok' true
expect_jq "its EWS URL is the lab's ($want_ews)" "$out/exchangelib.json" '.ews_url' "$want_ews"
expect_jq "it POSTed to autodiscover.$domain and got 200" "$out/exchangelib.json" \
  "[.http[] | select(test(\"autodiscover\\\\.$domain:443 \\\"POST /autodiscover/autodiscover\\\\.xml HTTP/1.1\\\" 200\"; \"i\"))] | length > 0" true

# The daemon's access log agrees: exchangelib POSTed to autodiscover.<domain>; the last POST,
# as the mailbox, got 200.
new=$(access_since "$access_log" "$a0")
expect_match "access log: exchangelib POSTed to autodiscover.$domain" "$new" "^autodiscover\\.$domain POST /autodiscover/autodiscover\\.xml "
expect_eq "access log: its last POST, as $email, got 200" \
  "$(grep " POST " <<<"$new" | tail -1)" "autodiscover.$domain POST /autodiscover/autodiscover.xml 200 $email"
t_done
