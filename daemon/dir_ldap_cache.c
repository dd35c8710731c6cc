/* dir_ldap_cache: a bounded TTL cache of mailboxes (see dir_ldap_cache.h). */
#include "dir_ldap_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct entry {
    char *key; /* NULL: empty slot */
    uint64_t stored_ms;
    struct dir_mailbox mb;
    char *stamp;
};

struct dir_ldap_cache {
    pthread_mutex_t lock;
    uint64_t ttl_ms;
    size_t nsets;
    struct entry *slots; /* nsets * DIR_LDAP_CACHE_WAYS */
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *copy = strdup(s);
    *oom |= copy == NULL;
    return copy;
}

int dir_mailbox_copy(struct dir_mailbox *dst, const struct dir_mailbox *src)
{
    memset(dst, 0, sizeof *dst);
    bool oom = false;
    dst->address = dup_or_null(src->address, &oom);
    dst->display_name = dup_or_null(src->display_name, &oom);
    dst->legacy_dn = dup_or_null(src->legacy_dn, &oom);
    dst->target_address = dup_or_null(src->target_address, &oom);
    dst->organisation = dup_or_null(src->organisation, &oom);
    dst->deployment_id = dup_or_null(src->deployment_id, &oom);
    if (!oom && src->naliases > 0) {
        dst->aliases = calloc(src->naliases, sizeof *dst->aliases);
        oom = dst->aliases == NULL;
        for (size_t i = 0; !oom && i < src->naliases; i++, dst->naliases++)
            oom = !(dst->aliases[i] = strdup(src->aliases[i]));
    }
    if (oom) {
        dir_mailbox_free(dst);
        return -1;
    }
    return 0;
}

struct dir_ldap_cache *dir_ldap_cache_new(size_t entries, unsigned ttl_seconds)
{
    struct dir_ldap_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return NULL;
    cache->ttl_ms = (uint64_t)ttl_seconds * 1000u;
    cache->nsets = (entries + DIR_LDAP_CACHE_WAYS - 1) / DIR_LDAP_CACHE_WAYS;
    if (cache->nsets == 0)
        cache->nsets = 1;
    cache->slots = calloc(cache->nsets * DIR_LDAP_CACHE_WAYS, sizeof *cache->slots);
    if (!cache->slots || pthread_mutex_init(&cache->lock, NULL) != 0) {
        free(cache->slots);
        free(cache);
        return NULL;
    }
    return cache;
}

static void entry_clear(struct entry *e)
{
    free(e->key);
    free(e->stamp);
    dir_mailbox_free(&e->mb);
    memset(e, 0, sizeof *e);
}

void dir_ldap_cache_free(struct dir_ldap_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < cache->nsets * DIR_LDAP_CACHE_WAYS; i++)
        entry_clear(&cache->slots[i]);
    free(cache->slots);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

/* FNV-1a: keys are addresses the clients chose, but a set only bounds work, never memory. */
static struct entry *set_of(struct dir_ldap_cache *cache, const char *key)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return &cache->slots[(h % cache->nsets) * DIR_LDAP_CACHE_WAYS];
}

int dir_ldap_cache_get(struct dir_ldap_cache *cache, const char *key, struct dir_mailbox *mb,
                       char **stamp)
{
    *stamp = NULL;
    if (cache->ttl_ms == 0)
        return 0;
    int rc = 0;
    uint64_t now = now_ms();
    pthread_mutex_lock(&cache->lock);
    struct entry *set = set_of(cache, key);
    for (int w = 0; w < DIR_LDAP_CACHE_WAYS; w++) {
        struct entry *e = &set[w];
        if (!e->key || strcmp(e->key, key) != 0)
            continue;
        if (now - e->stored_ms >= cache->ttl_ms) {
            entry_clear(e);
            break;
        }
        rc = dir_mailbox_copy(mb, &e->mb) < 0 || !(*stamp = strdup(e->stamp)) ? -1 : 1;
        if (rc < 0)
            dir_mailbox_free(mb);
        break;
    }
    pthread_mutex_unlock(&cache->lock);
    return rc;
}

void dir_ldap_cache_put(struct dir_ldap_cache *cache, const char *key, const struct dir_mailbox *mb,
                        const char *stamp)
{
    if (cache->ttl_ms == 0)
        return;
    /* Copies are made before taking the lock; the lock only swaps them in. */
    struct entry fresh = {.stored_ms = now_ms()};
    fresh.key = strdup(key);
    fresh.stamp = strdup(stamp);
    if (!fresh.key || !fresh.stamp || dir_mailbox_copy(&fresh.mb, mb) < 0) {
        free(fresh.key);
        free(fresh.stamp);
        return;
    }
    struct entry old = {0};
    pthread_mutex_lock(&cache->lock);
    struct entry *set = set_of(cache, key), *victim = &set[0];
    for (int w = 0; w < DIR_LDAP_CACHE_WAYS; w++) {
        struct entry *e = &set[w];
        if (!e->key || strcmp(e->key, key) == 0) {
            victim = e;
            break;
        }
        if (e->stored_ms < victim->stored_ms)
            victim = e;
    }
    old = *victim;
    *victim = fresh;
    pthread_mutex_unlock(&cache->lock);
    entry_clear(&old);
}
