#!/bin/bash
# leak-guard.sh - PROTOCOL.md section 10.12: bob@example.test, where nothing answers
# (example.test is an empty lab zone: every name NXDOMAIN). The DNS query log shows only
# example.test names and the SRV query; never autodiscover.test or test.; result not found (3).
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

t_lab_up s112
email=bob@example.test
pw=$(info .run_dir)/test-out/any.pw; mkdir -p "${pw%/*}"; printf 'whatever' >"$pw"
for mode in sequential parallel; do
  marks_take
  args=(--json --no-cache --cacert "$(info .ca)" --password-file "$pw")
  [ $mode = sequential ] && args+=(--sequential)
  run_client "$mode" "${args[@]}" "$email"
  f=$(out_file "$mode")
  expect_eq "$mode: exit 3 (not found)" "$RC" 3
  expect_jq "$mode: result AD_E_NOT_FOUND" "$f" '.result.code' AD_E_NOT_FOUND
  expect_jq "$mode: root, autodiscover, probe, SRV tried" "$f" '[.steps[] | .method] | unique | join(",")' "autodiscover,redirect,root,srv"
  asked=$(dns_names_since_mark | sort -u | paste -sd ' ')
  expect_eq "$mode: the DNS log shows only example.test names and the SRV query" "$asked" \
    "_autodiscover._tcp.example.test. autodiscover.example.test. example.test."
  expect_every_run "$mode" "$f"
done
expect_eq "no daemon logged a request" "$(for f in $(info '.daemons[].access_log'); do cat "$f"; done)" ""

t_done
