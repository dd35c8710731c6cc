/*
 * Fuzz target: e-mail addresses (lib/address.c) and the public suffix guard. An address that
 * parses keeps to RFC 5321's sizes, has a lower-case domain, and parses again to itself.
 */
#include <ctype.h>

#include "address.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const psl_ctx_t *psl;
    if (!psl)
        psl = address_psl_load();
    char *text = fuzz_cstring(data, size);
    struct address a, b;
    const char *why = NULL;
    if (address_parse(text, &a, &why) == AD_OK) {
        FUZZ_ASSERT(a.email && a.local && a.domain);
        FUZZ_ASSERT(strlen(a.email) <= ADDRESS_MAX && strlen(a.local) <= ADDRESS_LOCAL_MAX &&
                    strlen(a.domain) <= ADDRESS_DOMAIN_MAX && a.local[0] && a.domain[0]);
        for (const char *p = a.domain; *p; p++)
            FUZZ_ASSERT(!isupper((unsigned char)*p) && *p != '/' && *p != '@');
        FUZZ_ASSERT(address_parse(a.email, &b, &why) == AD_OK);
        FUZZ_ASSERT(strcmp(a.email, b.email) == 0 && strcmp(a.domain, b.domain) == 0);
        address_free(&b);
        if (psl)
            (void)address_is_public_suffix(psl, a.domain);
        address_free(&a);
    } else {
        FUZZ_ASSERT(why != NULL && !a.email && !a.local && !a.domain);
    }
    if (psl)
        (void)address_is_public_suffix(psl, text);
    free(text);
    return 0;
}
