/*
 * cache: entry files named by a 64-bit FNV-1a hash of the address (addresses may hold '/'
 * and exceed NAME_MAX), holding the address itself so a collision is a miss, never a
 * wrong answer. Format, one "key value" a line:
 *   autodiscover-cache 1
 *   address bob@contoso.test
 *   url https://autodiscover.contoso.test/autodiscover/autodiscover.xml
 *   expires 1767225600
 */
#include "cache.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "redirect.h"

#define CACHE_MAGIC "autodiscover-cache 1"
#define CACHE_LINE_MAX 4096

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a'); /* addresses compare case-insensitively */
        h = (h ^ c) * 0x100000001b3ull;
    }
    return h;
}

char *cache_path(const char *dir, const char *email)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%016" PRIx64 ".lkg", dir, fnv1a(email)) < 0)
        return NULL;
    return path;
}

/* The value of "key value" in line (newline stripped), or NULL. */
static const char *value_of(char *line, const char *key)
{
    size_t n = strlen(key);
    if (strncmp(line, key, n) != 0 || line[n] != ' ')
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    return line + n + 1;
}

char *cache_lookup(const char *dir, const char *email, time_t now)
{
    char *path = cache_path(dir, email);
    FILE *f = path ? fopen(path, "r") : NULL;
    free(path);
    if (!f)
        return NULL;
    char line[CACHE_LINE_MAX];
    char *url = NULL;
    bool magic = false, same_address = false;
    long long expires = 0;
    while (fgets(line, sizeof line, f)) {
        const char *v;
        if (strncmp(line, CACHE_MAGIC, strlen(CACHE_MAGIC)) == 0)
            magic = true;
        else if ((v = value_of(line, "address")))
            same_address = strcasecmp(v, email) == 0;
        else if ((v = value_of(line, "expires")))
            expires = strtoll(v, NULL, 10);
        else if ((v = value_of(line, "url")) && !url)
            url = strdup(v);
    }
    fclose(f);
    /* A hand-edited or corrupt entry must not point the client anywhere odd. */
    if (!magic || !same_address || expires <= (long long)now || !url || redirect_url_problem(url)) {
        free(url);
        return NULL;
    }
    return url;
}

/* Creates dir (and its parent) private to the user, if missing. */
static int make_dir(const char *dir)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return -1;
    char *parent = strdup(dir);
    if (!parent)
        return -1;
    char *slash = strrchr(parent, '/');
    int rc = -1;
    if (slash && slash != parent) {
        *slash = '\0';
        if ((mkdir(parent, 0700) == 0 || errno == EEXIST) && mkdir(dir, 0700) == 0)
            rc = 0;
    }
    free(parent);
    return rc;
}

int cache_store(const char *dir, const char *email, const char *url, long ttl_hours, time_t now)
{
    if (ttl_hours <= 0) {
        cache_drop(dir, email); /* TTL 0: the answer must not be reused */
        return 0;
    }
    if (strchr(email, '\n') || strchr(url, '\n')) {
        errno = EINVAL;
        return -1;
    }
    if (make_dir(dir) < 0)
        return -1;
    if (ttl_hours > CACHE_MAX_TTL_HOURS)
        ttl_hours = CACHE_MAX_TTL_HOURS;
    char *path = cache_path(dir, email);
    char *tmp = NULL;
    if (!path || asprintf(&tmp, "%s.XXXXXX", path) < 0) {
        free(path);
        errno = ENOMEM;
        return -1;
    }
    int rc = -1, saved = 0;
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !f)
        close(fd);
    if (f) {
        int written = fprintf(f, CACHE_MAGIC "\naddress %s\nurl %s\nexpires %lld\n", email, url,
                              (long long)now + (long long)ttl_hours * 3600);
        bool ok = written > 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
        saved = errno;
        ok = fclose(f) == 0 && ok;
        if (ok && rename(tmp, path) == 0)
            rc = 0;
    }
    if (rc < 0) {
        if (!saved)
            saved = errno;
        if (fd >= 0)
            unlink(tmp);
        errno = saved;
    }
    free(tmp);
    free(path);
    return rc;
}

void cache_drop(const char *dir, const char *email)
{
    char *path = cache_path(dir, email);
    if (path)
        unlink(path);
    free(path);
}
