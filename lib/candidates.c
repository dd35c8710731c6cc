#include "candidates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AUTODISCOVER_PATH "/autodiscover/autodiscover.xml"

/* Outlook's methods (PROTOCOL.md §1.2), named as the CLI's --exclude takes them. */
static const struct method_info methods[] = {
    {"scp", 0},
    {"root", AD_METHOD_ROOT},
    {"autodiscover", AD_METHOD_AUTODISCOVER},
    {"redirect", 0},
    {"srv", 0},
    {"lastknown", 0},
    {"o365", 0},
    {"localxml", 0},
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
    }
    free(q->items);
    candidates_init(q);
}

static bool candidates_contain(const struct candidate_queue *q, const char *url)
{
    for (size_t i = 0; i < q->count; i++)
        if (strcasecmp(q->items[i].url, url) == 0)
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

int candidates_add_host(struct candidate_queue *q, unsigned method, const char *host)
{
    char *url = NULL;
    if (asprintf(&url, "https://%s" AUTODISCOVER_PATH, host) < 0)
        return -1;
    if (candidates_contain(q, url)) {
        free(url);
        return 0;
    }
    char *host_copy = strdup(host);
    if (!host_copy || candidates_grow(q) < 0) {
        free(url);
        free(host_copy);
        return -1;
    }
    q->items[q->count++] = (struct candidate){.method = method, .url = url, .host = host_copy};
    return 1;
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
