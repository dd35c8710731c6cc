# ldap.sh - the world's directory servers (slapd, feature "ldap"): one slapd per
# "directory_servers" entry, inside $NS on 389 (and 636 with the lab CA), configured as
# tests/ldap/slapd.sh does (the project's schema, a RootDSE with configurationNamingContext,
# base entries loaded offline with slapadd), but started here with start_bg so that the lab
# records its PID and stops it like every other daemon;
# then the SCPs are published the real way, with `autodiscoverctl scp publish` and
# `publish-pointer`, bound as the directory's admin (a random password per run).
# shellcheck shell=bash

SCHEMA=$REPO_DIR/data/ldap/autodiscover.schema
ldap_dir() { printf '%s/ldap/%s' "$RUN" "$1"; }
ldap_admin_dn() { printf 'CN=admin,%s' "$(wq --arg n "$1" '.directory_servers[] | select(.name == $n) | .suffix')"; }

# ldap_one NAME: start the slapd of directory server NAME and publish its SCPs.
ldap_one() {
  local n=$1 dir addr suffix cert pw out host uri
  dir=$(ldap_dir "$n"); mkdir -p "$dir"
  addr=$(wq --arg n "$n" '.directory_servers[] | select(.name == $n) | .address')
  host=$(wq --arg n "$n" '.directory_servers[] | select(.name == $n) | .host')
  suffix=$(wq --arg n "$n" '.directory_servers[] | select(.name == $n) | .suffix')
  cert=$(wq --arg n "$n" '.directory_servers[] | select(.name == $n) | .certificate // empty')
  pw=$(secret_file "ldap-admin-$n")
  ( umask 077; printf 'Ldap-%s' "$(openssl rand -hex 12)" >"$pw" )
  local config="CN=Configuration,$suffix" urls="ldap://$addr:389/" o
  mkdir -p "$dir/db"
  {
    echo "include /etc/ldap/schema/core.schema"
    echo "include /etc/ldap/schema/cosine.schema"
    echo "include /etc/ldap/schema/inetorgperson.schema"
    echo "include $SCHEMA"
    echo "pidfile $dir/slapd.pid"
    echo "modulepath /usr/lib/ldap"
    echo "moduleload back_mdb"
    echo "rootDSE $dir/rootdse.ldif"
    if [ -n "$cert" ]; then
      echo "TLSCertificateFile $RUN/pki/$cert.pem"
      echo "TLSCertificateKeyFile $RUN/pki/$cert.key"
      echo "TLSCACertificateFile $RUN/pki/ca.pem"
      urls+=" ldaps://$addr:636/"
    fi
    echo "database mdb"
    echo "suffix \"$suffix\""
    echo "rootdn \"CN=admin,$suffix\""
    echo "rootpw $(cat "$pw")"
    echo "directory $dir/db"
    echo "maxsize 16777216"
    echo "index objectClass,keywords eq"
    echo "access to attrs=userPassword by self write by anonymous auth by * none"
    echo "access to * by * read"
  } >"$dir/slapd.conf"
  chmod 600 "$dir/slapd.conf"
  printf 'dn:\nconfigurationNamingContext: %s\ndefaultNamingContext: %s\nrootDomainNamingContext: %s\ndnsHostName: %s\n' \
    "$config" "$suffix" "$suffix" "$host" >"$dir/rootdse.ldif"
  {
    printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: %s\no: %s\n\n' \
      "$suffix" "$(dcpart=${suffix#*=}; echo "${dcpart%%,*}")" "$host"
    for o in "CN=Users,$suffix" "$config" "CN=Services,$config"; do
      printf 'dn: %s\nobjectClass: container\ncn: %s\n\n' "$o" "$(cn=${o#CN=}; echo "${cn%%,*}")"
    done
  } >"$dir/base.ldif"
  out=$(slapadd -q -f "$dir/slapd.conf" -l "$dir/base.ldif" 2>&1) || die "slapadd for $n failed: $out"
  start_bg "ldap-$n" "$dir/slapd.log" slapd -d stats -f "$dir/slapd.conf" -h "$urls"
  local pid deadline
  pid=$(cat "$RUN/pids/ldap-$n.pid"); deadline=$(( $(now_ms) + LAB_READY_TIMEOUT * 1000 ))
  until tcp_open "$addr" 389; do
    running "$pid" || die "slapd for $n exited: $(tail -n 5 "$dir/slapd.log")"
    [ "$(now_ms)" -lt "$deadline" ] || die "slapd for $n not accepting after ${LAB_READY_TIMEOUT} s"
    sleep 0.01
  done
  uri="ldap://$host"
  local args line
  while IFS= read -r line; do
    eval "args=($line)"
    out=$(nsx "$CTL" "${args[@]}" --ldap "$uri" --bind-dn "$(ldap_admin_dn "$n")" --bind-password-file "$pw" 2>&1) \
      || die "autodiscoverctl ${args[*]} --ldap $uri failed: $out"
  done < <(wq --arg n "$n" '.directory_servers[] | select(.name == $n)
      | ((.scps // [])[] | ["scp", "publish", "--server", .server, "--url", .url]
           + (if .site then ["--site", .site] else [] end)
           + (if .domain then ["--domain", .domain] else [] end)
           + (if .org then ["--org", .org] else [] end) | @sh),
        ((.pointers // [])[] | ["scp", "publish-pointer", "--name", .name, "--target", .target]
           + (if .domain then ["--domain", .domain] else [] end) | @sh)')
}

ldap_up() {
  local n
  [ "$(wq '(.directory_servers // []) | length')" -gt 0 ] || return 0
  command -v slapd >/dev/null || die "slapd not found (apt-get install slapd ldap-utils)"
  for n in $(wq '(.directory_servers // [])[].name'); do ldap_one "$n"; done
}

ldap_stop() {
  local n
  [ -f "$WORLD" ] || return 0
  for n in $(wq '(.directory_servers // [])[].name'); do stop_pid "ldap-$n"; done
}
