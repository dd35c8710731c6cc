/* role_router_soap: see role_router_soap.h. */
#include "role_router_soap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "role_router.h"
#include "soap.h"
#include "soap_handler.h"

struct router_ctx {
    struct directory *dir;
    enum config_route_mode mode;
    char *location; /* http302 mode, one hosted mailbox */
};

/* One identity: RedirectUrl to the pod when hosted, else not_found. 0 or -1. */
static int answer_identity(struct router_ctx *c, const char *address, const char *not_found,
                           const char *not_found_message, bool one_mailbox,
                           struct soap_response *resp)
{
    char pod_url[ROLE_ROUTER_URL_MAX];
    int found = role_router_find_pod(c->dir, address, pod_url, sizeof pod_url);
    if (found < 0)
        return -1;
    if (found == 0)
        return soap_response_add(resp, not_found, not_found_message) ? 0 : -1;
    if (one_mailbox && c->mode == ROUTE_MODE_HTTP302) {
        char *lower = strdup(address);
        if (!lower)
            return -1;
        dir_lowercase(lower);
        c->location = role_router_mailbox_url_for(pod_url, lower, "autodiscover.svc");
        free(lower);
        return c->location ? 0 : -1;
    }
    char *target = role_router_pod_url_for(pod_url, "autodiscover.svc");
    struct soap_identity_response *r =
        target ? soap_response_add(resp, "RedirectUrl", "Redirection URL.") : NULL;
    int rc = r && soap_identity_set_redirect(r, target) == 0 ? 0 : -1;
    free(target);
    return rc;
}

static int router_answer(void *ctx, const struct soap_request *req, struct soap_response *resp)
{
    struct router_ctx *c = ctx;
    if (req->nidentities == 0 || req->nidentities > SOAP_MAX_IDENTITIES || req->nsettings == 0)
        return soap_handler_set_error(resp, "InvalidRequest", "Invalid request.");
    if (soap_handler_set_error(resp, "NoError", "") < 0)
        return -1;
    bool users = req->op == SOAP_OP_GET_USER_SETTINGS;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < req->nidentities; i++) {
        if (users) {
            rc = answer_identity(c, req->identities[i], "InvalidUser", "Invalid user.",
                                 req->nidentities == 1, resp);
            continue;
        }
        /* The directory routes by the part after the last '@': "@domain" names the domain. */
        char *key;
        if (strchr(req->identities[i], '@')) {
            rc = soap_response_add(resp, "InvalidDomain", "Invalid domain.") ? 0 : -1;
            continue;
        }
        if (asprintf(&key, "@%s", req->identities[i]) < 0)
            return -1;
        rc = answer_identity(c, key, "InvalidDomain", "Invalid domain.", false, resp);
        free(key);
    }
    return rc;
}

int role_router_soap_handle(struct directory *dir, enum config_route_mode mode, const char *body,
                            size_t len, struct adbuf *out, char **location)
{
    struct router_ctx ctx = {.dir = dir, .mode = mode};
    int status = soap_handle_with(body, len, router_answer, &ctx, out);
    *location = NULL;
    if (status == 200 && ctx.location) {
        adbuf_reset(out);
        *location = ctx.location;
        return 302;
    }
    free(ctx.location);
    return status;
}
