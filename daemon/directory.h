/*
 * directory: where mailboxes, domains, organisations and their Protocol sections live.
 * The daemon sees only this interface; dir_sqlite.c implements it today, dir_ldap.c will.
 *
 * Lookups return 1 when found, 0 when not found, -1 on an error (logged by the caller).
 * Every function is safe to call from several threads at once on the same handle.
 */
#ifndef AD_DAEMON_DIRECTORY_H
#define AD_DAEMON_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pox.h"

struct directory;

struct dir_mailbox {
    char *address; /* primary SMTP address, lower-case */
    char *display_name;
    char *legacy_dn;
    char *target_address; /* NULL unless the mailbox moved (hybrid: answer redirectAddr) */
    char *organisation;
    char *deployment_id; /* the organisation's GUID */
    char **aliases;      /* other addresses of the mailbox, lower-case */
    size_t naliases;
};

/* The backend behind a handle; one table of these per implementation. */
struct directory_ops {
    void (*close)(void *impl);
    int (*find_mailbox)(void *impl, const char *address, struct dir_mailbox *out);
    int (*find_mailbox_by_legacy_dn)(void *impl, const char *legacy_dn, struct dir_mailbox *out);
    int (*add_protocols)(void *impl, const char *organisation, struct pox_response *resp);
    /* By primary address or alias; also copies the mailbox's primary address. */
    int (*password_hash)(void *impl, const char *address, char *out, size_t outlen,
                         char *primary, size_t primarylen);
    /* The URL of the pod serving the tenant that owns domain (lower-cased by the backend). */
    int (*find_pod_url)(void *impl, const char *domain, char *out, size_t outlen);
    int (*find_domain)(void *impl, const char *domain, char **organisation);
    /* A mailbox's own Protocol sections (by primary address); NULL: the backend has none. */
    int (*add_mailbox_protocols)(void *impl, const char *address, struct pox_response *resp);
    /*
     * Backends that check passwords themselves (LDAP: a bind as the entry); NULL: yescrypt
     * against password_hash's hash. password_hash then returns an opaque stamp that changes
     * with the entry (it keys the credential cache), handed back here. 1, 0, -1.
     */
    int (*verify_password)(void *impl, const char *stamp, const char *password);
    /* 0 healthy, -1 not (GET /healthz); NULL: a read of the domains. */
    int (*ping)(void *impl);
    /* 1 when delegate (a primary address) may read mailbox's settings; NULL: none can. */
    int (*is_delegate)(void *impl, const char *mailbox, const char *delegate);
    /* The calling thread's lookups until read_end share one read transaction; may be NULL. */
    void (*read_begin)(void *impl);
    void (*read_end)(void *impl);
    /*
     * A stamp that changes whenever a lookup may answer differently (directory_version);
     * NULL when the backend cannot tell (LDAP): then nothing derived from it is cached.
     */
    int64_t (*version)(void *impl);
};

/* Opens "sqlite:/path" read-only; NULL on failure with a one-line reason in err. */
struct directory *directory_open(const char *uri, char *err, size_t errlen);
struct dir_ldap_config;
/*
 * The same, with the mailboxes taken from LDAP when mailboxes is not NULL (the "mailboxes
 * ldap" block; uri then keeps organisations, domains, protocols and pods).
 */
struct directory *directory_open_with(const char *uri, const struct dir_ldap_config *mailboxes,
                                      char *err, size_t errlen);
void directory_close(struct directory *dir);

/*
 * address is matched case-insensitively, against primary addresses first, then aliases.
 * Disabled mailboxes are not found.
 */
int directory_find_mailbox(struct directory *dir, const char *address, struct dir_mailbox *out);
int directory_find_mailbox_by_legacy_dn(struct directory *dir, const char *legacy_dn,
                                        struct dir_mailbox *out);
void dir_mailbox_free(struct dir_mailbox *mb);
/* true when address (any case) is mb's primary address or one of its aliases. */
bool dir_mailbox_answers_to(const struct dir_mailbox *mb, const char *address);
/*
 * Whether the user authenticated as auth_address (a primary address) may read mb's
 * settings: mb answers to it, or it is one of mb's delegates (autodiscoverctl mailbox
 * delegate, Exchange's FullAccess). 1 yes, 0 no, -1 error.
 */
int directory_may_read(struct directory *dir, const struct dir_mailbox *mb,
                       const char *auth_address);

/*
 * Router: the Autodiscover URL of the pod serving the tenant that owns address's domain,
 * copied into out. 1 hosted, 0 not a hosted domain (or no '@'), -1 error.
 */
int directory_find_pod_url(struct directory *dir, const char *address, char *out, size_t outlen);

/* 1 with *organisation set (caller frees) when domain is an accepted domain (any case). */
int directory_find_domain(struct directory *dir, const char *domain, char **organisation);

/* Appends the organisation's Protocol sections to resp, in their stored order. 0 or -1. */
int directory_add_protocols(struct directory *dir, const char *organisation,
                            struct pox_response *resp);

/*
 * The Protocol sections mb's answers carry: its organisation's, except that every type mb
 * has sections of itself (autodiscoverctl protocol add --mailbox) is replaced by mb's own,
 * at the place of the organisation's first section of that type (else at the end). 0 or -1.
 */
int directory_add_mailbox_protocols(struct directory *dir, const struct dir_mailbox *mb,
                                    struct pox_response *resp);

/*
 * 1 when address (a primary address or an alias of an enabled mailbox) names a mailbox whose
 * password is password, with the mailbox's primary address copied into primary; 0
 * otherwise; -1 on error. An unknown address costs the same yescrypt work as a known one,
 * so timing does not tell which addresses exist (SQLite; an LDAP backend binds only for a
 * known address: doc/autodiscoverd.md, "Mailboxes in LDAP").
 */
int directory_verify_password(struct directory *dir, const char *address, const char *password,
                              char *primary, size_t primarylen);

struct cred_cache;
/*
 * The same, remembering successes in cache (may be NULL): the stored hash is looked up for
 * every request (a disabled or removed mailbox is not found, a changed hash gives another
 * cache tag), but a (name, password, hash) verified less than the cache's TTL ago skips
 * yescrypt. *cache_hit (may be NULL) tells whether that happened. The lookup itself comes
 * from the answer cache while directory_version is unchanged (a found hash only); *version
 * (may be NULL) is the version read for it, before the lookup, so that the request's answer
 * can be taken from the same state of the directory (pox_handle_caps_cached).
 */
int directory_verify_password_cached(struct directory *dir, struct cred_cache *cache,
                                     const char *address, const char *password, char *primary,
                                     size_t primarylen, bool *cache_hit, int64_t *version);

/* 0 when the directory answers a lookup, -1 when it fails (for GET /healthz). */
int directory_ping(struct directory *dir);

/*
 * The lookups of one request (between these two, on the calling thread) see one snapshot
 * and cost one read transaction (SQLite). Nothing that waits (yescrypt, a network read)
 * may run between them: the backend's lock is held from the first lookup to the end.
 */
void directory_read_begin(struct directory *dir);
void directory_read_end(struct directory *dir);

/*
 * A stamp of the directory's contents: a lookup made after it changed may answer
 * differently; one made while it is unchanged answers the same (SQLite: PRAGMA data_version,
 * which moves when another connection commits, and this connection's own change count).
 * -1 when the backend cannot tell, or on error. Read it before the lookups it vouches for.
 */
int64_t directory_version(struct directory *dir);

struct answer_cache;
/*
 * Answers worked out from this directory (answer_cache.h), to be used with
 * directory_version; NULL when the backend has no version (nothing is cached then).
 */
struct answer_cache *directory_answer_cache(struct directory *dir);

/* Lower-cases ASCII letters in place (addresses and domains are stored lower-case). */
void dir_lowercase(char *s);

#endif
