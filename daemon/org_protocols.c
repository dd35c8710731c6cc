/* org_protocols: lookups in an organisation's Protocol sections (see org_protocols.h). */
#include "org_protocols.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *org_field(const struct pox_response *org, const char *type, const char *path)
{
    for (size_t i = 0; i < org->nprotocols; i++) {
        const struct pox_protocol *p = &org->protocols[i];
        const char *v;
        if (p->type && strcmp(p->type, type) == 0 && (v = pox_protocol_get(p, path)) && *v)
            return v;
    }
    return NULL;
}

int org_has_type(const struct pox_response *org, const char *type)
{
    for (size_t i = 0; i < org->nprotocols; i++)
        if (org->protocols[i].type && strcmp(org->protocols[i].type, type) == 0)
            return 1;
    return 0;
}

const char *org_ews_url(const struct pox_response *org)
{
    const char *url = org_field(org, "EXPR", "EwsUrl");
    return url ? url : org_field(org, "EXCH", "EwsUrl");
}

int org_url_origin(const char *url, struct adbuf *out)
{
    static const char scheme[] = "https://";
    if (!url || strncasecmp(url, scheme, sizeof scheme - 1) != 0)
        return -1;
    const char *host = url + sizeof scheme - 1;
    size_t n = strcspn(host, "/?#");
    if (n == 0 || memchr(host, '@', n) || memchr(host, '\\', n))
        return -1;
    if (adbuf_puts(out, "https://") < 0 || adbuf_append(out, host, n) < 0)
        return -1;
    return 0;
}

int org_autodiscover_url(const struct pox_response *org, struct adbuf *out)
{
    const char *url = org_field(org, "AutodiscoverV1", "Url");
    if (url)
        return adbuf_puts(out, url);
    size_t start = out->len;
    if (org_url_origin(org_ews_url(org), out) < 0 ||
        adbuf_puts(out, "/autodiscover/autodiscover.xml") < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return -1;
    }
    return 0;
}

static bool same_type(const struct pox_protocol *a, const struct pox_protocol *b)
{
    return a->type && b->type && strcmp(a->type, b->type) == 0;
}

static bool type_in(const struct pox_response *r, const struct pox_protocol *p)
{
    for (size_t i = 0; i < r->nprotocols; i++)
        if (same_type(&r->protocols[i], p))
            return true;
    return false;
}

/* Moves own's sections of p's type to out[*n...]; marks them taken. */
static void take_type(struct pox_response *own, bool *taken, const struct pox_protocol *p,
                      struct pox_protocol *out, size_t *n)
{
    for (size_t k = 0; k < own->nprotocols; k++) {
        if (!taken[k] && same_type(&own->protocols[k], p)) {
            out[(*n)++] = own->protocols[k];
            taken[k] = true;
        }
    }
}

int org_protocols_override(struct pox_response *resp, size_t start, struct pox_response *own)
{
    if (own->nprotocols == 0)
        return 0;
    /* At most every section of both: the new array is built, then swapped in. */
    struct pox_protocol *out = calloc(resp->nprotocols + own->nprotocols, sizeof *out);
    struct pox_protocol *gone = calloc(resp->nprotocols + 1, sizeof *gone);
    bool *taken = calloc(own->nprotocols, sizeof *taken);
    struct pox_response replaced = {0}; /* the organisation's sections that go */
    if (!out || !gone || !taken) {
        free(out);
        free(gone);
        free(taken);
        return -1;
    }
    size_t n = 0, ngone = 0;
    for (size_t i = 0; i < resp->nprotocols; i++) {
        struct pox_protocol *p = &resp->protocols[i];
        if (i < start || !type_in(own, p)) {
            out[n++] = *p;
            continue;
        }
        take_type(own, taken, p, out, &n); /* the first of its type: own's go here */
        gone[ngone++] = *p;
    }
    for (size_t k = 0; k < own->nprotocols; k++)
        if (!taken[k])
            out[n++] = own->protocols[k];
    free(resp->protocols);
    resp->protocols = out;
    resp->nprotocols = n;
    resp->has_account = true;
    free(own->protocols);
    own->protocols = NULL;
    own->nprotocols = 0;
    replaced.protocols = gone;
    replaced.nprotocols = ngone;
    pox_response_free(&replaced);
    free(taken);
    return 0;
}
