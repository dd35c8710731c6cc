/* cred_cache: verified-credential cache (see cred_cache.h). */
#include "cred_cache.h"

#include <nettle/hmac.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "http_auth.h"

#define HMAC_KEY_BYTES 32
/* User and password come from one decoded Basic header; a yescrypt hash is far shorter. */
#define HASH_MAX 512

struct cred_slot {
    struct cred_tag tag;
    uint64_t stored_ms; /* 0: empty */
};

struct cred_set {
    pthread_mutex_t lock;
    struct cred_slot slots[CRED_CACHE_WAYS];
};

struct cred_cache {
    /* Keyed once with a random key: copied per tag, so the key's two blocks are not redone. */
    struct hmac_sha256_ctx mac;
    uint64_t ttl_ms;
    cred_cache_clock_fn now_ms;
    size_t nsets;
    struct cred_set *sets;
};

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* +1 so that no real time is 0, the mark of an empty slot. */
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u + 1u;
}

struct cred_cache *cred_cache_new(size_t entries, unsigned ttl_seconds)
{
    struct cred_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return NULL;
    unsigned char key[HMAC_KEY_BYTES];
    if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
        free(cache);
        return NULL;
    }
    hmac_sha256_set_key(&cache->mac, sizeof key, key);
    explicit_bzero(key, sizeof key);
    cache->ttl_ms = (uint64_t)ttl_seconds * 1000u;
    cache->now_ms = monotonic_ms;
    cache->nsets = entries / CRED_CACHE_WAYS + (entries % CRED_CACHE_WAYS != 0);
    if (cache->nsets == 0)
        cache->nsets = 1;
    cache->sets = calloc(cache->nsets, sizeof *cache->sets);
    if (!cache->sets) {
        explicit_bzero(&cache->mac, sizeof cache->mac);
        free(cache);
        return NULL;
    }
    for (size_t i = 0; i < cache->nsets; i++) {
        if (pthread_mutex_init(&cache->sets[i].lock, NULL) != 0) {
            cache->nsets = i;
            cred_cache_free(cache);
            return NULL;
        }
    }
    return cache;
}

void cred_cache_free(struct cred_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < cache->nsets; i++)
        pthread_mutex_destroy(&cache->sets[i].lock);
    free(cache->sets);
    explicit_bzero(&cache->mac, sizeof cache->mac);
    free(cache);
}

void cred_cache_set_clock(struct cred_cache *cache, cred_cache_clock_fn now_ms)
{
    cache->now_ms = now_ms ? now_ms : monotonic_ms;
}

size_t cred_cache_capacity(const struct cred_cache *cache)
{
    return cache->nsets * CRED_CACHE_WAYS;
}

int cred_cache_tag(const struct cred_cache *cache, const char *user, const char *password,
                   const char *hash, struct cred_tag *out)
{
    size_t ulen = strlen(user), plen = strlen(password), hlen = strlen(hash);
    if (ulen + plen > HTTP_AUTH_MAX_DECODED || hlen > HASH_MAX)
        return -1;
    /* NUL separators: no two different triples give the same message. */
    struct hmac_sha256_ctx ctx = cache->mac;
    hmac_sha256_update(&ctx, ulen + 1, (const uint8_t *)user);
    hmac_sha256_update(&ctx, plen + 1, (const uint8_t *)password);
    hmac_sha256_update(&ctx, hlen, (const uint8_t *)hash);
    hmac_sha256_digest(&ctx, sizeof out->bytes, out->bytes);
    explicit_bzero(&ctx, sizeof ctx); /* its state depends on the password */
    return 0;
}

static struct cred_set *set_of(struct cred_cache *cache, const struct cred_tag *tag)
{
    /* The tag is a keyed MAC: its bytes are uniform and not chosen by the client. */
    uint64_t h;
    memcpy(&h, tag->bytes, sizeof h);
    return &cache->sets[h % cache->nsets];
}

/* Tags compared without an early exit (cheap, and nothing to learn from timing). */
static bool tag_equal(const struct cred_tag *a, const struct cred_tag *b)
{
    unsigned char diff = 0;
    for (size_t i = 0; i < sizeof a->bytes; i++)
        diff |= a->bytes[i] ^ b->bytes[i];
    return diff == 0;
}

static bool fresh(const struct cred_cache *cache, const struct cred_slot *s, uint64_t now)
{
    return s->stored_ms != 0 && now - s->stored_ms < cache->ttl_ms;
}

bool cred_cache_lookup(struct cred_cache *cache, const struct cred_tag *tag)
{
    if (cache->ttl_ms == 0)
        return false;
    uint64_t now = cache->now_ms();
    struct cred_set *set = set_of(cache, tag);
    bool hit = false;
    pthread_mutex_lock(&set->lock);
    for (size_t i = 0; i < CRED_CACHE_WAYS && !hit; i++)
        hit = fresh(cache, &set->slots[i], now) && tag_equal(&set->slots[i].tag, tag);
    pthread_mutex_unlock(&set->lock);
    return hit;
}

void cred_cache_insert(struct cred_cache *cache, const struct cred_tag *tag)
{
    if (cache->ttl_ms == 0)
        return;
    uint64_t now = cache->now_ms();
    struct cred_set *set = set_of(cache, tag);
    pthread_mutex_lock(&set->lock);
    /* The same tag (refreshed), else an empty or expired slot, else the oldest one. */
    struct cred_slot *victim = &set->slots[0];
    for (size_t i = 0; i < CRED_CACHE_WAYS; i++) {
        struct cred_slot *s = &set->slots[i];
        if (s->stored_ms != 0 && tag_equal(&s->tag, tag)) {
            victim = s;
            break;
        }
        if (!fresh(cache, s, now)) {
            victim = s;
            continue;
        }
        if (fresh(cache, victim, now) && s->stored_ms < victim->stored_ms)
            victim = s;
    }
    victim->tag = *tag;
    victim->stored_ms = now;
    pthread_mutex_unlock(&set->lock);
}
