/* client: the options of a discovery, kept by an ad_client between runs. */
#ifndef AD_LIB_CLIENT_H
#define AD_LIB_CLIENT_H

#include <curl/curl.h>
#include <libpsl.h>

#include "autodiscover/autodiscover.h"
#include "http.h"

#define CLIENT_DEFAULT_TIMEOUT_MS 10000L
#define CLIENT_MAX_TIMEOUT_MS (10L * 60L * 1000L)
#define CLIENT_KNOWN_METHODS (AD_METHOD_ROOT | AD_METHOD_AUTODISCOVER)

struct ad_client {
    char *username; /* NULL: the e-mail address being discovered */
    char *password; /* NULL: no credentials; wiped when replaced or freed */
    char *cacert;
    long timeout_ms;
    unsigned excluded; /* AD_METHOD_* bits */
    struct curl_slist *connect_to;
    const psl_ctx_t *psl;
    struct http_client *http;
};

#endif
