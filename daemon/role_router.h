/*
 * role_router: the provider's secure router (autodiscover-s). For an address in a hosted
 * domain (its organisation is a tenant served by a pod) it sends the client to that pod; it
 * needs no credentials because it reveals no settings, only which pod serves a domain. Any
 * other domain gets the answer a service gives an unknown address, so the router is never
 * an open redirect. Only pod URLs from the directory are ever emitted, and only https ones.
 *
 * POX (Outlook schema):
 *   route-mode redirecturl -> 200, Action redirectUrl, RedirectUrl = the pod's URL
 *   route-mode http302     -> 302, Location https://POD/autodiscover/ADDRESS/autodiscover.xml
 *   not hosted             -> ErrorCode 500
 * POX (mobilesync schema; it has no redirectUrl, and Action/Redirect names an address):
 *   hosted                 -> 302 to the pod's URL (redirecturl) or the mailbox form (http302)
 *   not hosted             -> Action/Error Status 2, as a service answers an unknown address
 * SOAP and v2 JSON: role_router_soap.h, role_router_v2.h.
 */
#ifndef AD_DAEMON_ROLE_ROUTER_H
#define AD_DAEMON_ROLE_ROUTER_H

#include <stddef.h>

#include "adbuf.h"
#include "config.h"
#include "directory.h"

#define ROLE_ROUTER_URL_MAX 2048

/*
 * Answers one POX request body. Returns the HTTP status: 200 with the XML in out, 302
 * with *location set (malloc'd, the caller frees), or 500 (out of memory).
 */
int role_router_handle(struct directory *dir, enum config_route_mode mode, const char *body,
                       size_t len, struct adbuf *out, char **location);

/*
 * The pod URL (https only) of the tenant owning address's domain, into pod_url.
 * 1 hosted, 0 not hosted (or not https), -1 directory failure.
 */
int role_router_find_pod(struct directory *dir, const char *address, char *pod_url, size_t urllen);

/*
 * The mailbox-specific URL on the pod of pod_url for address (http302 mode), or NULL when
 * pod_url is not an https URL or memory runs out. The address is percent-encoded.
 */
char *role_router_mailbox_url(const char *pod_url, const char *address);
/* The same for another file name: "autodiscover.xml" or "autodiscover.svc". */
char *role_router_mailbox_url_for(const char *pod_url, const char *address, const char *file);
/* https://AUTHORITY-OF-pod_url/autodiscover/FILE, or NULL (not https, out of memory). */
char *role_router_pod_url_for(const char *pod_url, const char *file);

#endif
