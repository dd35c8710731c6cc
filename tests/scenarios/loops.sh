#!/bin/bash
# loops.sh - PROTOCOL.md section 10.9: redirect loops and caps, against the lab's hostile host
# (tests/lab/hostile/hostile.py on loop-a/loop-b.fabrikam.test: our daemon only emits the
# redirects its directory holds, and never a loop; see doc/lab.md). Each run enters through
# --o365-url (the explicit endpoint) with the domain's other methods excluded.
#  (a) redirectUrl A -> B -> A: loop detected, A not POSTed again (exit 6)
#  (b) 11 distinct redirectUrl hops: stop after 10 (exit 6)
#  (c) redirectAddr a -> b -> a: loop (exit 6)
#  (d) redirectAddr to the address just sent: that URL is not valid for it: next candidate
# shellcheck disable=SC2016  # $names inside single quotes are jq variables
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lab/lib/assert.sh
source "$(dirname "$0")/../lab/lib/assert.sh"

export LAB_FEATURES=hostile
t_lab_up s109
ca=$(info .ca)
pw=$(info .run_dir)/test-out/any.pw; mkdir -p "${pw%/*}"; printf 'whatever' >"$pw"
A() { printf 'https://loop-a.fabrikam.test/autodiscover/%s/autodiscover.xml' "$1"; }
B() { printf 'https://loop-b.fabrikam.test/autodiscover/%s/autodiscover.xml' "$1"; }
run() { local tag=$1 entry=$2 email=$3; shift 3
  marks_take
  run_client "$tag" --json --no-cache --sequential --cacert "$ca" --password-file "$pw" \
    --o365-url "$entry" --exclude root,autodiscover,redirect,srv "$@" "$email"; }
urls() { jq -r '[.steps[] | select(.url) | "\(.status) \(.decision) \(.url)"] | join("|")' "$1"; }

# (a)
run a "$(A a)" someone@fabrikam.test
f=$(out_file a)
expect_eq "(a) A->B->A: exit 6 (redirect loop)" "$RC" 6
expect_eq "(a) A answered redirectUrl B, B answered redirectUrl A, not followed" "$(urls "$f")" \
  "200 follow-redirect $(A a)|200 stop $(B b)"
expect_step_reason "(a) the reason says loop" "$f" "$(B b)" 'loop'
expect_eq "(a) A was POSTed once" "$(host_requests_since_mark loop-a.fabrikam.test)" "loop-a.fabrikam.test POST /autodiscover/a/autodiscover.xml 200 -"
expect_every_run "(a)" "$f"

# (b)
run b "$(A hop1)" someone@fabrikam.test
f=$(out_file b)
expect_eq "(b) 11 distinct hops: exit 6 (redirect limit)" "$RC" 6
expect_jq "(b) 11 POSTs: the entry and 10 followed hops, the 11th redirect not followed" "$f" \
  '[.steps[] | select(.url) | .decision] | "\(length) \(.[0:10] | unique | join(",")) \(.[10])"' "11 follow-redirect stop"
expect_jq "(b) the last step's reason names the limit" "$f" '[.steps[] | select(.url)][-1].reason | test("limit|at most 10")' true
expect_jq "(b) result.redirects is 10" "$f" '.result.redirects' 10
expect_eq "(b) the hostile host saw hop1..hop11, never hop12" \
  "$(host_requests_since_mark loop-a.fabrikam.test | tr '|' '\n' | awk '{print $3}' | paste -sd ' ')" \
  "$(for i in $(seq 1 11); do printf '/autodiscover/hop%s/autodiscover.xml\n' "$i"; done | paste -sd ' ')"
expect_every_run "(b)" "$f"

# (c)
run c "$(A addr)" a@fabrikam.test
f=$(out_file c)
expect_eq "(c) redirectAddr a->b->a: exit 6 (loop)" "$RC" 6
expect_jq "(c) a restarted as b, b's answer (a) is a loop" "$f" \
  '[.steps[] | select(.url and .status == 200) | "\(.email) \(.decision)"] | join(",")' \
  "a@fabrikam.test restart-with-address,b@fabrikam.test stop"
expect_jq "(c) the reason says loop" "$f" '[.steps[] | select(.url)][-1].reason | test("loop")' true
expect_every_run "(c)" "$f"

# (d)
run d "$(A self)" d@fabrikam.test
f=$(out_file d)
expect_jq "(d) redirectAddr to the same address: the step goes on to the next candidate" "$f" \
  '[.steps[] | select(.url and .status == 200)][0].decision' next-candidate
expect_jq "(d) no restart" "$f" '[.steps[] | .email] | unique | join(",")' d@fabrikam.test
expect_every_run "(d)" "$f"

t_done
