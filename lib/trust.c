/* trust: the public-suffix guard and the same-site rule; pure functions over libpsl. */
#include "trust.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"

#define AUTODISCOVER_LABEL "autodiscover."

const char *trust_host_problem(const psl_ctx_t *psl, const char *host)
{
    if (!host || !*host)
        return "no host";
    if (address_is_public_suffix(psl, host))
        return "the host is a public suffix";
    /* The 2021 "Autodiscover leak": autodiscover.com.br and friends belong to strangers. */
    size_t n = strlen(AUTODISCOVER_LABEL);
    if (strncasecmp(host, AUTODISCOVER_LABEL, n) == 0 && address_is_public_suffix(psl, host + n))
        return "the host is autodiscover.<public suffix>";
    return NULL;
}

int trust_url_host(const psl_ctx_t *psl, const char *url, const char **why, char **host)
{
    *host = NULL;
    if (*why)
        return 0;
    if (!(*host = redirect_url_host(url)))
        return -1;
    if ((*why = trust_host_problem(psl, *host))) {
        free(*host);
        *host = NULL;
    }
    return 0;
}

bool trust_same_site(const psl_ctx_t *psl, const char *domain, const char *host)
{
    if (!psl || !domain || !host)
        return false;
    const char *a = psl_registrable_domain(psl, domain);
    const char *b = psl_registrable_domain(psl, host);
    return a && b && strcasecmp(a, b) == 0;
}

bool trust_host_listed(const struct string_set *allowed, const char *host)
{
    return allowed && host && string_set_contains(allowed, host);
}

bool trust_consent_settled(const psl_ctx_t *psl, const struct string_set *allowed,
                           const char *domain, const char *host)
{
    return trust_same_site(psl, domain, host) || trust_host_listed(allowed, host);
}
