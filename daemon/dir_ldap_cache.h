/*
 * dir_ldap_cache: mailboxes found in LDAP, remembered for a TTL so a client's burst of
 * requests (authentication, then POX, then EWS...) costs one search, not one per request.
 *
 * Only found mailboxes are kept: an unknown address is searched every time, so a mailbox
 * just created is served at once, and no error is ever remembered. Each entry keeps the
 * mailbox and its stamp (the entry's DN and change stamp, which key the credential cache).
 * Memory is bounded: a fixed number of slots in sets of DIR_LDAP_CACHE_WAYS, a full set
 * evicting its oldest entry. One mutex, held for a few string compares and copies.
 */
#ifndef AD_DAEMON_DIR_LDAP_CACHE_H
#define AD_DAEMON_DIR_LDAP_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "directory.h"

#define DIR_LDAP_CACHE_WAYS 4

struct dir_ldap_cache;

/* NULL on out of memory; ttl_seconds 0 gives a cache that never remembers. */
struct dir_ldap_cache *dir_ldap_cache_new(size_t entries, unsigned ttl_seconds);
void dir_ldap_cache_free(struct dir_ldap_cache *cache);

/* 1 with a copy in *mb and *stamp (both the caller's), 0 not cached or expired, -1 OOM. */
int dir_ldap_cache_get(struct dir_ldap_cache *cache, const char *key, struct dir_mailbox *mb,
                       char **stamp);
/* Remembers a copy of (mb, stamp) under key; silently does nothing on out of memory. */
void dir_ldap_cache_put(struct dir_ldap_cache *cache, const char *key, const struct dir_mailbox *mb,
                        const char *stamp);

/* A deep copy of src into dst. 0, or -1 (dst freed) on out of memory. */
int dir_mailbox_copy(struct dir_mailbox *dst, const struct dir_mailbox *src);

#endif
