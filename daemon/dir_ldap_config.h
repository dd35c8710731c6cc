/*
 * dir_ldap_config: the "mailboxes ldap { ... }" block of autodiscoverd.conf (doc/autodiscoverd.md,
 * "Mailboxes in LDAP"). config.c hands every statement of the block to dir_ldap_config_set
 * and calls dir_ldap_config_finish at its '}'; dir_ldap.c reads the result. No libldap here,
 * so parsing a configuration never touches the network.
 */
#ifndef AD_DAEMON_DIR_LDAP_CONFIG_H
#define AD_DAEMON_DIR_LDAP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* The entry attributes a mailbox is read from ("attribute NAME LDAP-ATTRIBUTE"). */
enum dir_ldap_attr {
    DIR_LDAP_ATTR_MAIL,           /* mail */
    DIR_LDAP_ATTR_PROXY,          /* proxyAddresses: SMTP:primary, smtp:alias */
    DIR_LDAP_ATTR_DISPLAY_NAME,   /* displayName */
    DIR_LDAP_ATTR_LEGACY_DN,      /* legacyExchangeDN */
    DIR_LDAP_ATTR_TARGET_ADDRESS, /* targetAddress */
    DIR_LDAP_ATTR_STAMP,          /* modifyTimestamp: changes with the entry (password too) */
    DIR_LDAP_ATTR_COUNT
};

struct dir_ldap_config {
    char **uris; /* failover order */
    size_t nuris;
    char *base;
    int scope;                /* LDAP_SCOPE_SUBTREE (2) or LDAP_SCOPE_ONELEVEL (1) */
    char *bind_dn;            /* NULL: anonymous searches */
    char *bind_password_file; /* read at open, never logged */
    char *tls_ca;             /* NULL: the system's trust store */
    bool starttls;
    char *filter;           /* "%s" is the escaped address */
    char *legacy_dn_filter; /* "%s" is the escaped legacy DN */
    char *enabled_filter;   /* ANDed with both; NULL: every entry found is enabled */
    char *attrs[DIR_LDAP_ATTR_COUNT];
    unsigned timeout_ms;         /* each LDAP operation */
    unsigned connect_timeout_ms; /* TCP connect (and the TLS handshake) */
    unsigned pool_size;          /* connections for searches; as many again for user binds */
    unsigned down_seconds;       /* a server that failed is skipped this long */
    unsigned cache_ttl;          /* seconds a found mailbox is remembered; 0: no cache */
    unsigned cache_size;         /* entries */
    /* Parser bookkeeping: which directives were given (one bit per table row). */
    unsigned long long seen;
};

struct dir_ldap_config *dir_ldap_config_new(void);
void dir_ldap_config_free(struct dir_ldap_config *c);

/*
 * One statement of the block: name and its arguments (nargs 1 or 2). 0, or -1 with a
 * one-line reason (without file and line) in err.
 */
int dir_ldap_config_set(struct dir_ldap_config *c, const char *name, const char *const *args,
                        size_t nargs, char *err, size_t errlen);
/* At the block's '}': what the whole block must say (uri, base, TLS). 0 or -1 with err. */
int dir_ldap_config_finish(struct dir_ldap_config *c, char *err, size_t errlen);

/* The attribute names to request in a search, NULL-terminated (points into c). */
void dir_ldap_config_attr_list(const struct dir_ldap_config *c, char *out[DIR_LDAP_ATTR_COUNT + 1]);

#endif
