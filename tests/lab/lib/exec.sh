# exec.sh - `lab exec CMD...`: run CMD inside the namespace, trusting the lab CA, with the
# project's programs first on PATH. The machine sets CA variables globally (LAB.md gotcha 8):
# override every one a client might read, and unset SSL_CERT_DIR.
# shellcheck shell=bash

lab_exec() {
  [ $# -gt 0 ] || die "usage: lab exec CMD [ARG...]"
  lab_exists || die "lab $NS is not up (run: lab up)"
  local ca=$RUN/pki/ca.pem
  # Private XDG directories: the client's last-known-good cache and config file belong to
  # this lab run, never to the caller's home (a cached URL would change the next journey).
  mkdir -p "$RUN/xdg/cache" "$RUN/xdg/config"
  exec ip netns exec "$NS" env -u SSL_CERT_DIR \
    XDG_CACHE_HOME="$RUN/xdg/cache" XDG_CONFIG_HOME="$RUN/xdg/config" \
    SSL_CERT_FILE="$ca" REQUESTS_CA_BUNDLE="$ca" CURL_CA_BUNDLE="$ca" NODE_EXTRA_CA_CERTS="$ca" \
    LAB_NS="$NS" LAB_RUN="$RUN" AD_BUILD_DIR="$AD_BUILD_DIR" \
    PATH="$AD_BUILD_DIR/tool:$AD_BUILD_DIR/daemon:$PATH" "$@"
}
