#!/bin/bash
# The autodiscover command without a network: options, exit statuses, one-line failures.
set -uo pipefail
tool=${1:?usage: cli.sh AUTODISCOVER}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/cache" XDG_CONFIG_HOME="$tmp/config"
failures=0
# expect STATUS ARGS...: runs the tool, checks its status and that a failure says one line.
expect() {
    local want=$1; shift
    local rc=0
    AUTODISCOVER_PASSWORD=x "$tool" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL: autodiscover $*: exit $rc, expected $want"; cat "$tmp/err"
        failures=$((failures + 1))
    elif [ "$want" != 0 ] && { [ "$(wc -l <"$tmp/err")" != 1 ] || ! grep -q '^autodiscover: ' "$tmp/err"; }; then
        echo "FAIL: autodiscover $*: stderr is not one 'autodiscover: ' line"; cat "$tmp/err"
        failures=$((failures + 1))
    else
        echo "ok: $* -> $rc"
    fi
}
expect 0 --help
grep -q 'Exit status' "$tmp/out" || { echo "FAIL: --help lists no exit status"; failures=$((failures + 1)); }
expect 0 --version
expect 2
expect 2 a@b.test c@d.test
expect 2 --bogus bob@contoso.test
expect 2 --timeout
expect 2 --timeout abc bob@contoso.test
expect 2 --timeout 0 bob@contoso.test
expect 2 --timeout 601 bob@contoso.test
expect 2 --exclude root,dns bob@contoso.test
expect 2 --cacert /nonexistent/ca.pem bob@contoso.test
expect 2 --password-file /nonexistent/pw bob@contoso.test
expect 2 --connect-to nonsense bob@contoso.test
expect 2 --max-redirects 101 bob@contoso.test
expect 2 --max-redirects x bob@contoso.test
expect 2 --retries 11 bob@contoso.test
expect 2 --deadline 0 bob@contoso.test
expect 2 --seed -1 bob@contoso.test
expect 2 --dns-server not-an-address bob@contoso.test
expect 2 --local-xml no-equals-sign bob@contoso.test
expect 2 --o365-url http://o365.test/autodiscover/autodiscover.xml bob@contoso.test
expect 2 --allow-redirect 'a/b' bob@contoso.test
expect 2 --config /nonexistent/config bob@contoso.test
expect 2 bob
expect 2 'bob smith@contoso.test'
expect 2 --json bob@@contoso.test
grep -q '"code": "AD_E_BAD_ADDRESS"' "$tmp/out" || { echo "FAIL: no JSON for a bad address"; failures=$((failures + 1)); }
# A public suffix: no candidate, no network.
expect 3 x@test
grep -q 'public suffix' "$tmp/err" || { echo "FAIL: x@test reason"; failures=$((failures + 1)); }
expect 3 --json x@co.uk
grep -q '"steps": \[\]' "$tmp/out" || { echo "FAIL: x@co.uk made a step"; failures=$((failures + 1)); }
# Every method excluded; names of methods not built yet are accepted.
expect 3 --exclude root,autodiscover,scp,redirect,srv,lastknown,o365,localxml bob@contoso.test
grep -q 'excluded' "$tmp/err" || { echo "FAIL: exclude reason"; failures=$((failures + 1)); }
# Both candidates refused (port 1 on loopback): 2 steps, exit 3, --log lines (the probe
# and SRV, steps 6 and 7, are excluded: this test stays off the network).
expect 3 --log --timeout 0.5 --connect-to ::127.0.0.1:1 --exclude redirect,srv bob@contoso.test
grep -q '^Autodiscover to https://contoso.test/autodiscover/autodiscover.xml FAILED (0x800C8203)$' "$tmp/out" ||
    { echo "FAIL: --log lines"; cat "$tmp/out"; failures=$((failures + 1)); }
[ "$failures" = 0 ]
