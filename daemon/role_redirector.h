/*
 * role_redirector: the provider's port-80 answer (PROTOCOL.md §3, §8 service side). The
 * unauthenticated GET of the POX path is sent to the configured https URL with a 302;
 * everything else is 404. It never reads a body and never accepts credentials: a request
 * carrying either is refused with 400 before anything else is looked at, so a client that
 * leaks a password over plain HTTP learns at once that it should not.
 */
#ifndef AD_DAEMON_ROLE_REDIRECTOR_H
#define AD_DAEMON_ROLE_REDIRECTOR_H

#include <stdbool.h>

/* The HTTP status for the request: 302 (Location: the host's redirect-to), 400 or 404. */
int role_redirector_status(const char *method, const char *path, bool has_authorization,
                           bool has_body);

#endif
