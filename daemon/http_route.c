/* http_route: path and method classification (see http_route.h). */
#include "http_route.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/*
 * The mailbox-specific form a router's 302 points to (PROTOCOL.md §3):
 * /autodiscover/(SEGMENT/)*autodiscover.xml (or .svc for SOAP), any letter case, no empty
 * segment; tail is "/autodiscover.xml" or "/autodiscover.svc".
 */
static bool is_mailbox_path(const char *path, const char *tail)
{
    static const char head[] = "/autodiscover/";
    size_t len = strlen(path), hl = sizeof head - 1, tl = strlen(tail);
    if (len <= hl + tl || strncasecmp(path, head, hl) != 0 ||
        strcasecmp(path + len - tl, tail) != 0)
        return false;
    /* Segments are non-empty and never "." or "..": no path tricks reach the handler. */
    const char *seg = path + hl, *end = path + len - tl;
    while (seg <= end) {
        size_t n = strcspn(seg, "/");
        if (seg + n > end)
            n = (size_t)(end - seg);
        if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return false;
        seg += n + 1;
    }
    return true;
}

enum http_route http_route_match(const char *path)
{
    static const char json[] = "/autodiscover/autodiscover.json";
    if (!path)
        return ROUTE_NOT_FOUND;
    if (strcasecmp(path, "/autodiscover/autodiscover.xml") == 0 ||
        is_mailbox_path(path, "/autodiscover.xml"))
        return ROUTE_POX;
    /* The WS-Security variants (…/autodiscover.svc/wssecurity…) are not served: 404. */
    if (strcasecmp(path, "/autodiscover/autodiscover.svc") == 0 ||
        is_mailbox_path(path, "/autodiscover.svc"))
        return ROUTE_SOAP;
    /* The v2 handler checks the rest of the path itself (the /v1.0/<email> form). */
    if (strncasecmp(path, json, sizeof json - 1) == 0 &&
        (path[sizeof json - 1] == '\0' || path[sizeof json - 1] == '/'))
        return ROUTE_V2JSON;
    return ROUTE_NOT_FOUND;
}

enum http_method_class http_method_classify(const char *method)
{
    /* Methods are case-sensitive (RFC 9110 §9.1). */
    if (strcmp(method, "POST") == 0)
        return METHOD_POST;
    if (strcmp(method, "GET") == 0)
        return METHOD_GET;
    return METHOD_OTHER;
}
