/*
 * Fuzz target: autodiscoverd's HTTP request path, whole. The input is the raw bytes a client
 * sends (request line, headers, body); they go through a socketpair into a libmicrohttpd
 * daemon that runs the service's own callbacks (daemon/server.c is compiled in, so
 * handle_request, begin_request, authenticate, the body cap and request_completed are the
 * real ones) over a real SQLite directory. One listener, HTTPS-like (TLS itself is not
 * fuzzed), with a service default host and router and redirector hosts chosen by Host:
 * route, method, Basic credentials, X-ClientCanHandle, the body cap (max-body 8192), POX,
 * mobilesync, SOAP, v2 JSON with its raw query string, the router and the redirector.
 */
#include "../daemon/server.c"

#include <poll.h>

#include "fuzz_common.h"
#include "fuzz_directory.h"

#define FUZZ_MAX_BODY 8192

static struct server fuzz_srv;
static struct server_listener fuzz_sl;
static struct MHD_Daemon *fuzz_mhd;

static void fuzz_setup(void)
{
    struct directory *dir = fuzz_directory();
    char text[1024], err[512];
    snprintf(text, sizeof text,
             "directory \"sqlite:%s/directory.db\"\n"
             "credential-cache-ttl 0\nauth-failure-limit 0\nmax-body %u\n"
             "listen 127.0.0.1 443 {\n"
             "  tls-certificate /nonexistent.pem; tls-key /nonexistent.key\n"
             "  role service\n"
             "  host router.test { role router }\n"
             "  host router302.test { role router; route-mode http302 }\n"
             "  host redirect.test { role redirector; redirect-to "
             "\"https://autodiscover.contoso.test/autodiscover/autodiscover.xml\" }\n"
             "}\n",
             fuzz_tempdir(), FUZZ_MAX_BODY);
    struct config *conf = config_parse_string("fuzz", text, err, sizeof err);
    fuzz_dir_ok(conf ? 0 : -1, err);
    fuzz_srv.conf = conf;
    fuzz_srv.dir = dir;
    fuzz_srv.cred_cache = cred_cache_new(CRED_CACHE_DEFAULT_ENTRIES, conf->cred_cache_ttl);
    fuzz_srv.throttle =
        throttle_new(conf->auth_failure_limit, conf->auth_failure_window, THROTTLE_DEFAULT_SLOTS);
    FUZZ_ASSERT(fuzz_srv.cred_cache && fuzz_srv.throttle);
    fuzz_srv.listeners = &fuzz_sl;
    fuzz_srv.nlisteners = 1;
    fuzz_sl.srv = &fuzz_srv;
    fuzz_sl.conf = &conf->listeners[0];
    fuzz_sl.fd = -1;
    /* Only tested for NULL (is the listener HTTPS?); never dereferenced here. */
    fuzz_sl.sni = (struct tls_sni *)&fuzz_sl;
    /* The options of server_start, without sockets, threads or TLS. */
    fuzz_mhd = MHD_start_daemon(
        MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle_request, &fuzz_sl,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_CONNECTION_LIMIT,
        conf->connection_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, conf->per_ip_limit,
        MHD_OPTION_UNESCAPE_CALLBACK, http_keep_raw, NULL, MHD_OPTION_NOTIFY_COMPLETED,
        request_completed, &fuzz_srv, MHD_OPTION_END);
    FUZZ_ASSERT(fuzz_mhd != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_mhd)
        fuzz_setup();
    int sv[2];
    FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0);
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(40000)};
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    FUZZ_ASSERT(MHD_add_connection(fuzz_mhd, sv[1], (struct sockaddr *)&peer, sizeof peer) ==
                MHD_YES);
    size_t sent = 0, got = 0;
    char head[16] = "";
    bool shut = false;
    /* Send everything, half-close, and read until the daemon closes the connection. */
    for (unsigned round = 0; round < 20000; round++) {
        if (sent < size) {
            ssize_t n = write(sv[0], data + sent, size - sent);
            if (n > 0)
                sent += (size_t)n;
        }
        if (sent == size && !shut) {
            shutdown(sv[0], SHUT_WR);
            shut = true;
        }
        MHD_run(fuzz_mhd);
        char buf[4096];
        ssize_t n;
        while ((n = read(sv[0], buf, sizeof buf)) > 0) {
            if (got < sizeof head - 1)
                memcpy(head + got, buf,
                       (size_t)n < sizeof head - 1 - got ? (size_t)n : sizeof head - 1 - got);
            got += (size_t)n;
        }
        if (n == 0)
            break;
    }
    close(sv[0]);
    MHD_run(fuzz_mhd);
    /* Whatever came back is HTTP. */
    FUZZ_ASSERT(got == 0 || strncmp(head, "HTTP/1.", got < 7 ? got : 7) == 0);
    FUZZ_ASSERT(atomic_load(&fuzz_srv.in_flight) == 0);
    return 0;
}
