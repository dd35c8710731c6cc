/*
 * role_router_soap: SOAP Autodiscover (POST .../autodiscover.svc) at the provider's router,
 * without credentials, like its POX side (role_router.h):
 *   GetUserSettings, per Mailbox in a hosted domain -> UserResponse ErrorCode RedirectUrl,
 *       RedirectTarget https://POD/autodiscover/autodiscover.svc (the pod's host and port)
 *     ... route-mode http302 and exactly one Mailbox -> HTTP 302 to
 *       https://POD/autodiscover/ADDRESS/autodiscover.svc
 *   any other address                                -> InvalidUser
 *   GetDomainSettings, per hosted Domain             -> DomainResponse RedirectUrl (same target)
 *   any other domain                                 -> InvalidDomain
 *   no identity, too many, no setting                -> Response InvalidRequest
 *   not SOAP, bad wsa:Action                         -> 500 Fault (soap_handler.h)
 */
#ifndef AD_DAEMON_ROLE_ROUTER_SOAP_H
#define AD_DAEMON_ROLE_ROUTER_SOAP_H

#include <stddef.h>

#include "adbuf.h"
#include "config.h"
#include "directory.h"

/* The HTTP status: 200/413/500 with the envelope in out, or 302 with *location (freed by
 * the caller). */
int role_router_soap_handle(struct directory *dir, enum config_route_mode mode, const char *body,
                            size_t len, struct adbuf *out, char **location);

#endif
