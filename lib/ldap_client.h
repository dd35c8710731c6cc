/*
 * ldap_client: the small part of OpenLDAP's libldap every LDAP user of the project needs
 * (the client's SCP look-up, the daemon's LDAP directory and SCP publishing): open a handle
 * with bounded timeouts, TLS trust from one CA file, StartTLS, an anonymous or simple bind;
 * read the RootDSE; copy attribute values out as C strings. Never prints; errors come back
 * as one line in a caller's buffer and never contain the bind password.
 */
#ifndef AD_LIB_LDAP_CLIENT_H
#define AD_LIB_LDAP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <ldap.h>

struct ldapc_options {
    const char *cacert;        /* PEM CA file for ldaps:// and StartTLS; NULL: the system's */
    bool starttls;             /* StartTLS on an ldap:// URI (required: fails without it) */
    const char *bind_dn;       /* NULL: anonymous (no bind at all, LDAPv3 allows it) */
    const char *bind_password; /* the simple bind's password */
    long timeout_ms;           /* connect and each operation; <= 0: 10 s */
};

/*
 * Connects to uri ("ldap://host[:port]", "ldaps://...") and binds as o says. 0 with *out set,
 * -1 with a reason in err (the bind's "invalid credentials" is LDAP_INVALID_CREDENTIALS in
 * *ldap_rc, which may be NULL).
 */
int ldapc_connect(const char *uri, const struct ldapc_options *o, LDAP **out, int *ldap_rc,
                  char *err, size_t errlen);
/* A simple bind on an open handle (another user on the same connection). LDAP result code. */
int ldapc_bind(LDAP *ld, const char *dn, const char *password);
void ldapc_close(LDAP *ld);

/* ldap_search_ext_s with the handle's timeout; the LDAP result code (LDAP_SUCCESS...). */
int ldapc_search(LDAP *ld, const char *base, int scope, const char *filter, char **attrs,
                 long timeout_ms, LDAPMessage **res);

/*
 * The string values of attr in entry, copied (values holding a NUL byte are dropped).
 * 0 with *values (NULL-terminated, free with ldapc_values_free) and *n; -1 on out of memory.
 */
int ldapc_values(LDAP *ld, LDAPMessage *entry, const char *attr, char ***values, size_t *n);
/* The first value of attr, copied, or NULL (*oom set on out of memory). */
char *ldapc_first_value(LDAP *ld, LDAPMessage *entry, const char *attr, bool *oom);
void ldapc_values_free(char **values);

/* configurationNamingContext of the RootDSE into *out (caller frees). LDAP result code;
 * LDAP_NO_SUCH_ATTRIBUTE when the RootDSE has none. */
int ldapc_config_nc(LDAP *ld, long timeout_ms, char **out);

/* One line for an LDAP result code plus the server's diagnostic message, if any. */
void ldapc_describe(LDAP *ld, int rc, char *buf, size_t len);

/* Escapes a value for use inside a search filter (RFC 4515); NULL on out of memory. */
char *ldapc_filter_escape(const char *value);

#endif
