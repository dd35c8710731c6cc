/* Unit tests for daemon/cred_cache.c: hits, misses, expiry (injected clock), the size bound,
 * and concurrent use from threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cred_cache.h"
#include "testutil.h"

static _Atomic uint64_t fake_now = 1000;
static uint64_t fake_clock(void)
{
    return atomic_load(&fake_now);
}

static const char hash_a[] = "$y$j9T$abcdefghijklmnop$0123456789012345678901234567890123456789012";
static const char hash_b[] = "$y$j9T$qrstuvwxyzabcdef$0123456789012345678901234567890123456789012";

static bool remembered(struct cred_cache *c, const char *user, const char *pw, const char *hash)
{
    struct cred_tag tag;
    return cred_cache_tag(c, user, pw, hash, &tag) == 0 && cred_cache_lookup(c, &tag);
}

static void remember(struct cred_cache *c, const char *user, const char *pw, const char *hash)
{
    struct cred_tag tag;
    CHECK(cred_cache_tag(c, user, pw, hash, &tag) == 0);
    cred_cache_insert(c, &tag);
}

static void test_hit_and_miss(void)
{
    struct cred_cache *c = cred_cache_new(64, 60);
    CHECK(c != NULL);
    if (!c)
        return;
    cred_cache_set_clock(c, fake_clock);
    CHECK(!remembered(c, "bob@contoso.test", "Passw0rd!", hash_a)); /* miss: empty */
    remember(c, "bob@contoso.test", "Passw0rd!", hash_a);
    CHECK(remembered(c, "bob@contoso.test", "Passw0rd!", hash_a));   /* hit */
    CHECK(!remembered(c, "bob@contoso.test", "wrong", hash_a));      /* wrong password */
    CHECK(!remembered(c, "bob@contoso.test", "Passw0rd", hash_a));   /* prefix */
    CHECK(!remembered(c, "bob@contoso.test", "Passw0rd!x", hash_a)); /* extension */
    CHECK(!remembered(c, "bob@contoso.test", "", hash_a));
    CHECK(!remembered(c, "eve@contoso.test", "Passw0rd!", hash_a)); /* other user */
    CHECK(!remembered(c, "bob@contoso.test", "Passw0rd!", hash_b)); /* password changed */
    /* The separators: moving bytes between fields gives another tag. */
    CHECK(!remembered(c, "bob@contoso.testP", "assw0rd!", hash_a));
    /* Tags are keyed per cache: another cache does not know the entry. */
    struct cred_cache *other = cred_cache_new(64, 60);
    struct cred_tag t1, t2;
    CHECK(other && cred_cache_tag(c, "u", "p", "h", &t1) == 0 &&
          cred_cache_tag(other, "u", "p", "h", &t2) == 0 && memcmp(&t1, &t2, sizeof t1) != 0);
    cred_cache_free(other);
    /* Too long to be a Basic credential: not cacheable. */
    static char huge[2048];
    memset(huge, 'a', sizeof huge - 1);
    CHECK(cred_cache_tag(c, huge, "p", hash_a, &t1) < 0);
    cred_cache_free(c);
}

static void test_expiry(void)
{
    struct cred_cache *c = cred_cache_new(64, 60);
    CHECK(c != NULL);
    if (!c)
        return;
    cred_cache_set_clock(c, fake_clock);
    atomic_store(&fake_now, 5000);
    remember(c, "bob@contoso.test", "pw", hash_a);
    atomic_store(&fake_now, 5000 + 59999);
    CHECK(remembered(c, "bob@contoso.test", "pw", hash_a));
    /* A hit does not extend the entry: 60 s after the yescrypt run it is gone. */
    atomic_store(&fake_now, 5000 + 60000);
    CHECK(!remembered(c, "bob@contoso.test", "pw", hash_a));
    cred_cache_free(c);

    /* ttl 0: a cache that never remembers. */
    c = cred_cache_new(64, 0);
    CHECK(c != NULL);
    if (!c)
        return;
    remember(c, "bob@contoso.test", "pw", hash_a);
    CHECK(!remembered(c, "bob@contoso.test", "pw", hash_a));
    cred_cache_free(c);
}

static void test_bound(void)
{
    struct cred_cache *c = cred_cache_new(100, 60);
    CHECK(c != NULL);
    if (!c)
        return;
    cred_cache_set_clock(c, fake_clock);
    size_t cap = cred_cache_capacity(c);
    CHECK(cap >= 100 && cap < 100 + CRED_CACHE_WAYS);
    /* Ten times the capacity: at most cap entries can still be remembered. */
    char user[64];
    for (unsigned i = 0; i < 10 * cap; i++) {
        atomic_fetch_add(&fake_now, 1);
        snprintf(user, sizeof user, "user%u@contoso.test", i);
        remember(c, user, "pw", hash_a);
    }
    size_t kept = 0;
    for (unsigned i = 0; i < 10 * cap; i++) {
        snprintf(user, sizeof user, "user%u@contoso.test", i);
        kept += remembered(c, user, "pw", hash_a);
    }
    CHECK(kept <= cap);
    CHECK(kept >= cap / 2); /* and the newest ones are mostly kept */
    /* The very latest insertion is always kept (the oldest of its set went). */
    snprintf(user, sizeof user, "user%u@contoso.test", 10 * (unsigned)cap - 1);
    CHECK(remembered(c, user, "pw", hash_a));
    cred_cache_free(c);
}

struct worker {
    struct cred_cache *cache;
    int id;
    int errors;
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    char user[64];
    for (int round = 0; round < 2000; round++) {
        snprintf(user, sizeof user, "t%d-u%d@contoso.test", w->id, round % 50);
        struct cred_tag tag, bad;
        if (cred_cache_tag(w->cache, user, "right", hash_a, &tag) < 0 ||
            cred_cache_tag(w->cache, user, "wrong", hash_a, &bad) < 0) {
            w->errors++;
            continue;
        }
        if (!cred_cache_lookup(w->cache, &tag))
            cred_cache_insert(w->cache, &tag);
        if (cred_cache_lookup(w->cache, &bad))
            w->errors++; /* a wrong password must never hit */
    }
    return NULL;
}

static void test_threads(void)
{
    struct cred_cache *c = cred_cache_new(4096, 60);
    CHECK(c != NULL);
    if (!c)
        return;
    enum { N = 8 };
    pthread_t th[N];
    struct worker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct worker){c, i, 0};
        CHECK(pthread_create(&th[i], NULL, hammer, &w[i]) == 0);
    }
    int errors = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        errors += w[i].errors;
    }
    CHECK(errors == 0);
    /* 8 x 50 names fit: each thread's last ones are remembered. */
    CHECK(remembered(c, "t3-u49@contoso.test", "right", hash_a));
    cred_cache_free(c);
}

int main(void)
{
    test_hit_and_miss();
    test_expiry();
    test_bound();
    test_threads();
    return test_done("cred_cache");
}
