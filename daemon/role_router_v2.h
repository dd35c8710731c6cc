/*
 * role_router_v2: Autodiscover v2 (GET .../autodiscover.json, PROTOCOL.md §5) at the
 * provider's router. Like its POX and SOAP sides it routes by domain only and reveals no
 * settings:
 *   a hosted domain -> 302 to https://POD/autodiscover/autodiscover.json?Email=..&Protocol=..
 *       &RedirectCount=n+1 (the pod's host from the directory, never from the request);
 *       400 RedirectLimit past V2JSON_MAX_REDIRECTS
 *   any other domain -> 404 NotFound, what a service answers for a domain it does not accept
 *   malformed request -> the service's 400/404 answers (v2json_handler.h)
 * Known and unknown addresses of a hosted domain get the same 302: no enumeration.
 */
#ifndef AD_DAEMON_ROLE_ROUTER_V2_H
#define AD_DAEMON_ROLE_ROUTER_V2_H

#include "adbuf.h"
#include "directory.h"

/* path and query raw; as v2json_handle (302 with *location malloc'd). */
int role_router_v2_handle(struct directory *dir, const char *path, const char *query,
                          struct adbuf *body, char **location);

#endif
