/*
 * address: an e-mail address checked and split into its local part and its domain, and the
 * public suffix guard that keeps discovery inside the user's own domain (PROTOCOL.md §8 rule 2).
 */
#ifndef AD_LIB_ADDRESS_H
#define AD_LIB_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include <libpsl.h>

#include "autodiscover/autodiscover.h"

/* RFC 5321 §4.5.3.1 size limits (octets). */
#define ADDRESS_LOCAL_MAX 64
#define ADDRESS_DOMAIN_MAX                                                                         \
    253 /* 255 on the wire minus the length octets of the first label and the root */
#define ADDRESS_LABEL_MAX 63
#define ADDRESS_MAX 254 /* the forward-path limit of 256 minus the angle brackets */

struct address {
    char *email;  /* local@domain with the domain in lower case */
    char *local;  /* as given */
    char *domain; /* lower case, ASCII (A-labels for internationalized names) */
};

/*
 * Checks and splits text. On AD_E_BAD_ADDRESS, why (if not NULL) points to a static phrase
 * saying what is wrong ("the domain is empty"). out is left zeroed on any failure.
 */
ad_code address_parse(const char *text, struct address *out, const char **why);
void address_free(struct address *addr);

/*
 * The public suffix list: loaded once per client (the system's newest list, else the one
 * built into libpsl). A host that is a public suffix ("test", "co.uk", "autodiscover.ck"
 * under the "*.ck" rule) must never receive a request built from an e-mail domain.
 */
const psl_ctx_t *address_psl_load(void);
void address_psl_free(const psl_ctx_t *psl);
bool address_is_public_suffix(const psl_ctx_t *psl, const char *host);

#endif
