/*
 * http: the library's only door to the network, a thin layer over the libcurl multi
 * interface. Its policy is fixed here and nowhere else: https only (the one exception, the
 * port-80 probe, is a GET that may use http and never carries credentials), certificate and host name
 * always verified, TLS 1.2 or later, redirects never followed, answers capped at
 * XMLSAFE_RESPONSE_MAX_BYTES, one timeout per transfer, credentials only when the request
 * carries them (HTTP Basic) and never logged.
 *
 * Several transfers may be in flight on one http_client; http_wait() hands back whichever
 * finishes first. http_perform() runs one transfer to completion.
 */
#ifndef AD_LIB_HTTP_H
#define AD_LIB_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "adbuf.h"

/* What became of a transfer. HTTP_DONE means an HTTP answer arrived, whatever its status. */
enum http_outcome {
    HTTP_DONE = 0,
    HTTP_FAIL_DNS,     /* the host name did not resolve */
    HTTP_FAIL_CONNECT, /* no TCP connection */
    HTTP_FAIL_TLS,     /* handshake failed, certificate untrusted or naming another host */
    HTTP_FAIL_TIMEOUT,
    HTTP_FAIL_TOO_BIG, /* the answer passed the size cap; the transfer was aborted */
    HTTP_FAIL_OTHER,   /* anything else libcurl reports (protocol errors, refused scheme) */
    HTTP_FAIL_NOMEM,
    HTTP_FAIL_CANCELLED, /* given up by the caller (schedule.c), never produced by http.c */
};

/* Settings shared by every transfer of a discovery. */
struct http_options {
    const char *cacert;                  /* PEM bundle, or NULL for the system trust store */
    long timeout_ms;                     /* whole transfer: DNS, connect, TLS, answer */
    const struct curl_slist *connect_to; /* CURLOPT_CONNECT_TO entries, or NULL */
    const atomic_int *cancel;            /* non-zero: abort the transfer (progress callback) */
};

struct http_request {
    const char *url;
    const char *body; /* POSTed when not NULL (copied) */
    size_t body_len;
    const char *content_type;
    const char *username; /* HTTP Basic credentials when both are set, else none are sent */
    const char *password;
    /*
     * The unauthenticated probe (PROTOCOL.md §1.3 step 6): a GET over plain http. Credentials
     * and a body are refused for it, so they can never travel in the clear.
     */
    bool http_probe;
};

/* Bounds of what a step keeps of a certificate (http_tls). */
#define HTTP_TLS_MAX_NAMES 32
#define HTTP_TLS_MAX_TEXT 256

/*
 * The TLS outcome of an https transfer, from libcurl's certificate information (the server's
 * certificate, the first of the chain) and the session. Strings are NULL when unknown, and
 * cut at HTTP_TLS_MAX_TEXT bytes; names holds at most HTTP_TLS_MAX_NAMES DNS names.
 */
struct http_tls {
    bool present;   /* an https transfer: the rest means something */
    bool verified;  /* chain and host name validated */
    char *version;  /* "TLSv1.3" (known once the handshake completed) */
    char *cipher;   /* "TLS_AES_256_GCM_SHA384" */
    char *subject;  /* "CN = autodiscover.contoso.test" as libcurl prints it */
    char *issuer;
    char *not_before; /* "2026-11-21T17:00:00Z" (or libcurl's text when it does not parse) */
    char *not_after;
    char **names;   /* subjectAltName DNS names */
    size_t nnames;
    char *error;    /* why the TLS check failed, or NULL */
};

void http_tls_free(struct http_tls *tls);

struct http_response {
    enum http_outcome outcome;
    char *detail;        /* one line on a failure ("Connection refused"), else NULL */
    long status;         /* HTTP status, 0 when no answer arrived */
    struct adbuf body;   /* the answer's body (capped) */
    char *location;      /* absolute Location of a 3xx answer, or NULL */
    bool offers_basic;   /* a WWW-Authenticate challenge names Basic */
    bool offers_strong;  /* a challenge names Negotiate or NTLM (the "switcheroo" check) */
    bool verified_https; /* the answer came over https from a validated certificate */
    bool soap_enabled;   /* X-SOAP-Enabled, X-WSSecurity-Enabled or X-OAuth-Enabled: True */
    long elapsed_ms;
    struct http_tls tls; /* https transfers (tls.present) */
    /*
     * A 401's WWW-Authenticate scheme names in order, de-duplicated, comma separated
     * ("Negotiate, Basic"); never a parameter. NULL when none.
     */
    char *auth_offered;
};

void http_response_free(struct http_response *resp);

struct http_client;
struct http_transfer;

/* NULL when libcurl cannot start. */
struct http_client *http_client_new(void);
void http_client_free(struct http_client *http);

/*
 * Starts a transfer; user is handed back by http_transfer_user(). NULL on out of memory
 * or when libcurl refuses the request (nothing to wait for then).
 */
struct http_transfer *http_start(struct http_client *http, const struct http_options *opts,
                                 const struct http_request *req, void *user);
/* Blocks until a transfer finishes and returns it; NULL when none is in flight or on error. */
struct http_transfer *http_wait(struct http_client *http);
/*
 * Waits at most max_ms for a transfer to finish: 0 with *done set to it, or to NULL when the
 * time passed (or none is in flight); -1 when libcurl's multi interface failed.
 */
int http_wait_for(struct http_client *http, long max_ms, struct http_transfer **done);
/* Milliseconds since the transfer started. */
long http_transfer_age_ms(const struct http_transfer *t);
/*
 * Whether the transfer has a usable connection: the TLS handshake done for https, the TCP
 * connection for http. A server that accepts TCP but never completes TLS has none.
 */
bool http_transfer_connected(const struct http_transfer *t);
/* Milliseconds from the start to that connection (DNS included), or -1 without one. */
long http_transfer_connect_ms(const struct http_transfer *t);
/*
 * How long the TCP connection has been waited for: milliseconds since its SYN was sent (the
 * latest socket libcurl opened for it), https too, whatever the TLS handshake does; -1 when
 * it is up, or not tried yet (the name still resolving; a reused connection is up). A host
 * that leaves a SYN unanswered for long is silent (black-holed); one whose kernel answered
 * is alive, however slow its server.
 */
long http_transfer_syn_wait_ms(const struct http_transfer *t);
/* Whether no SYN is sent and no connection is up yet: the name is still resolving. */
bool http_transfer_tcp_pending(const struct http_transfer *t);
/* Milliseconds from the start (DNS included) to the TCP connection, or -1: once done. */
long http_transfer_tcp_connect_ms(const struct http_transfer *t);
const struct http_response *http_transfer_response(const struct http_transfer *t);
void *http_transfer_user(const struct http_transfer *t);
/* Takes the response out of a finished transfer (the transfer keeps an empty one). */
void http_transfer_take_response(struct http_transfer *t, struct http_response *out);
/* Cancels the transfer if still running, and frees it. */
void http_transfer_free(struct http_transfer *t);

/* Runs one transfer to completion. 0 with *resp filled, -1 on out of memory. */
int http_perform(struct http_client *http, const struct http_options *opts,
                 const struct http_request *req, struct http_response *resp);

#endif
