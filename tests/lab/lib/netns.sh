# netns.sh - the namespace, its "host" addresses and its /etc overlay files.
# shellcheck shell=bash

netns_up() {
  ip netns add "$NS" || die "cannot create network namespace $NS (are you root?)"
  ip -n "$NS" link set lo up
  local a
  for a in $(wq '[.dns.address, .hosts[].address] | unique | .[]'); do
    ip -n "$NS" addr add "$a/32" dev lo
  done
  # /etc/netns is shared by parallel labs: create and remove it under a lock.
  flock /run/lock/adlab-etc-netns.lock mkdir -p "$NSETC"
  # Seen ONLY by processes started with `ip netns exec $NS` (bind-mounted over /etc/*).
  printf 'nameserver %s\noptions timeout:1 attempts:2\n' "$(wq .dns.address)" >"$NSETC/resolv.conf"
  printf '127.0.0.1 localhost %s\n' "$(hostname)" >"$NSETC/hosts"
  printf 'hosts: files dns\n' >"$NSETC/nsswitch.conf"   # no NSS module may bypass the lab DNS
}

netns_down() {
  if lab_exists; then
    local pids
    pids=$(ip netns pids "$NS" 2>/dev/null || true)
    if [ -n "$pids" ]; then
      # shellcheck disable=SC2086
      kill $pids 2>/dev/null || true
      for _ in $(seq 50); do
        pids=$(ip netns pids "$NS" 2>/dev/null | while read -r p; do running "$p" && echo "$p"; done)
        [ -z "$pids" ] && break
        sleep 0.02
      done
      # shellcheck disable=SC2086
      [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    fi
    ip netns del "$NS" 2>/dev/null || true
  fi
  rm -rf "$NSETC"
  flock /run/lock/adlab-etc-netns.lock rmdir /etc/netns 2>/dev/null || true  # only if empty
}
