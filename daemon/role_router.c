/* role_router: see role_router.h. */
#include "role_router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pox.h"

#define POD_URL_MAX 2048

static bool unreserved(unsigned char c)
{
    /* RFC 3986 unreserved, plus '@' which is allowed in a path segment. */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("-._~@", c) != NULL;
}

char *role_router_mailbox_url(const char *pod_url, const char *address)
{
    if (strncmp(pod_url, "https://", 8) != 0)
        return NULL;
    const char *authority = pod_url + 8;
    size_t alen = strcspn(authority, "/?#");
    if (alen == 0)
        return NULL;
    size_t need = 8 + alen + strlen("/autodiscover/") + 3 * strlen(address) +
                  strlen("/autodiscover.xml") + 1;
    char *url = malloc(need);
    if (!url)
        return NULL;
    int n = snprintf(url, need, "https://%.*s/autodiscover/", (int)alen, authority);
    char *p = url + n;
    for (const unsigned char *s = (const unsigned char *)address; *s; s++) {
        if (unreserved(*s)) {
            *p++ = (char)*s;
        } else {
            snprintf(p, 4, "%%%02X", *s);
            p += 3;
        }
    }
    strcpy(p, "/autodiscover.xml");
    return url;
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
        int found = directory_find_pod_url(dir, address, pod_url, urllen);
        if (found < 0) {
            log_warnx("directory lookup failed");
            code = POX_ERR_INTERNAL;
        } else if (found == 0 || strncmp(pod_url, "https://", 8) != 0) {
            code = POX_ERR_UNKNOWN_ADDRESS;
        }
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

int role_router_handle(struct directory *dir, enum config_route_mode mode, const char *body,
                       size_t len, struct adbuf *out, char **location)
{
    char address[512], pod_url[POD_URL_MAX];
    struct pox_response resp = {0};
    *location = NULL;
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
        memset(&resp, 0, sizeof resp);
        if (pox_response_set_error(&resp, code, NULL) < 0) {
            pox_response_free(&resp);
            return 500;
        }
    }
    adbuf_reset(out);
    int status = pox_response_write(&resp, out) < 0 ? 500 : 200;
    pox_response_free(&resp);
    return status;
}
