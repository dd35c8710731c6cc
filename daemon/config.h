/*
 * config: autodiscoverd.conf, parsed into the structures below (doc/autodiscoverd.md).
 *
 *   directory "sqlite:/var/lib/autodiscover/directory.db"
 *   access-log "/var/log/autodiscover/access.log"
 *   max-body 65536
 *   listen 127.0.3.20 443 {
 *       tls-certificate "cert.pem"; tls-key "key.pem"
 *       host autodiscover-s.outlook.test { role router; route-mode redirecturl }
 *   }
 *
 * A listener carries a list of hosts, each with its role and, on HTTPS, optionally its own
 * certificate chosen by SNI.
 */
#ifndef AD_DAEMON_CONFIG_H
#define AD_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_DEFAULT_MAX_BODY 65536u
#define CONFIG_DEFAULT_CONNECTION_LIMIT 1024u
#define CONFIG_DEFAULT_PER_IP_LIMIT 64u
#define CONFIG_DEFAULT_TIMEOUT_SECONDS 30u
/* worker-threads: at most this many (the automatic choice is capped there too). */
#define CONFIG_MAX_WORKER_THREADS 16
#define CONFIG_DEFAULT_REQUEST_DEADLINE 20u
#define CONFIG_DEFAULT_CRED_CACHE_TTL 60u
#define CONFIG_DEFAULT_AUTH_FAILURE_LIMIT 5u
#define CONFIG_DEFAULT_AUTH_FAILURE_WINDOW 60u

/* What a host does with a request (doc/autodiscoverd.md, "Roles"). */
enum config_role {
    ROLE_SERVICE,    /* authenticated POX answers from the directory (the default) */
    ROLE_REDIRECTOR, /* port 80: GET of the POX / SOAP path -> 302 to redirect-to(-svc) */
    ROLE_ROUTER,     /* hosted domains -> the pod serving their tenant; no credentials */
    ROLE_ADMIN,      /* GET /metrics and /healthz only, for the operator (loopback) */
};

/* How a router sends a client to the pod. */
enum config_route_mode {
    ROUTE_MODE_REDIRECTURL, /* POX 200, Action redirectUrl (the default) */
    ROUTE_MODE_HTTP302,     /* HTTP 302 to https://POD/autodiscover/ADDRESS/autodiscover.xml */
};

/*
 * A name served on a listener, with its role and, on TLS listeners, optionally its own
 * certificate (chosen by SNI). name == NULL is the implicit host made of the listener's
 * own role directives (the format without host blocks).
 */
struct config_host {
    char *name; /* lower-case */
    enum config_role role;
    enum config_route_mode route_mode; /* router only */
    char *redirect_to;                 /* redirector only: an https:// URL */
    /* redirector only: where GET .../autodiscover.svc goes; redirect-to-svc, else derived
     * from redirect-to (autodiscover.xml -> autodiscover.svc), else NULL (404) */
    char *redirect_to_svc;
    char *tls_certificate;             /* PEM file paths; NULL: the listener's default */
    char *tls_key;
    int line; /* where the host was declared, for later errors */
    /* Parser bookkeeping: which directives were given. */
    bool role_set, route_mode_set;
};

/*
 * The connectivity analyzer on an admin listener (doc/analyzer.md): off unless the block
 * is given. Its own HTTP Basic credentials; what the runs may reach is set here, never by
 * the page (a form only names the address, protocol, methods and consent hosts).
 */
struct config_analyzer {
    char *user;
    char *password_hash;    /* yescrypt "$y$..." */
    unsigned max_runs;      /* discoveries at once; default 2 */
    unsigned deadline;      /* seconds per run; default 60 */
    char *cacert;           /* PEM file for the runs; NULL: the system store */
    char *dns_server;       /* for SRV; NULL: the system's */
    char **connect_to;      /* curl-style H:P:H2:P2, for labs */
    size_t nconnect_to;
    char **allow_redirect;  /* hosts allowed without consent (still address-checked) */
    size_t nallow_redirect;
    bool allow_local;       /* may reach loopback and link-local addresses */
    int line;
};

/*
 * A listening socket. With tls_certificate it speaks HTTPS and that certificate is the
 * default one (clients without SNI, or naming no host of the listener); without it, plain
 * HTTP, where only the redirector and admin roles are allowed. hosts[0] answers requests whose Host
 * header (or SNI name) matches no host: the implicit host when the listener has role
 * directives of its own or no host blocks, else the first host block.
 */
struct config_listener {
    char *address; /* numeric IPv4 or IPv6 */
    unsigned port;
    int line;
    char *tls_certificate; /* NULL: plain HTTP */
    char *tls_key;
    struct config_host *hosts;
    size_t nhosts;
    struct config_analyzer *analyzer; /* NULL: no analyzer (the default) */
};

struct dir_ldap_config;

struct config {
    char *path;
    char *directory;  /* "sqlite:/path" */
    /* mailboxes ldap { ... }: mailboxes from LDAP, the rest from directory; NULL: none */
    struct dir_ldap_config *mailboxes_ldap;
    char *access_log; /* NULL: no access log */
    size_t max_body;
    char *user;                   /* drop privileges to this user after start; NULL: stay */
    unsigned cred_cache_ttl;      /* seconds a verified password is remembered; 0: never */
    unsigned auth_failure_limit;  /* failures per address or account before 429; 0: off */
    unsigned auth_failure_window; /* seconds */
    unsigned request_deadline;    /* seconds to send a request (head and body); 0: none */
    unsigned worker_threads;      /* libmicrohttpd threads per listener; 0: one per usable CPU */
    /* Not settable yet: fixed defaults, kept here so the server reads them from one place. */
    unsigned connection_limit;
    unsigned per_ip_limit;
    unsigned timeout_seconds;
    struct config_listener *listeners;
    size_t nlisteners;
};

/*
 * Parses the file at path. On success returns a config to free with config_free(); on
 * failure returns NULL and writes a one-line "FILE:LINE: reason" (no newline) into err.
 */
struct config *config_parse_file(const char *path, char *err, size_t errlen);
/* The same from a string; name is used in messages in place of the file name. */
struct config *config_parse_string(const char *name, const char *text, char *err, size_t errlen);
void config_free(struct config *conf);

/* The host of l that answers for name (Host header or SNI, may carry ":port"); never NULL. */
const struct config_host *config_listener_host(const struct config_listener *l, const char *name);
const char *config_role_name(enum config_role role);

#endif
