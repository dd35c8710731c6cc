/*
 * selftest_http: one raw HTTP request for the self-test, where the library's journey hides
 * what a check needs (headers, the exact Location, the answer's bytes). Never follows a
 * redirect; TLS is verified as the library does; answers are capped.
 */
#ifndef AD_DAEMON_SELFTEST_HTTP_H
#define AD_DAEMON_SELFTEST_HTTP_H

#include <stdbool.h>

#include "adbuf.h"
#include "selftest.h"

struct st_response {
    long status;     /* 0: no answer */
    char error[256]; /* why there was no answer */
    char content_type[160];
    char location[1024];
    bool soap_enabled; /* an X-SOAP-Enabled header */
    struct adbuf body;
};

/* method "GET" or "POST"; body and basic_pass may be NULL. Free resp with st_response_free. */
void st_request(const struct selftest_options *o, const char *method, const char *url,
                const char *body, const char *content_type, const char *basic_user,
                const char *basic_pass, struct st_response *resp);
void st_response_free(struct st_response *resp);

#endif
