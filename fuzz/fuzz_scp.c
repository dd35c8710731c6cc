/*
 * Fuzz target: SCP entries (lib/scp.c, scp_judge). Input: serviceBindingInformation, the
 * client's site, the user's domain, then keywords, one a line (an empty first line: no
 * binding; an empty second line: no site). A URL SCP yields an https URL in bucket 1..3, a
 * pointer an ldap:// URL, anything else a reason; the target always fits its buffer.
 */
#include <strings.h>

#include "fuzz_common.h"
#include "scp.h"

#define FUZZ_SCP_KEYWORDS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = fuzz_cstring(data, size), *site, *domain, *rest;
    char *binding = fuzz_split_line(input, &site);
    site = fuzz_split_line(site, &domain);
    domain = fuzz_split_line(domain, &rest);
    char *keywords[FUZZ_SCP_KEYWORDS];
    size_t n = 0;
    while (*rest && n < FUZZ_SCP_KEYWORDS)
        keywords[n++] = fuzz_split_line(rest, &rest);
    struct scp_judgement j;
    memset(&j, 0x5a, sizeof j);
    scp_judge(keywords, n, binding[0] ? binding : NULL, site[0] ? site : NULL, domain, &j);
    switch (j.kind) {
    case SCP_KIND_URL:
        FUZZ_ASSERT(j.bucket >= 1 && j.bucket <= 3);
        FUZZ_ASSERT(memchr(j.target, '\0', sizeof j.target) &&
                    strncasecmp(j.target, "https://", 8) == 0);
        break;
    case SCP_KIND_POINTER_DOMAIN:
    case SCP_KIND_POINTER_ANY:
        FUZZ_ASSERT(memchr(j.target, '\0', sizeof j.target) &&
                    strncasecmp(j.target, "ldap", 4) == 0);
        break;
    case SCP_KIND_IGNORED:
        FUZZ_ASSERT(j.why != NULL);
        break;
    default:
        FUZZ_ASSERT(!"unknown kind");
    }
    free(input);
    return 0;
}
