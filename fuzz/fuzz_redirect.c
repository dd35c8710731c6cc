/*
 * Fuzz target: the redirect rules (lib/redirect.c). A URL that may be followed is https with
 * a host, no credentials and an Autodiscover path; the visited set finds what it was given
 * in any letter case.
 */
#include <ctype.h>
#include <strings.h>

#include "fuzz_common.h"
#include "redirect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = fuzz_cstring(data, size);
    const char *why = redirect_url_problem(url);
    char *host = redirect_url_host(url);
    if (!why) {
        FUZZ_ASSERT(strncasecmp(url, "https://", 8) == 0);
        FUZZ_ASSERT(host && *host);
        for (const char *p = host; *p; p++)
            FUZZ_ASSERT(!isupper((unsigned char)*p));
        /* No user information may sneak through: nothing before the host but the scheme. */
        const char *auth_end = url + 8 + strcspn(url + 8, "/?#");
        FUZZ_ASSERT(!memchr(url + 8, '@', (size_t)(auth_end - url - 8)));
    }
    free(host);
    (void)redirect_path_ok(url);
    struct string_set set = {0};
    FUZZ_ASSERT(string_set_add(&set, url) == 0 && string_set_add(&set, url) == 0);
    FUZZ_ASSERT(set.count == 1 && string_set_contains(&set, url));
    for (char *p = url; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    FUZZ_ASSERT(string_set_contains(&set, url));
    string_set_clear(&set);
    free(url);
    return 0;
}
