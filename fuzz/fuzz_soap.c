/*
 * Fuzz target: SOAP Autodiscover. The input is tried as a request and as a response;
 * whatever parses must write, and what is written must parse back to the same shape.
 */
#include <string.h>

#include "fuzz_common.h"
#include "soap.h"
#include "xmlsafe.h"

static void request(const char *data, size_t size)
{
    struct soap_request a, b;
    if (soap_request_parse(data, size, &a) != POX_PARSE_OK)
        return;
    struct adbuf out;
    adbuf_init(&out, 8 * XMLSAFE_REQUEST_MAX_BYTES);
    FUZZ_ASSERT(soap_request_write(&a, &out) == 0);
    if (out.len <= XMLSAFE_REQUEST_MAX_BYTES) {
        FUZZ_ASSERT(soap_request_parse(out.data, out.len, &b) == POX_PARSE_OK);
        FUZZ_ASSERT(a.op == b.op && a.nidentities == b.nidentities && a.nsettings == b.nsettings);
        soap_request_free(&b);
    }
    adbuf_free(&out);
    soap_request_free(&a);
}

static void response(const char *data, size_t size)
{
    struct soap_response a, b;
    if (soap_response_parse(data, size, &a) != POX_PARSE_OK)
        return;
    struct adbuf out;
    adbuf_init(&out, 8 * XMLSAFE_RESPONSE_MAX_BYTES);
    FUZZ_ASSERT(soap_response_write(&a, &out) == 0);
    if (out.len <= XMLSAFE_RESPONSE_MAX_BYTES) {
        FUZZ_ASSERT(soap_response_parse(out.data, out.len, &b) == POX_PARSE_OK);
        FUZZ_ASSERT(a.is_fault == b.is_fault && a.nresponses == b.nresponses);
        for (size_t i = 0; i < a.nresponses; i++)
            FUZZ_ASSERT(a.responses[i].nsettings == b.responses[i].nsettings &&
                        a.responses[i].nerrors == b.responses[i].nerrors);
        soap_response_free(&b);
    }
    adbuf_free(&out);
    soap_response_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    request((const char *)data, size);
    response((const char *)data, size);
    return 0;
}
