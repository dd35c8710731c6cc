/* localxml: the KEY=FILE map and a capped file read. */
#include "localxml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "autodiscover/autodiscover.h"

int localxml_add(struct localxml_map *map, const char *spec)
{
    const char *eq = spec ? strchr(spec, '=') : NULL;
    if (!eq || eq == spec || !eq[1])
        return AD_E_INVALID_ARGUMENT;
    struct localxml_entry *items = realloc(map->items, (map->count + 1) * sizeof *items);
    if (!items)
        return AD_E_NOMEM;
    map->items = items;
    struct localxml_entry e = {strndup(spec, (size_t)(eq - spec)), strdup(eq + 1)};
    if (!e.key || !e.path) {
        free(e.key);
        free(e.path);
        return AD_E_NOMEM;
    }
    map->items[map->count++] = e;
    return AD_OK;
}

void localxml_free(struct localxml_map *map)
{
    for (size_t i = 0; i < map->count; i++) {
        free(map->items[i].key);
        free(map->items[i].path);
    }
    free(map->items);
    memset(map, 0, sizeof *map);
}

static const char *find(const struct localxml_map *map, const char *key)
{
    /* The last one given wins, as with any repeated option. */
    for (size_t i = map->count; i-- > 0;)
        if (strcasecmp(map->items[i].key, key) == 0)
            return map->items[i].path;
    return NULL;
}

const char *localxml_lookup(const struct localxml_map *map, const char *email, const char *domain)
{
    const char *path = find(map, email);
    return path ? path : find(map, domain);
}

int localxml_read(const char *path, struct adbuf *out, const char **why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *why = strerror(errno);
        return -1;
    }
    char chunk[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (adbuf_append(out, chunk, n) < 0) {
            *why = out->len + n > out->max ? "the file is larger than the answer size cap"
                                           : "out of memory";
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        *why = strerror(errno ? errno : EIO);
        rc = -1;
    }
    fclose(f);
    return rc;
}
