# service.sh - the service fixture (certificate, directory, autodiscoverd, nginx with the
# same bytes) and sections 1-3 of bench/run. Source it after common.sh.
# shellcheck shell=bash

CTL=$BUILD/daemon/autodiscoverctl
DAEMON=$BUILD/daemon/autodiscoverd

# make_pki DIR: an ECDSA P-256 CA and a leaf certificate for $VHOST, used by ours and by nginx.
make_pki() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ca.key" \
    -out "$d/ca.pem" -days 30 -subj "/CN=Autodiscover Bench CA" 2>/dev/null
  pki_leaf "$d" srv "$VHOST" "DNS:$VHOST"
}

# pki_leaf DIR NAME CN SAN: DIR/NAME.{key,pem}, a P-256 server certificate from make_pki's CA.
pki_leaf() {
  local d=$1 name=$2
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/$name.key" \
    -out "$d/$name.csr" -subj "/CN=$3" 2>/dev/null
  openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -days 30 \
    -out "$d/$name.pem" -extfile <(printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
      'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' \
      "subjectAltName=$4") 2>/dev/null || die "openssl: no certificate for $3"
}

# make_org_db DB: a directory without mailboxes: contoso.test with the lab world's Protocol
# sections (make_directory's start; alone, the SQLite half of an LDAP-backed daemon).
make_org_db() {
  local db=$1
  rm -f "$db" "$db-wal" "$db-shm"
  "$CTL" --db "$db" init
  "$CTL" --db "$db" domain add contoso.test
  "$CTL" --db "$db" protocol add contoso.test EXCH Server=mail.contoso.test \
    "ServerDN=/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=MAIL" \
    "MdbDN=/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=MAIL/cn=Microsoft Private MDB" \
    ServerVersion=73C1840A AD=dc1.contoso.test AuthPackage=Ntlm \
    EwsUrl=https://mail.contoso.test/EWS/Exchange.asmx OABUrl=https://mail.contoso.test/OAB/ \
    ASUrl=https://mail.contoso.test/EWS/Exchange.asmx
  "$CTL" --db "$db" protocol add contoso.test EXPR Server=mail.contoso.test SSL=On \
    AuthPackage=Basic ServerVersion=73C1840A EwsUrl=https://mail.contoso.test/EWS/Exchange.asmx
  "$CTL" --db "$db" protocol add contoso.test WEB Internal/OWAUrl=https://mail.contoso.test/owa/
  "$CTL" --db "$db" protocol add contoso.test IMAP Server=mail.contoso.test Port=993 SSL=On
  "$CTL" --db "$db" protocol add contoso.test SMTP Server=mail.contoso.test Port=587 SSL=Off Encryption=TLS
}

# make_directory DB N: make_org_db, bob@contoso.test made by autodiscoverctl (a real yescrypt
# hash), then user0000001..user<N-1> added by one SQLite transaction of pre-hashed rows
# (bob's hash: every user has bob's password). Prints the seconds the bulk insert took.
make_directory() {
  local db=$1 n=$2 t0 t1
  make_org_db "$db"
  printf '%s\n' "$PASSWORD" >"$WORK/password"
  "$CTL" --db "$db" mailbox add bob@contoso.test --name "Bob Example" --password-file "$WORK/password"
  t0=$(now_ns)
  sqlite3 "$db" <<EOF
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $((n - 1)))
INSERT INTO mailboxes(address, domain, display_name, legacy_dn, password_hash, target_address, enabled)
SELECT printf('user%07d@contoso.test', i), 'contoso.test', printf('User %07d', i),
       printf('/o=contoso.test/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=user%07d', i),
       (SELECT password_hash FROM mailboxes WHERE address = 'bob@contoso.test'), NULL, 1
FROM n;
COMMIT;
EOF
  t1=$(now_ns)
  [ "$(sqlite3 "$db" 'SELECT count(*) FROM mailboxes')" = "$n" ] || die "$db: not $n mailboxes"
  awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f\n", ns / 1e9 }'
}

# daemon_conf CONF DB ADDR [LINES]: the service role on ADDR:PORT, credential cache on, no
# access log (nginx runs without one too), one worker thread (nginx runs one worker; the
# daemon's automatic choice would be 2 on the one core it is pinned to); /metrics on ADDR:ADMIN_PORT (plain HTTP, admin
# role), read only between runs, to check that measured runs were credential-cache hits.
# LINES: more configuration (e.g. a mailboxes ldap block).
daemon_conf() {
  cat >"$1" <<EOF
directory "sqlite:$2"
credential-cache-ttl 3600
worker-threads 1
${4:-}
listen $3 $PORT {
    tls-certificate "$WORK/pki/srv.pem"; tls-key "$WORK/pki/srv.key"
}
listen $3 $ADMIN_PORT { role admin }
EOF
  local msg
  msg=$("$DAEMON" -n -f "$1" 2>&1) || die "$1: autodiscoverd -n: $msg"
}

# start_daemon CONF LOG: autodiscoverd -d on SERVER_CPU; prints "PID STARTUP_MS".
start_daemon() {
  local line
  line=$(taskset -c "$SERVER_CPU" nice -n "$NICE" "$BENCH_DIR/lib/startup.py" "$2" "$DAEMON" -d -f "$1") ||
    die "autodiscoverd did not start: $(tail -3 "$2")"
  track "${line%% *}"
  echo "$line"
}

# nginx_conf CONF POX_RESPONSE JSON_RESPONSE: nginx answering the same bytes, statically.
# One worker, ECDSA P-256 (the same key and certificate), TLS 1.2/1.3, no access log, no
# keep-alive request limit (libmicrohttpd has none), no session resumption (ours has none,
# so both do full handshakes in section 3).
nginx_conf() {
  /usr/bin/python3 - "$@" "$WORK" "$ADDR_NGINX" "$PORT" "$POX_PATH" "${JSON_PATH%%\?*}" <<'EOF'
import sys
conf, pox, js, work, addr, port, pox_path, json_path = sys.argv[1:]
def lit(path):
    s = open(path, "rb").read().decode("utf-8")
    assert "$" not in s, "a '$' would be a variable in nginx's return"
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"
open(conf, "w").write(f"""daemon off; master_process off; worker_processes 1;
pid {work}/nginx/nginx.pid;
error_log {work}/nginx/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {work}/nginx/body; proxy_temp_path {work}/nginx/proxy;
  fastcgi_temp_path {work}/nginx/fastcgi; uwsgi_temp_path {work}/nginx/uwsgi; scgi_temp_path {work}/nginx/scgi;
  keepalive_requests 1000000000; keepalive_timeout 300s;
  server {{
    listen {addr}:{port} ssl;
    ssl_certificate {work}/pki/srv.pem; ssl_certificate_key {work}/pki/srv.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_tickets off; ssl_session_cache off;
    location = {pox_path} {{ default_type "text/xml; charset=utf-8"; return 200 {lit(pox)}; }}
    location = {json_path} {{ default_type "application/json; charset=utf-8"; return 200 {lit(js)}; }}
  }}
}}
""")
EOF
}

start_nginx() {
  mkdir -p "$WORK/nginx"
  taskset -c "$SERVER_CPU" nice -n "$NICE" nginx -c "$1" -p "$WORK/nginx" </dev/null >>"$WORK/nginx/stderr.log" 2>&1 &
  NGINX_PID=$!
  track "$NGINX_PID"
  wait_tcp "$ADDR_NGINX" "$PORT" || die "nginx did not start: $(tail -3 "$WORK/nginx/error.log")"
}

# fetch ADDR OUT [curl options...]: one HTTPS request to ADDR as $VHOST; body to OUT.
fetch() {
  local addr=$1 out=$2; shift 2
  curl -sS --fail --cacert "$WORK/pki/ca.pem" --resolve "$VHOST:$PORT:$addr" -o "$out" "$@"
}

# tls_params ADDR: "TLSv1.3 TLS_AES_256_GCM_SHA384 X25519 ECDSA" as negotiated with openssl.
tls_params() {
  echo | timeout 5 openssl s_client -connect "$1:$PORT" -servername "$VHOST" \
    -CAfile "$WORK/pki/ca.pem" 2>/dev/null | awk '
    /^New, / { proto = $2; sub(/,$/, "", proto); cipher = $NF }
    /^Server Temp Key:/ { kx = $4; if (kx ~ /^ECDH/) kx = $5; sub(/,$/, "", kx) }
    /^Peer signature type:/ { sig = $4 }
    END { print proto, cipher, kx, sig }'
}

# compare TAG URL_OURS URL_NGINX SCRIPT: RUNS interleaved runs of each (ours, nginx, ours, ...)
# after a warm-up of each. Sets the medians OURS_RPS OURS_P99 OURS_CPU and NGX_RPS NGX_P99
# NGX_CPU (server CPU microseconds per request).
compare() {
  local tag=$1 uo=$2 un=$3 script=$4 r
  local -a ors=() ops=() ocs=() nrs=() nps=() ncs=()
  SERVER_PID=$OURS_PID wrk_run "$tag-warm-ours" "$uo" "$script" "$WARMUP" >/dev/null
  SERVER_PID=$NGINX_PID wrk_run "$tag-warm-nginx" "$un" "$script" "$WARMUP" >/dev/null
  for r in $(seq "$RUNS"); do
    read -r o1 o2 oe o3 < <(SERVER_PID=$OURS_PID wrk_run "$tag-ours-$r" "$uo" "$script")
    read -r n1 n2 ne n3 < <(SERVER_PID=$NGINX_PID wrk_run "$tag-nginx-$r" "$un" "$script")
    log "  $tag run $r: ours $(fmt_rps "$o1") p99 $(fmt_ms "$o2") ${o3} us CPU/req; nginx $(fmt_rps "$n1") p99 $(fmt_ms "$n2") ${n3} us CPU/req"
    [ "$oe" -eq 0 ] || log "  WARNING: $tag ours run $r had $oe errors or non-2xx answers (see $WORK/wrk/$tag-ours-$r.txt)"
    [ "$ne" -eq 0 ] || log "  WARNING: $tag nginx run $r had $ne errors or non-2xx answers"
    ors+=("$o1"); ops+=("$o2"); ocs+=("$o3"); nrs+=("$n1"); nps+=("$n2"); ncs+=("$n3")
  done
  OURS_RPS=$(median "${ors[@]}"); OURS_P99=$(median "${ops[@]}"); OURS_CPU=$(median "${ocs[@]}")
  NGX_RPS=$(median "${nrs[@]}"); NGX_P99=$(median "${nps[@]}"); NGX_CPU=$(median "${ncs[@]}")
}

# cpu_row ID LABEL TARGET_OP TARGET: the capacity of one core, from server CPU per request:
# ratio = nginx's CPU per request / ours (what each could answer on a core of its own).
cpu_row() {
  local r
  r=$(ratio "$NGX_CPU" "$OURS_CPU")
  row "$1" "$2" "$(fmt_us "$OURS_CPU")" "$(fmt_us "$NGX_CPU") nginx" "$r" "${3:+$3 $4}" \
    "$( [ -n "$3" ] && judge "$r" "$3" "$4" || echo info)"
}

section_service() {
  local pid ms rr pr
  log "sections 1-3: service fixture ($SMALL_N mailboxes), ECDSA P-256, ours and nginx on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU"
  make_pki "$WORK/pki"
  make_directory "$WORK/small.db" "$SMALL_N" >/dev/null
  daemon_conf "$WORK/small.conf" "$WORK/small.db" "$ADDR_OURS"
  read -r pid ms < <(start_daemon "$WORK/small.conf" "$WORK/small.log")
  [ -n "$pid" ] || die "autodiscoverd did not start: $(tail -3 "$WORK/small.log")"
  OURS_PID=$pid
  log "  autodiscoverd ready in $ms ms"

  printf '%s' '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>bob@contoso.test</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>' >"$WORK/pox-request.xml"
  fetch "$ADDR_OURS" "$WORK/pox-response.xml" -u "bob@contoso.test:$PASSWORD" \
    -H 'Content-Type: text/xml; charset=utf-8' --data-binary @"$WORK/pox-request.xml" \
    "https://$VHOST:$PORT$POX_PATH" || die "ours: the POX request failed"
  grep -q '<Action>settings</Action>' "$WORK/pox-response.xml" || die "ours: no settings in the POX answer"
  fetch "$ADDR_OURS" "$WORK/json-response.json" "https://$VHOST:$PORT$JSON_PATH" ||
    die "ours: the v2 JSON request failed"
  nginx_conf "$WORK/nginx.conf" "$WORK/pox-response.xml" "$WORK/json-response.json"
  start_nginx "$WORK/nginx.conf"
  fetch "$ADDR_NGINX" "$WORK/pox-nginx.xml" -H 'Content-Type: text/xml; charset=utf-8' \
    --data-binary @"$WORK/pox-request.xml" "https://$VHOST:$PORT$POX_PATH"
  fetch "$ADDR_NGINX" "$WORK/json-nginx.json" "https://$VHOST:$PORT$JSON_PATH"
  { cmp -s "$WORK/pox-response.xml" "$WORK/pox-nginx.xml" && cmp -s "$WORK/json-response.json" "$WORK/json-nginx.json"; } ||
    die "nginx does not answer the same bytes"
  log "  same bytes: POX $(wc -c <"$WORK/pox-response.xml") B, v2 JSON $(wc -c <"$WORK/json-response.json") B"
  log "  TLS ours:  $(tls_params "$ADDR_OURS")"
  log "  TLS nginx: $(tls_params "$ADDR_NGINX")"
  {
    echo "ours:  $(tls_params "$ADDR_OURS")"
    echo "nginx: $(tls_params "$ADDR_NGINX")"
  } >"$WORK/tls.txt"

  export BENCH_HOST=$VHOST BENCH_BODY_FILE=$WORK/pox-request.xml
  BENCH_AUTH_B64=$(printf '%s' "bob@contoso.test:$PASSWORD" | base64 -w0)
  export BENCH_AUTH_B64

  # 1. Authenticated POX, keep-alive.
  compare pox "https://$ADDR_OURS:$PORT$POX_PATH" "https://$ADDR_NGINX:$PORT$POX_PATH" "$BENCH_DIR/wrk/pox.lua"
  rr=$(ratio "$OURS_RPS" "$NGX_RPS"); pr=$(ratio "$OURS_P99" "$NGX_P99")
  row 1a "POX + Basic auth, TLS keep-alive: requests/s" "$(fmt_rps "$OURS_RPS")" \
    "$(fmt_rps "$NGX_RPS") nginx" "$rr" ">= 0.5" "$(judge "$rr" '>=' 0.5)"
  row 1b "POX + Basic auth, TLS keep-alive: p99 latency" "$(fmt_ms "$OURS_P99")" \
    "$(fmt_ms "$NGX_P99") nginx" "$pr" "<= 2" "$(judge "$pr" '<=' 2)"
  cpu_row 1c "POX + Basic auth, TLS keep-alive: server CPU/request" '>=' 0.5

  # 2. v2 JSON, unauthenticated GET, keep-alive (as far as the server keeps it).
  export BENCH_CLOSE=0
  compare json "https://$ADDR_OURS:$PORT$JSON_PATH" "https://$ADDR_NGINX:$PORT$JSON_PATH" "$BENCH_DIR/wrk/get.lua"
  rr=$(ratio "$OURS_RPS" "$NGX_RPS"); pr=$(ratio "$OURS_P99" "$NGX_P99")
  row 2a "v2 JSON GET, TLS keep-alive: requests/s" "$(fmt_rps "$OURS_RPS")" \
    "$(fmt_rps "$NGX_RPS") nginx" "$rr" ">= 0.7" "$(judge "$rr" '>=' 0.7)"
  row 2b "v2 JSON GET, TLS keep-alive: p99 latency" "$(fmt_ms "$OURS_P99")" \
    "$(fmt_ms "$NGX_P99") nginx" "$pr" "-" "info"
  cpu_row 2c "v2 JSON GET, TLS keep-alive: server CPU/request" '>=' 0.7
  # Does our server keep the connection open after a v2 JSON answer? (curl, two requests.)
  JSON_KEEPALIVE=$(curl -sS -v --cacert "$WORK/pki/ca.pem" --resolve "$VHOST:$PORT:$ADDR_OURS" \
    -o /dev/null -o /dev/null "https://$VHOST:$PORT$JSON_PATH" "https://$VHOST:$PORT$JSON_PATH" 2>&1 |
    grep -c '^\* Re-using existing connection' || true)
  [ "$JSON_KEEPALIVE" -gt 0 ] || log "  NOTE: ours closes the connection after every v2 JSON answer (Connection: close)"

  # 3. New TLS connections a second: one request per connection (full handshakes).
  export BENCH_CLOSE=1
  compare conn "https://$ADDR_OURS:$PORT$JSON_PATH" "https://$ADDR_NGINX:$PORT$JSON_PATH" "$BENCH_DIR/wrk/get.lua"
  rr=$(ratio "$OURS_RPS" "$NGX_RPS")
  row 3a "new TLS connections/s (Connection: close, v2 JSON GET)" "$(fmt_rps "$OURS_RPS")" \
    "$(fmt_rps "$NGX_RPS") nginx" "$rr" ">= 0.9" "$(judge "$rr" '>=' 0.9)"
  cpu_row 3b "new TLS connections: server CPU/connection" '>=' 0.9
  export BENCH_CLOSE=0
  stop_tracked
}
