/*
 * address: e-mail address syntax (RFC 5321/5322 dot-atom local part, LDH domain labels) and
 * the public suffix guard. Quoted local parts and address literals ("[192.0.2.1]") are refused:
 * no Autodiscover candidate can be built from them.
 */
#include "address.h"

#include <stdlib.h>
#include <string.h>

/* RFC 5322 atext, plus any byte of a UTF-8 sequence (RFC 6531 local parts). */
static bool is_atext(unsigned char c)
{
    if (c >= 0x80)
        return true;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static const char *check_local(const char *local, size_t len)
{
    if (len == 0)
        return "the part before @ is empty";
    if (len > ADDRESS_LOCAL_MAX)
        return "the part before @ is longer than 64 octets";
    if (local[0] == '.' || local[len - 1] == '.')
        return "the part before @ starts or ends with a dot";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)local[i];
        if (c == '.') {
            if (local[i + 1] == '.')
                return "the part before @ has two dots in a row";
        } else if (c <= ' ' || c == 0x7f) {
            return "the address contains a space or a control character";
        } else if (!is_atext(c)) {
            return "the part before @ contains a character that needs quoting";
        }
    }
    return NULL;
}

static bool is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

static const char *check_label(const char *label, size_t len)
{
    if (len == 0)
        return "the domain has an empty label";
    if (len > ADDRESS_LABEL_MAX)
        return "a domain label is longer than 63 octets";
    if (label[0] == '-' || label[len - 1] == '-')
        return "a domain label starts or ends with a hyphen";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)label[i];
        if (c <= ' ' || c == 0x7f)
            return "the address contains a space or a control character";
        if (c >= 0x80)
            return "the domain is not ASCII: give an internationalized domain in xn-- form";
        if (!is_ldh(c))
            return "the domain contains a character other than letters, digits, - and .";
    }
    return NULL;
}

static const char *check_domain(const char *domain, size_t len)
{
    if (len == 0)
        return "the domain is empty";
    if (len > ADDRESS_DOMAIN_MAX)
        return "the domain is longer than 253 octets";
    if (domain[0] == '[')
        return "address literals are not supported";
    const char *label = domain;
    const char *end = domain + len;
    while (label <= end) {
        const char *dot = memchr(label, '.', (size_t)(end - label));
        const char *label_end = dot ? dot : end;
        const char *why = check_label(label, (size_t)(label_end - label));
        if (why)
            return why;
        label = label_end + 1;
    }
    return NULL;
}

static const char *check_address(const char *text)
{
    size_t len = strlen(text);
    if (len == 0)
        return "the address is empty";
    if (len > ADDRESS_MAX)
        return "the address is longer than 254 octets";
    const char *at = strchr(text, '@');
    if (!at)
        return "the address has no @";
    if (strchr(at + 1, '@'))
        return "the address has more than one @";
    const char *why = check_local(text, (size_t)(at - text));
    if (!why)
        why = check_domain(at + 1, len - (size_t)(at + 1 - text));
    return why;
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

ad_code address_parse(const char *text, struct address *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return AD_E_INVALID_ARGUMENT;
    const char *problem = check_address(text);
    if (problem) {
        if (why)
            *why = problem;
        return AD_E_BAD_ADDRESS;
    }
    size_t local_len = (size_t)(strchr(text, '@') - text);
    out->email = strdup(text);
    out->local = strndup(text, local_len);
    out->domain = strdup(text + local_len + 1);
    if (!out->email || !out->local || !out->domain) {
        address_free(out);
        return AD_E_NOMEM;
    }
    lower_ascii(out->domain);
    lower_ascii(out->email + local_len + 1);
    return AD_OK;
}

void address_free(struct address *addr)
{
    free(addr->email);
    free(addr->local);
    free(addr->domain);
    memset(addr, 0, sizeof *addr);
}

const psl_ctx_t *address_psl_load(void)
{
    /* The newest of the system's list and the built-in one; NULL only when both fail. */
    const psl_ctx_t *psl = psl_latest(NULL);
    return psl ? psl : psl_builtin();
}

void address_psl_free(const psl_ctx_t *psl)
{
    /* psl_free() leaves the built-in context alone. */
    psl_free((psl_ctx_t *)psl);
}

bool address_is_public_suffix(const psl_ctx_t *psl, const char *host)
{
    /*
     * With no list at all every host counts as a public suffix: failing closed means no
     * DNS-derived candidate, never a request to autodiscover.<tld>. The default "*" rule
     * applies, so an unlisted TLD such as "test" is a public suffix too.
     */
    if (!psl)
        return true;
    return psl_is_public_suffix(psl, host) != 0;
}
