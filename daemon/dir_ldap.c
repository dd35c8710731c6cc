/* dir_ldap: the LDAP mailbox backend (see dir_ldap.h). */
#include "dir_ldap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dir_ldap_cache.h"
#include "dir_ldap_pool.h"
#include "dir_sqlite.h"
#include "ldap_client.h"
#include "log.h"

#define BIND_PASSWORD_MAX 1024

struct dir_ldap {
    const struct dir_ldap_config *cfg;
    struct dir_sqlite *org; /* organisations, domains, Protocol sections, pods, overrides */
    struct ldap_pool *pool;
    struct dir_ldap_cache *cache;
    char *attrs[DIR_LDAP_ATTR_COUNT + 1];
};

/* --- opening --- */

/* The first line of path, without its newline, into buf. 0, or -1 with err set. */
static int read_password_file(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "bind-password-file %s: %s", path, strerror(errno));
        return -1;
    }
    bool ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok) {
        snprintf(err, errlen, "bind-password-file %s: empty", path);
        return -1;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static void dl_close(void *impl)
{
    struct dir_ldap *dl = impl;
    if (!dl)
        return;
    ldap_pool_free(dl->pool);
    dir_ldap_cache_free(dl->cache);
    dir_sqlite_close(dl->org);
    free(dl);
}

void *dir_ldap_open(const struct dir_ldap_config *cfg, const char *sqlite_path, char *err,
                    size_t errlen)
{
    struct dir_ldap *dl = calloc(1, sizeof *dl);
    if (!dl) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    dl->cfg = cfg;
    dir_ldap_config_attr_list(cfg, dl->attrs);
    char password[BIND_PASSWORD_MAX] = "";
    if (!(dl->org = dir_sqlite_open(sqlite_path, true, err, errlen)) ||
        (cfg->bind_password_file &&
         read_password_file(cfg->bind_password_file, password, sizeof password, err, errlen) < 0))
        goto fail;
    dl->pool = ldap_pool_new(cfg, password, err, errlen);
    explicit_bzero(password, sizeof password);
    if (!dl->pool)
        goto fail;
    if (!(dl->cache = dir_ldap_cache_new(cfg->cache_size, cfg->cache_ttl))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return dl;
fail:
    explicit_bzero(password, sizeof password);
    dl_close(dl);
    return NULL;
}

/* --- searching --- */

/* The raw values of one entry. */
struct entry_values {
    char *dn;
    char **mail, **proxy;
    size_t nmail, nproxy;
    char *display_name, *legacy_dn, *target, *stamp;
};

static void entry_values_free(struct entry_values *v)
{
    ldap_memfree(v->dn);
    ldapc_values_free(v->mail);
    ldapc_values_free(v->proxy);
    free(v->display_name);
    free(v->legacy_dn);
    free(v->target);
    free(v->stamp);
    memset(v, 0, sizeof *v);
}

static bool has_prefix_nocase(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* The primary address as stored (not yet lower-cased): "SMTP:" (upper case) first, else mail. */
static const char *primary_of(const struct entry_values *v)
{
    for (size_t i = 0; i < v->nproxy; i++)
        if (strncmp(v->proxy[i], "SMTP:", 5) == 0 && v->proxy[i][5])
            return v->proxy[i] + 5;
    return v->nmail > 0 && v->mail[0][0] ? v->mail[0] : NULL;
}

static int read_entry(struct dir_ldap *dl, LDAP *ld, LDAPMessage *e, struct entry_values *v)
{
    char *const *a = dl->attrs;
    bool oom = false;
    v->dn = ldap_get_dn(ld, e);
    if (!v->dn || ldapc_values(ld, e, a[DIR_LDAP_ATTR_MAIL], &v->mail, &v->nmail) < 0 ||
        ldapc_values(ld, e, a[DIR_LDAP_ATTR_PROXY], &v->proxy, &v->nproxy) < 0)
        return -1;
    v->display_name = ldapc_first_value(ld, e, a[DIR_LDAP_ATTR_DISPLAY_NAME], &oom);
    v->legacy_dn = ldapc_first_value(ld, e, a[DIR_LDAP_ATTR_LEGACY_DN], &oom);
    v->target = ldapc_first_value(ld, e, a[DIR_LDAP_ATTR_TARGET_ADDRESS], &oom);
    v->stamp = ldapc_first_value(ld, e, a[DIR_LDAP_ATTR_STAMP], &oom);
    return oom ? -1 : 0;
}

struct search {
    struct dir_ldap *dl;
    const char *filter;
    const char *want; /* an address whose primary entry wins over entries having it as alias */
    struct entry_values found;
    bool oom;
};

/*
 * Runs on a pooled handle (possibly twice: the retry after a broken connection), so it
 * starts from a clean result. Of several entries, the one whose primary address is the
 * one looked for wins (after a migration the cloud object carries the on-premises address
 * as an alias), as in the SQLite backend; else the first.
 */
static int search_fn(LDAP *ld, void *arg)
{
    struct search *s = arg;
    entry_values_free(&s->found);
    s->oom = false;
    LDAPMessage *res = NULL;
    int rc = ldapc_search(ld, s->dl->cfg->base, s->dl->cfg->scope, s->filter, s->dl->attrs,
                          (long)s->dl->cfg->timeout_ms, &res);
    if (rc != LDAP_SUCCESS)
        return rc;
    for (LDAPMessage *e = ldap_first_entry(ld, res); e; e = ldap_next_entry(ld, e)) {
        struct entry_values v = {0};
        if (read_entry(s->dl, ld, e, &v) < 0) {
            entry_values_free(&v);
            s->oom = true;
            break;
        }
        const char *primary = primary_of(&v);
        if (!primary) {
            entry_values_free(&v); /* an entry without any address is not a mailbox */
            continue;
        }
        bool exact = s->want && strcasecmp(primary, s->want) == 0;
        if (!s->found.dn || exact) {
            entry_values_free(&s->found);
            s->found = v;
        } else {
            entry_values_free(&v);
        }
        if (exact)
            break;
    }
    ldap_msgfree(res);
    return LDAP_SUCCESS;
}

/* template with every %s replaced by value (already escaped) and %% by %, inside
 * (&ENABLED TEMPLATE) when an enabled-filter is set. NULL on out of memory. */
static char *make_filter(const char *enabled, const char *template, const char *value)
{
    size_t n = strlen(template) + 1 + (enabled ? strlen(enabled) + 3 : 0);
    for (const char *p = strstr(template, "%s"); p; p = strstr(p + 2, "%s"))
        n += strlen(value);
    char *out = malloc(n), *o = out;
    if (!out)
        return NULL;
    if (enabled)
        o += sprintf(o, "(&%s", enabled);
    for (const char *t = template; *t; t++) {
        if (t[0] == '%' && t[1] == 's') {
            o = stpcpy(o, value);
            t++;
        } else if (t[0] == '%' && t[1] == '%') {
            *o++ = '%';
            t++;
        } else {
            *o++ = *t;
        }
    }
    if (enabled)
        *o++ = ')';
    *o = '\0';
    return out;
}

/* Adds a lower-cased copy of address to mb's aliases unless it is mb's address or known. */
static int add_alias(struct dir_mailbox *mb, const char *address)
{
    if (!address[0] || dir_mailbox_answers_to(mb, address))
        return 0;
    char **grown = realloc(mb->aliases, (mb->naliases + 1) * sizeof *grown);
    if (!grown)
        return -1;
    mb->aliases = grown;
    if (!(grown[mb->naliases] = strdup(address)))
        return -1;
    dir_lowercase(grown[mb->naliases++]);
    return 0;
}

static char *dup_lower(const char *s)
{
    char *copy = strdup(s);
    if (copy)
        dir_lowercase(copy);
    return copy;
}

/*
 * The mailbox of an entry, its organisation from the SQLite directory. 1, 0 when the
 * address's domain is not an accepted domain there (the mailbox is not ours), -1.
 */
static int build_mailbox(struct dir_ldap *dl, const struct entry_values *v, struct dir_mailbox *mb)
{
    memset(mb, 0, sizeof *mb);
    const char *primary = primary_of(v);
    const char *at = strrchr(primary, '@');
    if (!at || !at[1]) {
        log_debug("LDAP entry %s: primary address without a domain", v->dn);
        return 0;
    }
    int rc = dir_sqlite_find_organisation(dl->org, at + 1, &mb->organisation, &mb->deployment_id);
    if (rc <= 0) {
        if (rc == 0)
            log_debug("LDAP entry %s: %s is not an accepted domain", v->dn, at + 1);
        return rc;
    }
    /* targetAddress holds "SMTP:user@domain" in AD; the bare address is what we answer. */
    const char *target = v->target;
    if (target && has_prefix_nocase(target, "smtp:"))
        target = target + 5;
    bool oom = !(mb->address = dup_lower(primary)) ||
               !(mb->display_name = strdup(v->display_name ? v->display_name : primary)) ||
               !(mb->legacy_dn = strdup(v->legacy_dn ? v->legacy_dn : "")) ||
               (target && *target && !(mb->target_address = dup_lower(target)));
    for (size_t i = 0; !oom && i < v->nproxy; i++)
        if (has_prefix_nocase(v->proxy[i], "smtp:"))
            oom = add_alias(mb, v->proxy[i] + 5) < 0;
    for (size_t i = 0; !oom && i < v->nmail; i++)
        oom = add_alias(mb, v->mail[i]) < 0;
    if (oom) {
        dir_mailbox_free(mb);
        return -1;
    }
    return 1;
}

/*
 * A mailbox by address (by_legacy_dn false) or legacy DN, with its stamp
 * ("CHANGE-STAMP\nDN", caller frees). The cache first; only found mailboxes are cached.
 */
static int lookup(struct dir_ldap *dl, bool by_legacy_dn, const char *key, struct dir_mailbox *out,
                  char **stamp)
{
    memset(out, 0, sizeof *out);
    *stamp = NULL;
    size_t klen = strlen(key);
    char *ckey = malloc(klen + 3);
    if (!ckey)
        return -1;
    snprintf(ckey, klen + 3, "%c:%s", by_legacy_dn ? 'l' : 'a', key);
    dir_lowercase(ckey);
    int rc = dir_ldap_cache_get(dl->cache, ckey, out, stamp);
    if (rc != 0) {
        free(ckey);
        return rc;
    }
    char *escaped = ldapc_filter_escape(ckey + 2);
    char *filter =
        escaped ? make_filter(dl->cfg->enabled_filter,
                              by_legacy_dn ? dl->cfg->legacy_dn_filter : dl->cfg->filter, escaped)
                : NULL;
    struct search s = {.dl = dl, .filter = filter, .want = by_legacy_dn ? NULL : ckey + 2};
    rc = -1;
    if (filter) {
        int lrc = ldap_pool_run(dl->pool, LDAP_POOL_SEARCH, search_fn, &s);
        if (lrc != LDAP_SUCCESS)
            log_warnx("LDAP search for a mailbox failed: %s", ldap_err2string(lrc));
        else if (s.oom)
            rc = -1;
        else if (!s.found.dn)
            rc = 0;
        else
            rc = build_mailbox(dl, &s.found, out);
    }
    if (rc == 1) {
        const char *cs = s.found.stamp ? s.found.stamp : "";
        size_t n = strlen(cs) + strlen(s.found.dn) + 2;
        if ((*stamp = malloc(n))) {
            snprintf(*stamp, n, "%s\n%s", cs, s.found.dn);
            dir_ldap_cache_put(dl->cache, ckey, out, *stamp);
        } else {
            dir_mailbox_free(out);
            rc = -1;
        }
    }
    entry_values_free(&s.found);
    free(filter);
    free(escaped);
    free(ckey);
    return rc;
}

static int dl_find_mailbox(void *impl, const char *address, struct dir_mailbox *out)
{
    char *stamp;
    int rc = lookup(impl, false, address, out, &stamp);
    free(stamp);
    return rc;
}

static int dl_find_mailbox_by_legacy_dn(void *impl, const char *legacy_dn, struct dir_mailbox *out)
{
    char *stamp;
    int rc = lookup(impl, true, legacy_dn, out, &stamp);
    free(stamp);
    return rc;
}

/* --- authentication --- */

/* In place of a hash: the entry's stamp, which the credential cache keys on. */
static int dl_password_hash(void *impl, const char *address, char *out, size_t outlen,
                            char *primary, size_t primarylen)
{
    struct dir_mailbox mb;
    char *stamp;
    int rc = lookup(impl, false, address, &mb, &stamp);
    if (rc == 1) {
        if (strlen(stamp) < outlen && strlen(mb.address) < primarylen) {
            memcpy(out, stamp, strlen(stamp) + 1);
            memcpy(primary, mb.address, strlen(mb.address) + 1);
        } else {
            log_warnx("LDAP entry of %s: DN or address too long", mb.address);
            rc = -1;
        }
        dir_mailbox_free(&mb);
    }
    free(stamp);
    return rc;
}

struct bind_args {
    const char *dn;
    const char *password;
};

static int bind_fn(LDAP *ld, void *arg)
{
    const struct bind_args *b = arg;
    return ldapc_bind(ld, b->dn, b->password);
}

/* A simple bind as the entry named by stamp: 1 accepted, 0 refused, -1 no answer. */
static int dl_verify_password(void *impl, const char *stamp, const char *password)
{
    struct dir_ldap *dl = impl;
    const char *nl = strchr(stamp, '\n');
    /* An empty password would make an unauthenticated bind, which succeeds (RFC 4513 5.1.2). */
    if (!nl || !nl[1] || !password[0])
        return 0;
    struct bind_args b = {.dn = nl + 1, .password = password};
    int rc = ldap_pool_run(dl->pool, LDAP_POOL_AUTH, bind_fn, &b);
    switch (rc) {
    case LDAP_SUCCESS:
        return 1;
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_UNWILLING_TO_PERFORM:
    case LDAP_CONSTRAINT_VIOLATION: /* e.g. a locked account (password policy) */
    case LDAP_INSUFFICIENT_ACCESS:
    case LDAP_NO_SUCH_OBJECT:
        return 0;
    default:
        log_warnx("LDAP bind to check a password failed: %s", ldap_err2string(rc));
        return -1;
    }
}

/* --- organisation data: the SQLite companion --- */

static int dl_add_protocols(void *impl, const char *organisation, struct pox_response *resp)
{
    return dir_sqlite_ops.add_protocols(((struct dir_ldap *)impl)->org, organisation, resp);
}

static int dl_add_mailbox_protocols(void *impl, const char *address, struct pox_response *resp)
{
    return dir_sqlite_ops.add_mailbox_protocols(((struct dir_ldap *)impl)->org, address, resp);
}

static int dl_find_pod_url(void *impl, const char *domain, char *out, size_t outlen)
{
    return dir_sqlite_ops.find_pod_url(((struct dir_ldap *)impl)->org, domain, out, outlen);
}

static int dl_find_domain(void *impl, const char *domain, char **organisation)
{
    return dir_sqlite_ops.find_domain(((struct dir_ldap *)impl)->org, domain, organisation);
}

static int ping_fn(LDAP *ld, void *arg)
{
    struct dir_ldap *dl = arg;
    char *attrs[] = {LDAP_NO_ATTRS, NULL};
    LDAPMessage *res = NULL;
    int rc = ldapc_search(ld, dl->cfg->base, LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
                          (long)dl->cfg->timeout_ms, &res);
    ldap_msgfree(res);
    return rc;
}

/* Healthy when SQLite answers and an LDAP server reads the base entry. */
static int dl_ping(void *impl)
{
    struct dir_ldap *dl = impl;
    char *organisation = NULL;
    int rc = dl_find_domain(dl, "healthz.invalid", &organisation);
    free(organisation);
    if (rc < 0)
        return -1;
    rc = ldap_pool_run(dl->pool, LDAP_POOL_SEARCH, ping_fn, dl);
    return rc == LDAP_SUCCESS ? 0 : -1;
}

const struct directory_ops dir_ldap_ops = {
    .close = dl_close,
    .find_mailbox = dl_find_mailbox,
    .find_mailbox_by_legacy_dn = dl_find_mailbox_by_legacy_dn,
    .add_protocols = dl_add_protocols,
    .add_mailbox_protocols = dl_add_mailbox_protocols,
    .password_hash = dl_password_hash,
    .find_pod_url = dl_find_pod_url,
    .find_domain = dl_find_domain,
    .verify_password = dl_verify_password,
    .ping = dl_ping,
};
