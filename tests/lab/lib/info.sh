# info.sh - `lab info`: one JSON document describing the running world. Tests, the demo and
# benchmarks read the world (passwords included) from here, never from copies of its values.
# shellcheck shell=bash

info_json() {
  local pids='{}' pw='{}' n f mig='[]'
  for f in "$RUN"/pids/*.pid; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .pid)
    pids=$(jq -c --arg n "$n" --argjson p "$(cat "$f")" '. + {($n): $p}' <<<"$pids")
  done
  for f in "$RUN"/secrets/*.pw; do
    [ -e "$f" ] || continue
    pw=$(jq -c --arg a "$(basename "$f" .pw)" --rawfile p "$f" '. + {($a): $p}' <<<"$pw")
  done
  [ -s "$RUN/dir/migrations.json" ] && mig=$(cat "$RUN/dir/migrations.json")
  jq -n --slurpfile w "$WORLD" --argjson pids "$pids" --argjson pw "$pw" --argjson mig "$mig" \
     --arg ns "$NS" --arg run "$RUN" --arg build "$AD_BUILD_DIR" '
    $w[0] as $w
    # every listener of every daemon, with the role each host name gets there
    | [$w.daemons[] | .name as $d | .listen[] | . as $l
       | {daemon: $d, address, port, tls: (.certificate != null),
          default_role: (.role // (if (.hosts // []) | length > 0 then .hosts[0].role // "service" else "service" end)),
          hosts: [(.hosts // [])[] | {name, role: (.role // "service")}]}] as $listeners
    | def mailbox($d; $pwfile): {address, password: $pw[$pwfile], password_file: ($run + "/secrets/" + $pwfile + ".pw"),
                      name, org, journey, expect, directory: $d};
    {namespace: $ns,
       run_dir: $run,
       build_dir: $build,
       world: ($run + "/world.json"),
       ca: ($run + "/pki/ca.pem"),
       dns: {name: $w.dns.name, address: $w.dns.address, zones: $w.zones,
             query_log: ($run + "/dns/query.log"), pid: $pids.unbound},
       hosts: [$w.hosts[] | . as $h
               | {name, address, role, purpose,
                  listeners: [$listeners[] | select(.address == $h.address) | . as $l
                              | {port, tls, daemon,
                                 role: (([$l.hosts[] | select(.name == $h.name) | .role] | first) // $l.default_role),
                                 access_log: ($run + "/daemons/" + .daemon + ".access.log")}]}],
       records: $w.records,
       mailboxes: ([$w.directories[] | .name as $d | .mailboxes[] | .address as $a
                   | mailbox($d; $a)
                     + ([$mig[] | select(.address == $a and .from == $d) | {target_address}] | first // {})
                     + (if .target_address then {target_address} else {} end)]
                   # the cloud mailboxes that the migrations made: same password, same journey
                   + [$mig[] | . as $m | $w.directories[] | select(.name == $m.from) | .mailboxes[]
                      | select(.address == $m.address)
                      | mailbox($m.to; $m.address)
                        + {address: $m.target_address, org: $m.tenant, aliases: [$m.address],
                           migrated_from: $m.address,
                           expect: ("cloud mailbox of " + $m.address + " (made by autodiscoverctl migrate): the pod answers settings to a login as " + $m.address)}]),
       migrations: $mig,
       pods: [$w.directories[] | .name as $d | (.pods // [])[] | {name, url, directory: $d}],
       organisations: [$w.directories[] | .name as $d | .orgs[]
                       | {name, domains, directory: $d, pod, routing_domain,
                          protocols: [.protocols[] | {Type: .type} + .settings]}],
       daemons: [$w.daemons[] | {name, pid: $pids[.name],
                 config: ($run + "/daemons/" + .name + ".conf"),
                 access_log: ($run + "/daemons/" + .name + ".access.log"),
                 stderr_log: ($run + "/daemons/" + .name + ".stderr.log"),
                 listen: [.listen[] | {address, port,
                          certificate: (if .certificate then $run + "/pki/" + .certificate + ".pem" else null end),
                          hosts: [(.hosts // [])[] | {name, role: (.role // "service")}
                                  + (if .redirect_to then {redirect_to} else {} end)
                                  + (if .route_mode then {route_mode} else {} end)]}
                          + (if .role then {role} else {} end)],
                 directory: ($run + "/dir/" + .directory + ".db")}],
       features: ($w.features // []),
       directory_servers: [($w.directory_servers // [])[] | {name, host, address, suffix,
                 config_nc: ("CN=Configuration," + .suffix),
                 ldap_url: ("ldap://" + .host),
                 ldaps_url: (if .certificate then "ldaps://" + .host else null end),
                 log: ($run + "/ldap/" + .name + "/slapd.log"),
                 pid: $pids["ldap-" + .name],
                 admin_dn: ("CN=admin," + .suffix),
                 admin_password_file: ($run + "/secrets/ldap-admin-" + .name + ".pw"),
                 scps: (.scps // []), pointers: (.pointers // [])}],
       directory: ($run + "/dir/" + $w.directories[0].name + ".db"),
       directories: [$w.directories[] | {name, path: ($run + "/dir/" + .name + ".db")}]}'
}
