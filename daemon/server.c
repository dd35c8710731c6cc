/*
 * server: libmicrohttpd glue. Routing, authentication and the POX answer are decided in
 * http_route.c, http_auth.c and pox_handler.c; this file moves bytes and records requests.
 *
 * Request life: the first call of the access handler (headers complete) routes, checks the
 * method and authenticates, and answers at once when it can (404, 405, 401, 413 from
 * Content-Length) so nothing is buffered for a request that will be refused. A POST that
 * passes is read into a buffer capped at max-body; past the cap the rest is discarded and
 * the answer is 413. The completion callback writes the access log line.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
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
#include "adbuf.h"
#include "directory.h"
#include "http_auth.h"
#include "http_route.h"
#include "log.h"
#include "pox_handler.h"
#include "xmlsafe.h"

/*
 * TLS 1.2 and 1.3 only, AEAD ciphers with forward secrecy only; the server's order wins.
 * (GnuTLS priority syntax; TLS 1.3 suites are all AEAD and unaffected by the KX list.)
 */
#define TLS_PRIORITIES                                                                             \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"            \
    "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:%SERVER_PRECEDENCE"

#define TLS_FILE_MAX (1024 * 1024)
#define LISTEN_BACKLOG 128
#define MAX_POOL_THREADS 16u

struct server_listener {
    const struct config_listener *conf;
    int fd;
    char *cert_pem; /* the files' contents, handed to libmicrohttpd */
    char *key_pem;
    struct MHD_Daemon *mhd;
};

struct server {
    struct config *conf;
    struct directory *dir;
    struct access_log *access_log;
    struct server_listener *listeners;
    size_t nlisteners;
    atomic_uint in_flight; /* requests between their first callback and completion */
};

struct request {
    struct server *srv;
    struct timespec started_real; /* for the log line */
    struct timespec started_mono; /* for the elapsed time */
    char method[16];
    char path[512];
    char host[256];
    char client[INET6_ADDRSTRLEN];
    char user[256];
    int status;
    size_t bytes_out;
    bool answered;
    bool too_big;
    struct adbuf body;
};

/* --- small answers --- */

static const char text_unauthorized[] = "401 Unauthorized\n";
static const char text_not_found[] = "404 Not Found\n";
static const char text_not_allowed[] = "405 Method Not Allowed\n";
static const char text_too_large[] = "413 Payload Too Large\n";
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

static enum MHD_Result answer_unauthorized(struct MHD_Connection *conn, struct request *req)
{
    struct MHD_Response *resp = text_response(text_unauthorized);
    /* The challenge, plus the capability headers Exchange sends with it. */
    static const char *const headers[][2] = {
        {MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"autodiscover\""},
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
    return queue(conn, req, 401, resp, strlen(text_unauthorized));
}

static enum MHD_Result answer_not_allowed(struct MHD_Connection *conn, struct request *req)
{
    struct MHD_Response *resp = text_response(text_not_allowed);
    if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST") != MHD_YES) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return queue(conn, req, 405, resp, strlen(text_not_allowed));
}

static enum MHD_Result answer_pox(struct MHD_Connection *conn, struct request *req)
{
    struct adbuf out;
    adbuf_init(&out, XMLSAFE_RESPONSE_MAX_BYTES);
    int status = pox_handle(req->srv->dir, req->user, req->body.data ? req->body.data : "",
                            req->body.len, &out);
    adbuf_free(&req->body);
    if (status != 200) {
        adbuf_free(&out);
        return answer_text(conn, req, 500, text_internal);
    }
    size_t len = out.len;
    char *xml = adbuf_steal(&out);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, xml, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(xml);
        return MHD_NO;
    }
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/xml; charset=utf-8") !=
        MHD_YES) {
        MHD_destroy_response(resp);
        return MHD_NO;
    }
    return queue(conn, req, 200, resp, len);
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

/* 1 authenticated (req->user set), 0 not, -1 directory failure. */
static int authenticate(struct MHD_Connection *conn, struct request *req)
{
    const char *header =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    struct basic_credentials creds;
    if (http_basic_parse(header, &creds) < 0)
        return 0;
    int rc = 0;
    if (strlen(creds.user) < sizeof req->user) {
        rc = directory_verify_password(req->srv->dir, creds.user, creds.password);
        if (rc == 1) {
            snprintf(req->user, sizeof req->user, "%s", creds.user);
            dir_lowercase(req->user);
        }
    }
    basic_credentials_clear(&creds);
    return rc;
}

/* The first call: everything that can be decided from the headers alone. */
static enum MHD_Result begin_request(struct MHD_Connection *conn, struct request *req)
{
    if (http_route_match(req->path) != ROUTE_POX)
        return answer_text(conn, req, 404, text_not_found);
    enum http_method_class method = http_method_classify(req->method);
    if (method == METHOD_OTHER)
        return answer_not_allowed(conn, req);
    int auth = authenticate(conn, req);
    if (auth < 0) {
        log_warnx("directory failure while authenticating");
        return answer_text(conn, req, 500, text_internal);
    }
    if (auth == 0)
        return answer_unauthorized(conn, req);
    if (method == METHOD_GET)
        return answer_not_allowed(conn, req);
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

static struct request *request_new(struct server *srv, struct MHD_Connection *conn, const char *url,
                                   const char *method)
{
    struct request *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->srv = srv;
    clock_gettime(CLOCK_REALTIME, &req->started_real);
    clock_gettime(CLOCK_MONOTONIC, &req->started_mono);
    snprintf(req->method, sizeof req->method, "%s", method);
    snprintf(req->path, sizeof req->path, "%s", url);
    copy_header(conn, MHD_HTTP_HEADER_HOST, req->host, sizeof req->host);
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
    struct server *srv = cls;
    struct request *req = *con_cls;
    if (!req) {
        if (!(req = request_new(srv, conn, url, method)))
            return MHD_NO;
        *con_cls = req;
        return begin_request(conn, req);
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
    return answer_pox(conn, req);
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    struct server *srv = cls;
    struct request *req = *con_cls;
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

static char *read_small_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(TLS_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, TLS_FILE_MAX + 1, f) : 0;
    bool bad = !buf || ferror(f) || n > TLS_FILE_MAX || n == 0;
    if (bad) {
        snprintf(err, errlen, "%s: %s", path,
                 !buf     ? "out of memory"
                 : n == 0 ? "empty or unreadable"
                          : "too large");
        free(buf);
        buf = NULL;
    } else {
        buf[n] = '\0';
    }
    fclose(f);
    return buf;
}

int server_check_tls_files(const struct config *conf, char *err, size_t errlen)
{
    char reason[512];
    for (size_t i = 0; i < conf->nlisteners; i++) {
        const struct config_listener *l = &conf->listeners[i];
        for (size_t h = 0; h < l->nhosts; h++) {
            const char *files[] = {l->hosts[h].tls_certificate, l->hosts[h].tls_key};
            for (size_t k = 0; k < 2; k++) {
                char *pem = read_small_file(files[k], reason, sizeof reason);
                if (!pem) {
                    snprintf(err, errlen, "%s:%d: %s", conf->path, l->hosts[h].line, reason);
                    return -1;
                }
                explicit_bzero(pem, strlen(pem));
                free(pem);
            }
        }
    }
    return 0;
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
        if (sl->key_pem)
            explicit_bzero(sl->key_pem, strlen(sl->key_pem));
        free(sl->key_pem);
        free(sl->cert_pem);
    }
    free(srv->listeners);
    access_log_close(srv->access_log);
    directory_close(srv->dir);
    config_free(srv->conf);
    free(srv);
}

struct server *server_prepare(struct config *conf, char *err, size_t errlen)
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
    if (!(srv->dir = directory_open(conf->directory, reason, sizeof reason))) {
        snprintf(err, errlen, "directory %s: %s", conf->directory, reason);
        goto fail;
    }
    if (conf->access_log && !(srv->access_log = access_log_open(conf->access_log))) {
        snprintf(err, errlen, "access-log %s: %s", conf->access_log, strerror(errno));
        goto fail;
    }
    srv->listeners = calloc(conf->nlisteners, sizeof *srv->listeners);
    if (!srv->listeners) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < conf->nlisteners; i++) {
        struct server_listener *sl = &srv->listeners[i];
        const struct config_listener *l = &conf->listeners[i];
        sl->conf = l;
        sl->fd = -1;
        srv->nlisteners++;
        /* One host per listener today; SNI will choose among several. */
        if (!(sl->cert_pem = read_small_file(l->hosts[0].tls_certificate, reason, sizeof reason)) ||
            !(sl->key_pem = read_small_file(l->hosts[0].tls_key, reason, sizeof reason))) {
            snprintf(err, errlen, "%s:%d: %s", conf->path, l->line, reason);
            goto fail;
        }
        if ((sl->fd = bind_listener(l, reason, sizeof reason)) < 0) {
            snprintf(err, errlen, "%s:%d: %s", conf->path, l->line, reason);
            goto fail;
        }
    }
    return srv;
fail:
    server_free(srv);
    return NULL;
}

static unsigned pool_size(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 2)
        return 2;
    return (unsigned long)n > MAX_POOL_THREADS ? MAX_POOL_THREADS : (unsigned)n;
}

int server_start(struct server *srv, char *err, size_t errlen)
{
    const struct config *conf = srv->conf;
    for (size_t i = 0; i < srv->nlisteners; i++) {
        struct server_listener *sl = &srv->listeners[i];
        /* ITC: needed by MHD_quiesce_daemon in thread-pool mode. */
        unsigned flags =
            MHD_USE_TLS | MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
        sl->mhd = MHD_start_daemon(
            flags, (uint16_t)sl->conf->port, NULL, NULL, handle_request, srv,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, to catch every message */
            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)sl->fd, MHD_OPTION_THREAD_POOL_SIZE, pool_size(),
            MHD_OPTION_CONNECTION_LIMIT, conf->connection_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
            conf->per_ip_limit, MHD_OPTION_CONNECTION_TIMEOUT, conf->timeout_seconds,
            MHD_OPTION_HTTPS_MEM_CERT, sl->cert_pem, MHD_OPTION_HTTPS_MEM_KEY, sl->key_pem,
            MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES, MHD_OPTION_NOTIFY_COMPLETED,
            request_completed, srv, MHD_OPTION_END);
        if (!sl->mhd) {
            snprintf(err, errlen,
                     "%s:%d: cannot start HTTPS on %s port %u (check the certificate and key)",
                     conf->path, sl->conf->line, sl->conf->address, sl->conf->port);
            for (size_t k = 0; k < i; k++) {
                MHD_stop_daemon(srv->listeners[k].mhd);
                srv->listeners[k].mhd = NULL;
            }
            return -1;
        }
        log_info("listening on %s port %u", sl->conf->address, sl->conf->port);
    }
    return 0;
}

void server_stop(struct server *srv, unsigned drain_seconds)
{
    if (!srv)
        return;
    /* Stop accepting; the socket stays ours and is closed after MHD_stop_daemon. */
    for (size_t i = 0; i < srv->nlisteners; i++)
        if (srv->listeners[i].mhd)
            MHD_quiesce_daemon(srv->listeners[i].mhd);
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (unsigned waited = 0; atomic_load(&srv->in_flight) > 0 && waited < drain_seconds * 100;
         waited++)
        nanosleep(&tick, NULL);
    if (atomic_load(&srv->in_flight) > 0)
        log_warnx("%u requests still in progress after %u s; closing them",
                  atomic_load(&srv->in_flight), drain_seconds);
    server_free(srv);
}
