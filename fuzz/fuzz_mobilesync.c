/*
 * Fuzz target: ActiveSync POX. The input is tried as a request and as a response; whatever
 * parses (except the Response/Error form, written by the POX writer) must write and re-parse.
 */
#include <string.h>

#include "fuzz_common.h"
#include "mobilesync.h"
#include "xmlsafe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mobilesync_request rq, rq2;
    struct adbuf out;
    if (mobilesync_request_parse((const char *)data, size, &rq) == POX_PARSE_OK) {
        adbuf_init(&out, 8 * XMLSAFE_REQUEST_MAX_BYTES);
        FUZZ_ASSERT(mobilesync_request_write(&rq, &out) == 0);
        if (out.len <= XMLSAFE_REQUEST_MAX_BYTES) {
            FUZZ_ASSERT(mobilesync_request_parse(out.data, out.len, &rq2) == POX_PARSE_OK);
            FUZZ_ASSERT(strcmp(rq.email ? rq.email : "", rq2.email ? rq2.email : "") == 0);
            mobilesync_request_free(&rq2);
        }
        adbuf_free(&out);
        mobilesync_request_free(&rq);
    }
    struct mobilesync_response a, b;
    if (mobilesync_response_parse((const char *)data, size, &a) == POX_PARSE_OK) {
        adbuf_init(&out, 8 * XMLSAFE_RESPONSE_MAX_BYTES);
        if (!a.is_error) {
            FUZZ_ASSERT(mobilesync_response_write(&a, &out) == 0);
            if (out.len <= XMLSAFE_RESPONSE_MAX_BYTES) {
                FUZZ_ASSERT(mobilesync_response_parse(out.data, out.len, &b) == POX_PARSE_OK);
                FUZZ_ASSERT(a.nservers == b.nservers);
                mobilesync_response_free(&b);
            }
        }
        adbuf_free(&out);
        mobilesync_response_free(&a);
    }
    return 0;
}
