/* soap_handler: SOAP request in, SOAP answer out (see soap_handler.h for the mapping). */
#include "soap_handler.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "soap.h"
#include "soap_settings.h"

/* A fault never echoes the request: fixed texts only. */
static int fault(int status, const char *code, const char *message, struct adbuf *out)
{
    adbuf_reset(out);
    return soap_fault_write(code, message, out) < 0 ? 500 : status;
}

static int set_error(struct soap_response *resp, const char *code, const char *message)
{
    return pox_set_str(&resp->error_code, code) < 0 ||
                   pox_set_str(&resp->error_message, message) < 0
               ? -1
               : 0;
}

/* One UserResponse. 0, or -1 on a directory failure or out of memory. */
static int answer_user(struct directory *dir, const char *auth_address, const char *mailbox,
                       const struct soap_request *req, struct soap_response *resp)
{
    struct dir_mailbox mb = {0};
    struct pox_response org = {0};
    int found = directory_find_mailbox(dir, mailbox, &mb);
    int rc = 0, may = 0;
    struct soap_identity_response *r = NULL;
    if (found < 0 || (found == 1 && (may = directory_may_read(dir, &mb, auth_address)) < 0)) {
        rc = -1;
    } else if (found == 0 || may == 0) {
        /* Unknown, or someone else's: one answer, so addresses cannot be probed. */
        rc = soap_response_add(resp, "InvalidUser", "Invalid user.") ? 0 : -1;
    } else if (mb.target_address) {
        r = soap_response_add(resp, "RedirectAddress", "Redirection address.");
        rc = r && soap_identity_set_redirect(r, mb.target_address) == 0 ? 0 : -1;
    } else if (!(r = soap_response_add(resp, "NoError", "No error.")) ||
               directory_add_mailbox_protocols(dir, &mb, &org) < 0) {
        rc = -1;
    } else {
        for (size_t i = 0; rc == 0 && i < req->nsettings; i++)
            rc = soap_add_user_setting(&mb, &org, req->settings[i], r);
    }
    pox_response_free(&org);
    dir_mailbox_free(&mb);
    return rc;
}

/* One DomainResponse: only the caller's own organisation's domains are described. */
static int answer_domain(struct directory *dir, const char *caller_org, const char *domain,
                         const struct soap_request *req, struct soap_response *resp)
{
    char *org_name = NULL;
    struct pox_response org = {0};
    int found = directory_find_domain(dir, domain, &org_name);
    int rc = 0;
    struct soap_identity_response *r;
    if (found < 0) {
        rc = -1;
    } else if (found == 0 || strcasecmp(org_name, caller_org) != 0) {
        rc = soap_response_add(resp, "InvalidDomain", "Invalid domain.") ? 0 : -1;
    } else if (!(r = soap_response_add(resp, "NoError", "No error.")) ||
               directory_add_protocols(dir, org_name, &org) < 0) {
        rc = -1;
    } else {
        for (size_t i = 0; rc == 0 && i < req->nsettings; i++)
            rc = soap_add_domain_setting(&org, req->settings[i], r);
    }
    pox_response_free(&org);
    free(org_name);
    return rc;
}

static int answer_all(struct directory *dir, const char *auth_address,
                      const struct soap_request *req, struct soap_response *resp)
{
    if (req->nidentities == 0 || req->nidentities > SOAP_MAX_IDENTITIES || req->nsettings == 0)
        return set_error(resp, "InvalidRequest", "Invalid request.");
    if (set_error(resp, "NoError", "") < 0)
        return -1;
    char *caller_org = NULL;
    if (req->op == SOAP_OP_GET_DOMAIN_SETTINGS) {
        struct dir_mailbox me = {0};
        int found = directory_find_mailbox(dir, auth_address, &me);
        if (found == 1)
            caller_org = me.organisation, me.organisation = NULL;
        dir_mailbox_free(&me);
        if (found != 1)
            return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < req->nidentities; i++)
        rc = req->op == SOAP_OP_GET_USER_SETTINGS
                 ? answer_user(dir, auth_address, req->identities[i], req, resp)
                 : answer_domain(dir, caller_org, req->identities[i], req, resp);
    free(caller_org);
    return rc;
}

int soap_handler_set_error(struct soap_response *resp, const char *code, const char *message)
{
    return set_error(resp, code, message);
}

static int set_server_version(struct soap_response *resp)
{
    struct soap_server_version *v = &resp->server_version;
    return pox_set_str(&v->major_version, SOAP_SERVER_MAJOR) |
           pox_set_str(&v->minor_version, SOAP_SERVER_MINOR) |
           pox_set_str(&v->major_build, SOAP_SERVER_MAJOR_BUILD) |
           pox_set_str(&v->minor_build, SOAP_SERVER_MINOR_BUILD) |
           pox_set_str(&v->version, SOAP_SERVER_VERSION);
}

static bool action_matches(const struct soap_request *req)
{
    char want[160];
    snprintf(want, sizeof want, "%s%s", SOAP_ACTION_PREFIX, soap_op_name(req->op));
    return !req->action || strcmp(req->action, want) == 0;
}

int soap_handle_with(const char *body, size_t len, soap_answer_fn answer, void *ctx,
                     struct adbuf *out)
{
    struct soap_request req;
    enum pox_parse_error perr = soap_request_parse(body, len, &req);
    if (perr == POX_PARSE_TOO_BIG)
        return fault(413, "Client", "The request is too large.", out);
    if (perr == POX_PARSE_NOMEM)
        return fault(500, "Server", "Internal server error.", out);
    if (perr != POX_PARSE_OK)
        return fault(500, "Client", "The request is not a valid SOAP Autodiscover request.", out);
    if (!action_matches(&req)) {
        soap_request_free(&req);
        return fault(500, "Client", "The wsa:Action header does not match the operation.", out);
    }
    struct soap_response resp = {.op = req.op};
    int rc = set_server_version(&resp);
    if (rc == 0 && answer(ctx, &req, &resp) < 0) {
        log_warnx("soap: cannot answer a %s request", soap_op_name(req.op));
        /* Whatever was built so far is dropped: the whole request failed. */
        soap_response_free(&resp);
        resp.op = req.op;
        rc = set_server_version(&resp) |
             set_error(&resp, "InternalServerError", "Internal server error.");
    }
    adbuf_reset(out);
    int status = rc == 0 && soap_response_write(&resp, out) == 0
                     ? 200
                     : fault(500, "Server", "Internal server error.", out);
    soap_response_free(&resp);
    soap_request_free(&req);
    return status;
}

struct service_ctx {
    struct directory *dir;
    const char *auth_address;
};

static int service_answer(void *ctx, const struct soap_request *req, struct soap_response *resp)
{
    const struct service_ctx *c = ctx;
    return answer_all(c->dir, c->auth_address, req, resp);
}

int soap_handle(struct directory *dir, const char *auth_address, const char *body, size_t len,
                struct adbuf *out)
{
    struct service_ctx ctx = {dir, auth_address};
    return soap_handle_with(body, len, service_answer, &ctx, out);
}
