/* http_route: path and method classification (see http_route.h). */
#include "http_route.h"

#include <string.h>
#include <strings.h>

enum http_route http_route_match(const char *path)
{
    if (path && strcasecmp(path, "/autodiscover/autodiscover.xml") == 0)
        return ROUTE_POX;
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
