/* cached_answers: POX and v2 JSON answers through the answer cache (see cached_answers.h). */
#include "cached_answers.h"

#include <stdlib.h>
#include <string.h>

#include "answer_cache.h"
#include "metrics.h"
#include "v2json_handler.h"

/* Kinds of key: the first byte, so that no two kinds ever share a key (directory.c: 'H'). */
#define KEY_POX 'P'
#define KEY_V2JSON 'J'

/* Works the answer out: status, body in out, *extra (malloc'd or NULL), and whether it lasts. */
typedef int (*answer_fn)(void *ctx, struct adbuf *out, char **extra, bool *lasting);

/*
 * The answer keyed by kind, a, NUL, b, NUL and len bytes of c: from the cache while the
 * directory is at version (read before any lookup work makes), else from work (then kept
 * when it lasts). Without an answer cache or a version (-1), or with a key too big to keep,
 * work answers every time.
 */
static int answer(struct directory *dir, int64_t version, char kind, const char *a, const char *b,
                  const char *c, size_t len, struct adbuf *out, char **extra, answer_fn work,
                  void *ctx)
{
    struct answer_cache *cache = directory_answer_cache(dir);
    struct adbuf key;
    adbuf_init(&key, ANSWER_CACHE_MAX_ENTRY_BYTES);
    bool keyed = cache && version >= 0 && adbuf_append(&key, &kind, 1) == 0 &&
                 adbuf_append(&key, a, strlen(a) + 1) == 0 &&
                 adbuf_append(&key, b, strlen(b) + 1) == 0 && adbuf_append(&key, c, len) == 0;
    struct answer_hit hit = {.body = out};
    int status;
    if (keyed && answer_cache_get(cache, version, key.data, key.len, &hit) == 1) {
        metrics_count(METRICS_ANSWER_HITS);
        *extra = hit.extra;
        status = hit.status;
    } else {
        if (keyed)
            metrics_count(METRICS_ANSWER_MISSES);
        bool lasting = false;
        status = work(ctx, out, extra, &lasting);
        if (keyed && lasting)
            answer_cache_put(cache, version, key.data, key.len, status, out->data, out->len,
                             *extra);
    }
    adbuf_free(&key);
    return status;
}

struct pox_args {
    struct directory *dir;
    const char *auth_address, *body;
    size_t len;
    const struct pox_client_caps *caps;
};

static int work_pox(void *ctx, struct adbuf *out, char **extra, bool *lasting)
{
    struct pox_args *p = ctx;
    *extra = NULL;
    return pox_handle_lasting(p->dir, p->auth_address, p->body, p->len, p->caps, out, lasting);
}

int pox_handle_caps_cached(struct directory *dir, int64_t version, const char *auth_address,
                           const char *body, size_t len, const struct pox_client_caps *caps,
                           struct adbuf *out)
{
    const char caps_text[] = {caps->exhttp ? 'x' : '-', caps->mapi_http ? 'm' : '-', '\0'};
    struct pox_args args = {dir, auth_address, body, len, caps};
    char *none = NULL;
    int status = answer(dir, version, KEY_POX, auth_address, caps_text, body, len, out, &none,
                        work_pox, &args);
    free(none);
    return status;
}

struct v2json_args {
    struct directory *dir;
    const char *path, *query;
};

static int work_v2json(void *ctx, struct adbuf *out, char **location, bool *lasting)
{
    struct v2json_args *v = ctx;
    int status = v2json_handle(v->dir, v->path, v->query, out, location);
    *lasting = status != 500; /* 500: a directory failure or no memory */
    return status;
}

int v2json_handle_cached(struct directory *dir, const char *path, const char *query,
                         struct adbuf *body, char **location)
{
    struct v2json_args args = {dir, path, query};
    *location = NULL;
    /* The Location of a cached 302 is the one the directory gave for this very request. */
    int64_t version = directory_answer_cache(dir) ? directory_version(dir) : -1;
    return answer(dir, version, KEY_V2JSON, path, query, "", 0, body, location, work_v2json, &args);
}
