/*
 * localxml: Outlook's "local XML" (PROTOCOL.md §1.2): an Autodiscover answer kept in a file,
 * configured per domain ("contoso.test=FILE") or per address ("bob@contoso.test=FILE"; the
 * address wins). The file is read whole, capped like a network answer, and parsed by the
 * same POX parser.
 */
#ifndef AD_LIB_LOCALXML_H
#define AD_LIB_LOCALXML_H

#include <stddef.h>

#include "adbuf.h"

struct localxml_entry {
    char *key; /* a domain or an address, lower case domain part */
    char *path;
};

struct localxml_map {
    struct localxml_entry *items;
    size_t count;
};

/* Adds "KEY=FILE". AD_OK, AD_E_INVALID_ARGUMENT (malformed spec) or AD_E_NOMEM. */
int localxml_add(struct localxml_map *map, const char *spec);
void localxml_free(struct localxml_map *map);

/* The file for an address (exact match first, then its domain), or NULL. */
const char *localxml_lookup(const struct localxml_map *map, const char *email, const char *domain);

/*
 * Reads path into out (whose cap bounds the size). 0, or -1 with *why set to a static phrase
 * or, for a system error, to strerror()'s text.
 */
int localxml_read(const char *path, struct adbuf *out, const char **why);

#endif
