/* v2json_handler: v2 JSON request in, answer out (see v2json_handler.h for the mapping). */
#include "v2json_handler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "org_protocols.h"
#include "v2json.h"

/* Fixed texts: no part of the request is ever echoed (nor needed: the caller knows it). */
int v2json_error_answer(int status, const char *code, const char *message, struct adbuf *body)
{
    adbuf_reset(body);
    return v2json_error_write(code, message, body) < 0 ? 500 : status;
}

static int internal_error(struct adbuf *body)
{
    return v2json_error_answer(500, "InternalError", "The server could not answer this request.",
                               body);
}

int v2json_parse_error_answer(enum v2json_parse_error e, struct adbuf *body)
{
    switch (e) {
    case V2JSON_NOT_FOUND:
        return v2json_error_answer(404, "NotFound", "No such resource.", body);
    case V2JSON_BAD_EMAIL:
        return v2json_error_answer(400, "InvalidEmail", "The Email value is missing or invalid.",
                                   body);
    case V2JSON_BAD_PROTOCOL: {
        char msg[512];
        snprintf(msg, sizeof msg, "The given protocol value is invalid. Supported values are '%s'.",
                 v2json_protocol_list());
        return v2json_error_answer(400, "InvalidProtocol", msg, body);
    }
    case V2JSON_NOMEM:
        return internal_error(body);
    default:
        return v2json_error_answer(400, "InvalidRequest", "The request is not valid.", body);
    }
}

static const char *domain_of(const char *address)
{
    const char *at = strrchr(address, '@');
    return at ? at + 1 : "";
}

/* The URL an organisation publishes for a v2 protocol, into url. 0, or -1 when it has none. */
static int protocol_url(const struct pox_response *org, const char *protocol, struct adbuf *url)
{
    const char *v = NULL;
    if (strcmp(protocol, "AutodiscoverV1") == 0)
        return org_autodiscover_url(org, url);
    if (strcmp(protocol, "Ews") == 0)
        v = org_ews_url(org);
    else if (strcmp(protocol, "ActiveSync") == 0)
        v = org_field(org, "MobileSync", "Url");
    return v ? adbuf_puts(url, v) : -1;
}

/*
 * The sections answering for email: its organisation's, with the mailbox's own overrides
 * when email names a mailbox of that organisation. An override is visible here without
 * authentication, as Exchange Online's v2 shows a hybrid user's on-premises URL: only a
 * mailbox given one answers differently from an unknown address (doc/decisions.md).
 */
static int add_sections(struct directory *dir, const char *organisation, const char *email,
                        struct pox_response *org)
{
    struct dir_mailbox mb = {0};
    int found = directory_find_mailbox(dir, email, &mb);
    int rc = found < 0 ? -1
             : found == 1 && strcasecmp(mb.organisation, organisation) == 0
                 ? directory_add_mailbox_protocols(dir, &mb, org)
                 : directory_add_protocols(dir, organisation, org);
    dir_mailbox_free(&mb);
    return rc;
}

static int domain_answer(struct directory *dir, const char *organisation, const char *email,
                         const char *protocol, struct adbuf *body)
{
    struct pox_response org = {0};
    struct adbuf url;
    adbuf_init(&url, 4096);
    int status;
    if (add_sections(dir, organisation, email, &org) < 0) {
        log_warnx("v2 json: cannot read the protocols of %s", organisation);
        status = internal_error(body);
    } else if (protocol_url(&org, protocol, &url) < 0) {
        status = v2json_error_answer(404, "ProtocolNotAvailable",
                                     "This protocol is not available for this address.", body);
    } else {
        adbuf_reset(body);
        status = v2json_answer_write(protocol, url.data, body) < 0 ? internal_error(body) : 200;
    }
    adbuf_free(&url);
    pox_response_free(&org);
    return status;
}

/*
 * The Location for a moved mailbox: the target organisation's host (from the directory, never
 * from the request), else a path on this server, which serves that domain too.
 */
static char *redirect_location(struct directory *dir, const char *target_org,
                               const struct v2json_request *next)
{
    struct pox_response org = {0};
    struct adbuf pox_url, loc;
    adbuf_init(&pox_url, 4096);
    adbuf_init(&loc, 8192);
    char *result = NULL;
    if (directory_add_protocols(dir, target_org, &org) == 0) {
        if (org_autodiscover_url(&org, &pox_url) == 0 && org_url_origin(pox_url.data, &loc) < 0)
            adbuf_reset(&loc);
        if (v2json_request_write_path(next, &loc) == 0)
            result = adbuf_steal(&loc);
    }
    adbuf_free(&loc);
    adbuf_free(&pox_url);
    pox_response_free(&org);
    return result;
}

/* 1 when a redirect was answered, 0 when the mailbox gets the domain answer, or a status < 0. */
static int try_redirect(struct directory *dir, const struct v2json_request *req, struct adbuf *body,
                        char **location, int *status)
{
    struct dir_mailbox mb = {0};
    char *target_org = NULL;
    int found = directory_find_mailbox(dir, req->email, &mb);
    int rc = 0;
    if (found < 0) {
        *status = internal_error(body);
        rc = 1;
    } else if (found == 1 && mb.target_address) {
        /* Only to a domain this directory accepts: never an open redirect. */
        int t = directory_find_domain(dir, domain_of(mb.target_address), &target_org);
        if (t < 0) {
            *status = internal_error(body);
            rc = 1;
        } else if (t == 1 && req->redirect_count >= V2JSON_MAX_REDIRECTS) {
            *status = v2json_error_answer(400, "RedirectLimit", "Too many redirects.", body);
            rc = 1;
        } else if (t == 1) {
            struct v2json_request next = {.email = mb.target_address,
                                          .protocol = req->protocol,
                                          .redirect_count = req->redirect_count + 1};
            *location = redirect_location(dir, target_org, &next);
            adbuf_reset(body);
            *status = *location ? 302 : internal_error(body);
            rc = 1;
        }
    }
    free(target_org);
    dir_mailbox_free(&mb);
    return rc;
}

int v2json_handle(struct directory *dir, const char *path, const char *query, struct adbuf *body,
                  char **location)
{
    *location = NULL;
    struct v2json_request req;
    enum v2json_parse_error e = v2json_request_parse(path, query, &req);
    if (e != V2JSON_OK)
        return v2json_parse_error_answer(e, body);
    char *organisation = NULL;
    int status;
    int found = directory_find_domain(dir, domain_of(req.email), &organisation);
    if (found < 0)
        status = internal_error(body);
    else if (found == 0)
        status =
            v2json_error_answer(404, "NotFound", "No Autodiscover service for this address.", body);
    else if (try_redirect(dir, &req, body, location, &status) == 0)
        status = domain_answer(dir, organisation, req.email, req.protocol, body);
    free(organisation);
    v2json_request_free(&req);
    return status;
}
