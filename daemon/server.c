/*
 * server: libmicrohttpd glue. Routing, authentication and the POX answer are decided in
 * http_route.c, http_auth.c and pox_handler.c; this file moves bytes and records requests.
 *
 * Request life: once the headers are complete the access handler routes, checks the
 * method and authenticates, and answers at once when it can (404, 405, 401, 413 from
 * Content-Length) so nothing is buffered for a request that will be refused. That happens
 * on the first call for a request announcing a body, and on the second for one without
 * (an answer queued on the first call closes the connection in libmicrohttpd). A POST that
 * passes is read into a buffer capped at max-body; past the cap the rest is discarded and
 * the answer is 413. The completion callback writes the access log line.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "access_log.h"
#include "analyzer.h"
#include "adbuf.h"
#include "cached_answers.h"
#include "conn_guard.h"
#include "cred_cache.h"
#include "directory.h"
#include "http_auth.h"
#include "http_query.h"
#include "http_route.h"
#include "log.h"
#include "metrics.h"
#include "pox_handler.h"
#include "role_redirector.h"
#include "role_router.h"
#include "role_router_soap.h"
#include "role_router_v2.h"
#include "soap_handler.h"
#include "throttle.h"
#include "tls_sni.h"
#include "v2json_handler.h"
#include "xmlsafe.h"

/*
 * TLS 1.2 and 1.3 only, AEAD ciphers with forward secrecy only; the server's order wins.
 * (GnuTLS priority syntax; TLS 1.3 suites are all AEAD and unaffected by the KX list.)
 * X25519 first: GnuTLS's NORMAL puts P-256 first, and nettle's P-256 multiplication costs
 * about a third of a handshake (doc/performance.md §3); P-256 and P-384 stay for clients
 * without X25519.
 */
#define TLS_PRIORITIES                                                                             \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"            \
    "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:"                            \
    "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:%SERVER_PRECEDENCE"

#define LISTEN_BACKLOG 128
/*
 * Memory of one connection (libmicrohttpd's pool: the request line, every header, and the
 * read and write buffers). A header block that does not fit is answered 431 and the
 * connection closes. 32 KiB (libmicrohttpd's own default, set here so it is ours): 1,024
 * connections cost at most 32 MiB; tests/hardening/service_headers.sh.
 */
#define CONNECTION_MEMORY_LIMIT (32u * 1024u)

struct server_listener {
    struct server *srv;
    const struct config_listener *conf;
    int fd;
    struct tls_sni *sni;      /* its certificates; NULL for plain HTTP */
    struct conn_guard *guard; /* request deadline and eviction; its listener data: sni */
    struct MHD_Daemon *mhd;
};

struct server {
    struct config *conf;
    struct directory *dir;
    struct access_log *access_log;
    struct cred_cache *cred_cache;
    struct throttle *throttle;
    struct analyzer *analyzer; /* runs of every analyzer listener; NULL without one */
    struct server_listener *listeners;
    size_t nlisteners;
    atomic_uint in_flight; /* requests between their first callback and completion */
};

struct request {
    struct server *srv;
    const struct server_listener *listener;
    const struct config_host *vhost; /* chosen by the Host header; its role decides */
    struct timespec started_real;    /* for the log line */
    struct timespec started_mono;    /* for the elapsed time */
    char method[16];
    char path[512];
    char host[256];
    char client[INET6_ADDRSTRLEN];
    char user[256];
    enum http_route route;
    enum metrics_route metrics_route;
    int status;
    size_t bytes_out;
    bool answered;
    bool too_big;
    bool deferred; /* no body: decided on the second call, so the connection stays open */
    int64_t dir_version; /* the directory's, read to authenticate; the answer's too */
    struct adbuf body;
};

/* --- small answers --- */

static const char text_found[] = "302 Found\n";
static const char text_bad_request[] = "400 Bad Request\n";
static const char text_unauthorized[] = "401 Unauthorized\n";
static const char text_not_found[] = "404 Not Found\n";
static const char text_not_allowed[] = "405 Method Not Allowed\n";
static const char text_too_large[] = "413 Payload Too Large\n";
static const char text_too_many[] = "429 Too Many Requests\n";
static const char text_ok[] = "ok\n";
static const char text_unavailable[] = "503 Service Unavailable\n";
static const char text_internal[] = "500 Internal Server Error\n";

static enum MHD_Result queue(struct MHD_Connection *conn, struct request *req, int status,
                             struct MHD_Response *resp, size_t body_len)
{
    if (!resp)
        return MHD_NO; /* out of memory: libmicrohttpd closes the connection */
    req->answered = true;
    req->status = status;
    req->bytes_out = body_len;
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static struct MHD_Response *text_response(const char *text)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                        "text/plain; charset=utf-8") != MHD_YES) {
        MHD_destroy_response(resp);
        return NULL;
    }
    return resp;
}

static enum MHD_Result answer_text(struct MHD_Connection *conn, struct request *req, int status,
                                   const char *text)
{
    return queue(conn, req, status, text_response(text), strlen(text));
}

/*
 * The capability headers Exchange sends on the GET of the POX path: clients of the EWS Managed
 * API family (and ours in SOAP mode) skip a host without them. NULL (resp destroyed) on failure.
 */
static struct MHD_Response *add_capability_headers(struct MHD_Response *resp)
{
    static const char *const headers[][2] = {
        {"X-SOAP-Enabled", "True"},
        {"X-WSSecurity-Enabled", "True"},
        {"X-OAuth-Enabled", "True"},
    };
    for (size_t i = 0; resp && i < sizeof headers / sizeof headers[0]; i++) {
        if (MHD_add_response_header(resp, headers[i][0], headers[i][1]) != MHD_YES) {
            MHD_destroy_response(resp);
            resp = NULL;
        }
    }
    return resp;
}

static enum MHD_Result answer_unauthorized(struct MHD_Connection *conn, struct request *req)
{
    struct MHD_Response *resp = text_response(text_unauthorized);
    if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                        "Basic realm=\"autodiscover\"") != MHD_YES) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return queue(conn, req, 401, add_capability_headers(resp), strlen(text_unauthorized));
}

/*
 * The router's answer to the capability GET: the same headers, but 200 and no challenge,
 * because the router never takes credentials (it only says which pod serves an address).
 */
static enum MHD_Result answer_router_capabilities(struct MHD_Connection *conn,
                                                  struct request *req)
{
    static const char text[] = "Autodiscover router: POST to be redirected to your pod.\n";
    return queue(conn, req, 200, add_capability_headers(text_response(text)), strlen(text));
}

/* Throttled (throttle.h): no challenge, so clients do not retry at once with the same secret. */
static enum MHD_Result answer_throttled(struct MHD_Connection *conn, struct request *req,
                                        unsigned retry_after)
{
    struct MHD_Response *resp = text_response(text_too_many);
    char seconds[16];
    snprintf(seconds, sizeof seconds, "%u", retry_after);
    if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, seconds) != MHD_YES) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return queue(conn, req, 429, resp, strlen(text_too_many));
}

static enum MHD_Result answer_not_allowed(struct MHD_Connection *conn, struct request *req)
{
    struct MHD_Response *resp = text_response(text_not_allowed);
    enum metrics_route r = req->metrics_route;
    bool get_only =
        r == METRICS_ROUTE_V2JSON || r == METRICS_ROUTE_HEALTHZ || r == METRICS_ROUTE_METRICS;
    const char *allow = get_only ? "GET" : "POST";
    if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return queue(conn, req, 405, resp, strlen(text_not_allowed));
}

/* Sends out (consumed) with its type, and a Location when location is not NULL. */
static enum MHD_Result answer_buffer(struct MHD_Connection *conn, struct request *req, int status,
                                     const char *content_type, struct adbuf *out,
                                     const char *location)
{
    size_t len = out->len;
    char *data = adbuf_steal(out);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES ||
        (location && MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location) != MHD_YES)) {
        MHD_destroy_response(resp);
        return MHD_NO;
    }
    return queue(conn, req, status, resp, len);
}

/* 302 to location (a configured https URL, or one built from a configured pod URL). */
static enum MHD_Result answer_redirect(struct MHD_Connection *conn, struct request *req,
                                       const char *location)
{
    struct MHD_Response *resp = text_response(text_found);
    if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location) != MHD_YES) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return queue(conn, req, 302, resp, strlen(text_found));
}

/* An answer after which the connection closes, so a body sent with the request is not read. */
static enum MHD_Result answer_and_close(struct MHD_Connection *conn, struct request *req,
                                       int status, const char *text)
{
    struct MHD_Response *resp = text_response(text);
    if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return queue(conn, req, status, resp, strlen(text));
}

/* Router, POX or SOAP body read: 302, or the answer's XML, or 500. */
static enum MHD_Result answer_router(struct MHD_Connection *conn, struct request *req)
{
    struct adbuf out;
    adbuf_init(&out, XMLSAFE_RESPONSE_MAX_BYTES);
    char *location = NULL;
    const char *body = req->body.data ? req->body.data : "";
    int status = req->route == ROUTE_SOAP
                     ? role_router_soap_handle(req->srv->dir, req->vhost->route_mode, body,
                                               req->body.len, &out, &location)
                     : role_router_handle(req->srv->dir, req->vhost->route_mode, body,
                                          req->body.len, &out, &location);
    adbuf_free(&req->body);
    enum MHD_Result rc;
    if (status == 302)
        rc = answer_redirect(conn, req, location);
    else if (out.len > 0)
        rc = answer_buffer(conn, req, status, "text/xml; charset=utf-8", &out, NULL);
    else
        rc = answer_text(conn, req, 500, text_internal);
    adbuf_free(&out);
    free(location);
    return rc;
}

static enum MHD_Result answer_pox(struct MHD_Connection *conn, struct request *req)
{
    struct adbuf out;
    adbuf_init(&out, XMLSAFE_RESPONSE_MAX_BYTES);
    struct pox_client_caps caps;
    pox_client_caps_parse(
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-ClientCanHandle"),
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-MapiHttpCapability"), &caps);
    directory_read_begin(req->srv->dir); /* one read transaction for the answer's lookups */
    int status = pox_handle_caps_cached(req->srv->dir, req->dir_version, req->user,
                                        req->body.data ? req->body.data : "", req->body.len,
                                        &caps, &out);
    directory_read_end(req->srv->dir);
    adbuf_free(&req->body);
    if (status != 200) {
        adbuf_free(&out);
        return answer_text(conn, req, 500, text_internal);
    }
    return answer_buffer(conn, req, 200, "text/xml; charset=utf-8", &out, NULL);
}

static enum MHD_Result answer_soap(struct MHD_Connection *conn, struct request *req)
{
    struct adbuf out;
    adbuf_init(&out, XMLSAFE_RESPONSE_MAX_BYTES);
    directory_read_begin(req->srv->dir);
    int status = soap_handle(req->srv->dir, req->user, req->body.data ? req->body.data : "",
                             req->body.len, &out);
    directory_read_end(req->srv->dir);
    adbuf_free(&req->body);
    if (out.len == 0) {
        adbuf_free(&out);
        return answer_text(conn, req, 500, text_internal);
    }
    return answer_buffer(conn, req, status, "text/xml; charset=utf-8", &out, NULL);
}

typedef int (*v2json_fn)(struct directory *dir, const char *path, const char *query,
                         struct adbuf *body, char **location);

/* v2 JSON: unauthenticated GET, answered from the headers alone (service or router). */
static enum MHD_Result answer_v2json(struct MHD_Connection *conn, struct request *req,
                                     v2json_fn handle)
{
    if (http_method_classify(req->method) != METHOD_GET)
        return answer_not_allowed(conn, req);
    struct adbuf query, out;
    adbuf_init(&query, 4096);
    /* req->path may have been cut to fit: a cut address must never be answered. */
    if (strlen(req->path) >= sizeof req->path - 1 || http_query_raw(conn, &query) < 0) {
        adbuf_free(&query);
        return answer_text(conn, req, 414, "414 URI Too Long\n");
    }
    adbuf_init(&out, 64 * 1024);
    char *location = NULL;
    directory_read_begin(req->srv->dir);
    int status = handle(req->srv->dir, req->path, query.data ? query.data : "", &out, &location);
    directory_read_end(req->srv->dir);
    adbuf_free(&query);
    enum MHD_Result rc;
    if (status == 500 && out.len == 0)
        rc = answer_text(conn, req, 500, text_internal);
    else
        rc = answer_buffer(conn, req, status, "application/json; charset=utf-8", &out, location);
    adbuf_free(&out);
    free(location);
    return rc;
}

/* --- the request --- */

static void copy_header(struct MHD_Connection *conn, const char *name, char *out, size_t outlen)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
    snprintf(out, outlen, "%s", v ? v : "");
}

static void client_address(struct MHD_Connection *conn, char *out, size_t outlen)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!info || !info->client_addr)
        return;
    socklen_t len = info->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                             : sizeof(struct sockaddr_in);
    if (getnameinfo(info->client_addr, len, out, (socklen_t)outlen, NULL, 0, NI_NUMERICHOST) != 0)
        out[0] = '\0';
}

/* The fail2ban line (doc/autodiscoverd.md, "Logs"): the name escaped, never the password. */
static void log_auth_failure(const struct request *req, const char *user)
{
    char escaped[256];
    access_log_escape(user, escaped, sizeof escaped);
    log_auth("authentication failure for %s from %s", escaped, req->client[0] ? req->client : "-");
}

/*
 * 1 authenticated (req->user set), 0 not, -1 directory failure, -2 throttled with the wait
 * in *retry_after. Throttled attempts run no yescrypt; failures are counted and logged.
 */
static int authenticate(struct MHD_Connection *conn, struct request *req, unsigned *retry_after)
{
    struct server *srv = req->srv;
    const char *header =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    struct basic_credentials creds;
    if (http_basic_parse(header, &creds) < 0)
        return 0; /* no credentials (the usual first request) or garbage: not a guess */
    int rc = 0;
    *retry_after = throttle_check(srv->throttle, req->client, creds.user);
    if (*retry_after > 0) {
        metrics_count(METRICS_AUTH_THROTTLED);
        log_debug("authentication throttled from %s", req->client);
        rc = -2;
    } else if (strlen(creds.user) < sizeof req->user) {
        /* The user may log in with an alias; req->user is the mailbox's primary address. */
        bool hit = false;
        rc = directory_verify_password_cached(srv->dir, srv->cred_cache, creds.user, creds.password,
                                              req->user, sizeof req->user, &hit,
                                              &req->dir_version);
        if (rc >= 0) {
            metrics_count(hit ? METRICS_CACHE_HITS : METRICS_CACHE_MISSES);
            if (hit)
                log_debug("credential cache hit for %s", req->user);
        }
    }
    if (rc != 1)
        req->user[0] = '\0';
    if (rc == 1) {
        throttle_success(srv->throttle, creds.user);
    } else if (rc == 0) {
        metrics_count(METRICS_AUTH_FAILURES);
        throttle_failure(srv->throttle, req->client, creds.user);
        log_auth_failure(req, creds.user);
    }
    basic_credentials_clear(&creds);
    return rc;
}

/* A body announced by Content-Length (other than 0) or by Transfer-Encoding. */
static bool announces_body(struct MHD_Connection *conn)
{
    const char *length =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return (length && strcmp(length, "0") != 0) ||
           MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

/* 413 when Content-Length is over max-body; otherwise prepares the body buffer. */
static enum MHD_Result expect_body(struct MHD_Connection *conn, struct request *req)
{
    const char *length =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(length, &end, 10);
        if (errno == ERANGE || n > req->srv->conf->max_body)
            return answer_text(conn, req, 413, text_too_large);
    }
    adbuf_init(&req->body, req->srv->conf->max_body);
    return MHD_YES;
}

/* Redirector: decided from the request line and headers; never reads a body. */
static enum MHD_Result begin_redirector(struct MHD_Connection *conn, struct request *req)
{
    bool has_auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION) != NULL;
    const char *location;
    switch (role_redirector_answer(req->vhost, req->method, req->path, has_auth,
                                   announces_body(conn), &location)) {
    case 302:
        return answer_redirect(conn, req, location);
    case 400:
        return answer_and_close(conn, req, 400, text_bad_request);
    default:
        return answer_text(conn, req, 404, text_not_found);
    }
}

/* GET /healthz: 200 while the directory answers, else 503; nothing else is said. */
static enum MHD_Result answer_healthz(struct MHD_Connection *conn, struct request *req)
{
    req->metrics_route = METRICS_ROUTE_HEALTHZ;
    enum http_method_class method = http_method_classify(req->method);
    if (method != METHOD_GET && strcmp(req->method, "HEAD") != 0)
        return answer_not_allowed(conn, req);
    if (directory_ping(req->srv->dir) < 0)
        return answer_text(conn, req, 503, text_unavailable);
    return answer_text(conn, req, 200, text_ok);
}

/* An analyzer reply (analyzer.h) as the response, with its headers; the reply is consumed. */
static enum MHD_Result queue_analyzer_reply(struct MHD_Connection *conn, struct request *req,
                                            struct analyzer_reply *r)
{
    size_t len = r->body.len;
    char *data = adbuf_steal(&r->body);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        free(data);
    for (size_t i = 0; resp && i < r->nheaders; i++) {
        if (MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]) != MHD_YES) {
            MHD_destroy_response(resp);
            resp = NULL;
        }
    }
    return queue(conn, req, r->status, resp, len);
}

/* The analyzer's answer (analyzer.c), once its credentials passed; a POST body is wiped. */
static enum MHD_Result answer_analyzer(struct MHD_Connection *conn, struct request *req)
{
    struct analyzer_reply r;
    analyzer_handle(req->srv->analyzer, conn, req->method, req->path, req->body.data,
                    req->body.len, &r);
    adbuf_free(&req->body);
    return queue_analyzer_reply(conn, req, &r);
}

/* /analyzer on a listener with an analyzer block: authenticated before any body is read. */
static enum MHD_Result begin_analyzer(struct MHD_Connection *conn, struct request *req)
{
    if (!analyzer_authorized(req->srv->analyzer, req->listener->conf->analyzer, conn,
                             req->client)) {
        struct analyzer_reply r;
        analyzer_challenge(&r);
        return queue_analyzer_reply(conn, req, &r);
    }
    if (strcmp(req->method, "POST") != 0)
        return answer_analyzer(conn, req);
    const char *length =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length && strtoull(length, NULL, 10) > ANALYZER_MAX_BODY)
        return answer_text(conn, req, 413, text_too_large);
    adbuf_init(&req->body, ANALYZER_MAX_BODY);
    return MHD_YES;
}

/* Admin role: /healthz and /metrics, GET only; never offered on the public roles. */
static enum MHD_Result begin_admin(struct MHD_Connection *conn, struct request *req)
{
    if (req->listener->conf->analyzer && req->srv->analyzer && analyzer_path(req->path))
        return begin_analyzer(conn, req);
    if (strcmp(req->path, "/healthz") == 0)
        return answer_healthz(conn, req);
    if (strcmp(req->path, "/metrics") != 0)
        return answer_text(conn, req, 404, text_not_found);
    req->metrics_route = METRICS_ROUTE_METRICS;
    if (http_method_classify(req->method) != METHOD_GET && strcmp(req->method, "HEAD") != 0)
        return answer_not_allowed(conn, req);
    struct adbuf out;
    adbuf_init(&out, 1 << 20);
    if (metrics_render(&out) < 0) {
        adbuf_free(&out);
        return answer_text(conn, req, 500, text_internal);
    }
    return answer_buffer(conn, req, 200, "text/plain; version=0.0.4; charset=utf-8", &out, NULL);
}

static enum metrics_route metrics_route_of(enum http_route route)
{
    switch (route) {
    case ROUTE_POX:
        return METRICS_ROUTE_POX;
    case ROUTE_SOAP:
        return METRICS_ROUTE_SOAP;
    case ROUTE_V2JSON:
        return METRICS_ROUTE_V2JSON;
    default:
        return METRICS_ROUTE_OTHER;
    }
}

/*
 * Router: POX and SOAP POSTs and v2 GETs, without credentials (any Authorization header is
 * ignored, never checked).
 */
static enum MHD_Result begin_router(struct MHD_Connection *conn, struct request *req)
{
    req->route = http_route_match(req->path);
    if (req->route == ROUTE_NOT_FOUND)
        return answer_text(conn, req, 404, text_not_found);
    if (req->route == ROUTE_V2JSON)
        return answer_v2json(conn, req, role_router_v2_handle);
    enum http_method_class method = http_method_classify(req->method);
    if (method == METHOD_GET && req->route == ROUTE_POX)
        return answer_router_capabilities(conn, req);
    if (method != METHOD_POST)
        return answer_not_allowed(conn, req);
    return expect_body(conn, req);
}

/* The first call: everything that can be decided from the headers alone. */
static enum MHD_Result begin_request(struct MHD_Connection *conn, struct request *req)
{
    if (req->vhost->role == ROLE_ADMIN)
        return begin_admin(conn, req);
    /* Health checks reach every HTTPS listener, whatever the host's role. */
    if (req->listener->sni && strcmp(req->path, "/healthz") == 0)
        return answer_healthz(conn, req);
    if (req->vhost->role == ROLE_REDIRECTOR) {
        req->metrics_route = METRICS_ROUTE_REDIRECTOR;
        return begin_redirector(conn, req);
    }
    if (req->vhost->role == ROLE_ROUTER) {
        req->metrics_route = METRICS_ROUTE_ROUTER;
        return begin_router(conn, req);
    }
    req->route = http_route_match(req->path);
    req->metrics_route = metrics_route_of(req->route);
    if (req->route == ROUTE_NOT_FOUND)
        return answer_text(conn, req, 404, text_not_found);
    if (req->route == ROUTE_V2JSON)
        return answer_v2json(conn, req, v2json_handle_cached);
    enum http_method_class method = http_method_classify(req->method);
    if (method == METHOD_OTHER)
        return answer_not_allowed(conn, req);
    unsigned retry_after = 0;
    int auth = authenticate(conn, req, &retry_after);
    if (auth == -2)
        return answer_throttled(conn, req, retry_after);
    if (auth < 0) {
        /* Temporary (every LDAP server down, a locked file): 503 tells clients to retry. */
        log_warnx("directory failure while authenticating");
        return answer_text(conn, req, 503, text_unavailable);
    }
    if (auth == 0)
        return answer_unauthorized(conn, req);
    if (method == METHOD_GET)
        return answer_not_allowed(conn, req);
    return expect_body(conn, req);
}

static struct request *request_new(struct server_listener *sl, struct MHD_Connection *conn,
                                   const char *url, const char *method)
{
    struct server *srv = sl->srv;
    struct request *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->srv = srv;
    req->listener = sl;
    req->metrics_route = METRICS_ROUTE_OTHER;
    req->dir_version = -1;
    clock_gettime(CLOCK_REALTIME, &req->started_real);
    clock_gettime(CLOCK_MONOTONIC, &req->started_mono);
    snprintf(req->method, sizeof req->method, "%s", method);
    snprintf(req->path, sizeof req->path, "%s", url);
    copy_header(conn, MHD_HTTP_HEADER_HOST, req->host, sizeof req->host);
    req->vhost = config_listener_host(sl->conf, req->host);
    client_address(conn, req->client, sizeof req->client);
    adbuf_init(&req->body, 0);
    atomic_fetch_add(&srv->in_flight, 1);
    return req;
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    struct server_listener *sl = cls;
    struct request *req = *con_cls;
    if (!req) {
        if (!(req = request_new(sl, conn, url, method)))
            return MHD_NO;
        *con_cls = req;
        /*
         * libmicrohttpd 0.9.75 closes the connection after a response queued on the first
         * call. A request without a body is therefore decided on the second call (which
         * comes at once), so its answer keeps the connection open; a request announcing a
         * body is still refused on the first call, before the body is read.
         */
        if (!announces_body(conn)) {
            req->deferred = true;
            return MHD_YES;
        }
        return begin_request(conn, req);
    }
    if (req->deferred) {
        req->deferred = false;
        enum MHD_Result rc = begin_request(conn, req);
        if (rc != MHD_YES || req->answered)
            return rc;
    }
    if (*upload_data_size > 0) {
        /* Past the cap (or after an early answer) the rest is read and dropped. */
        if (!req->answered && !req->too_big &&
            adbuf_append(&req->body, upload_data, *upload_data_size) < 0) {
            req->too_big = true;
            adbuf_free(&req->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->answered)
        return MHD_YES;
    if (req->too_big)
        return answer_text(conn, req, 413, text_too_large);
    if (req->vhost->role == ROLE_ROUTER)
        return answer_router(conn, req);
    if (req->vhost->role == ROLE_ADMIN)
        return answer_analyzer(conn, req); /* the only admin route that reads a body */
    return req->route == ROUTE_SOAP ? answer_soap(conn, req) : answer_pox(conn, req);
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    struct server *srv = cls;
    struct request *req = *con_cls;
    conn_guard_request_done(conn, toe);
    if (!req)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct access_entry e = {
        .when = req->started_real,
        .client = req->client,
        .host = req->host,
        .method = req->method,
        .path = req->path,
        .status = req->status,
        .user = req->user[0] ? req->user : NULL,
        .bytes_out = req->bytes_out,
        .elapsed_us = (now.tv_sec - req->started_mono.tv_sec) * 1000000LL +
                      (now.tv_nsec - req->started_mono.tv_nsec) / 1000,
    };
    metrics_request(req->metrics_route, req->status);
    if (access_log_write(srv->access_log, &e) < 0)
        log_warn("access log write");
    adbuf_free(&req->body);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\r\n")] = '\0';
    log_debug("httpd: %s", msg);
}

/* --- setup --- */

int server_check_tls_files(const struct config *conf, char *err, size_t errlen)
{
    return tls_sni_check_files(conf, err, errlen);
}

static int bind_listener(const struct config_listener *l, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, l->address, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)l->port);
        sslen = sizeof *sin;
    } else if (inet_pton(AF_INET6, l->address, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)l->port);
        sslen = sizeof *sin6;
    } else {
        snprintf(err, errlen, "%s: not a numeric address", l->address);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    int on = 1;
    /* SO_REUSEPORT lets a reload bind the new generation before the old one lets go. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) < 0 ||
        (ss.ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0) ||
        bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
        snprintf(err, errlen, "listen %s %u: %s", l->address, l->port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void server_free(struct server *srv)
{
    for (size_t i = 0; i < srv->nlisteners; i++) {
        struct server_listener *sl = &srv->listeners[i];
        if (sl->mhd)
            MHD_stop_daemon(sl->mhd);
        if (sl->fd >= 0)
            close(sl->fd);
        conn_guard_free(sl->guard);
        tls_sni_free(sl->sni);
    }
    free(srv->listeners);
    access_log_close(srv->access_log);
    cred_cache_free(srv->cred_cache);
    throttle_free(srv->throttle);
    analyzer_release(srv->analyzer);
    directory_close(srv->dir);
    config_free(srv->conf);
    free(srv);
}

/*
 * The socket of previous's listener on the same address and port, duplicated, or -1. A
 * reload keeps its sockets this way: no new bind, so it works after privileges were
 * dropped (a port below 1024, or SO_REUSEPORT's same-user rule), and no queued connection
 * is lost when the old generation goes.
 */
static int inherit_socket(const struct server *previous, const struct config_listener *l)
{
    for (size_t i = 0; previous && i < previous->nlisteners; i++) {
        const struct server_listener *old = &previous->listeners[i];
        if (old->fd >= 0 && old->conf->port == l->port &&
            strcmp(old->conf->address, l->address) == 0)
            return fcntl(old->fd, F_DUPFD_CLOEXEC, 0);
    }
    return -1;
}

struct server *server_prepare(struct config *conf, const struct server *previous, char *err,
                              size_t errlen)
{
    struct server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        config_free(conf);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    srv->conf = conf;
    atomic_init(&srv->in_flight, 0);
    char reason[512];
    if (!(srv->dir = directory_open_with(conf->directory, conf->mailboxes_ldap, reason,
                                         sizeof reason))) {
        snprintf(err, errlen, "directory %s: %s", conf->directory, reason);
        goto fail;
    }
    if (conf->access_log && !(srv->access_log = access_log_open(conf->access_log))) {
        snprintf(err, errlen, "access-log %s: %s", conf->access_log, strerror(errno));
        goto fail;
    }
    if (!(srv->cred_cache = cred_cache_new(CRED_CACHE_DEFAULT_ENTRIES, conf->cred_cache_ttl)) ||
        !(srv->throttle = throttle_new(conf->auth_failure_limit, conf->auth_failure_window,
                                       THROTTLE_DEFAULT_SLOTS))) {
        snprintf(err, errlen, "cannot set up the credential cache and throttling");
        goto fail;
    }
    for (size_t i = 0; i < conf->nlisteners && !srv->analyzer; i++) {
        if (conf->listeners[i].analyzer &&
            !(srv->analyzer = analyzer_new(conf->listeners[i].analyzer))) {
            snprintf(err, errlen, "cannot set up the analyzer");
            goto fail;
        }
    }
    srv->listeners = calloc(conf->nlisteners, sizeof *srv->listeners);
    if (!srv->listeners) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < conf->nlisteners; i++) {
        struct server_listener *sl = &srv->listeners[i];
        const struct config_listener *l = &conf->listeners[i];
        sl->srv = srv;
        sl->conf = l;
        sl->fd = -1;
        srv->nlisteners++;
        if (l->tls_certificate && !(sl->sni = tls_sni_load(conf, l, err, errlen)))
            goto fail;
        sl->fd = inherit_socket(previous, l);
        if (sl->fd < 0 && (sl->fd = bind_listener(l, reason, sizeof reason)) < 0) {
            snprintf(err, errlen, "%s:%d: %s", conf->path, l->line, reason);
            goto fail;
        }
    }
    return srv;
fail:
    server_free(srv);
    return NULL;
}

const struct config *server_config(const struct server *srv)
{
    return srv->conf;
}

/*
 * libmicrohttpd worker threads per listener: worker-threads when set; otherwise one per CPU
 * this process may run on (its affinity, so taskset and systemd's CPUAffinity count), and
 * at least 2, so that one request's yescrypt (tens of ms) never stalls every other
 * connection. One thread per core is what keeps the tail latency low: two busy threads on
 * one core take turns in scheduler slices of milliseconds.
 */
static unsigned pool_size(const struct config *conf)
{
    if (conf->worker_threads > 0)
        return conf->worker_threads;
    cpu_set_t set;
    long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                        : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 2)
        return 2;
    return (unsigned long)n > CONFIG_MAX_WORKER_THREADS ? CONFIG_MAX_WORKER_THREADS : (unsigned)n;
}

int server_start(struct server *srv, char *err, size_t errlen)
{
    const struct config *conf = srv->conf;
    for (size_t i = 0; i < srv->nlisteners; i++) {
        struct server_listener *sl = &srv->listeners[i];
        /*
         * Every connection is tracked by the listener's guard (request deadline, eviction
         * under pressure). HTTPS listeners choose their certificate per connection (SNI):
         * the guard's socket context hands the connection its listener's certificates, the
         * certificate callback picks among them. Plain HTTP listeners get no TLS options.
         */
        if (!sl->guard &&
            !(sl->guard = conn_guard_new(conf->request_deadline, conf->connection_limit,
                                         pool_size(conf), sl->sni))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        struct MHD_OptionItem tls_options[] = {
            {MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)tls_sni_pick},
            {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES},
            {MHD_OPTION_END, 0, NULL},
        };
        struct MHD_OptionItem *extra = sl->sni ? tls_options : &tls_options[2];
        /* ITC: needed by MHD_quiesce_daemon in thread-pool mode. */
        unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                         (sl->sni ? MHD_USE_TLS : 0);
        /* A connection silent for the whole request deadline is over it: libmicrohttpd's
         * idle timeout closes it even on a worker where the guard is not called. */
        unsigned idle_timeout =
            conf->request_deadline > 0 && conf->request_deadline < conf->timeout_seconds
                ? conf->request_deadline
                : conf->timeout_seconds;
        sl->mhd = MHD_start_daemon(
            flags, (uint16_t)sl->conf->port, NULL, NULL, handle_request, sl,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, to catch every message */
            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)sl->fd, MHD_OPTION_THREAD_POOL_SIZE, pool_size(conf),
            MHD_OPTION_CONNECTION_LIMIT, conf->connection_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
            conf->per_ip_limit, MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY_LIMIT,
            MHD_OPTION_ARRAY, extra, MHD_OPTION_UNESCAPE_CALLBACK, http_keep_raw, NULL,
            MHD_OPTION_NOTIFY_CONNECTION, conn_guard_notify, sl->guard,
            MHD_OPTION_NOTIFY_COMPLETED, request_completed, srv, MHD_OPTION_END);
        if (!sl->mhd) {
            snprintf(err, errlen, "%s:%d: cannot start %s on %s port %u", conf->path,
                     sl->conf->line, sl->sni ? "HTTPS" : "HTTP", sl->conf->address,
                     sl->conf->port);
            for (size_t k = 0; k < i; k++) {
                MHD_stop_daemon(srv->listeners[k].mhd);
                srv->listeners[k].mhd = NULL;
            }
            return -1;
        }
        log_info("listening on %s port %u (%s)", sl->conf->address, sl->conf->port,
                 sl->sni ? "https" : "http");
    }
    return 0;
}

void server_stop(struct server *srv, unsigned drain_seconds)
{
    if (!srv)
        return;
    /*
     * Stop accepting, and close our socket at once rather than after the drain: while it
     * stays open the kernel keeps queueing new connections that the exit then resets, when
     * a refused connection would have sent those clients to another address or daemon
     * (doc/deployment.md). A reload's new generation holds its own duplicate of it.
     */
    for (size_t i = 0; i < srv->nlisteners; i++) {
        struct server_listener *sl = &srv->listeners[i];
        if (sl->mhd)
            MHD_quiesce_daemon(sl->mhd);
        if (sl->fd >= 0)
            close(sl->fd);
        sl->fd = -1;
    }
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (unsigned waited = 0; atomic_load(&srv->in_flight) > 0 && waited < drain_seconds * 100;
         waited++)
        nanosleep(&tick, NULL);
    if (atomic_load(&srv->in_flight) > 0)
        log_warnx("%u requests still in progress after %u s; closing them",
                  atomic_load(&srv->in_flight), drain_seconds);
    server_free(srv);
}
