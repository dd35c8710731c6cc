/* client: the options of a discovery, kept by an ad_client between runs. */
#ifndef AD_LIB_CLIENT_H
#define AD_LIB_CLIENT_H

#include <curl/curl.h>
#include <libpsl.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "autodiscover/autodiscover.h"
#include "http.h"
#include "localxml.h"
#include "redirect.h"
#include "scp.h"

#define CLIENT_DEFAULT_TIMEOUT_MS 10000L
#define CLIENT_MAX_TIMEOUT_MS (10L * 60L * 1000L)
#define CLIENT_KNOWN_METHODS                                                                       \
    (AD_METHOD_ROOT | AD_METHOD_AUTODISCOVER | AD_METHOD_REDIRECT | AD_METHOD_SRV |                \
     AD_METHOD_LOCALXML | AD_METHOD_LASTKNOWN | AD_METHOD_O365 | AD_METHOD_SCP | AD_METHOD_JSON)
#define CLIENT_MAX_RETRIES 10
#define CLIENT_MAX_DEADLINE_MS (60L * 60L * 1000L)
/* RFC 8305's Connection Attempt Delay: a healthy host usually answers within it. */
#define CLIENT_DEFAULT_STAGGER_MS 250L
#define CLIENT_MAX_STAGGER_MS (60L * 1000L)
#define CLIENT_MAX_SETTINGS 64
#define CLIENT_MAX_V2_PROTOCOL 64
#define CLIENT_DEFAULT_V2_PROTOCOL "AutodiscoverV1"

struct ad_client {
    char *username; /* NULL: the e-mail address being discovered */
    char *password; /* NULL: no credentials; wiped when replaced or freed */
    char *cacert;
    long timeout_ms;
    unsigned excluded; /* AD_METHOD_* bits */
    struct curl_slist *connect_to;
    const psl_ctx_t *psl;
    struct http_client *http;
    /* The journey beyond steps 4-5. */
    ad_consent_fn consent;
    void *consent_data;
    struct string_set allowed_hosts;
    bool allow_basic_after_redirect;
    int max_redirects;
    char *dns_server;
    bool srv_seeded;
    unsigned long srv_seed;
    struct localxml_map local_xml;
    bool prefer_local_xml;
    char *cache_dir;
    int retries;
    long deadline_ms;
    atomic_int cancelled; /* ad_client_cancel: set from any thread, sticky */
    char *o365_url;
    /* Parallel probing (schedule.c). */
    bool sequential; /* one attempt at a time, as Outlook does */
    bool pre_auth;   /* credentials on the first POST to a trusted host (--pre-auth) */
    long stagger_ms;
    /* Protocols and callbacks (client_protocols.c). */
    ad_protocol protocol;
    char **settings; /* SOAP RequestedSettings; none: CLIENT_SOAP_DEFAULT_SETTINGS */
    size_t nsettings;
    char *v2_protocol; /* NULL: CLIENT_DEFAULT_V2_PROTOCOL */
    ad_credentials_fn ask_credentials;
    void *ask_credentials_data;
    ad_trace_fn trace;
    void *trace_data;
    /* SCP and LDAP (scp_journey.c); NULL: no directory, step 3 is skipped. */
    struct scp_settings *scp;
};

/* client_protocols.c: frees what the protocol options hold. */
void client_protocols_free(ad_client *c);
/* "pox", "soap", "json", "mobilesync". */
const char *client_protocol_name(ad_protocol protocol);

#endif
