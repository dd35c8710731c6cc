/* throttle: failed-authentication counting in fixed-size tables (see throttle.h). */
#include "throttle.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "siphash.h"

#define KEY_BYTES SIPHASH_KEY_BYTES
#define NAME_MAX_BYTES 1024 /* longer names are cut: still one entry per distinct prefix */
#define PROBE 8             /* slots examined per name */

struct throttle_entry {
    uint64_t tag;          /* 0: empty */
    uint64_t window_start; /* ms: the first failure of the current window */
    uint64_t last_failure; /* ms: for eviction */
    uint64_t blocked_until;
    unsigned failures;
};

struct throttle_table {
    pthread_mutex_t lock;
    struct throttle_entry *entries;
};

struct throttle {
    unsigned char key[KEY_BYTES];
    unsigned limit;
    uint64_t window_ms;
    size_t mask; /* slots - 1 */
    throttle_clock_fn now_ms;
    struct throttle_table by_address, by_account;
};

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int table_init(struct throttle_table *tab, size_t slots)
{
    if (!(tab->entries = calloc(slots, sizeof *tab->entries)))
        return -1;
    if (pthread_mutex_init(&tab->lock, NULL) != 0) {
        free(tab->entries);
        tab->entries = NULL;
        return -1;
    }
    return 0;
}

static void table_free(struct throttle_table *tab)
{
    if (!tab->entries)
        return;
    pthread_mutex_destroy(&tab->lock);
    free(tab->entries);
}

struct throttle *throttle_new(unsigned limit, unsigned window_seconds, size_t slots)
{
    struct throttle *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    size_t n = PROBE;
    while (n < slots && n < ((size_t)1 << 24))
        n <<= 1;
    t->limit = limit;
    t->window_ms = (uint64_t)window_seconds * 1000u;
    t->mask = n - 1;
    t->now_ms = monotonic_ms;
    if (getrandom(t->key, sizeof t->key, 0) != (ssize_t)sizeof t->key ||
        table_init(&t->by_address, n) < 0 || table_init(&t->by_account, n) < 0) {
        throttle_free(t);
        return NULL;
    }
    return t;
}

void throttle_free(struct throttle *t)
{
    if (!t)
        return;
    table_free(&t->by_address);
    table_free(&t->by_account);
    explicit_bzero(t->key, sizeof t->key);
    free(t);
}

void throttle_set_clock(struct throttle *t, throttle_clock_fn now_ms)
{
    t->now_ms = now_ms ? now_ms : monotonic_ms;
}

/* A keyed 64-bit tag of name (ASCII case folded when fold); 0 for an absent name. */
static uint64_t name_tag(const struct throttle *t, const char *name, bool fold)
{
    if (!name || !*name)
        return 0;
    char buf[NAME_MAX_BYTES];
    size_t n = 0;
    for (; name[n] && n < sizeof buf; n++) {
        char c = name[n];
        buf[n] = fold && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    uint64_t tag = siphash24(t->key, buf, n);
    return tag ? tag : 1; /* 0 marks an empty slot */
}

/* An entry that no longer says anything: its window and any block are over. */
static bool stale(const struct throttle *t, const struct throttle_entry *e, uint64_t now)
{
    return e->tag == 0 || (e->blocked_until <= now && now - e->window_start >= t->window_ms);
}

/*
 * The entry of tag, or NULL when absent and !create. Creating takes an empty or stale slot
 * of the neighbourhood, else the one whose last failure is oldest (a live block is only
 * lost when PROBE newer failing names crowd its neighbourhood). Called with the lock held.
 */
static struct throttle_entry *find(struct throttle *t, struct throttle_table *tab, uint64_t tag,
                                   bool create, uint64_t now)
{
    struct throttle_entry *victim = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        struct throttle_entry *e = &tab->entries[(tag + i) & t->mask];
        if (e->tag == tag)
            return e;
        if (!victim || (!stale(t, victim, now) &&
                        (stale(t, e, now) || e->last_failure < victim->last_failure)))
            victim = e;
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof *victim);
    victim->tag = tag;
    return victim;
}

/* Seconds left on tag's block, 0 when not blocked. */
static unsigned blocked_for(struct throttle *t, struct throttle_table *tab, uint64_t tag,
                            uint64_t now)
{
    if (tag == 0)
        return 0;
    unsigned left = 0;
    pthread_mutex_lock(&tab->lock);
    struct throttle_entry *e = find(t, tab, tag, false, now);
    if (e && e->blocked_until > now)
        left = (unsigned)((e->blocked_until - now + 999) / 1000);
    pthread_mutex_unlock(&tab->lock);
    return left;
}

unsigned throttle_check(struct throttle *t, const char *address, const char *account)
{
    if (t->limit == 0)
        return 0;
    uint64_t now = t->now_ms();
    unsigned a = blocked_for(t, &t->by_address, name_tag(t, address, false), now);
    unsigned b = blocked_for(t, &t->by_account, name_tag(t, account, true), now);
    return a > b ? a : b;
}

static void count_failure(struct throttle *t, struct throttle_table *tab, uint64_t tag,
                          uint64_t now)
{
    if (tag == 0)
        return;
    pthread_mutex_lock(&tab->lock);
    struct throttle_entry *e = find(t, tab, tag, true, now);
    if (e->failures == 0 || now - e->window_start >= t->window_ms) {
        e->window_start = now;
        e->failures = 0;
    }
    e->failures++;
    e->last_failure = now;
    if (e->failures >= t->limit)
        e->blocked_until = now + t->window_ms;
    pthread_mutex_unlock(&tab->lock);
}

void throttle_failure(struct throttle *t, const char *address, const char *account)
{
    if (t->limit == 0)
        return;
    uint64_t now = t->now_ms();
    count_failure(t, &t->by_address, name_tag(t, address, false), now);
    count_failure(t, &t->by_account, name_tag(t, account, true), now);
}

void throttle_success(struct throttle *t, const char *account)
{
    if (t->limit == 0)
        return;
    uint64_t tag = name_tag(t, account, true);
    if (tag == 0)
        return;
    pthread_mutex_lock(&t->by_account.lock);
    struct throttle_entry *e = find(t, &t->by_account, tag, false, 0);
    if (e)
        memset(e, 0, sizeof *e);
    pthread_mutex_unlock(&t->by_account.lock);
}
