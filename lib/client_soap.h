/*
 * client_soap: the client side of SOAP Autodiscover (PROTOCOL.md §4; the EWS Managed API's
 * way): the GetUserSettings request, the capability headers of the anonymous GET, the
 * .xml -> .svc endpoint of a candidate, and the answer's settings for the result. The
 * judging of answers is declared in verdict.h (client_soap_judge).
 */
#ifndef AD_LIB_CLIENT_SOAP_H
#define AD_LIB_CLIENT_SOAP_H

#include <stddef.h>

#include "adbuf.h"
#include "result.h"
#include "soap.h"

#define CLIENT_SOAP_SERVER_VERSION "Exchange2013"
#define CLIENT_SOAP_CONTENT_TYPE "text/xml; charset=utf-8"

/* The settings asked for when the caller names none. */
extern const char *const client_soap_default_settings[];
extern const size_t client_soap_default_count;

/*
 * Writes GetUserSettings for email to out (reset first), addressed (wsa:To) to endpoint,
 * asking for settings (or the default set when nsettings is 0). 0 or -1.
 */
int client_soap_request(const char *email, const char *endpoint, char *const *settings,
                        size_t nsettings, struct adbuf *out);

/*
 * The SOAP endpoint of a candidate URL: a final "autodiscover.xml" (any case) becomes
 * "autodiscover.svc"; an URL already ending in autodiscover.svc is kept. Newly allocated;
 * NULL on out of memory.
 */
char *client_soap_endpoint(const char *url);
/* The capability probe's URL for an endpoint: https://HOST[:PORT]/autodiscover/autodiscover.xml. */
char *client_soap_probe_url(const char *url);

/* Copies a UserResponse's settings and setting errors into the result. 0 or -1 (OOM). */
int client_soap_to_result(struct ad_result *r, const struct soap_identity_response *ur);

#endif
