# info.sh - `lab info`: one JSON document describing the running world. Tests, the demo and
# benchmarks read the world (passwords included) from here, never from copies of its values.
# shellcheck shell=bash

info_json() {
  local pids='{}' pw='{}' n f
  for f in "$RUN"/pids/*.pid; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .pid)
    pids=$(jq -c --arg n "$n" --argjson p "$(cat "$f")" '. + {($n): $p}' <<<"$pids")
  done
  for f in "$RUN"/secrets/*.pw; do
    [ -e "$f" ] || continue
    pw=$(jq -c --arg a "$(basename "$f" .pw)" --rawfile p "$f" '. + {($a): $p}' <<<"$pw")
  done
  jq -n --slurpfile w "$WORLD" --argjson pids "$pids" --argjson pw "$pw" \
     --arg ns "$NS" --arg run "$RUN" --arg build "$AD_BUILD_DIR" '
    $w[0] as $w
    | {namespace: $ns,
       run_dir: $run,
       build_dir: $build,
       world: ($run + "/world.json"),
       ca: ($run + "/pki/ca.pem"),
       dns: {name: $w.dns.name, address: $w.dns.address, zones: $w.zones,
             query_log: ($run + "/dns/query.log"), pid: $pids.unbound},
       hosts: [$w.hosts[] | {name, address, role, purpose}],
       records: $w.records,
       mailboxes: [$w.directories[] | .name as $d | .mailboxes[]
                   | {address, password: $pw[.address], password_file: ($run + "/secrets/" + .address + ".pw"),
                      name, journey, expect, directory: $d}
                     + (if .target_address then {target_address} else {} end)],
       organisations: [$w.directories[] | .orgs[] | {name, domains,
                       protocols: [.protocols[] | {Type: .type} + .settings]}],
       daemons: [$w.daemons[] | {name, pid: $pids[.name],
                 config: ($run + "/daemons/" + .name + ".conf"),
                 access_log: ($run + "/daemons/" + .name + ".access.log"),
                 stderr_log: ($run + "/daemons/" + .name + ".stderr.log"),
                 listen: [.listen[] | {address, port, certificate: (if .certificate then $run + "/pki/" + .certificate + ".pem" else null end)}],
                 directory: ($run + "/dir/" + .directory + ".db")}],
       directory: ($run + "/dir/" + $w.directories[0].name + ".db"),
       directories: [$w.directories[] | {name, path: ($run + "/dir/" + .name + ".db")}]}'
}
