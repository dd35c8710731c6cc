/* directory: the backend-independent half (see directory.h). */
#include "directory.h"

#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "answer_cache.h"
#include "cred_cache.h"
#include "dir_ldap.h"
#include "dir_sqlite.h"
#include "org_protocols.h"
#include "password.h"

/* A yescrypt hash, or an LDAP entry's stamp (change stamp and DN). */
#define PASSWORD_HASH_MAX 1024

struct directory {
    const struct directory_ops *ops;
    void *impl;
    /* Verified against when an address is unknown, so both paths do a yescrypt run. */
    char dummy_hash[PASSWORD_HASH_MAX];
    struct answer_cache *answers; /* NULL when the backend has no version */
};

struct directory *directory_open(const char *uri, char *err, size_t errlen)
{
    return directory_open_with(uri, NULL, err, errlen);
}

struct directory *directory_open_with(const char *uri, const struct dir_ldap_config *mailboxes,
                                      char *err, size_t errlen)
{
    struct directory *dir = calloc(1, sizeof *dir);
    if (!dir) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (mailboxes && strncmp(uri, "sqlite:", 7) == 0) {
        dir->ops = &dir_ldap_ops;
        dir->impl = dir_ldap_open(mailboxes, uri + 7, err, errlen);
    } else if (strncmp(uri, "sqlite:", 7) == 0) {
        dir->ops = &dir_sqlite_ops;
        dir->impl = dir_sqlite_open(uri + 7, true, err, errlen);
    } else {
        snprintf(err, errlen, "%s: unknown directory type (expected sqlite:)", uri);
    }
    if (!dir->impl) {
        free(dir);
        return NULL;
    }
    if (password_hash("no such mailbox", dir->dummy_hash, sizeof dir->dummy_hash) < 0) {
        snprintf(err, errlen, "cannot compute a yescrypt hash");
        directory_close(dir);
        return NULL;
    }
    if (dir->ops->version &&
        !(dir->answers = answer_cache_new(ANSWER_CACHE_MAX_ENTRIES, ANSWER_CACHE_MAX_BYTES))) {
        snprintf(err, errlen, "cannot set up the answer cache");
        directory_close(dir);
        return NULL;
    }
    return dir;
}

void directory_close(struct directory *dir)
{
    if (!dir)
        return;
    if (dir->impl)
        dir->ops->close(dir->impl);
    answer_cache_free(dir->answers);
    free(dir);
}

void dir_lowercase(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

int directory_find_mailbox(struct directory *dir, const char *address, struct dir_mailbox *out)
{
    return dir->ops->find_mailbox(dir->impl, address, out);
}

int directory_find_mailbox_by_legacy_dn(struct directory *dir, const char *legacy_dn,
                                        struct dir_mailbox *out)
{
    return dir->ops->find_mailbox_by_legacy_dn(dir->impl, legacy_dn, out);
}

int directory_find_domain(struct directory *dir, const char *domain, char **organisation)
{
    return dir->ops->find_domain(dir->impl, domain, organisation);
}

void dir_mailbox_free(struct dir_mailbox *mb)
{
    free(mb->address);
    free(mb->display_name);
    free(mb->legacy_dn);
    free(mb->target_address);
    free(mb->organisation);
    free(mb->deployment_id);
    for (size_t i = 0; i < mb->naliases; i++)
        free(mb->aliases[i]);
    free(mb->aliases);
    memset(mb, 0, sizeof *mb);
}

bool dir_mailbox_answers_to(const struct dir_mailbox *mb, const char *address)
{
    if (!mb->address || !address)
        return false;
    if (strcasecmp(mb->address, address) == 0)
        return true;
    for (size_t i = 0; i < mb->naliases; i++)
        if (strcasecmp(mb->aliases[i], address) == 0)
            return true;
    return false;
}

int directory_may_read(struct directory *dir, const struct dir_mailbox *mb,
                       const char *auth_address)
{
    if (dir_mailbox_answers_to(mb, auth_address))
        return 1;
    if (!mb->address || !auth_address || !dir->ops->is_delegate)
        return 0;
    return dir->ops->is_delegate(dir->impl, mb->address, auth_address);
}

int directory_find_pod_url(struct directory *dir, const char *address, char *out, size_t outlen)
{
    const char *at = strrchr(address, '@');
    if (!at || at[1] == '\0')
        return 0;
    return dir->ops->find_pod_url(dir->impl, at + 1, out, outlen);
}

int directory_add_protocols(struct directory *dir, const char *organisation,
                            struct pox_response *resp)
{
    return dir->ops->add_protocols(dir->impl, organisation, resp);
}

int directory_add_mailbox_protocols(struct directory *dir, const struct dir_mailbox *mb,
                                    struct pox_response *resp)
{
    size_t start = resp->nprotocols;
    if (directory_add_protocols(dir, mb->organisation, resp) < 0)
        return -1;
    if (!dir->ops->add_mailbox_protocols)
        return 0;
    struct pox_response own = {0};
    int rc = dir->ops->add_mailbox_protocols(dir->impl, mb->address, &own);
    if (rc == 0)
        rc = org_protocols_override(resp, start, &own);
    pox_response_free(&own);
    return rc;
}

int directory_verify_password(struct directory *dir, const char *address, const char *password,
                              char *primary, size_t primarylen)
{
    return directory_verify_password_cached(dir, NULL, address, password, primary, primarylen,
                                            NULL, NULL);
}

/*
 * The answer cache's key for address's hash lookup: 'H', then the address in lower case
 * (the lookup ignores case). 0, or -1 when it does not fit.
 */
static int hash_key(const char *address, char *key, size_t keylen)
{
    size_t len = strlen(address);
    if (len + 2 > keylen)
        return -1;
    key[0] = 'H';
    memcpy(key + 1, address, len + 1);
    dir_lowercase(key + 1);
    return 0;
}

/* Copies s into out (outlen bytes); false when it does not fit. */
static bool copy_fits(const char *s, char *out, size_t outlen)
{
    size_t len = strlen(s);
    if (len >= outlen)
        return false;
    memcpy(out, s, len + 1);
    return true;
}

/*
 * ops->password_hash, from the answer cache while the directory is still at version (read
 * before this lookup; -1: no caching). Only a found hash is kept: an unknown name costs a
 * yescrypt run anyway.
 */
static int password_hash_cached(struct directory *dir, int64_t version, const char *address,
                                char *hash, size_t hashlen, char *primary, size_t primarylen)
{
    char key[PASSWORD_HASH_MAX];
    bool keyed = dir->answers && version >= 0 && hash_key(address, key, sizeof key) == 0;
    if (keyed) {
        struct adbuf stored;
        adbuf_init(&stored, PASSWORD_HASH_MAX);
        struct answer_hit hit = {.body = &stored};
        bool found = answer_cache_get(dir->answers, version, key, strlen(key), &hit) == 1 &&
                     hit.extra && stored.data && copy_fits(stored.data, hash, hashlen) &&
                     copy_fits(hit.extra, primary, primarylen);
        if (stored.data)
            explicit_bzero(stored.data, stored.len);
        adbuf_free(&stored);
        free(hit.extra);
        if (found)
            return 1;
    }
    int rc = dir->ops->password_hash(dir->impl, address, hash, hashlen, primary, primarylen);
    if (keyed && rc == 1)
        answer_cache_put(dir->answers, version, key, strlen(key), 200, hash, strlen(hash),
                         primary);
    return rc;
}

int directory_verify_password_cached(struct directory *dir, struct cred_cache *cache,
                                     const char *address, const char *password, char *primary,
                                     size_t primarylen, bool *cache_hit, int64_t *version)
{
    char hash[PASSWORD_HASH_MAX];
    if (cache_hit)
        *cache_hit = false;
    int64_t read_at = dir->answers ? directory_version(dir) : -1; /* before the lookup */
    if (version)
        *version = read_at;
    int found = password_hash_cached(dir, read_at, address, hash, sizeof hash, primary,
                                     primarylen);
    if (found < 0)
        return -1;
    struct cred_tag tag;
    bool tagged = found && cache && cred_cache_tag(cache, address, password, hash, &tag) == 0;
    if (tagged && cred_cache_lookup(cache, &tag)) {
        if (cache_hit)
            *cache_hit = true;
        explicit_bzero(&tag, sizeof tag);
        return 1;
    }
    bool match;
    if (dir->ops->verify_password) {
        /* The backend checks (an LDAP bind); only successes are remembered, as below. */
        int v = found ? dir->ops->verify_password(dir->impl, hash, password) : 0;
        if (v < 0) {
            explicit_bzero(&tag, sizeof tag);
            return -1;
        }
        match = v == 1;
    } else {
        /* The hash lookup runs under the backend's lock; yescrypt runs outside it. */
        match = password_verify(password, found ? hash : dir->dummy_hash);
    }
    if (tagged && match)
        cred_cache_insert(cache, &tag);
    explicit_bzero(&tag, sizeof tag);
    return found && match ? 1 : 0;
}

int directory_ping(struct directory *dir)
{
    if (dir->ops->ping)
        return dir->ops->ping(dir->impl);
    /* .invalid is reserved (RFC 6761): never an accepted domain, so this only reads. */
    char *organisation = NULL;
    int rc = directory_find_domain(dir, "healthz.invalid", &organisation);
    free(organisation);
    return rc < 0 ? -1 : 0;
}

void directory_read_begin(struct directory *dir)
{
    if (dir->ops->read_begin)
        dir->ops->read_begin(dir->impl);
}

void directory_read_end(struct directory *dir)
{
    if (dir->ops->read_end)
        dir->ops->read_end(dir->impl);
}

int64_t directory_version(struct directory *dir)
{
    return dir->ops->version ? dir->ops->version(dir->impl) : -1;
}

struct answer_cache *directory_answer_cache(struct directory *dir)
{
    return dir->answers;
}
