# pki.sh - a private CA and per-host server certificates (ECDSA P-256: instant), in $RUN/pki.
# Nothing touches the system trust store: clients get $RUN/pki/ca.pem explicitly.
# shellcheck shell=bash

# pki_leaf NAME SAN-NAME... (the first SAN is also the subject CN). PKI_DAYS (default 30; -1
# makes an expired certificate: notAfter one day before notBefore, which OpenSSL 3.0's
# x509 -req allows without -not_before) and PKI_CA (ca, or rogue: a CA nobody trusts).
pki_leaf() {
  local p=$RUN/pki name=$1 san n ca=${PKI_CA:-ca}; shift
  san=$(for n in "$@"; do printf 'DNS:%s,' "$n"; done); san=${san%,}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$p/$name.key" -out "$p/$name.csr" -subj "/CN=${1:-$name}" 2>/dev/null
  openssl x509 -req -in "$p/$name.csr" -CA "$p/$ca.pem" -CAkey "$p/$ca.key" -days "${PKI_DAYS:-30}" \
    -out "$p/$name.pem" -extfile <(printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
      'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' "subjectAltName=$san") \
    2>/dev/null || die "cannot sign certificate $name"
  rm -f "$p/$name.csr"
}

pki_up() {
  local p=$RUN/pki name
  mkdir -p "$p"; chmod 700 "$p"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$p/ca.key" -out "$p/ca.pem" -days 30 \
    -subj "/O=Autodiscover Lab $NS/CN=Autodiscover Lab Root CA" 2>/dev/null || die "cannot create the lab CA"
  chmod 644 "$p/ca.pem"
  if [ "$(wq '[.certificates[] | select(.ca == "rogue")] | length')" -gt 0 ]; then
    # a second CA that no lab client trusts: its certificates are "untrusted"
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout "$p/rogue.key" -out "$p/rogue.pem" -days 30 \
      -subj "/O=Rogue $NS/CN=Rogue Root CA (not trusted)" 2>/dev/null || die "cannot create the rogue CA"
  fi
  local days ca
  for name in $(wq '.certificates[].name'); do
    days=$(wq --arg n "$name" '.certificates[] | select(.name == $n) | if .expired then -1 else 30 end')
    ca=$(wq --arg n "$name" '.certificates[] | select(.name == $n) | .ca // "ca"')
    # shellcheck disable=SC2046
    PKI_DAYS=$days PKI_CA=$ca pki_leaf "$name" $(wq --arg n "$name" '.certificates[] | select(.name == $n) | .san[]')
  done
}
