/*
 * analyzer_guard: what the analyzer's runs may reach (the SSRF rule, doc/analyzer.md). A
 * server that fetches URLs named by a web form can be pointed at the machine's own
 * services or a cloud metadata address; so a host is refused when any of its addresses is
 * loopback, link-local, unspecified or multicast, unless the configuration says
 * allow-local on, or an operator's connect-to entry routes that host (a lab).
 */
#ifndef AD_DAEMON_ANALYZER_GUARD_H
#define AD_DAEMON_ANALYZER_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct analyzer_guard {
    bool allow_local;
    char *const *connect_to; /* "HOST:PORT:HOST2:PORT2" */
    size_t nconnect_to;
};

/* true when sa is an address the analyzer never reaches by default. */
bool guard_address_forbidden(const struct sockaddr *sa);
/* true when a connect-to entry names host (or any host). */
bool guard_host_mapped(const struct analyzer_guard *g, const char *host);
/*
 * true when host may be contacted: mapped, or resolved and none of its addresses forbidden.
 * pin (size pinlen) receives a connect-to spec "HOST::ADDRESS:" that holds the connection to
 * the address checked (no DNS rebinding between check and use), or "" when not needed.
 * Otherwise false with a reason in why.
 */
bool guard_host_allowed(const struct analyzer_guard *g, const char *host, char *pin, size_t pinlen,
                        char *why, size_t whylen);
/* The host of an http(s) URL into out (lower-case); false when there is none. */
bool guard_url_host(const char *url, char *out, size_t outlen);

#endif
