/*
 * http: libcurl multi driver. Each transfer owns one easy handle configured by
 * configure_easy(), the single place where the transport policy of http.h is applied.
 */
#include "http.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/ssl.h>

#include "autodiscover/autodiscover.h"
#include "xmlsafe.h"

#define USER_AGENT "libautodiscover/" AD_VERSION_STRING
#define POLL_INTERVAL_MS 1000

struct http_transfer {
    struct http_client *http;
    struct http_transfer *next; /* the client's list of transfers in flight */
    CURL *easy;
    struct curl_slist *headers;
    char *host;
    void *user;
    bool running;
    bool done;
    bool too_big;
    bool nomem;
    bool tls; /* https: "connected" means the TLS handshake is done */
    /* The latest socket libcurl opened for it, when, and the address it connects to. */
    curl_socket_t sock;
    struct timespec sock_opened;
    struct sockaddr_storage peer;
    struct timespec started;
    char errbuf[CURL_ERROR_SIZE];
    struct http_response resp;
};

struct http_client {
    CURLM *multi;
    struct http_transfer *running; /* transfers added to the multi handle */
};

static long ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)((now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000);
}

void http_tls_free(struct http_tls *tls)
{
    free(tls->version);
    free(tls->cipher);
    free(tls->subject);
    free(tls->issuer);
    free(tls->not_before);
    free(tls->not_after);
    for (size_t i = 0; i < tls->nnames; i++)
        free(tls->names[i]);
    free(tls->names);
    free(tls->error);
    memset(tls, 0, sizeof *tls);
}

void http_response_free(struct http_response *resp)
{
    http_tls_free(&resp->tls);
    free(resp->auth_offered);
    free(resp->detail);
    free(resp->location);
    adbuf_free(&resp->body);
    memset(resp, 0, sizeof *resp);
}

struct http_client *http_client_new(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return NULL;
    struct http_client *http = calloc(1, sizeof *http);
    if (http)
        http->multi = curl_multi_init();
    if (!http || !http->multi) {
        free(http);
        curl_global_cleanup();
        return NULL;
    }
    return http;
}

void http_client_free(struct http_client *http)
{
    if (!http)
        return;
    while (http->running)
        http_transfer_free(http->running);
    curl_multi_cleanup(http->multi);
    free(http);
    curl_global_cleanup();
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct http_transfer *t = userp;
    size_t len = size * nmemb;
    if (adbuf_append(&t->resp.body, data, len) == 0)
        return len;
    /* adbuf fails alike for the cap and for memory; tell them apart for the journey. */
    if (t->resp.body.len + len > t->resp.body.max)
        t->too_big = true;
    else
        t->nomem = true;
    return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
}

/* A copy of the first len bytes of s at most, cut at a character boundary; NULL on OOM. */
static char *dup_bounded(const char *s, size_t len)
{
    size_t n = strnlen(s, len);
    if (s[n] != '\0')
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* do not split a UTF-8 sequence */
    return strndup(s, n);
}

/*
 * Headers arrive once the connection (TLS included) is up: the moment to read the session's
 * version and cipher, while libcurl's TLS session is surely alive.
 */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    (void)data;
    struct http_transfer *t = userp;
    if (t->tls && !t->resp.tls.version && !t->nomem) {
        struct curl_tlssessioninfo *info = NULL;
        if (curl_easy_getinfo(t->easy, CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK && info &&
            info->backend == CURLSSLBACKEND_OPENSSL && info->internals) {
            SSL *ssl = info->internals;
            const char *version = SSL_get_version(ssl);
            const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
            const char *cipher_name = cipher ? SSL_CIPHER_get_name(cipher) : NULL;
            if (version && !(t->resp.tls.version = dup_bounded(version, HTTP_TLS_MAX_TEXT)))
                t->nomem = true;
            if (cipher_name &&
                !(t->resp.tls.cipher = dup_bounded(cipher_name, HTTP_TLS_MAX_TEXT)))
                t->nomem = true;
        }
    }
    return size * nmemb;
}

static char *host_of(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *copy = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        copy = strdup(host);
    curl_free(host);
    curl_url_cleanup(u);
    return copy;
}

/* The transport policy. Returns CURLE_OK or the first option libcurl refused. */
/* Aborts a transfer once the client was cancelled (ad_client_cancel). */
static int cancel_progress(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                           curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return atomic_load((const atomic_int *)data) ? 1 : 0;
}

/*
 * libcurl (7.88) sets CURLINFO_CONNECT_TIME only once the whole connection, TLS included, is
 * up, so the socket itself tells whether the TCP connection is: libcurl's own way to open it
 * (socket(), nothing else), remembering it. Called only while the transfer runs.
 */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct http_transfer *t = clientp;
    curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
    if (fd != CURL_SOCKET_BAD && purpose == CURLSOCKTYPE_IPCXN && a->addrlen <= sizeof t->peer) {
        t->sock = fd;
        clock_gettime(CLOCK_MONOTONIC, &t->sock_opened);
        memcpy(&t->peer, &a->addr, a->addrlen); /* curl_sockaddr's storage holds addrlen */
    }
    return fd;
}

/* Whether a and b are the same address and port (IPv4 or IPv6). */
static bool same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return a->ss_family == AF_INET6 && x->sin6_port == y->sin6_port &&
           memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
}

/*
 * Whether t's socket has its TCP connection: getpeername() fails (ENOTCONN) until the SYN is
 * answered. The peer check guards against a socket libcurl has closed meanwhile (a lost
 * Happy Eyeballs attempt) whose number was reused.
 */
static bool socket_connected(const struct http_transfer *t)
{
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    return t->sock != CURL_SOCKET_BAD &&
           getpeername(t->sock, (struct sockaddr *)&peer, &len) == 0 && same_peer(&peer, &t->peer);
}

static CURLcode configure_easy(struct http_transfer *t, const struct http_options *opts,
                               const struct http_request *req)
{
    CURL *e = t->easy;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(e, opt, val);                                                    \
    } while (0)
    SET(CURLOPT_URL, req->url);
    if (opts->cancel) {
        SET(CURLOPT_XFERINFOFUNCTION, cancel_progress);
        SET(CURLOPT_XFERINFODATA, (void *)opts->cancel);
        SET(CURLOPT_NOPROGRESS, 0L);
    }
    SET(CURLOPT_PROTOCOLS_STR, req->http_probe ? "http" : "https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (opts->cacert)
        SET(CURLOPT_CAINFO, opts->cacert);
    if (opts->connect_to)
        SET(CURLOPT_CONNECT_TO, (struct curl_slist *)opts->connect_to);
    SET(CURLOPT_TIMEOUT_MS, opts->timeout_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, opts->timeout_ms);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_USERAGENT, USER_AGENT);
    SET(CURLOPT_ACCEPT_ENCODING, ""); /* gzip/deflate tolerated; the cap counts decoded bytes */
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)XMLSAFE_RESPONSE_MAX_BYTES);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, t);
    SET(CURLOPT_ERRORBUFFER, t->errbuf);
    SET(CURLOPT_PRIVATE, t);
    SET(CURLOPT_OPENSOCKETFUNCTION, open_socket);
    SET(CURLOPT_OPENSOCKETDATA, t);
    if (!req->http_probe) {
        SET(CURLOPT_CERTINFO, 1L); /* the chain, kept even when the host name check fails */
        SET(CURLOPT_HEADERFUNCTION, on_header);
        SET(CURLOPT_HEADERDATA, t);
    }
    if (req->http_probe)
        SET(CURLOPT_HTTPGET, 1L);
    else if (req->body) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        SET(CURLOPT_COPYPOSTFIELDS, req->body);
    }
    SET(CURLOPT_HTTPHEADER, t->headers);
    if (req->username && req->password && !req->http_probe) {
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SET(CURLOPT_USERNAME, req->username);
        SET(CURLOPT_PASSWORD, req->password);
    }
#undef SET
    return rc;
}

static int build_headers(struct http_transfer *t, const struct http_request *req)
{
    char *content_type = NULL;
    if (req->content_type && asprintf(&content_type, "Content-Type: %s", req->content_type) < 0)
        return -1;
    /* No "Expect: 100-continue" round trip: the request is small and the server may be odd. */
    const char *lines[] = {content_type, "Expect:"};
    int rc = 0;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0] && rc == 0; i++) {
        if (!lines[i])
            continue;
        struct curl_slist *l = curl_slist_append(t->headers, lines[i]);
        if (!l)
            rc = -1;
        else
            t->headers = l;
    }
    free(content_type);
    return rc;
}

struct http_transfer *http_start(struct http_client *http, const struct http_options *opts,
                                 const struct http_request *req, void *user)
{
    struct http_transfer *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->http = http;
    t->user = user;
    t->tls = !req->http_probe;
    t->sock = CURL_SOCKET_BAD;
    adbuf_init(&t->resp.body, XMLSAFE_RESPONSE_MAX_BYTES);
    t->easy = curl_easy_init();
    t->host = host_of(req->url);
    if (!t->easy || !t->host || build_headers(t, req) < 0 ||
        configure_easy(t, opts, req) != CURLE_OK ||
        curl_multi_add_handle(http->multi, t->easy) != CURLM_OK) {
        http_transfer_free(t);
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t->started);
    t->running = true;
    t->next = http->running;
    http->running = t;
    return t;
}

static void unlink_running(struct http_transfer *t)
{
    for (struct http_transfer **p = &t->http->running; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    curl_multi_remove_handle(t->http->multi, t->easy);
    t->running = false;
}

void http_transfer_free(struct http_transfer *t)
{
    if (!t)
        return;
    if (t->running)
        unlink_running(t);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->host);
    http_response_free(&t->resp);
    free(t);
}

const struct http_response *http_transfer_response(const struct http_transfer *t)
{
    return &t->resp;
}

void *http_transfer_user(const struct http_transfer *t)
{
    return t->user;
}

void http_transfer_take_response(struct http_transfer *t, struct http_response *out)
{
    *out = t->resp;
    memset(&t->resp, 0, sizeof t->resp);
    adbuf_init(&t->resp.body, XMLSAFE_RESPONSE_MAX_BYTES);
}

/* True when a WWW-Authenticate challenge offers the scheme (case-insensitive). */
static bool offers_scheme(CURL *easy, const char *scheme)
{
    size_t n = strlen(scheme);
    struct curl_header *h = NULL;
    size_t index = 0, amount = 1;
    while (index < amount &&
           curl_easy_header(easy, "WWW-Authenticate", index, CURLH_HEADER, -1, &h) == CURLHE_OK) {
        amount = h->amount;
        /* One header may list several challenges: "Negotiate, Basic realm=...". */
        for (const char *p = h->value; *p; p++) {
            bool at_token = p == h->value || p[-1] == ' ' || p[-1] == ',';
            if (at_token && strncasecmp(p, scheme, n) == 0 &&
                (p[n] == '\0' || p[n] == ' ' || p[n] == ','))
                return true;
        }
        index++;
    }
    return false;
}

static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

#define AUTH_MAX_SCHEMES 8
#define AUTH_MAX_SCHEME_LEN 32

/* Appends scheme (len bytes) to out unless already there (case-insensitive). */
static void add_scheme(char *out, size_t outsize, size_t *count, const char *scheme, size_t len)
{
    if (len == 0 || len > AUTH_MAX_SCHEME_LEN || *count >= AUTH_MAX_SCHEMES)
        return;
    for (const char *p = out; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncasecmp(p, scheme, len) == 0)
            return;
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    size_t used = strlen(out);
    snprintf(out + used, outsize - used, "%s%.*s", used ? ", " : "", (int)len, scheme);
    (*count)++;
}

/*
 * The scheme names of every WWW-Authenticate challenge, "Negotiate, Basic". A challenge list
 * mixes schemes and their parameters, all comma separated: a scheme is the token that starts
 * an element and is not followed by "=" (which makes it a parameter); token68 data follows a
 * scheme after a space, quoted strings may hold commas. Nothing but scheme names is kept.
 */
static char *auth_schemes(CURL *easy)
{
    char out[AUTH_MAX_SCHEMES * (AUTH_MAX_SCHEME_LEN + 2) + 1] = "";
    size_t count = 0, index = 0, amount = 1;
    struct curl_header *h = NULL;
    while (index < amount &&
           curl_easy_header(easy, "WWW-Authenticate", index, CURLH_HEADER, -1, &h) == CURLHE_OK) {
        amount = h->amount;
        const char *p = h->value;
        while (*p) {
            while (*p == ' ' || *p == '\t' || *p == ',')
                p++;
            const char *token = p;
            while (is_tchar(*p))
                p++;
            size_t len = (size_t)(p - token);
            const char *q = p;
            while (*q == ' ' || *q == '\t')
                q++;
            if (len && *q != '=')
                add_scheme(out, sizeof out, &count, token, len);
            /* To the next element: past quoted strings, up to a comma. */
            bool quoted = false;
            while (*p && (quoted || *p != ',')) {
                if (*p == '\\' && quoted && p[1])
                    p++;
                else if (*p == '"')
                    quoted = !quoted;
                p++;
            }
        }
        index++;
    }
    return out[0] ? strdup(out) : NULL;
}

/* "Nov 21 17:00:00 2026 GMT" (OpenSSL's ASN1_TIME_print) as ISO 8601, else the text. */
static char *cert_date(const char *text)
{
    struct tm tm = {0};
    const char *end = strptime(text, "%b %d %H:%M:%S %Y GMT", &tm);
    char iso[32];
    if (end && *end == '\0' &&
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
        return strdup(iso);
    return dup_bounded(text, HTTP_TLS_MAX_TEXT);
}

/* Keeps value in *slot (bounded) unless already set. -1 on OOM. */
static int keep_text(char **slot, const char *value)
{
    if (*slot)
        return 0;
    *slot = dup_bounded(value, HTTP_TLS_MAX_TEXT);
    return *slot ? 0 : -1;
}

/* "DNS:a, DNS:b, IP Address:10.0.0.1": the DNS names, at most HTTP_TLS_MAX_NAMES. */
static int cert_names(struct http_tls *tls, const char *san)
{
    const char *p = san;
    while (*p && tls->nnames < HTTP_TLS_MAX_NAMES) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        if (n > 4 && strncmp(p, "DNS:", 4) == 0) {
            if (!tls->names &&
                !(tls->names = calloc(HTTP_TLS_MAX_NAMES, sizeof *tls->names)))
                return -1;
            size_t len = n - 4 < HTTP_TLS_MAX_TEXT ? n - 4 : HTTP_TLS_MAX_TEXT;
            char *name = strndup(p + 4, len);
            if (!name)
                return -1;
            tls->names[tls->nnames++] = name;
        }
        p += n;
    }
    return 0;
}

/* The server certificate (the first of the chain libcurl gathered). -1 on OOM. */
static int cert_details(CURL *easy, struct http_tls *tls)
{
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci ||
        ci->num_of_certs < 1)
        return 0;
    int rc = 0;
    for (struct curl_slist *l = ci->certinfo[0]; l && rc == 0; l = l->next) {
        const char *colon = strchr(l->data, ':');
        if (!colon)
            continue;
        size_t klen = (size_t)(colon - l->data);
        const char *value = colon + 1;
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(l->data, k, klen) == 0)
        if (KEY("Subject"))
            rc = keep_text(&tls->subject, value);
        else if (KEY("Issuer"))
            rc = keep_text(&tls->issuer, value);
        else if (KEY("Start date") && !tls->not_before)
            rc = (tls->not_before = cert_date(value)) ? 0 : -1;
        else if (KEY("Expire date") && !tls->not_after)
            rc = (tls->not_after = cert_date(value)) ? 0 : -1;
        else if (KEY("X509v3 Subject Alternative Name") && !tls->names)
            rc = cert_names(tls, value);
#undef KEY
    }
    return rc;
}

/*
 * The TLS outcome of an https transfer, whatever became of it: what libcurl saw of the
 * certificate, the session, whether it validated and, when not, why. -1 on OOM.
 */
static int finish_tls(struct http_transfer *t)
{
    struct http_response *r = &t->resp;
    struct http_tls *tls = &r->tls;
    if (!t->tls)
        return 0;
    if (cert_details(t->easy, tls) < 0)
        return -1;
    bool handshake = tls->version != NULL;
    bool failed_tls = r->outcome == HTTP_FAIL_TLS;
    if (!handshake && !failed_tls && !tls->subject)
        return 0; /* no TLS happened: no connection, no name, a timeout before the handshake */
    tls->present = true;
    long verify = -1;
    curl_easy_getinfo(t->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
    /* Peer and host verification are on: a finished handshake means both passed. */
    tls->verified = !failed_tls && handshake && verify == 0;
    if (failed_tls && r->detail) {
        const char *e = r->detail;
        if (strncmp(e, "TLS: ", 5) == 0)
            e += 5;
        if (!(tls->error = dup_bounded(e, HTTP_TLS_MAX_TEXT)))
            return -1;
    }
    return 0;
}

/* The EWS Managed API's capability headers: any of them present and not "False". */
static bool soap_capable(CURL *easy)
{
    static const char *const names[] = {"X-SOAP-Enabled", "X-WSSecurity-Enabled",
                                        "X-OAuth-Enabled"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct curl_header *h = NULL;
        if (curl_easy_header(easy, names[i], 0, CURLH_HEADER, -1, &h) == CURLHE_OK &&
            strcasecmp(h->value, "false") != 0)
            return true;
    }
    return false;
}

static void finish_answer(struct http_transfer *t)
{
    struct http_response *r = &t->resp;
    char *location = NULL, *scheme = NULL;
    long verify = -1;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(t->easy, CURLINFO_SCHEME, &scheme);
    curl_easy_getinfo(t->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
    r->verified_https = scheme && strcasecmp(scheme, "https") == 0 && verify == 0;
    r->soap_enabled = soap_capable(t->easy);
    if (r->status >= 300 && r->status < 400 &&
        curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location) {
        r->location = strdup(location);
        if (!r->location)
            r->outcome = HTTP_FAIL_NOMEM;
    }
    if (r->status == 401) {
        r->offers_basic = offers_scheme(t->easy, "basic");
        r->offers_strong =
            offers_scheme(t->easy, "negotiate") || offers_scheme(t->easy, "ntlm");
        r->auth_offered = auth_schemes(t->easy); /* NULL too when out of memory: no harm */
    }
}

/* The libcurl error text without its "SSL certificate problem: " prefix. */
static const char *tls_problem(const char *errbuf)
{
    static const char prefix[] = "SSL certificate problem: ";
    if (strncmp(errbuf, prefix, sizeof prefix - 1) == 0)
        return errbuf + sizeof prefix - 1;
    return errbuf;
}

static enum http_outcome classify_failure(struct http_transfer *t, CURLcode rc, char **detail)
{
    const char *text = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
    long os_errno = 0, verify = -1;
    int n = -1;
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
        n = asprintf(detail, "could not resolve host: %s", t->host);
        return n < 0 ? HTTP_FAIL_NOMEM : HTTP_FAIL_DNS;
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
        n = asprintf(detail, "could not connect: %s", os_errno ? strerror((int)os_errno) : text);
        return n < 0 ? HTTP_FAIL_NOMEM : HTTP_FAIL_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        n = asprintf(detail, "timed out after %ld ms", ms_since(&t->started));
        return n < 0 ? HTTP_FAIL_NOMEM : HTTP_FAIL_TIMEOUT;
    case CURLE_PEER_FAILED_VERIFICATION:
        /*
         * A chain that verified but failed anyway failed on the host name check. libcurl
         * 7.88 (OpenSSL) checks the name before it records the chain's result, so its
         * message ("... matches target host name ...") is the other sign of a name mismatch.
         */
        curl_easy_getinfo(t->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
        if (verify == 0 || strstr(text, "target host name"))
            n = asprintf(detail, "TLS: certificate name does not match %s", t->host);
        else
            n = asprintf(detail, "TLS: %s", tls_problem(text));
        return n < 0 ? HTTP_FAIL_NOMEM : HTTP_FAIL_TLS;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        n = asprintf(detail, "TLS: %s", tls_problem(text));
        return n < 0 ? HTTP_FAIL_NOMEM : HTTP_FAIL_TLS;
    case CURLE_FILESIZE_EXCEEDED:
        t->too_big = true;
        break;
    case CURLE_OUT_OF_MEMORY:
        /*
         * libcurl before 8.6 (CURLE_TOO_LARGE since) says "out of memory" for an answer
         * header line over its 100 KiB limit: a hostile server must not end the whole
         * journey, so this fails the candidate only (tests/hardening/client_caps.sh).
         */
        if (t->nomem)
            return HTTP_FAIL_NOMEM;
        n = asprintf(detail, "answer header too large (libcurl: out of memory)");
        return n < 0 ? HTTP_FAIL_NOMEM : HTTP_FAIL_OTHER;
    default:
        break;
    }
    if (t->nomem)
        return HTTP_FAIL_NOMEM;
    if (t->too_big) {
        n = asprintf(detail, "answer larger than %u bytes: transfer aborted",
                     XMLSAFE_RESPONSE_MAX_BYTES);
        return n < 0 ? HTTP_FAIL_NOMEM : HTTP_FAIL_TOO_BIG;
    }
    n = asprintf(detail, "%s", text);
    return n < 0 ? HTTP_FAIL_NOMEM : HTTP_FAIL_OTHER;
}

static void finish_transfer(struct http_transfer *t, CURLcode rc)
{
    unlink_running(t);
    t->done = true;
    t->resp.elapsed_ms = ms_since(&t->started);
    if (rc == CURLE_OK) {
        t->resp.outcome = HTTP_DONE;
        finish_answer(t);
        if (finish_tls(t) < 0 || t->nomem)
            t->resp.outcome = HTTP_FAIL_NOMEM;
        return;
    }
    char *detail = NULL;
    t->resp.outcome = classify_failure(t, rc, &detail);
    t->resp.detail = t->resp.outcome == HTTP_FAIL_NOMEM ? NULL : detail;
    if (t->resp.outcome == HTTP_FAIL_NOMEM)
        free(detail);
    else if (finish_tls(t) < 0)
        t->resp.outcome = HTTP_FAIL_NOMEM;
    /* A transfer that failed mid-way leaves a partial body nobody should parse. */
    adbuf_reset(&t->resp.body);
}

/* Hands back the first finished transfer libcurl reports, or NULL. */
static struct http_transfer *next_finished(struct http_client *http)
{
    int queued = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(http->multi, &queued))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        char *private = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &private);
        struct http_transfer *t = (struct http_transfer *)private;
        finish_transfer(t, msg->data.result);
        return t;
    }
    return NULL;
}

int http_wait_for(struct http_client *http, long max_ms, struct http_transfer **done)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    *done = NULL;
    while (http->running) {
        int still_running = 0;
        if (curl_multi_perform(http->multi, &still_running) != CURLM_OK)
            return -1;
        if ((*done = next_finished(http)))
            return 0;
        long left = max_ms < 0 ? POLL_INTERVAL_MS : max_ms - ms_since(&start);
        if (left <= 0)
            return 0;
        int wait_ms = (int)(left < POLL_INTERVAL_MS ? left : POLL_INTERVAL_MS);
        if (curl_multi_poll(http->multi, NULL, 0, wait_ms, NULL) != CURLM_OK)
            return -1;
    }
    return 0;
}

struct http_transfer *http_wait(struct http_client *http)
{
    struct http_transfer *done = NULL;
    while (http->running && !done)
        if (http_wait_for(http, -1, &done) < 0)
            return NULL;
    return done;
}

long http_transfer_age_ms(const struct http_transfer *t)
{
    return ms_since(&t->started);
}

/* Milliseconds from the start to what (CURLINFO_CONNECT_TIME_T or _APPCONNECT_), or -1. */
static long connected_after_ms(const struct http_transfer *t, CURLINFO what)
{
    curl_off_t us = 0; /* libcurl sets the timer (at least 1 us) the moment that layer is up */
    curl_easy_getinfo(t->easy, what, &us);
    return us > 0 ? (long)(us / 1000) : -1;
}

long http_transfer_connect_ms(const struct http_transfer *t)
{
    return connected_after_ms(t, t->tls ? CURLINFO_APPCONNECT_TIME_T : CURLINFO_CONNECT_TIME_T);
}

long http_transfer_tcp_connect_ms(const struct http_transfer *t)
{
    return connected_after_ms(t, CURLINFO_CONNECT_TIME_T);
}

bool http_transfer_tcp_pending(const struct http_transfer *t)
{
    return t->sock == CURL_SOCKET_BAD && connected_after_ms(t, CURLINFO_CONNECT_TIME_T) < 0;
}

long http_transfer_syn_wait_ms(const struct http_transfer *t)
{
    /* No socket: not tried yet, or a reused connection. The time: set once TLS is done too. */
    if (t->sock == CURL_SOCKET_BAD || connected_after_ms(t, CURLINFO_CONNECT_TIME_T) >= 0 ||
        socket_connected(t))
        return -1;
    return ms_since(&t->sock_opened);
}

bool http_transfer_connected(const struct http_transfer *t)
{
    return http_transfer_connect_ms(t) >= 0;
}

int http_perform(struct http_client *http, const struct http_options *opts,
                 const struct http_request *req, struct http_response *resp)
{
    struct http_transfer *t = http_start(http, opts, req, NULL);
    if (!t)
        return -1;
    struct http_transfer *done;
    /* Only this transfer is in flight, so the first one to finish is it. */
    do {
        done = http_wait(http);
    } while (done && done != t);
    if (!done) {
        http_transfer_free(t);
        return -1;
    }
    http_transfer_take_response(t, resp);
    http_transfer_free(t);
    return resp->outcome == HTTP_FAIL_NOMEM ? -1 : 0;
}
