/*
 * Fuzz target: routing (daemon/http_route.c) and the client capability headers
 * (daemon/pox_handler.c). Input: "METHOD\nPATH\nX-ClientCanHandle\nX-MapiHttpCapability".
 * The redirector's decision is reached through fuzz_http_request.
 */
#include <strings.h>

#include "fuzz_common.h"
#include "http_route.h"
#include "pox_handler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = fuzz_cstring(data, size), *path, *can_handle, *mapi;
    const char *method = fuzz_split_line(input, &path);
    path = fuzz_split_line(path, &can_handle);
    can_handle = fuzz_split_line(can_handle, &mapi);
    enum http_route route = http_route_match(path);
    size_t len = strlen(path);
    /* Every route is one of the three Autodiscover files (or under autodiscover.json). */
    if (route == ROUTE_POX)
        FUZZ_ASSERT(len >= 16 && strcasecmp(path + len - 16, "autodiscover.xml") == 0);
    if (route == ROUTE_SOAP)
        FUZZ_ASSERT(len >= 16 && strcasecmp(path + len - 16, "autodiscover.svc") == 0);
    if (route != ROUTE_NOT_FOUND)
        FUZZ_ASSERT(path[0] == '/');
    enum http_method_class m = http_method_classify(method);
    FUZZ_ASSERT(m == METHOD_POST || m == METHOD_GET || m == METHOD_OTHER);
    struct pox_client_caps caps;
    pox_client_caps_parse(can_handle[0] ? can_handle : NULL, mapi[0] ? mapi : NULL, &caps);
    free(input);
    return 0;
}
