/*
 * Fuzz target: the last-known-good cache file (lib/cache.c). The input is a cache entry as
 * found on disk for bob@contoso.test; a URL that comes out must be a followable Autodiscover
 * URL, and storing it again must give it back.
 */
#include <time.h>

#include "cache.h"
#include "fuzz_common.h"
#include "redirect.h"

#define FUZZ_NOW ((time_t)1700000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char email[] = "bob@contoso.test";
    const char *dir = fuzz_tempdir();
    char *path = cache_path(dir, email);
    FUZZ_ASSERT(path);
    fuzz_write_file(path, data, size);
    char *url = cache_lookup(dir, email, FUZZ_NOW);
    if (url) {
        FUZZ_ASSERT(redirect_url_problem(url) == NULL && !strpbrk(url, "\r\n"));
        FUZZ_ASSERT(cache_store(dir, email, url, CACHE_DEFAULT_TTL_HOURS, FUZZ_NOW) == 0);
        char *again = cache_lookup(dir, email, FUZZ_NOW);
        FUZZ_ASSERT(again && strcmp(again, url) == 0);
        free(again);
        FUZZ_ASSERT(cache_lookup(dir, email, FUZZ_NOW + 3600) == NULL);
        free(url);
    }
    cache_drop(dir, email);
    free(path);
    return 0;
}
