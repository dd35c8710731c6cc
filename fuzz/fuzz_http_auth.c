/*
 * Fuzz target: the Authorization header (Basic, daemon/http_auth.c). Whatever parses must
 * give a non-empty user without ':' and no control character in either part, within the
 * decoded cap; base64_decode never writes past its buffer nor returns more than fits.
 */
#include <string.h>

#include "fuzz_common.h"
#include "http_auth.h"

static void no_controls(const char *s)
{
    for (; *s; s++)
        FUZZ_ASSERT((unsigned char)*s >= 0x20 && *s != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *header = fuzz_cstring(data, size);
    struct basic_credentials creds;
    if (http_basic_parse(header, &creds) == 0) {
        FUZZ_ASSERT(creds.user && creds.user[0] && !strchr(creds.user, ':'));
        FUZZ_ASSERT(creds.password);
        FUZZ_ASSERT(strlen(creds.user) + 1 + strlen(creds.password) <= HTTP_AUTH_MAX_DECODED);
        no_controls(creds.user);
        no_controls(creds.password);
        basic_credentials_clear(&creds);
    }
    unsigned char out[48];
    size_t len = strlen(header);
    long n = base64_decode(header, len, out, sizeof out);
    FUZZ_ASSERT(n >= -1 && n <= (long)sizeof out && (n < 0 || (size_t)n <= len / 4 * 3));
    free(header);
    return 0;
}
