/* ldap_client: libldap with the project's defaults (see ldap_client.h). */
#include "ldap_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LDAPC_DEFAULT_TIMEOUT_MS 10000L

static struct timeval to_timeval(long ms)
{
    if (ms <= 0)
        ms = LDAPC_DEFAULT_TIMEOUT_MS;
    return (struct timeval){.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
}

void ldapc_describe(LDAP *ld, int rc, char *buf, size_t len)
{
    char *diag = NULL;
    if (ld)
        ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
    snprintf(buf, len, "%s%s%s", ldap_err2string(rc), diag && *diag ? ": " : "",
             diag && *diag ? diag : "");
    ldap_memfree(diag);
}

/* Options before the first operation: the connection is only made by the first one. */
static int set_options(LDAP *ld, const struct ldapc_options *o)
{
    int version = LDAP_VERSION3;
    struct timeval tv = to_timeval(o->timeout_ms);
    /* Referrals would be chased with the same credentials to any host a server names. */
    if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS)
        return -1;
    int demand = LDAP_OPT_X_TLS_DEMAND;
    if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS)
        return -1;
    if (o->cacert && ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, o->cacert) != LDAP_OPT_SUCCESS)
        return -1;
    /* A new TLS context for this handle, so its CA file applies (and no one else's). */
    int server = 0;
    return ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &server) == LDAP_OPT_SUCCESS ? 0 : -1;
}

int ldapc_bind(LDAP *ld, const char *dn, const char *password)
{
    struct berval cred = {.bv_len = password ? strlen(password) : 0,
                          .bv_val = (char *)(password ? password : "")};
    return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

int ldapc_connect(const char *uri, const struct ldapc_options *o, LDAP **out, int *ldap_rc,
                  char *err, size_t errlen)
{
    *out = NULL;
    LDAP *ld = NULL;
    int rc = ldap_initialize(&ld, uri);
    if (ldap_rc)
        *ldap_rc = rc;
    if (rc != LDAP_SUCCESS) {
        snprintf(err, errlen, "not a usable LDAP URI: %s", ldap_err2string(rc));
        return -1;
    }
    if (set_options(ld, o) < 0) {
        snprintf(err, errlen, "libldap refused an option (TLS support missing?)");
        ldap_unbind_ext_s(ld, NULL, NULL);
        return -1;
    }
    const char *what = "connect";
    rc = LDAP_SUCCESS;
    if (o->starttls) {
        what = "StartTLS";
        rc = ldap_start_tls_s(ld, NULL, NULL);
    }
    if (rc == LDAP_SUCCESS && o->bind_dn) {
        what = "simple bind";
        rc = ldapc_bind(ld, o->bind_dn, o->bind_password);
    }
    if (ldap_rc)
        *ldap_rc = rc;
    if (rc != LDAP_SUCCESS) {
        char why[256];
        ldapc_describe(ld, rc, why, sizeof why);
        snprintf(err, errlen, "%s failed: %s", what, why);
        ldap_unbind_ext_s(ld, NULL, NULL);
        return -1;
    }
    *out = ld;
    return 0;
}

void ldapc_close(LDAP *ld)
{
    if (ld)
        ldap_unbind_ext_s(ld, NULL, NULL);
}

int ldapc_search(LDAP *ld, const char *base, int scope, const char *filter, char **attrs,
                 long timeout_ms, LDAPMessage **res)
{
    struct timeval tv = to_timeval(timeout_ms);
    *res = NULL;
    int rc =
        ldap_search_ext_s(ld, base, scope, filter, attrs, 0, NULL, NULL, &tv, LDAP_NO_LIMIT, res);
    if (rc != LDAP_SUCCESS && *res) {
        ldap_msgfree(*res);
        *res = NULL;
    }
    return rc;
}

void ldapc_values_free(char **values)
{
    if (!values)
        return;
    for (char **v = values; *v; v++)
        free(*v);
    free(values);
}

int ldapc_values(LDAP *ld, LDAPMessage *entry, const char *attr, char ***values, size_t *n)
{
    *values = NULL;
    *n = 0;
    struct berval **vals = ldap_get_values_len(ld, entry, attr);
    size_t count = vals ? (size_t)ldap_count_values_len(vals) : 0;
    char **copy = calloc(count + 1, sizeof *copy);
    if (!copy) {
        ldap_value_free_len(vals);
        return -1;
    }
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        const struct berval *b = vals[i];
        if (memchr(b->bv_val, '\0', b->bv_len))
            continue;
        if (!(copy[used] = strndup(b->bv_val, b->bv_len))) {
            ldap_value_free_len(vals);
            ldapc_values_free(copy);
            return -1;
        }
        used++;
    }
    ldap_value_free_len(vals);
    *values = copy;
    *n = used;
    return 0;
}

char *ldapc_first_value(LDAP *ld, LDAPMessage *entry, const char *attr, bool *oom)
{
    char **values = NULL;
    size_t n = 0;
    if (ldapc_values(ld, entry, attr, &values, &n) < 0) {
        *oom = true;
        return NULL;
    }
    char *first = n > 0 ? values[0] : NULL;
    for (size_t i = 1; i < n; i++)
        free(values[i]);
    free(values);
    return first;
}

int ldapc_config_nc(LDAP *ld, long timeout_ms, char **out)
{
    *out = NULL;
    char *attrs[] = {"configurationNamingContext", NULL};
    LDAPMessage *res = NULL;
    int rc = ldapc_search(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, timeout_ms, &res);
    if (rc != LDAP_SUCCESS)
        return rc;
    LDAPMessage *e = ldap_first_entry(ld, res);
    bool oom = false;
    if (e)
        *out = ldapc_first_value(ld, e, attrs[0], &oom);
    ldap_msgfree(res);
    if (oom)
        return LDAP_NO_MEMORY;
    return *out ? LDAP_SUCCESS : LDAP_NO_SUCH_ATTRIBUTE;
}

char *ldapc_filter_escape(const char *value)
{
    size_t len = strlen(value);
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    char *p = out;
    for (const unsigned char *s = (const unsigned char *)value; *s; s++) {
        if (*s == '*' || *s == '(' || *s == ')' || *s == '\\' || *s < 0x20 || *s == 0x7f)
            p += sprintf(p, "\\%02x", *s);
        else
            *p++ = (char)*s;
    }
    *p = '\0';
    return out;
}
