/* org_protocols: lookups in an organisation's Protocol sections (see org_protocols.h). */
#include "org_protocols.h"

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
