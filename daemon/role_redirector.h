/*
 * role_redirector: the provider's port-80 answer (PROTOCOL.md §3, §8 service side). The
 * unauthenticated GET of the POX path is sent to the host's redirect-to with a 302, the GET
 * of the SOAP path (exchangelib's SOAP mode and the EWS Managed API probe it, PROTOCOL.md §4
 * "indirectly") to its redirect-to-svc; everything else is 404. It never reads a body and
 * never accepts credentials: a request carrying either is refused with 400 before anything
 * else is looked at, so a client that leaks a password over plain HTTP learns at once that
 * it should not.
 */
#ifndef AD_DAEMON_ROLE_REDIRECTOR_H
#define AD_DAEMON_ROLE_REDIRECTOR_H

#include <stdbool.h>

#include "config.h"

/*
 * The HTTP status for the request: 302 with *location set to one of host's configured URLs
 * (never built from the request), 400 or 404.
 */
int role_redirector_answer(const struct config_host *host, const char *method, const char *path,
                           bool has_authorization, bool has_body, const char **location);

#endif
