/* dir_ldap_pool: pooled LDAP handles with failover (see dir_ldap_pool.h). */
#include "dir_ldap_pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ldap_client.h"
#include "log.h"

struct slot {
    LDAP *ld; /* NULL: not connected */
    size_t uri;
    bool busy;
};

struct ldap_pool {
    const struct dir_ldap_config *cfg; /* outlives the pool (the server's configuration) */
    char *bind_password;
    pthread_mutex_t lock; /* guards busy flags and down marks; never held over the network */
    pthread_cond_t freed[LDAP_POOL_KINDS];
    struct slot *slots[LDAP_POOL_KINDS];
    uint64_t *down_until; /* per URI, monotonic ms; 0: up */
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct ldap_pool *ldap_pool_new(const struct dir_ldap_config *cfg, const char *bind_password,
                                char *err, size_t errlen)
{
    struct ldap_pool *pool = calloc(1, sizeof *pool);
    if (!pool) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pool->cfg = cfg;
    pthread_condattr_t attr;
    bool ok = pthread_condattr_init(&attr) == 0;
    ok = ok && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0;
    ok = ok && pthread_mutex_init(&pool->lock, NULL) == 0;
    int conds = 0;
    for (; ok && conds < LDAP_POOL_KINDS; conds++)
        ok = pthread_cond_init(&pool->freed[conds], &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok) {
        snprintf(err, errlen, "cannot create the LDAP pool's lock");
        for (int i = 0; i < conds - 1; i++)
            pthread_cond_destroy(&pool->freed[i]);
        free(pool);
        return NULL;
    }
    for (int k = 0; k < LDAP_POOL_KINDS; k++)
        pool->slots[k] = calloc(cfg->pool_size, sizeof *pool->slots[k]);
    pool->down_until = calloc(cfg->nuris, sizeof *pool->down_until);
    pool->bind_password = strdup(bind_password ? bind_password : "");
    if (!pool->slots[LDAP_POOL_SEARCH] || !pool->slots[LDAP_POOL_AUTH] || !pool->down_until ||
        !pool->bind_password) {
        snprintf(err, errlen, "out of memory");
        ldap_pool_free(pool);
        return NULL;
    }
    return pool;
}

void ldap_pool_free(struct ldap_pool *pool)
{
    if (!pool)
        return;
    for (int k = 0; k < LDAP_POOL_KINDS; k++) {
        for (unsigned i = 0; pool->slots[k] && i < pool->cfg->pool_size; i++)
            ldapc_close(pool->slots[k][i].ld);
        free(pool->slots[k]);
        pthread_cond_destroy(&pool->freed[k]);
    }
    pthread_mutex_destroy(&pool->lock);
    if (pool->bind_password) {
        explicit_bzero(pool->bind_password, strlen(pool->bind_password));
        free(pool->bind_password);
    }
    free(pool->down_until);
    free(pool);
}

/* A free slot of kind, waiting up to the operation timeout; NULL when none came free. */
static struct slot *acquire(struct ldap_pool *pool, enum ldap_pool_kind kind)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += pool->cfg->timeout_ms / 1000u;
    struct slot *got = NULL;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        for (unsigned i = 0; i < pool->cfg->pool_size && !got; i++)
            if (!pool->slots[kind][i].busy)
                got = &pool->slots[kind][i];
        if (got) {
            got->busy = true;
            break;
        }
        if (pthread_cond_timedwait(&pool->freed[kind], &pool->lock, &deadline) != 0)
            break;
    }
    pthread_mutex_unlock(&pool->lock);
    return got;
}

static void release(struct ldap_pool *pool, enum ldap_pool_kind kind, struct slot *s)
{
    pthread_mutex_lock(&pool->lock);
    s->busy = false;
    pthread_cond_signal(&pool->freed[kind]);
    pthread_mutex_unlock(&pool->lock);
}

static bool is_down(struct ldap_pool *pool, size_t uri)
{
    pthread_mutex_lock(&pool->lock);
    bool down = pool->down_until[uri] > now_ms();
    pthread_mutex_unlock(&pool->lock);
    return down;
}

static void mark_down(struct ldap_pool *pool, size_t uri, const char *why)
{
    pthread_mutex_lock(&pool->lock);
    bool was_up = pool->down_until[uri] <= now_ms();
    pool->down_until[uri] = now_ms() + (uint64_t)pool->cfg->down_seconds * 1000u;
    pthread_mutex_unlock(&pool->lock);
    if (was_up)
        log_warnx("LDAP server %s marked down for %u s: %s", pool->cfg->uris[uri],
                  pool->cfg->down_seconds, why);
}

/*
 * Opens s->ld to the first URI not marked down. libldap connects lazily, so a handle with
 * neither StartTLS nor a bind is connected explicitly: a dead server must show here, where
 * the next URI can still be tried, not in the middle of an operation.
 */
static int connect_slot(struct ldap_pool *pool, enum ldap_pool_kind kind, struct slot *s)
{
    const struct dir_ldap_config *cfg = pool->cfg;
    struct ldapc_options o = {
        .cacert = cfg->tls_ca,
        .starttls = cfg->starttls,
        .bind_dn = kind == LDAP_POOL_SEARCH ? cfg->bind_dn : NULL,
        .bind_password = pool->bind_password,
        .timeout_ms = (long)cfg->connect_timeout_ms,
    };
    for (size_t i = 0; i < cfg->nuris; i++) {
        if (is_down(pool, i))
            continue;
        char err[512];
        LDAP *ld = NULL;
        if (ldapc_connect(cfg->uris[i], &o, &ld, NULL, err, sizeof err) < 0) {
            mark_down(pool, i, err);
            continue;
        }
        struct timeval op = {.tv_sec = cfg->timeout_ms / 1000u,
                             .tv_usec = (cfg->timeout_ms % 1000u) * 1000};
        int rc = ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op) == LDAP_OPT_SUCCESS ? LDAP_SUCCESS
                                                                                : LDAP_OTHER;
        if (rc == LDAP_SUCCESS && !o.starttls && !o.bind_dn)
            rc = ldap_connect(ld);
        if (rc != LDAP_SUCCESS) {
            ldapc_describe(ld, rc, err, sizeof err);
            ldapc_close(ld);
            mark_down(pool, i, err);
            continue;
        }
        log_debug("LDAP %s handle connected to %s", kind == LDAP_POOL_SEARCH ? "search" : "auth",
                  cfg->uris[i]);
        s->ld = ld;
        s->uri = i;
        return 0;
    }
    return -1;
}

/* Results that say the connection or the server failed, not the operation itself. */
static bool connection_failed(int rc)
{
    return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT ||
           rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
}

int ldap_pool_run(struct ldap_pool *pool, enum ldap_pool_kind kind, ldap_pool_fn fn, void *arg)
{
    struct slot *s = acquire(pool, kind);
    if (!s) {
        log_warnx("no free LDAP connection within %u ms", pool->cfg->timeout_ms);
        return LDAP_TIMEOUT;
    }
    int rc = LDAP_SERVER_DOWN;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!s->ld && connect_slot(pool, kind, s) < 0) {
            rc = LDAP_SERVER_DOWN;
            break;
        }
        rc = fn(s->ld, arg);
        if (!connection_failed(rc))
            break;
        /*
         * A broken connection alone proves little (an idle connection cut by the server or
         * a firewall): the reconnect decides whether the server is down. A timeout or a busy
         * server does mark it, so the retry goes elsewhere.
         */
        if (rc != LDAP_SERVER_DOWN && rc != LDAP_CONNECT_ERROR)
            mark_down(pool, s->uri, ldap_err2string(rc));
        else
            log_info("LDAP connection to %s lost: %s", pool->cfg->uris[s->uri],
                     ldap_err2string(rc));
        ldapc_close(s->ld);
        s->ld = NULL;
    }
    release(pool, kind, s);
    return rc;
}
