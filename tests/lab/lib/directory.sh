# directory.sh - the world's directories (SQLite), made with autodiscoverctl; random passwords;
# the world's migrations (hybrid moves between two directories).
# shellcheck shell=bash

CTL=$AD_BUILD_DIR/daemon/autodiscoverctl

dir_db() { printf '%s/dir/%s.db' "$RUN" "$1"; }
secret_file() { printf '%s/secrets/%s.pw' "$RUN" "$1"; }
migrations_file() { printf '%s/dir/migrations.json' "$RUN"; }

ctl() {  # ctl DB ARGS...: run autodiscoverctl, show its output only if it fails
  local db=$1 out; shift
  out=$("$CTL" --db "$db" "$@" 2>&1) || die "autodiscoverctl --db $db $* failed: $out"
}

# new_password ADDRESS: a random password for this lab run only, in a 0600 file.
new_password() {
  local f; f=$(secret_file "$1")
  ( umask 077; printf 'Lab-%s' "$(openssl rand -hex 12)" >"$f" )
}

# lab_migrate ADDRESS FROM-DIR TO-DIR TENANT: a hybrid move of ADDRESS (a mailbox of directory
# FROM-DIR) to TENANT in directory TO-DIR. `autodiscoverctl migrate` does the whole move in
# ONE directory; here the on-premises directory and the provider's are two organisations'
# systems, so the lab does it in the three steps a real hybrid move takes:
#   1. directory sync (with password hash sync): the on-premises user, with its display name,
#      legacy DN and password, appears in the provider's directory;
#   2. `autodiscoverctl migrate ADDRESS --to TENANT` in the provider's directory: the cloud
#      mailbox LOCAL@<TENANT's routing domain>, same password hash, ADDRESS as its alias;
#   3. the on-premises mailbox gets the cloud address as target address
#      (`autodiscoverctl mailbox change --target-address`), as the move's completion does.
# The result is appended to migrations.json for `lab info`.
lab_migrate() {
  local addr=$1 from=$2 to=$3 tenant=$4 name dn out target
  out=$("$CTL" --db "$(dir_db "$from")" mailbox list --json 2>&1) || die "autodiscoverctl mailbox list failed: $out"
  name=$(jq -r --arg a "$addr" '.[] | select(.address == $a) | .display_name' <<<"$out")
  dn=$(jq -r --arg a "$addr" '.[] | select(.address == $a) | .legacy_dn' <<<"$out")
  [ -n "$name" ] || die "world: migration of $addr: no such mailbox in directory $from"
  # The legacy DN is synced too (as the on-premises legacyExchangeDN is): with the tenant's
  # default one, migrate fails on a UNIQUE legacy DN (see doc/lab.md, "Bugs seen").
  ctl "$(dir_db "$to")" mailbox add "$addr" --name "$name" --legacy-dn "$dn" \
    --password-file "$(secret_file "$addr")"
  out=$("$CTL" --db "$(dir_db "$to")" migrate "$addr" --to "$tenant" 2>&1) \
    || die "autodiscoverctl --db $(dir_db "$to") migrate $addr --to $tenant failed: $out"
  target=$(tail -n 1 <<<"$out")
  case $target in *@*) ;; *) die "autodiscoverctl migrate $addr printed no address: $out" ;; esac
  ctl "$(dir_db "$from")" mailbox change "$addr" --target-address "$target"
  jq -c --arg a "$addr" --arg t "$target" --arg f "$from" --arg to "$to" --arg tn "$tenant" \
    '. + [{address: $a, target_address: $t, from: $f, to: $to, tenant: $tn}]' \
    "$(migrations_file)" >"$(migrations_file).new" && mv "$(migrations_file).new" "$(migrations_file)"
}

# directory_commands: the whole directory build as shell commands (one jq run; every
# argument quoted with @sh, so values with spaces or quotes are passed through intact).
# Order: every directory (pods, organisations, domains, protocols, mailboxes), then the
# migrations, which span two directories.
directory_commands() {
  wq --arg run "$RUN" '
    (.directories[] | ($run + "/dir/" + .name + ".db") as $db
    | (["ctl", $db, "init"] | @sh),
      ((.pods // [])[] | ["ctl", $db, "pod", "add", .name, .url] | @sh),
      (.orgs[] | .name as $org
       | (["ctl", $db, "org", "add", $org]
          + (if .pod then ["--pod", .pod] else [] end)
          + (if .routing_domain then ["--routing-domain", .routing_domain] else [] end) | @sh),
         (.domains[] | ["ctl", $db, "domain", "add", ., "--org", $org] | @sh),
         (.protocols[] | ["ctl", $db, "protocol", "add", $org, .type]
            + [.settings | to_entries[] | "\(.key)=\(.value)"] | @sh)),
      (.mailboxes[]
       | (["new_password", .address] | @sh),
         (["ctl", $db, "mailbox", "add", .address, "--name", .name,
           "--password-file", ($run + "/secrets/" + .address + ".pw")]
          + (if .legacy_dn then ["--legacy-dn", .legacy_dn] else [] end)
          + (if .target_address then ["--target-address", .target_address] else [] end)
          | @sh))),
    ((.migrations // [])[] | ["lab_migrate", .address, .from, .to, .tenant] | @sh)'
}

directory_up() {
  local line
  [ -x "$CTL" ] || die "$CTL not found: build it (ninja -C $AD_BUILD_DIR daemon/autodiscoverctl) or set AD_BUILD_DIR"
  mkdir -p "$RUN/dir" "$RUN/secrets"; chmod 700 "$RUN/secrets"
  echo '[]' >"$(migrations_file)"
  directory_commands >"$RUN/dir/build.sh" || die "bad world file: cannot list directory commands"
  while IFS= read -r line; do
    eval "$line"      # only ctl/new_password/lab_migrate lines, every word quoted by jq's @sh
  done <"$RUN/dir/build.sh"
}
