/*
 * org_protocols: lookups in an organisation's Protocol sections (as stored by autodiscoverctl)
 * shared by the SOAP, mobilesync and v2 JSON answers, which each need a few fields of them.
 */
#ifndef AD_DAEMON_ORG_PROTOCOLS_H
#define AD_DAEMON_ORG_PROTOCOLS_H

#include <stddef.h>

#include "adbuf.h"
#include "pox.h"

/* The value of path in the first Protocol of type that has it, or NULL. */
const char *org_field(const struct pox_response *org, const char *type, const char *path);
/* true when the organisation has a Protocol of this type. */
int org_has_type(const struct pox_response *org, const char *type);
/* EWS URL for clients outside: EXPR EwsUrl, else EXCH EwsUrl (exchangelib's order), or NULL. */
const char *org_ews_url(const struct pox_response *org);
/*
 * Appends "https://host[:port]" of an https URL to out. -1 when url is not https, has no host,
 * or carries user information ('@'): a URL made from it never leaves the configured host.
 */
int org_url_origin(const char *url, struct adbuf *out);
/*
 * The organisation's POX URL: the AutodiscoverV1 Url, else
 * https://<host of org_ews_url>/autodiscover/autodiscover.xml. -1 when neither exists.
 */
int org_autodiscover_url(const struct pox_response *org, struct adbuf *out);

/*
 * Per-mailbox overrides: every type own has sections of replaces resp's sections of that
 * type from index start on, at the place of the first one (types resp lacks go at the end).
 * own's sections are moved (own is left empty). 0, or -1 out of memory (resp unchanged).
 */
int org_protocols_override(struct pox_response *resp, size_t start, struct pox_response *own);

#endif
