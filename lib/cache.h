/*
 * cache: the last-known-good Autodiscover URL of each address (Outlook's "LKG", PROTOCOL.md
 * §1.2 and §7), one small text file per address in a directory of the caller's choosing
 * (the CLI uses $XDG_CACHE_HOME/autodiscover). Writes go to a temporary file renamed into
 * place, so several processes at once see either the old entry or the new one, never half.
 * Entries expire after the answer's TTL; a failed entry is dropped. No secret is stored.
 */
#ifndef AD_LIB_CACHE_H
#define AD_LIB_CACHE_H

#include <time.h>

#define CACHE_DEFAULT_TTL_HOURS 1
#define CACHE_MAX_TTL_HOURS (24 * 365)

/* The entry's file name inside dir, for address; NULL on out of memory. */
char *cache_path(const char *dir, const char *email);

/*
 * The cached URL for email if present, not expired at now and still a valid Autodiscover
 * URL; NULL otherwise (or on out of memory: a cache is only ever a shortcut).
 */
char *cache_lookup(const char *dir, const char *email, time_t now);

/*
 * Stores url for email until now + ttl_hours (0: drops the entry, as TTL 0 means "do not
 * reuse"). 0, or -1 with errno set (the cache is left as it was).
 */
int cache_store(const char *dir, const char *email, const char *url, long ttl_hours, time_t now);

/* Forgets email's entry; a missing entry is fine. */
void cache_drop(const char *dir, const char *email);

#endif
