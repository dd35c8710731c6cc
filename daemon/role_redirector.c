/* role_redirector: see role_redirector.h. */
#include "role_redirector.h"

#include <string.h>
#include <strings.h>

int role_redirector_status(const char *method, const char *path, bool has_authorization,
                           bool has_body)
{
    if (has_authorization || has_body)
        return 400;
    if (strcmp(method, "GET") == 0 && path &&
        strcasecmp(path, "/autodiscover/autodiscover.xml") == 0)
        return 302;
    return 404;
}
