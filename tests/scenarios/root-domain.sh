#!/bin/bash
# root-domain.sh - PROTOCOL.md section 10.3: the root domain answers, no directory.
# https://northwind.test/autodiscover/autodiscover.xml is served by its own autodiscoverd
# (ad-northwind, which also serves autodiscover.northwind.test, so any request there would be
# logged). Expect one POST (two with the 401) to northwind.test, autodiscover.northwind.test
# untouched. The strict "untouched, not even resolved" assertion uses --sequential; with
# parallel probing (the default) the client may start the next candidate early when the
# current one is silent for --stagger (doc/decisions.md, "Parallel probing"), so there we
# assert what the design promises: the same winner, and no credentials to the second host.
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

export LAB_FEATURES=northwind
t_lab_up s103
email=frank@northwind.test
domain=${email#*@}
ca=$(info .ca)
common=(--json --no-cache --cacert "$ca" --password-file "$(password_file "$email")")

marks_take
run_client seq "${common[@]}" --sequential "$email"
f=$(out_file seq)
expect_eq "sequential: exit 0" "$RC" 0
expect_steps "sequential: the root answers 401, then settings" "$f" \
  "root 401 retry-with-credentials none $(pox_url "$domain")" "root 200 success basic $(pox_url "$domain")"
expect_settings "sequential" "$f" "$email" "$(pox_url "$domain")" "$domain"
expect_eq "sequential: $domain got one POST (401) and one with credentials" "$(host_requests_since_mark "$domain")" \
  "$domain POST /autodiscover/autodiscover.xml 401 -|$domain POST /autodiscover/autodiscover.xml 200 $email"
expect_eq "sequential: autodiscover.$domain untouched (its daemon logged nothing for it)" \
  "$(host_requests_since_mark "autodiscover.$domain")" ""
expect_no_match "sequential: autodiscover.$domain not even resolved" "$(dns_names_since_mark)" "^autodiscover\\.${domain//./\\.}\\.$"
expect_every_run "sequential" "$f"

marks_take
run_client par "${common[@]}" "$email"
f=$(out_file par)
expect_eq "parallel: exit 0" "$RC" 0
expect_jq "parallel: the winner is the root" "$f" '"\(.result.method) \(.result.url)"' "root $(pox_url "$domain")"
expect_jq "parallel: credentials only to the root" "$f" '[.steps[] | select(.auth != "none") | .url] | unique | join(",")' "$(pox_url "$domain")"
expect_no_match "parallel: no credentials reached autodiscover.$domain" "$(host_requests_since_mark "autodiscover.$domain")" " $email$"
expect_every_run "parallel" "$f"

t_done
