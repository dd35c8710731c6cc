/*
 * cred_cache: remembers, for a short time, that a user name and password matched a stored
 * password hash, so a client repeating its request does not pay for yescrypt again.
 *
 * An entry is only an HMAC-SHA256 tag, under a random key drawn per cache, of
 * (user name, NUL, password, NUL, stored hash): no password, not even a hash of one that
 * could be attacked offline without the key. The caller still looks the stored hash up on
 * every request (that is where a disabled mailbox disappears; directory.c takes it from the
 * answer cache only while the directory's version is unchanged), and because the hash is in
 * the tag, a changed password never matches an old entry. The key is set up once (nettle's
 * HMAC context, copied for each tag).
 *
 * Entries live ttl seconds from the yescrypt run that proved them (a hit does not extend
 * them). The table is set-associative: a tag picks a set of CRED_CACHE_WAYS slots, each
 * set has its own mutex held for a few comparisons, and a full set evicts its oldest entry.
 * So memory is fixed at creation and threads only contend when they touch the same set.
 */
#ifndef AD_DAEMON_CRED_CACHE_H
#define AD_DAEMON_CRED_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRED_CACHE_TAG_BYTES 32 /* HMAC-SHA256 */
#define CRED_CACHE_WAYS 8
#define CRED_CACHE_DEFAULT_ENTRIES 4096u
#define CRED_CACHE_DEFAULT_TTL 60u

struct cred_cache;

struct cred_tag {
    unsigned char bytes[CRED_CACHE_TAG_BYTES];
};

/*
 * Milliseconds on a clock that never goes back and never reads 0 (0 marks an empty slot);
 * CLOCK_MONOTONIC + 1 unless a test injects one.
 */
typedef uint64_t (*cred_cache_clock_fn)(void);

/*
 * A cache of about entries tags (rounded up to whole sets), each valid ttl_seconds. NULL on
 * failure (no memory, or no randomness for the key). ttl_seconds 0 gives a cache that
 * never remembers anything, so callers need no special case.
 */
struct cred_cache *cred_cache_new(size_t entries, unsigned ttl_seconds);
void cred_cache_free(struct cred_cache *cache);
void cred_cache_set_clock(struct cred_cache *cache, cred_cache_clock_fn now_ms);

/* The tag of (user, password, hash). 0, or -1 when the inputs are too long to be cached. */
int cred_cache_tag(const struct cred_cache *cache, const char *user, const char *password,
                   const char *hash, struct cred_tag *out);
/* true when tag was stored less than ttl seconds ago. */
bool cred_cache_lookup(struct cred_cache *cache, const struct cred_tag *tag);
/* Stores tag (after a successful yescrypt check), evicting the set's oldest entry if full. */
void cred_cache_insert(struct cred_cache *cache, const struct cred_tag *tag);
/* The number of slots, fixed at creation. */
size_t cred_cache_capacity(const struct cred_cache *cache);

#endif
