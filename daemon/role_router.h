/*
 * role_router: the provider's secure router (autodiscover-s). For an address in a hosted
 * domain (its organisation is a tenant served by a pod) it sends the client to that pod:
 *   route-mode redirecturl -> POX 200, Action redirectUrl, RedirectUrl = the pod's URL
 *   route-mode http302     -> 302, Location https://POD/autodiscover/ADDRESS/autodiscover.xml
 * It needs no credentials because it reveals no settings, only which pod serves a
 * domain; any other domain gets ErrorCode 500, exactly like an unknown address at a
 * service, so the router is never an open redirect. Only pod URLs from the directory are
 * ever emitted, and only https ones.
 */
#ifndef AD_DAEMON_ROLE_ROUTER_H
#define AD_DAEMON_ROLE_ROUTER_H

#include <stddef.h>

#include "adbuf.h"
#include "config.h"
#include "directory.h"

/*
 * Answers one POX request body. Returns the HTTP status: 200 with the XML in out, 302
 * with *location set (malloc'd, the caller frees), or 500 (out of memory).
 */
int role_router_handle(struct directory *dir, enum config_route_mode mode, const char *body,
                       size_t len, struct adbuf *out, char **location);

/*
 * The mailbox-specific URL on the pod of pod_url for address (http302 mode), or NULL when
 * pod_url is not an https URL or memory runs out. The address is percent-encoded.
 */
char *role_router_mailbox_url(const char *pod_url, const char *address);

#endif
