/* role_redirector: see role_redirector.h. */
#include "role_redirector.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

int role_redirector_answer(const struct config_host *host, const char *method, const char *path,
                           bool has_authorization, bool has_body, const char **location)
{
    *location = NULL;
    if (has_authorization || has_body)
        return 400;
    if (strcmp(method, "GET") != 0 || !path)
        return 404;
    if (strcasecmp(path, "/autodiscover/autodiscover.xml") == 0)
        *location = host->redirect_to;
    else if (strcasecmp(path, "/autodiscover/autodiscover.svc") == 0)
        *location = host->redirect_to_svc;
    return *location ? 302 : 404;
}
