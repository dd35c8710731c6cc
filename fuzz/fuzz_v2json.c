/*
 * Fuzz target: v2 JSON URL parsing. The input is a request target ("path?query"); whatever
 * parses must name a recognised protocol and an address without '/', and the query form
 * written for it must parse back to the same request. The client-side answer parser is
 * fed the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "v2json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *target = malloc(size + 1);
    if (!target)
        return 0;
    memcpy(target, data, size);
    target[size] = '\0';
    char *query = strchr(target, '?');
    if (query)
        *query++ = '\0';
    struct v2json_request req, back;
    if (strlen(target) == size - (query ? strlen(query) + 1 : 0) &&
        v2json_request_parse(target, query, &req) == V2JSON_OK) {
        FUZZ_ASSERT(req.protocol && v2json_protocol_canonical(req.protocol) == req.protocol);
        FUZZ_ASSERT(req.email && !strchr(req.email, '/') && strchr(req.email, '@'));
        FUZZ_ASSERT(req.redirect_count <= V2JSON_MAX_REDIRECTS);
        struct adbuf out;
        adbuf_init(&out, 16384);
        FUZZ_ASSERT(v2json_request_write_path(&req, &out) == 0);
        char *q = strchr(out.data, '?');
        FUZZ_ASSERT(q != NULL);
        *q = '\0';
        FUZZ_ASSERT(v2json_request_parse(out.data, q + 1, &back) == V2JSON_OK);
        FUZZ_ASSERT(strcmp(back.email, req.email) == 0 && back.protocol == req.protocol &&
                    back.redirect_count == req.redirect_count);
        v2json_request_free(&back);
        adbuf_free(&out);
        v2json_request_free(&req);
    }
    struct v2json_answer ans;
    if (v2json_answer_parse((const char *)data, size, &ans) == V2JSON_OK)
        FUZZ_ASSERT((ans.protocol && ans.url) || ans.error_code);
    v2json_answer_free(&ans);
    free(target);
    return 0;
}
