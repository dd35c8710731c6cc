#include "candidates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AUTODISCOVER_PATH "/autodiscover/autodiscover.xml"

/* Outlook's methods (PROTOCOL.md §1.2), named as the CLI's --exclude takes them. */
static const struct method_info methods[] = {
    {"scp", AD_METHOD_SCP},
    {"root", AD_METHOD_ROOT},
    {"autodiscover", AD_METHOD_AUTODISCOVER},
    {"redirect", AD_METHOD_REDIRECT},
    {"srv", AD_METHOD_SRV},
    {"lastknown", AD_METHOD_LASTKNOWN},
    {"o365", AD_METHOD_O365},
    {"localxml", AD_METHOD_LOCALXML},
    {"json", AD_METHOD_JSON},
};

const struct method_info *method_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(methods[i].name, name) == 0)
            return &methods[i];
    return NULL;
}

const char *method_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (methods[i].bit != 0 && methods[i].bit == bit)
            return methods[i].name;
    return "unknown";
}

void candidates_init(struct candidate_queue *q)
{
    memset(q, 0, sizeof *q);
}

void candidates_free(struct candidate_queue *q)
{
    for (size_t i = 0; i < q->count; i++) {
        free(q->items[i].url);
        free(q->items[i].host);
        free(q->items[i].redirected_from);
    }
    free(q->items);
    candidates_init(q);
}

static bool candidates_contain(const struct candidate_queue *q, enum candidate_kind kind,
                               const char *url)
{
    for (size_t i = 0; i < q->count; i++)
        if (q->items[i].kind == kind && strcasecmp(q->items[i].url, url) == 0)
            return true;
    return false;
}

static int candidates_grow(struct candidate_queue *q)
{
    if (q->count < q->capacity)
        return 0;
    size_t capacity = q->capacity ? q->capacity * 2 : 4;
    struct candidate *items = realloc(q->items, capacity * sizeof *items);
    if (!items)
        return -1;
    q->items = items;
    q->capacity = capacity;
    return 0;
}

/* A deep copy of c, or -1. */
static int candidate_copy(const struct candidate *c, struct candidate *out)
{
    *out = *c;
    out->url = strdup(c->url);
    out->host = c->host ? strdup(c->host) : NULL;
    out->redirected_from = c->redirected_from ? strdup(c->redirected_from) : NULL;
    if (!out->url || (c->host && !out->host) || (c->redirected_from && !out->redirected_from)) {
        free(out->url);
        free(out->host);
        free(out->redirected_from);
        return -1;
    }
    return 0;
}

int candidates_append(struct candidate_queue *q, const struct candidate *c)
{
    if (candidates_contain(q, c->kind, c->url))
        return 0;
    struct candidate copy;
    if (candidates_grow(q) < 0 || candidate_copy(c, &copy) < 0)
        return -1;
    q->items[q->count++] = copy;
    return 1;
}

int candidates_insert(struct candidate_queue *q, size_t at, const struct candidate *c)
{
    struct candidate copy;
    if (candidates_grow(q) < 0 || candidate_copy(c, &copy) < 0)
        return -1;
    size_t pos = q->next + at;
    if (pos > q->count)
        pos = q->count;
    memmove(&q->items[pos + 1], &q->items[pos], (q->count - pos) * sizeof *q->items);
    q->items[pos] = copy;
    q->count++;
    return 0;
}

int candidates_add_host(struct candidate_queue *q, unsigned method, const char *host)
{
    char *url = NULL;
    if (asprintf(&url, "https://%s" AUTODISCOVER_PATH, host) < 0)
        return -1;
    struct candidate c = {.method = method, .url = url, .host = (char *)host};
    int rc = candidates_append(q, &c);
    free(url);
    return rc;
}

/* Adds https://HOST/... unless HOST is a public suffix; same return as candidates_add_host. */
static int add_guarded(struct candidate_queue *q, unsigned method, const char *host,
                       const psl_ctx_t *psl)
{
    if (strlen(host) > ADDRESS_DOMAIN_MAX || address_is_public_suffix(psl, host))
        return 0;
    return candidates_add_host(q, method, host);
}

int candidates_add_domain_derived(struct candidate_queue *q, const struct address *addr,
                                  const psl_ctx_t *psl, unsigned excluded)
{
    if (address_is_public_suffix(psl, addr->domain))
        return 0;
    int added = 0;
    if (!(excluded & AD_METHOD_ROOT)) {
        int r = add_guarded(q, AD_METHOD_ROOT, addr->domain, psl);
        if (r < 0)
            return -1;
        added += r;
    }
    if (!(excluded & AD_METHOD_AUTODISCOVER)) {
        char *host = NULL;
        if (asprintf(&host, "autodiscover.%s", addr->domain) < 0)
            return -1;
        int r = add_guarded(q, AD_METHOD_AUTODISCOVER, host, psl);
        free(host);
        if (r < 0)
            return -1;
        added += r;
    }
    return added;
}

const struct candidate *candidates_next(struct candidate_queue *q)
{
    return q->next < q->count ? &q->items[q->next++] : NULL;
}
