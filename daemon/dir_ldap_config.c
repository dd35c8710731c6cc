/* dir_ldap_config: the mailboxes ldap block, one table row per directive (see the header). */
#include "dir_ldap_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_FILTER "(|(mail=%s)(proxyAddresses=smtp:%s))"
#define DEFAULT_LEGACY_DN_FILTER "(legacyExchangeDN=%s)"

/* Defaults follow Active Directory's names, which data/ldap/autodiscover.schema reuses. */
static const char *const default_attrs[DIR_LDAP_ATTR_COUNT] = {
    [DIR_LDAP_ATTR_MAIL] = "mail",
    [DIR_LDAP_ATTR_PROXY] = "proxyAddresses",
    [DIR_LDAP_ATTR_DISPLAY_NAME] = "displayName",
    [DIR_LDAP_ATTR_LEGACY_DN] = "legacyExchangeDN",
    [DIR_LDAP_ATTR_TARGET_ADDRESS] = "targetAddress",
    [DIR_LDAP_ATTR_STAMP] = "modifyTimestamp",
};

/* The names of "attribute NAME ..." in the configuration. */
static const char *const attr_keys[DIR_LDAP_ATTR_COUNT] = {
    [DIR_LDAP_ATTR_MAIL] = "mail",
    [DIR_LDAP_ATTR_PROXY] = "proxy-addresses",
    [DIR_LDAP_ATTR_DISPLAY_NAME] = "display-name",
    [DIR_LDAP_ATTR_LEGACY_DN] = "legacy-dn",
    [DIR_LDAP_ATTR_TARGET_ADDRESS] = "target-address",
    [DIR_LDAP_ATTR_STAMP] = "change-stamp",
};

struct option {
    const char *name;
    size_t nargs;
    int (*apply)(struct dir_ldap_config *c, const char *const *args, char *err, size_t errlen);
};

static int set_string(char **slot, const char *value, const char *name, char *err, size_t errlen)
{
    if (value[0] == '\0') {
        snprintf(err, errlen, "%s: empty value", name);
        return -1;
    }
    char *copy = strdup(value);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(*slot);
    *slot = copy;
    return 0;
}

static int set_number(unsigned *slot, const char *value, unsigned long min, unsigned long max,
                      const char *name, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno == ERANGE || v < min || v > max) {
        snprintf(err, errlen, "%s: expected a number in %lu..%lu, got \"%s\"", name, min, max,
                 value);
        return -1;
    }
    *slot = (unsigned)v;
    return 0;
}

/* "ldaps://a ldaps://b": each one checked for its scheme; TLS is checked at the end. */
static int apply_uri(struct dir_ldap_config *c, const char *const *args, char *err, size_t errlen)
{
    const char *s = args[0];
    while (*s) {
        s += strspn(s, " \t,");
        size_t len = strcspn(s, " \t,");
        if (len == 0)
            break;
        if (strncasecmp(s, "ldap://", 7) != 0 && strncasecmp(s, "ldaps://", 8) != 0) {
            snprintf(err, errlen, "uri: \"%.*s\" is not an ldap:// or ldaps:// URI", (int)len, s);
            return -1;
        }
        char **grown = realloc(c->uris, (c->nuris + 1) * sizeof *grown);
        if (!grown || !(grown[c->nuris] = strndup(s, len))) {
            if (grown)
                c->uris = grown;
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        c->uris = grown;
        c->nuris++;
        s += len;
    }
    if (c->nuris == 0) {
        snprintf(err, errlen, "uri: no URI given");
        return -1;
    }
    return 0;
}

static int apply_base(struct dir_ldap_config *c, const char *const *args, char *err, size_t errlen)
{
    return set_string(&c->base, args[0], "base", err, errlen);
}

static int apply_scope(struct dir_ldap_config *c, const char *const *args, char *err, size_t errlen)
{
    if (strcmp(args[0], "sub") == 0)
        c->scope = 2;
    else if (strcmp(args[0], "one") == 0)
        c->scope = 1;
    else {
        snprintf(err, errlen, "scope: expected sub or one, got \"%s\"", args[0]);
        return -1;
    }
    return 0;
}

static int apply_bind_dn(struct dir_ldap_config *c, const char *const *args, char *err,
                         size_t errlen)
{
    return set_string(&c->bind_dn, args[0], "bind-dn", err, errlen);
}

static int apply_bind_password_file(struct dir_ldap_config *c, const char *const *args, char *err,
                                    size_t errlen)
{
    return set_string(&c->bind_password_file, args[0], "bind-password-file", err, errlen);
}

static int apply_tls_ca(struct dir_ldap_config *c, const char *const *args, char *err,
                        size_t errlen)
{
    return set_string(&c->tls_ca, args[0], "tls-ca", err, errlen);
}

static int apply_starttls(struct dir_ldap_config *c, const char *const *args, char *err,
                          size_t errlen)
{
    if (strcmp(args[0], "yes") != 0 && strcmp(args[0], "no") != 0) {
        snprintf(err, errlen, "starttls: expected yes or no, got \"%s\"", args[0]);
        return -1;
    }
    c->starttls = strcmp(args[0], "yes") == 0;
    return 0;
}

/* A filter template: parenthesised, with at least one %s and no other % sequence. */
static int set_filter(char **slot, const char *value, const char *name, bool needs_key, char *err,
                      size_t errlen)
{
    bool has_key = false;
    for (const char *p = strchr(value, '%'); p; p = strchr(p + 2, '%')) {
        if (p[1] != 's' && p[1] != '%') {
            snprintf(err, errlen, "%s: only %%s and %%%% may follow a %%", name);
            return -1;
        }
        has_key |= p[1] == 's';
    }
    size_t len = strlen(value);
    if (len < 2 || value[0] != '(' || value[len - 1] != ')' || (needs_key && !has_key)) {
        snprintf(err, errlen, "%s: expected a parenthesised LDAP filter%s", name,
                 needs_key ? " with %s for the looked-up value" : "");
        return -1;
    }
    return set_string(slot, value, name, err, errlen);
}

static int apply_filter(struct dir_ldap_config *c, const char *const *args, char *err,
                        size_t errlen)
{
    return set_filter(&c->filter, args[0], "filter", true, err, errlen);
}

static int apply_legacy_dn_filter(struct dir_ldap_config *c, const char *const *args, char *err,
                                  size_t errlen)
{
    return set_filter(&c->legacy_dn_filter, args[0], "legacy-dn-filter", true, err, errlen);
}

static int apply_enabled_filter(struct dir_ldap_config *c, const char *const *args, char *err,
                                size_t errlen)
{
    if (strchr(args[0], '%')) {
        snprintf(err, errlen, "enabled-filter: no %% sequences here");
        return -1;
    }
    return set_filter(&c->enabled_filter, args[0], "enabled-filter", false, err, errlen);
}

static int apply_attribute(struct dir_ldap_config *c, const char *const *args, char *err,
                           size_t errlen)
{
    for (int i = 0; i < DIR_LDAP_ATTR_COUNT; i++) {
        if (strcmp(args[0], attr_keys[i]) != 0)
            continue;
        /* Attribute descriptions: letters, digits, '-' and ';' (options), or an OID. */
        if (strspn(args[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-;.") !=
            strlen(args[1])) {
            snprintf(err, errlen, "attribute %s: \"%s\" is not an attribute name", args[0],
                     args[1]);
            return -1;
        }
        return set_string(&c->attrs[i], args[1], "attribute", err, errlen);
    }
    snprintf(err, errlen,
             "attribute: unknown \"%s\" (mail, proxy-addresses, display-name, legacy-dn, "
             "target-address, change-stamp)",
             args[0]);
    return -1;
}

static int apply_timeout(struct dir_ldap_config *c, const char *const *args, char *err,
                         size_t errlen)
{
    unsigned s;
    if (set_number(&s, args[0], 1, 300, "timeout", err, errlen) < 0)
        return -1;
    c->timeout_ms = s * 1000u;
    return 0;
}

static int apply_connect_timeout(struct dir_ldap_config *c, const char *const *args, char *err,
                                 size_t errlen)
{
    unsigned s;
    if (set_number(&s, args[0], 1, 300, "connect-timeout", err, errlen) < 0)
        return -1;
    c->connect_timeout_ms = s * 1000u;
    return 0;
}

static int apply_pool_size(struct dir_ldap_config *c, const char *const *args, char *err,
                           size_t errlen)
{
    return set_number(&c->pool_size, args[0], 1, 256, "pool-size", err, errlen);
}

static int apply_down_time(struct dir_ldap_config *c, const char *const *args, char *err,
                           size_t errlen)
{
    return set_number(&c->down_seconds, args[0], 1, 3600, "down-time", err, errlen);
}

static int apply_cache_ttl(struct dir_ldap_config *c, const char *const *args, char *err,
                           size_t errlen)
{
    return set_number(&c->cache_ttl, args[0], 0, 3600, "cache-ttl", err, errlen);
}

static int apply_cache_size(struct dir_ldap_config *c, const char *const *args, char *err,
                            size_t errlen)
{
    return set_number(&c->cache_size, args[0], 1, 1u << 20, "cache-size", err, errlen);
}

static const struct option options[] = {
    {"uri", 1, apply_uri},
    {"base", 1, apply_base},
    {"scope", 1, apply_scope},
    {"bind-dn", 1, apply_bind_dn},
    {"bind-password-file", 1, apply_bind_password_file},
    {"tls-ca", 1, apply_tls_ca},
    {"starttls", 1, apply_starttls},
    {"filter", 1, apply_filter},
    {"legacy-dn-filter", 1, apply_legacy_dn_filter},
    {"enabled-filter", 1, apply_enabled_filter},
    {"attribute", 2, apply_attribute},
    {"timeout", 1, apply_timeout},
    {"connect-timeout", 1, apply_connect_timeout},
    {"pool-size", 1, apply_pool_size},
    {"down-time", 1, apply_down_time},
    {"cache-ttl", 1, apply_cache_ttl},
    {"cache-size", 1, apply_cache_size},
};

struct dir_ldap_config *dir_ldap_config_new(void)
{
    struct dir_ldap_config *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->scope = 2;
    c->timeout_ms = 5000;
    c->connect_timeout_ms = 3000;
    c->pool_size = 4;
    c->down_seconds = 30;
    c->cache_ttl = 60;
    c->cache_size = 4096;
    return c;
}

void dir_ldap_config_free(struct dir_ldap_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nuris; i++)
        free(c->uris[i]);
    free(c->uris);
    free(c->base);
    free(c->bind_dn);
    free(c->bind_password_file);
    free(c->tls_ca);
    free(c->filter);
    free(c->legacy_dn_filter);
    free(c->enabled_filter);
    for (int i = 0; i < DIR_LDAP_ATTR_COUNT; i++)
        free(c->attrs[i]);
    free(c);
}

int dir_ldap_config_set(struct dir_ldap_config *c, const char *name, const char *const *args,
                        size_t nargs, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        const struct option *o = &options[i];
        if (strcmp(o->name, name) != 0)
            continue;
        if (nargs != o->nargs) {
            snprintf(err, errlen, "%s: expected %zu argument%s", name, o->nargs,
                     o->nargs == 1 ? "" : "s");
            return -1;
        }
        /* attribute may repeat (one per mapped name); everything else is said once. */
        if (o->apply != apply_attribute && (c->seen & (1ull << i))) {
            snprintf(err, errlen, "duplicate %s", name);
            return -1;
        }
        c->seen |= 1ull << i;
        return o->apply(c, args, err, errlen);
    }
    snprintf(err, errlen, "unknown directive \"%s\" in a mailboxes block", name);
    return -1;
}

int dir_ldap_config_finish(struct dir_ldap_config *c, char *err, size_t errlen)
{
    if (c->nuris == 0 || !c->base) {
        snprintf(err, errlen, "mailboxes ldap: %s missing", c->nuris == 0 ? "uri" : "base");
        return -1;
    }
    if (!c->bind_dn != !c->bind_password_file) {
        snprintf(err, errlen, "mailboxes ldap: bind-dn and bind-password-file go together");
        return -1;
    }
    /* Users' passwords are sent in simple binds: never over a clear connection. */
    for (size_t i = 0; i < c->nuris; i++) {
        if (!c->starttls && strncasecmp(c->uris[i], "ldaps://", 8) != 0) {
            snprintf(err, errlen,
                     "mailboxes ldap: %s is not ldaps:// and starttls is off (passwords would "
                     "cross the network in clear)",
                     c->uris[i]);
            return -1;
        }
        if (c->starttls && strncasecmp(c->uris[i], "ldaps://", 8) == 0) {
            snprintf(err, errlen, "mailboxes ldap: starttls yes needs ldap:// URIs, not %s",
                     c->uris[i]);
            return -1;
        }
    }
    if ((!c->filter && set_string(&c->filter, DEFAULT_FILTER, "filter", err, errlen) < 0) ||
        (!c->legacy_dn_filter &&
         set_string(&c->legacy_dn_filter, DEFAULT_LEGACY_DN_FILTER, "filter", err, errlen) < 0))
        return -1;
    for (int i = 0; i < DIR_LDAP_ATTR_COUNT; i++)
        if (!c->attrs[i] &&
            set_string(&c->attrs[i], default_attrs[i], "attribute", err, errlen) < 0)
            return -1;
    return 0;
}

void dir_ldap_config_attr_list(const struct dir_ldap_config *c, char *out[DIR_LDAP_ATTR_COUNT + 1])
{
    for (int i = 0; i < DIR_LDAP_ATTR_COUNT; i++)
        out[i] = c->attrs[i];
    out[DIR_LDAP_ATTR_COUNT] = NULL;
}
