# dns.sh - unbound inside $NS serving the world's zones from ordinary zone files, with a query log.
# shellcheck shell=bash

# dns_zone_lines: "ZONE<TAB>RECORD" for every A record (hosts) and extra record (records),
# each placed in the longest lab zone that contains its name (one jq run: fast).
dns_zone_lines() {
  wq '.zones as $zones
      | ((.hosts[] | {name, type: "A", data: .address}), .records[])
      | . as $r
      | ([$zones[] as $z | select($r.name == $z or ($r.name | endswith("." + $z))) | $z] | max_by(length)) as $z
      | if $z == null then error("world: \($r.name) is in no lab zone") else
        "\($z)\t\($r.name). \($r.type) \($r.data)" end'
}

dns_write_zones() {
  local d=$RUN/dns z line ns
  mkdir -p "$d"
  ns=$(wq .dns.name)
  for z in $(wq '.zones[]'); do
    printf '$ORIGIN %s.\n$TTL 60\n@ SOA %s. hostmaster.lab.test. 1 3600 600 86400 60\n@ NS %s.\n' \
      "$z" "$ns" "$ns" >"$d/$z.zone"
  done
  dns_zone_lines >"$d/records.tsv" || die "bad world file: cannot place records in zones"
  while IFS=$'\t' read -r z line; do
    printf '%s\n' "$line" >>"$d/$z.zone"
  done <"$d/records.tsv"
}

dns_write_conf() {
  local d=$RUN/dns z
  {
    cat <<EOF2
server:
  interface: $(wq .dns.address)
  port: 53
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$d"
  pidfile: ""
  use-syslog: no
  logfile: "$d/query.log"
  log-time-ascii: yes
  verbosity: 1
  log-queries: yes
  access-control: 127.0.0.0/8 allow
  local-zone: "test." nodefault   # else unbound answers NXDOMAIN for all of RFC 6761 "test."
  module-config: "iterator"       # no validator, no trust anchor
  qname-minimisation: no
remote-control:
  control-enable: yes
  control-interface: "$d/unbound.ctl"
EOF2
    for z in $(wq '.zones[]'); do
      # for-upstream (not for-downstream): the resolver chases CNAMEs across zones.
      printf 'auth-zone:\n  name: "%s"\n  zonefile: "%s"\n  for-downstream: no\n  for-upstream: yes\n  fallback-enabled: no\n' \
        "$z" "$d/$z.zone"
    done
  } >"$d/unbound.conf"
  unbound-checkconf "$d/unbound.conf" >/dev/null || die "unbound-checkconf failed for $d/unbound.conf"
}

dns_up() {
  dns_write_zones
  dns_write_conf
  start_bg unbound "$RUN/dns/unbound.stderr" unbound -d -c "$RUN/dns/unbound.conf"
}

# dns_wait: poll until unbound answers for its own name (no fixed sleep).
dns_wait() {
  local pid deadline ip name
  pid=$(cat "$RUN/pids/unbound.pid"); ip=$(wq .dns.address); name=$(wq .dns.name)
  deadline=$(( $(now_ms) + LAB_READY_TIMEOUT * 1000 ))
  until nsx dig +short +time=1 +tries=1 "@$ip" "$name" A 2>/dev/null | grep -q .; do
    running "$pid" || die "unbound exited: $(tail -n 3 "$RUN/dns/unbound.stderr" "$RUN/dns/query.log" 2>/dev/null)"
    [ "$(now_ms)" -lt "$deadline" ] || die "unbound not answering after ${LAB_READY_TIMEOUT} s"
    sleep 0.01
  done
}

# dns_reload ZONE: re-read $RUN/dns/ZONE.zone after editing it (the flush is needed, or
# unbound keeps answering from its cache).
dns_reload() {
  nsx unbound-control -c "$RUN/dns/unbound.conf" auth_zone_reload "$1" >/dev/null
  nsx unbound-control -c "$RUN/dns/unbound.conf" flush_zone "$1" >/dev/null
}
