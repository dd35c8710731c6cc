/* Unit tests for daemon/answer_cache.c: hits, versions, the bounds (entries and bytes, LRU
 * order), keys that differ by one byte, and concurrent use from threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer_cache.h"
#include "siphash.h"
#include "testutil.h"

/* 1 when key is stored under version with body and extra (NULL: none). */
static int holds(struct answer_cache *c, int64_t version, const char *key, int status,
                 const char *body, const char *extra)
{
    struct adbuf out;
    adbuf_init(&out, 1 << 20);
    struct answer_hit hit = {.body = &out};
    int found = answer_cache_get(c, version, key, strlen(key), &hit);
    int ok = found == 1 && hit.status == status && out.len == strlen(body) &&
             memcmp(out.data, body, out.len) == 0 &&
             ((!extra && !hit.extra) || (extra && hit.extra && strcmp(extra, hit.extra) == 0));
    free(hit.extra);
    adbuf_free(&out);
    return found == 1 ? (ok ? 1 : -1) : 0;
}

static void put(struct answer_cache *c, int64_t version, const char *key, const char *body)
{
    answer_cache_put(c, version, key, strlen(key), 200, body, strlen(body), NULL);
}

static void test_hit_miss_version(void)
{
    struct answer_cache *c = answer_cache_new(16, 1 << 20);
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK(holds(c, 7, "a", 200, "A", NULL) == 0); /* empty */
    put(c, 7, "a", "A");
    answer_cache_put(c, 7, "r", 1, 302, "", 0, "https://x.test/");
    CHECK(holds(c, 7, "a", 200, "A", NULL) == 1);
    CHECK(holds(c, 7, "r", 302, "", "https://x.test/") == 1);
    CHECK(holds(c, 7, "b", 200, "A", NULL) == 0);                          /* another key */
    CHECK(holds(c, 7, "aa", 200, "A", NULL) == 0);                         /* a longer key */
    CHECK(answer_cache_get(c, 7, "a\0", 2, &(struct answer_hit){0}) == 0); /* embedded NUL */
    CHECK(answer_cache_entries(c) == 2);
    /* Another version: the entries are gone, and a late put under the old one is dropped. */
    CHECK(holds(c, 8, "a", 200, "A", NULL) == 0);
    CHECK(answer_cache_entries(c) == 0);
    CHECK(answer_cache_bytes(c) == 0);
    put(c, 7, "a", "old");
    CHECK(holds(c, 8, "a", 200, "old", NULL) == 0);
    put(c, 8, "a", "new");
    CHECK(holds(c, 8, "a", 200, "new", NULL) == 1);
    /* The same key again replaces its answer. */
    put(c, 8, "a", "newer");
    CHECK(holds(c, 8, "a", 200, "newer", NULL) == 1);
    CHECK(answer_cache_entries(c) == 1);
    /* No version (-1: the backend cannot tell): nothing is stored or served. */
    put(c, -1, "z", "Z");
    CHECK(holds(c, -1, "z", 200, "Z", NULL) == 0);
    CHECK(holds(c, 8, "a", 200, "newer", NULL) == 1);
    /* A lookup that does not want the body. */
    struct answer_hit nobody = {0};
    CHECK(answer_cache_get(c, 8, "a", 1, &nobody) == 1 && nobody.status == 200);
    answer_cache_free(c);
    answer_cache_free(NULL);
}

static void test_bounds(void)
{
    /* Entries: 8 at most, the least recently used goes first. */
    struct answer_cache *c = answer_cache_new(8, 1 << 20);
    CHECK(c != NULL);
    if (!c)
        return;
    char key[32];
    for (int i = 0; i < 8; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put(c, 1, key, key);
    }
    CHECK(holds(c, 1, "k0", 200, "k0", NULL) == 1); /* k0 is now the most recent */
    put(c, 1, "k8", "k8");
    CHECK(answer_cache_entries(c) == 8);
    CHECK(holds(c, 1, "k1", 200, "k1", NULL) == 0); /* the least recent went */
    CHECK(holds(c, 1, "k0", 200, "k0", NULL) == 1);
    CHECK(holds(c, 1, "k8", 200, "k8", NULL) == 1);
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "flood%d", i);
        put(c, 1, key, "x");
    }
    CHECK(answer_cache_entries(c) == 8);
    answer_cache_free(c);

    /* Bytes: 64 KiB at most, whatever the count; an entry over the per-entry cap is not kept. */
    c = answer_cache_new(4096, 64 * 1024);
    CHECK(c != NULL);
    if (!c)
        return;
    static char body[8 * 1024];
    memset(body, 'b', sizeof body - 1);
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "big%d", i);
        put(c, 1, key, body);
        CHECK(answer_cache_bytes(c) <= 64 * 1024);
    }
    CHECK(answer_cache_entries(c) > 0 && answer_cache_entries(c) < 8);
    CHECK(holds(c, 1, "big99", 200, body, NULL) == 1);
    char *huge = malloc(ANSWER_CACHE_MAX_ENTRY_BYTES + 1);
    CHECK(huge != NULL);
    if (huge) {
        memset(huge, 'h', ANSWER_CACHE_MAX_ENTRY_BYTES);
        huge[ANSWER_CACHE_MAX_ENTRY_BYTES] = '\0';
        struct answer_cache *roomy = answer_cache_new(16, 1 << 24);
        put(roomy, 1, "huge", huge);
        CHECK(roomy && answer_cache_entries(roomy) == 0);
        answer_cache_free(roomy);
        free(huge);
    }
    answer_cache_free(c);
}

struct worker {
    struct answer_cache *c;
    int id;
    int bad;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    char key[32], body[32];
    for (int i = 0; i < 20000; i++) {
        int k = (i * 7 + w->id) % 300;
        int64_t version = 1 + (i / 5000); /* the directory changes three times */
        snprintf(key, sizeof key, "key%d", k);
        snprintf(body, sizeof body, "v%lld-%d", (long long)version, k);
        int h = holds(w->c, version, key, 200, body, NULL);
        if (h < 0)
            w->bad++; /* served an answer of another version or key */
        else if (h == 0)
            put(w->c, version, key, body);
    }
    return NULL;
}

static void test_threads(void)
{
    struct answer_cache *c = answer_cache_new(128, 1 << 20);
    CHECK(c != NULL);
    if (!c)
        return;
    pthread_t t[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){c, i, 0};
        CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(w[i].bad == 0);
    }
    CHECK(answer_cache_entries(c) <= 128);
    answer_cache_free(c);
}

/* The reference vectors of the SipHash paper (key 00..0f, messages 00, 00 01, ...). */
static void test_siphash(void)
{
    unsigned char key[SIPHASH_KEY_BYTES], msg[15];
    for (unsigned i = 0; i < sizeof key; i++)
        key[i] = (unsigned char)i;
    for (unsigned i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)i;
    CHECK(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
    CHECK(siphash24(key, msg, 8) == 0x93f5f5799a932462ULL);
    CHECK(siphash24(key, msg, 15) == 0xa129ca6149be45e5ULL);
}

int main(void)
{
    test_siphash();
    test_hit_miss_version();
    test_bounds();
    test_threads();
    return test_done("answer_cache");
}
