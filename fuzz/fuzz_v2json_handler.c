/*
 * Fuzz target: the service's v2 JSON answer (daemon/v2json_handler.c) over a real SQLite
 * directory. Input: the raw request target "PATH?QUERY". Every answer is one of the
 * documented statuses with a JSON body; only a 302 has a Location, and it names
 * autodiscover.json over https or on this server, in one header line.
 */
#include <jansson.h>
#include <strings.h>

#include "fuzz_common.h"
#include "fuzz_directory.h"
#include "v2json_handler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct directory *dir = fuzz_directory();
    char *target = fuzz_cstring(data, size);
    char *query = strchr(target, '?');
    if (query)
        *query++ = '\0';
    struct adbuf body;
    adbuf_init(&body, 64 * 1024);
    char *location = NULL;
    int status = v2json_handle(dir, target, query ? query : "", &body, &location);
    FUZZ_ASSERT(status == 200 || status == 302 || status == 400 || status == 404);
    FUZZ_ASSERT((status == 302) == (location != NULL));
    if (location)
        FUZZ_ASSERT((strncmp(location, "https://", 8) == 0 || location[0] == '/') &&
                    strstr(location, "/autodiscover.json") && !strpbrk(location, "\r\n"));
    if (body.len) {
        json_error_t err;
        json_t *j = json_loadb(body.data, body.len, 0, &err);
        FUZZ_ASSERT(j != NULL);
        json_decref(j);
    }
    free(location);
    adbuf_free(&body);
    free(target);
    return 0;
}
