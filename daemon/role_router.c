/* role_router: see role_router.h. */
#include "role_router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mobilesync.h"
#include "pox.h"

static bool unreserved(unsigned char c)
{
    /* RFC 3986 unreserved, plus '@' which is allowed in a path segment. */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("-._~@", c) != NULL;
}

/* The length of pod_url's authority (after "https://"), or 0 when it is not https. */
static size_t authority_len(const char *pod_url)
{
    if (strncmp(pod_url, "https://", 8) != 0)
        return 0;
    return strcspn(pod_url + 8, "/?#");
}

char *role_router_mailbox_url_for(const char *pod_url, const char *address, const char *file)
{
    size_t alen = authority_len(pod_url);
    if (alen == 0)
        return NULL;
    size_t need = 8 + alen + strlen("/autodiscover/") + 3 * strlen(address) + 1 + strlen(file) + 1;
    char *url = malloc(need);
    if (!url)
        return NULL;
    int n = snprintf(url, need, "https://%.*s/autodiscover/", (int)alen, pod_url + 8);
    char *p = url + n;
    for (const unsigned char *s = (const unsigned char *)address; *s; s++) {
        if (unreserved(*s)) {
            *p++ = (char)*s;
        } else {
            snprintf(p, 4, "%%%02X", *s);
            p += 3;
        }
    }
    snprintf(p, need - (size_t)(p - url), "/%s", file);
    return url;
}

char *role_router_mailbox_url(const char *pod_url, const char *address)
{
    return role_router_mailbox_url_for(pod_url, address, "autodiscover.xml");
}

char *role_router_pod_url_for(const char *pod_url, const char *file)
{
    size_t alen = authority_len(pod_url);
    char *url;
    if (alen == 0 ||
        asprintf(&url, "https://%.*s/autodiscover/%s", (int)alen, pod_url + 8, file) < 0)
        return NULL;
    return url;
}

int role_router_find_pod(struct directory *dir, const char *address, char *pod_url, size_t urllen)
{
    int found = directory_find_pod_url(dir, address, pod_url, urllen);
    if (found < 0) {
        log_warnx("directory lookup failed");
        return -1;
    }
    return found == 1 && authority_len(pod_url) > 0 ? 1 : 0;
}

/* 0 with the pod URL in pod_url, or a POX ErrorCode. */
static int find_pod(struct directory *dir, const char *body, size_t len, char *address,
                    size_t addrlen, char *pod_url, size_t urllen)
{
    struct pox_request req = {0};
    enum pox_parse_error perr = pox_request_parse(body, len, &req);
    int code = 0;
    if (perr != POX_PARSE_OK)
        code = perr == POX_PARSE_NOMEM ? POX_ERR_INTERNAL : POX_ERR_INVALID_REQUEST;
    else if (!req.response_schema || strcmp(req.response_schema, POX_NS_OUTLOOK_RESPONSE) != 0)
        code = POX_ERR_NO_PROVIDER;
    else if (!req.email || strlen(req.email) >= addrlen)
        code = POX_ERR_INVALID_REQUEST; /* a router routes by address, not by LegacyDN */
    if (code == 0) {
        snprintf(address, addrlen, "%s", req.email);
        dir_lowercase(address);
        int found = role_router_find_pod(dir, address, pod_url, urllen);
        code = found < 0 ? POX_ERR_INTERNAL : found == 0 ? POX_ERR_UNKNOWN_ADDRESS : 0;
    }
    pox_request_free(&req);
    return code;
}

static int redirect_url_answer(struct pox_response *resp, const char *pod_url)
{
    resp->has_account = true;
    resp->action = POX_ACTION_REDIRECT_URL;
    resp->account_type = strdup("email");
    resp->microsoft_online = strdup("False");
    resp->redirect_url = strdup(pod_url);
    return resp->account_type && resp->microsoft_online && resp->redirect_url ? 0 : -1;
}

static int write_pox_error(int code, struct adbuf *out)
{
    struct pox_response resp = {0};
    adbuf_reset(out);
    int status =
        pox_response_set_error(&resp, code, NULL) == 0 && pox_response_write(&resp, out) == 0 ? 200
                                                                                              : 500;
    pox_response_free(&resp);
    return status;
}

/* 302 to the pod for a hosted mobilesync address: its URL, or the mailbox form (http302). */
static int mobilesync_redirect(enum config_route_mode mode, const char *pod_url, const char *email,
                               char **location)
{
    char *lower = strdup(email);
    if (!lower)
        return 500;
    dir_lowercase(lower);
    *location =
        mode == ROUTE_MODE_HTTP302 ? role_router_mailbox_url(pod_url, lower) : strdup(pod_url);
    free(lower);
    return *location ? 302 : 500;
}

/* Action/Error Status 2: what a service answers for an address it does not know. */
static int mobilesync_unknown(const char *email, struct adbuf *out)
{
    struct mobilesync_response resp = {.action = MOBILESYNC_ACTION_ERROR};
    adbuf_reset(out);
    bool ok = pox_set_str(&resp.culture, "en:us") == 0 && pox_set_str(&resp.email, email) == 0 &&
              pox_set_str(&resp.status, MOBILESYNC_STATUS_PROTOCOL_ERROR) == 0 &&
              pox_set_str(&resp.message, "The e-mail address cannot be found.") == 0 &&
              pox_set_str(&resp.debug_data, "") == 0 && mobilesync_response_write(&resp, out) == 0;
    mobilesync_response_free(&resp);
    return ok ? 200 : 500;
}

/*
 * A mobilesync request (1 answered, status in *status), or 0 when body is not one. Its
 * schema has no redirectUrl, and Action/Redirect names an address, not a URL: a hosted
 * address gets the HTTP 302 MS-OXDSCLI 3.2.5 prefers for a URL move, in both route modes.
 */
static int mobilesync_route(struct directory *dir, enum config_route_mode mode, const char *body,
                            size_t len, struct adbuf *out, char **location, int *status)
{
    struct mobilesync_request req;
    enum pox_parse_error perr = mobilesync_request_parse(body, len, &req);
    if (perr == POX_PARSE_SCHEMA || perr == POX_PARSE_XML || perr == POX_PARSE_TOO_BIG)
        return 0;
    char pod_url[ROLE_ROUTER_URL_MAX];
    int code = 0, found = 0;
    if (perr != POX_PARSE_OK)
        code = POX_ERR_INTERNAL;
    else if (req.nrequests != 1 || !req.email)
        code = POX_ERR_INVALID_REQUEST;
    else if (!req.response_schema || !pox_ns_match(req.response_schema, MOBILESYNC_NS_RESPONSE))
        code = POX_ERR_NO_PROVIDER;
    else if ((found = role_router_find_pod(dir, req.email, pod_url, sizeof pod_url)) < 0)
        code = POX_ERR_INTERNAL;
    if (code)
        *status = write_pox_error(code, out);
    else if (found)
        *status = mobilesync_redirect(mode, pod_url, req.email, location);
    else
        *status = mobilesync_unknown(req.email, out);
    mobilesync_request_free(&req);
    return 1;
}

int role_router_handle(struct directory *dir, enum config_route_mode mode, const char *body,
                       size_t len, struct adbuf *out, char **location)
{
    char address[512], pod_url[ROLE_ROUTER_URL_MAX];
    struct pox_response resp = {0};
    int status = 500;
    *location = NULL;
    if (mobilesync_route(dir, mode, body, len, out, location, &status))
        return status;
    int code = find_pod(dir, body, len, address, sizeof address, pod_url, sizeof pod_url);
    if (code == 0 && mode == ROUTE_MODE_HTTP302) {
        if (!(*location = role_router_mailbox_url(pod_url, address)))
            return 500;
        return 302;
    }
    if (code == 0 && redirect_url_answer(&resp, pod_url) < 0)
        code = POX_ERR_INTERNAL;
    if (code != 0) {
        pox_response_free(&resp);
        return write_pox_error(code, out);
    }
    adbuf_reset(out);
    status = pox_response_write(&resp, out) < 0 ? 500 : 200;
    pox_response_free(&resp);
    return status;
}
