/*
 * Fuzz target: POX request parsing. Whatever parses must write, re-parse and compare equal
 * (a missing AcceptableResponseSchema is written as the Outlook default, so it compares so).
 */
#include <string.h>

#include "fuzz_common.h"
#include "pox.h"
#include "pox_compare.h"
#include "xmlsafe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pox_request a, b;
    if (pox_request_parse((const char *)data, size, &a) != POX_PARSE_OK)
        return 0;
    struct adbuf out;
    adbuf_init(&out, 4 * XMLSAFE_REQUEST_MAX_BYTES);
    FUZZ_ASSERT(pox_request_write(&a, &out) == 0);
    if (out.len <= XMLSAFE_REQUEST_MAX_BYTES) { /* escaping may grow a value past the cap */
        FUZZ_ASSERT(pox_request_parse(out.data, out.len, &b) == POX_PARSE_OK);
        if (!a.response_schema)
            FUZZ_ASSERT(b.response_schema &&
                        strcmp(b.response_schema, POX_NS_OUTLOOK_RESPONSE) == 0);
        else
            FUZZ_ASSERT(pox_request_equal(&a, &b));
        FUZZ_ASSERT(strcmp(a.email ? a.email : "", b.email ? b.email : "") == 0);
        pox_request_free(&b);
    }
    adbuf_free(&out);
    pox_request_free(&a);
    return 0;
}
