# directory.sh - the world's directories (SQLite), made with autodiscoverctl; random passwords.
# shellcheck shell=bash

CTL=$AD_BUILD_DIR/daemon/autodiscoverctl

dir_db() { printf '%s/dir/%s.db' "$RUN" "$1"; }
secret_file() { printf '%s/secrets/%s.pw' "$RUN" "$1"; }

ctl() {  # ctl DB ARGS...: run autodiscoverctl, show its output only if it fails
  local db=$1 out; shift
  out=$("$CTL" --db "$db" "$@" 2>&1) || die "autodiscoverctl --db $db $* failed: $out"
}

# new_password ADDRESS: a random password for this lab run only, in a 0600 file.
new_password() {
  local f; f=$(secret_file "$1")
  ( umask 077; printf 'Lab-%s' "$(openssl rand -hex 12)" >"$f" )
}

# directory_commands: the whole directory build as shell commands (one jq run; every
# argument quoted with @sh, so values with spaces or quotes are passed through intact).
directory_commands() {
  wq --arg run "$RUN" '
    .directories[] | ($run + "/dir/" + .name + ".db") as $db
    | (["ctl", $db, "init"] | @sh),
      (.orgs[] | .name as $org
       | (["ctl", $db, "org", "add", $org] | @sh),
         (.domains[] | ["ctl", $db, "domain", "add", ., "--org", $org] | @sh),
         (.protocols[] | ["ctl", $db, "protocol", "add", $org, .type]
            + [.settings | to_entries[] | "\(.key)=\(.value)"] | @sh)),
      (.mailboxes[]
       | (["new_password", .address] | @sh),
         (["ctl", $db, "mailbox", "add", .address, "--name", .name,
           "--password-file", ($run + "/secrets/" + .address + ".pw")]
          + (if .legacy_dn then ["--legacy-dn", .legacy_dn] else [] end)
          + (if .target_address then ["--target-address", .target_address] else [] end)
          | @sh))'
}

directory_up() {
  local line
  [ -x "$CTL" ] || die "$CTL not found: build it (ninja -C $AD_BUILD_DIR daemon/autodiscoverctl) or set AD_BUILD_DIR"
  mkdir -p "$RUN/dir" "$RUN/secrets"; chmod 700 "$RUN/secrets"
  directory_commands >"$RUN/dir/build.sh" || die "bad world file: cannot list directory commands"
  while IFS= read -r line; do
    eval "$line"      # only ctl/new_password lines, every word quoted by jq's @sh
  done <"$RUN/dir/build.sh"
}
