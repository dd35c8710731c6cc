/* scp: the rules of PROTOCOL.md §6 for one SCP entry (see scp.h). */
#include "scp.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redirect.h"

void scp_settings_free(struct scp_settings *s)
{
    if (!s)
        return;
    free(s->ldap);
    free(s->site);
    free(s->bind_dn);
    if (s->bind_password) {
        explicit_bzero(s->bind_password, strlen(s->bind_password));
        free(s->bind_password);
    }
    free(s);
}

/* The value after "PREFIX=" (any case), or NULL. */
static const char *keyword_value(const char *keyword, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncasecmp(keyword, prefix, n) == 0 ? keyword + n : NULL;
}

static bool has_keyword(char *const *keywords, size_t n, const char *word)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(keywords[i], word) == 0)
            return true;
    return false;
}

/* 0 none, 1 one matching value, -1 only other values, for PREFIX=value keywords. */
static int match_prefixed(char *const *keywords, size_t n, const char *prefix, const char *want)
{
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        const char *value = keyword_value(keywords[i], prefix);
        if (!value)
            continue;
        if (want && strcasecmp(value, want) == 0)
            return 1;
        seen = -1;
    }
    return seen;
}

/* LDAP://host[:port][/...] to ldap://host[:port]; NULL when it is not one. */
static const char *pointer_target(const char *binding, char *out, size_t outlen)
{
    const char *rest = NULL;
    const char *scheme = "ldap";
    if (strncasecmp(binding, "ldap://", 7) == 0)
        rest = binding + 7;
    else if (strncasecmp(binding, "ldaps://", 8) == 0) {
        rest = binding + 8;
        scheme = "ldaps";
    }
    if (!rest)
        return "not an LDAP:// URL";
    size_t hostlen = strcspn(rest, ":/");
    if (hostlen == 0 || hostlen > 253)
        return "no host in the LDAP:// URL";
    for (size_t i = 0; i < hostlen; i++)
        if (!isalnum((unsigned char)rest[i]) && rest[i] != '.' && rest[i] != '-')
            return "a malformed host in the LDAP:// URL";
    const char *p = rest + hostlen;
    long port = 0;
    if (*p == ':') {
        char *end = NULL;
        port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 1 || port > 65535 || (*end && *end != '/'))
            return "a malformed port in the LDAP:// URL";
        p = end;
    }
    if (*p && *p != '/')
        return "a malformed LDAP:// URL";
    int n = port ? snprintf(out, outlen, "%s://%.*s:%ld", scheme, (int)hostlen, rest, port)
                 : snprintf(out, outlen, "%s://%.*s", scheme, (int)hostlen, rest);
    if (n < 0 || (size_t)n >= outlen)
        return "an LDAP:// URL too long";
    for (char *c = out; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return NULL;
}

static void judge_url(char *const *keywords, size_t n, const char *binding, const char *site,
                      struct scp_judgement *j)
{
    if (strncasecmp(binding, "http://", 7) == 0) {
        j->why = "an http:// URL (credentials go over https only)";
        return;
    }
    const char *why = redirect_url_problem(binding);
    if (why) {
        j->why = why;
        return;
    }
    if (strlen(binding) >= sizeof j->target) {
        j->why = "a URL too long";
        return;
    }
    strcpy(j->target, binding);
    j->kind = SCP_KIND_URL;
    int mine = match_prefixed(keywords, n, "Site=", site);
    j->bucket = mine == 1 ? 1 : mine == 0 ? 2 : 3;
}

void scp_judge(char *const *keywords, size_t nkeywords, const char *binding, const char *site,
               const char *domain, struct scp_judgement *j)
{
    memset(j, 0, sizeof *j);
    j->kind = SCP_KIND_IGNORED;
    bool pointer = has_keyword(keywords, nkeywords, SCP_GUID_POINTER);
    bool url = has_keyword(keywords, nkeywords, SCP_GUID_URL);
    if (!pointer && !url) {
        j->why = "neither Autodiscover GUID among its keywords";
        return;
    }
    if (!binding || !*binding) {
        j->why = "no serviceBindingInformation";
        return;
    }
    if (url) {
        judge_url(keywords, nkeywords, binding, site, j);
        return;
    }
    int scoped = match_prefixed(keywords, nkeywords, "Domain=", domain);
    if (scoped == -1) {
        j->why = "a pointer for another domain";
        return;
    }
    if ((j->why = pointer_target(binding, j->target, sizeof j->target)) != NULL)
        return;
    j->kind = scoped == 1 ? SCP_KIND_POINTER_DOMAIN : SCP_KIND_POINTER_ANY;
}

void scp_found_free(struct scp_found *f)
{
    for (size_t i = 0; i < f->nurls; i++)
        free(f->urls[i]);
    free(f->urls);
    for (size_t i = 0; i < f->nops; i++) {
        struct scp_op *op = &f->ops[i];
        free(op->query);
        for (size_t k = 0; k < op->nanswers; k++)
            free(op->answers[k]);
        free(op->answers);
        free(op->reason);
    }
    free(f->ops);
    memset(f, 0, sizeof *f);
}
