/* role_router_v2: see role_router_v2.h. */
#include "role_router_v2.h"

#include <stdlib.h>
#include <string.h>

#include "org_protocols.h"
#include "role_router.h"
#include "v2json.h"
#include "v2json_handler.h"

/* https://POD-HOST[:PORT]/autodiscover/autodiscover.json?... for next, or NULL. */
static char *pod_location(const char *pod_url, const struct v2json_request *next)
{
    struct adbuf loc;
    adbuf_init(&loc, 8192);
    char *result = NULL;
    if (org_url_origin(pod_url, &loc) == 0 && v2json_request_write_path(next, &loc) == 0)
        result = adbuf_steal(&loc);
    adbuf_free(&loc);
    return result;
}

int role_router_v2_handle(struct directory *dir, const char *path, const char *query,
                          struct adbuf *body, char **location)
{
    *location = NULL;
    struct v2json_request req;
    enum v2json_parse_error e = v2json_request_parse(path, query, &req);
    if (e != V2JSON_OK)
        return v2json_parse_error_answer(e, body);
    char pod_url[ROLE_ROUTER_URL_MAX];
    int status;
    int found = role_router_find_pod(dir, req.email, pod_url, sizeof pod_url);
    if (found < 0) {
        status = v2json_error_answer(500, "InternalError",
                                     "The server could not answer this request.", body);
    } else if (found == 0) {
        status =
            v2json_error_answer(404, "NotFound", "No Autodiscover service for this address.", body);
    } else if (req.redirect_count >= V2JSON_MAX_REDIRECTS) {
        status = v2json_error_answer(400, "RedirectLimit", "Too many redirects.", body);
    } else {
        struct v2json_request next = {
            .email = req.email, .protocol = req.protocol, .redirect_count = req.redirect_count + 1};
        adbuf_reset(body);
        *location = pod_location(pod_url, &next);
        status = *location ? 302
                           : v2json_error_answer(500, "InternalError",
                                                 "The server could not answer this request.", body);
    }
    v2json_request_free(&req);
    return status;
}
