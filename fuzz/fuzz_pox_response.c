/* Fuzz target: POX response parsing. Whatever parses must write, re-parse and compare equal. */
#include "fuzz_common.h"
#include "pox.h"
#include "pox_compare.h"
#include "xmlsafe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pox_response a, b;
    if (pox_response_parse((const char *)data, size, &a) != POX_PARSE_OK)
        return 0;
    struct adbuf out;
    adbuf_init(&out, 8 * XMLSAFE_RESPONSE_MAX_BYTES);
    FUZZ_ASSERT(pox_response_write(&a, &out) == 0);
    if (out.len <= XMLSAFE_RESPONSE_MAX_BYTES) { /* escaping may grow a value past the cap */
        FUZZ_ASSERT(pox_response_parse(out.data, out.len, &b) == POX_PARSE_OK);
        FUZZ_ASSERT(pox_response_equal(&a, &b));
        pox_response_free(&b);
    }
    adbuf_free(&out);
    pox_response_free(&a);
    return 0;
}
