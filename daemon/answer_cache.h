/*
 * answer_cache: answers already worked out from the directory, kept while the directory has
 * not changed (doc/decisions.md, "The answer cache").
 *
 * An entry is a key (bytes chosen by the caller: everything of the request that the answer
 * depends on), an HTTP status, a body and an optional extra string (a Location, a primary
 * address). Every entry was stored under the same directory version (directory_version():
 * SQLite's PRAGMA data_version and the connection's own change count); a lookup under any
 * other version empties the cache first, so nothing worked out before a change is ever
 * served after the change was seen. Storing under a version other than the current one is
 * a no-op (that answer may be older than what another thread has already seen).
 *
 * Bounded: at most ANSWER_CACHE_MAX_ENTRIES entries and ANSWER_CACHE_MAX_BYTES bytes of
 * keys and values; the least recently used entries go first, and an entry over
 * ANSWER_CACHE_MAX_ENTRY_BYTES is not kept. Buckets are chosen by SipHash under a random
 * key, so a client cannot pile its keys into one chain. One mutex, held for a lookup (a
 * copy of at most a few KiB) or an insertion. Values are wiped when they go.
 */
#ifndef AD_DAEMON_ANSWER_CACHE_H
#define AD_DAEMON_ANSWER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adbuf.h"

#define ANSWER_CACHE_MAX_ENTRIES 4096u
#define ANSWER_CACHE_MAX_BYTES (8u * 1024u * 1024u)
#define ANSWER_CACHE_MAX_ENTRY_BYTES (64u * 1024u)

struct answer_cache;

/* What a lookup gives back. */
struct answer_hit {
    int status;
    struct adbuf *body; /* the caller's buffer; reset and filled (NULL: not wanted) */
    char *extra;        /* malloc'd copy of the extra string, or NULL when none was stored */
};

/* A cache bounded by max_entries and max_bytes (the constants above for the daemon). */
struct answer_cache *answer_cache_new(size_t max_entries, size_t max_bytes);
void answer_cache_free(struct answer_cache *c);

/*
 * 1 with *hit filled when key was stored under version, 0 otherwise (or when version < 0,
 * which means the directory cannot tell: nothing is cached then).
 */
int answer_cache_get(struct answer_cache *c, int64_t version, const void *key, size_t keylen,
                     struct answer_hit *hit);

/* Remembers (key -> status, body, extra) as true under version; extra may be NULL. */
void answer_cache_put(struct answer_cache *c, int64_t version, const void *key, size_t keylen,
                      int status, const void *body, size_t bodylen, const char *extra);

/* For tests and /metrics: entries and bytes held now. */
size_t answer_cache_entries(struct answer_cache *c);
size_t answer_cache_bytes(struct answer_cache *c);

#endif
