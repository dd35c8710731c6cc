/*
 * trust: who may be talked to, and who needs the user's consent first (PROTOCOL.md §8).
 * A host learnt from an unauthenticated source (the port-80 probe's 302, a DNS SRV record)
 * needs consent unless its registrable domain (eTLD+1, libpsl) is the address's, or it is
 * allow-listed. No host that is a public suffix, or autodiscover.<public suffix>, is ever
 * resolved or contacted, whatever its source.
 */
#ifndef AD_LIB_TRUST_H
#define AD_LIB_TRUST_H

#include <stdbool.h>

#include <libpsl.h>

#include "redirect.h"

/* NULL when host may be contacted, else a static phrase saying why not. */
const char *trust_host_problem(const psl_ctx_t *psl, const char *host);

/*
 * The host of a candidate URL, checked like any host. *why is the caller's own check of the
 * URL (scheme and path for its protocol): when it is already set nothing more is done.
 * Returns 0 with either *host set (the caller frees it) or *why set; -1 out of memory.
 */
int trust_url_host(const psl_ctx_t *psl, const char *url, const char **why, char **host);

/* True when host and domain have the same registrable domain (both must have one). */
bool trust_same_site(const psl_ctx_t *psl, const char *domain, const char *host);

/* True when host is in the allow list (exact name, case-insensitive). */
bool trust_host_listed(const struct string_set *allowed, const char *host);

/*
 * True when contacting host needs no question: same registrable domain as the address's
 * domain, or allow-listed (--allow-redirect, the configuration). The engine asks the
 * consent callback only when this is false; the scheduler starts ahead only when it is true.
 */
bool trust_consent_settled(const psl_ctx_t *psl, const struct string_set *allowed,
                           const char *domain, const char *host);

#endif
