/* answer_cache: versioned, bounded LRU of worked-out answers (see answer_cache.h). */
#include "answer_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "siphash.h"

struct entry {
    struct entry *chain;         /* the next entry of the same bucket */
    struct entry *newer, *older; /* the LRU list */
    uint64_t hash;
    size_t keylen, bodylen, extralen; /* extralen counts the NUL; 0: no extra */
    int status;
    unsigned char data[]; /* key, then body, then extra */
};

struct answer_cache {
    pthread_mutex_t lock;
    unsigned char sipkey[SIPHASH_KEY_BYTES];
    size_t max_entries, max_bytes;
    size_t nbuckets; /* a power of two */
    struct entry **buckets;
    struct entry *newest, *oldest;
    size_t nentries, nbytes;
    int64_t version; /* of every entry; -1 before the first lookup */
};

/* --- the table --- */

struct answer_cache *answer_cache_new(size_t max_entries, size_t max_bytes)
{
    struct answer_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->max_entries = max_entries ? max_entries : 1;
    c->max_bytes = max_bytes;
    c->version = -1;
    c->nbuckets = 16;
    while (c->nbuckets < 2 * c->max_entries)
        c->nbuckets *= 2;
    if (getrandom(c->sipkey, sizeof c->sipkey, 0) != (ssize_t)sizeof c->sipkey ||
        !(c->buckets = calloc(c->nbuckets, sizeof *c->buckets)) ||
        pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->buckets);
        free(c);
        return NULL;
    }
    return c;
}

static size_t entry_bytes(const struct entry *e)
{
    return sizeof *e + e->keylen + e->bodylen + e->extralen;
}

static struct entry **slot_of(struct answer_cache *c, uint64_t hash)
{
    return &c->buckets[hash & (c->nbuckets - 1)];
}

/* Takes e out of its chain and the LRU list, and frees it (wiped: it may hold a hash). */
static void drop(struct answer_cache *c, struct entry *e)
{
    struct entry **p = slot_of(c, e->hash);
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    c->nentries--;
    c->nbytes -= entry_bytes(e);
    explicit_bzero(e, entry_bytes(e));
    free(e);
}

static void drop_all(struct answer_cache *c)
{
    while (c->oldest)
        drop(c, c->oldest);
}

void answer_cache_free(struct answer_cache *c)
{
    if (!c)
        return;
    drop_all(c);
    pthread_mutex_destroy(&c->lock);
    explicit_bzero(c->sipkey, sizeof c->sipkey);
    free(c->buckets);
    free(c);
}

static void make_newest(struct answer_cache *c, struct entry *e)
{
    if (c->newest == e)
        return;
    /* Unlink (e has a newer neighbour, since it is not the newest). */
    e->newer->older = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->older = c->newest;
    e->newer = NULL;
    c->newest->newer = e;
    c->newest = e;
}

static struct entry *find(struct answer_cache *c, uint64_t hash, const void *key, size_t keylen)
{
    for (struct entry *e = *slot_of(c, hash); e; e = e->chain)
        if (e->hash == hash && e->keylen == keylen && memcmp(e->data, key, keylen) == 0)
            return e;
    return NULL;
}

/* A lookup under another version than the entries': none of them may be served any more. */
static void adopt_version(struct answer_cache *c, int64_t version)
{
    if (c->version != version) {
        drop_all(c);
        c->version = version;
    }
}

int answer_cache_get(struct answer_cache *c, int64_t version, const void *key, size_t keylen,
                     struct answer_hit *hit)
{
    hit->extra = NULL;
    if (!c || version < 0)
        return 0;
    uint64_t hash = siphash24(c->sipkey, key, keylen);
    int rc = 0;
    pthread_mutex_lock(&c->lock);
    adopt_version(c, version);
    struct entry *e = find(c, hash, key, keylen);
    if (e) {
        const unsigned char *body = e->data + e->keylen;
        rc = 1;
        if (hit->body) {
            adbuf_reset(hit->body);
            rc = adbuf_append(hit->body, body, e->bodylen) == 0;
        }
        if (rc && e->extralen && !(hit->extra = strdup((const char *)body + e->bodylen)))
            rc = 0;
        if (rc) {
            hit->status = e->status;
            make_newest(c, e);
        }
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

void answer_cache_put(struct answer_cache *c, int64_t version, const void *key, size_t keylen,
                      int status, const void *body, size_t bodylen, const char *extra)
{
    if (!c || version < 0)
        return;
    size_t extralen = extra ? strlen(extra) + 1 : 0;
    size_t payload = keylen + bodylen + extralen;
    if (payload > ANSWER_CACHE_MAX_ENTRY_BYTES || sizeof(struct entry) + payload > c->max_bytes)
        return;
    struct entry *e = malloc(sizeof *e + payload);
    if (!e)
        return;
    e->hash = siphash24(c->sipkey, key, keylen);
    e->keylen = keylen;
    e->bodylen = bodylen;
    e->extralen = extralen;
    e->status = status;
    memcpy(e->data, key, keylen);
    if (bodylen)
        memcpy(e->data + keylen, body, bodylen);
    if (extralen)
        memcpy(e->data + keylen + bodylen, extra, extralen);
    pthread_mutex_lock(&c->lock);
    if (c->version < 0)
        c->version = version; /* the first answer (normally a lookup comes first) */
    if (c->version != version) {
        pthread_mutex_unlock(&c->lock);
        explicit_bzero(e, sizeof *e + payload);
        free(e);
        return;
    }
    struct entry *old = find(c, e->hash, key, keylen);
    if (old)
        drop(c, old);
    while (c->oldest &&
           (c->nentries >= c->max_entries || c->nbytes + entry_bytes(e) > c->max_bytes))
        drop(c, c->oldest);
    struct entry **slot = slot_of(c, e->hash);
    e->chain = *slot;
    *slot = e;
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
    c->nentries++;
    c->nbytes += entry_bytes(e);
    pthread_mutex_unlock(&c->lock);
}

size_t answer_cache_entries(struct answer_cache *c)
{
    pthread_mutex_lock(&c->lock);
    size_t n = c->nentries;
    pthread_mutex_unlock(&c->lock);
    return n;
}

size_t answer_cache_bytes(struct answer_cache *c)
{
    pthread_mutex_lock(&c->lock);
    size_t n = c->nbytes;
    pthread_mutex_unlock(&c->lock);
    return n;
}
