/*
 * config: autodiscoverd.conf, parsed into the structures below (doc/autodiscoverd.md).
 *
 *   directory "sqlite:/var/lib/autodiscover/directory.db"
 *   access-log "/var/log/autodiscover/access.log"
 *   max-body 65536
 *   listen 127.0.3.20 443 { tls-certificate "cert.pem"  tls-key "key.pem" }
 *
 * Shaped for what comes next: a listener carries a list of hosts, each of which will get
 * its own certificate (SNI) and role. Today every listener has exactly one host, the
 * default one (name NULL), holding the listener's certificate.
 */
#ifndef AD_DAEMON_CONFIG_H
#define AD_DAEMON_CONFIG_H

#include <stddef.h>

#define CONFIG_DEFAULT_MAX_BODY 65536u
#define CONFIG_DEFAULT_CONNECTION_LIMIT 1024u
#define CONFIG_DEFAULT_PER_IP_LIMIT 64u
#define CONFIG_DEFAULT_TIMEOUT_SECONDS 30u

/* A name served on a listener. name == NULL is the default host (no SNI match needed). */
struct config_host {
    char *name;
    char *tls_certificate; /* PEM file paths */
    char *tls_key;
    int line; /* where the host was declared, for later errors */
};

struct config_listener {
    char *address; /* numeric IPv4 or IPv6 */
    unsigned port;
    int line;
    struct config_host *hosts;
    size_t nhosts;
};

struct config {
    char *path;
    char *directory;  /* "sqlite:/path" */
    char *access_log; /* NULL: no access log */
    size_t max_body;
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

#endif
