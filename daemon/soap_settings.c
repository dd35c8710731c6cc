/* soap_settings: GetUserSettings / GetDomainSettings values (see soap_settings.h). */
#include "soap_settings.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "org_protocols.h"

#define EWS_SCHEMAS                                                                                \
    "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, "           \
    "Exchange2013, Exchange2013_SP1, Exchange2015, Exchange2016"

struct ctx {
    const struct dir_mailbox *mb;
    const struct pox_response *org;
    struct soap_identity_response *r;
    const char *name;
};

/* Each source returns 1 when it added the setting, 0 when there is no value, -1 on OOM. */
typedef int (*source_fn)(const struct ctx *c, const void *arg);

static int add_string(const struct ctx *c, const char *value)
{
    if (!value || !*value)
        return 0;
    return soap_identity_add_string(c->r, c->name, value) < 0 ? -1 : 1;
}

static int from_constant(const struct ctx *c, const void *arg)
{
    return add_string(c, arg);
}

static int from_mailbox(const struct ctx *c, const void *arg)
{
    return add_string(c, *(char *const *)((const char *)c->mb + *(const size_t *)arg));
}

/* A field of the organisation's Protocol sections, with an optional fallback field. */
struct org_ref {
    const char *type, *path;
    const char *type2, *path2;
};
#define ORG(t, p) (&(const struct org_ref){t, p, NULL, NULL})
#define ORG2(t, p, t2, p2) (&(const struct org_ref){t, p, t2, p2})

static int from_org(const struct ctx *c, const void *arg)
{
    const struct org_ref *ref = arg;
    const char *v = org_field(c->org, ref->type, ref->path);
    if (!v && ref->type2)
        v = org_field(c->org, ref->type2, ref->path2);
    return add_string(c, v);
}

static bool is_on(const char *v)
{
    return !v || strcasecmp(v, "on") == 0 || strcasecmp(v, "true") == 0;
}

/* ExternalMailboxServerRequiresSSL: EXPR SSL (on by default), when there is an EXPR Server. */
static int expr_ssl(const struct ctx *c, const void *arg)
{
    if (!org_field(c->org, "EXPR", "Server"))
        return 0;
    return add_string(c, is_on(org_field(c->org, "EXPR", "SSL")) ? "True" : "False");
}

static int has_type(const struct ctx *c, const void *arg)
{
    return add_string(c, org_has_type(c->org, arg) ? "True" : "False");
}

/* Internal/ExternalWebClientUrls from the WEB section's OWAUrl elements. */
static int web_client_urls(const struct ctx *c, const void *arg)
{
    const char *path = arg;
    struct soap_setting *s = NULL;
    for (size_t i = 0; i < c->org->nprotocols; i++) {
        const struct pox_protocol *p = &c->org->protocols[i];
        if (!p->type || strcmp(p->type, "WEB") != 0)
            continue;
        for (size_t k = 0; k < p->nfields; k++) {
            const struct pox_field *f = &p->fields[k];
            if (strcmp(f->path, path) != 0 || !*f->value)
                continue;
            const char *auth = "";
            for (size_t a = 0; a < f->nattrs; a++)
                if (strcmp(f->attrs[a].name, "AuthenticationMethod") == 0)
                    auth = f->attrs[a].value;
            if (!s &&
                !(s = soap_identity_add_collection(c->r, c->name, SOAP_SETTING_WEB_CLIENT_URLS)))
                return -1;
            if (soap_setting_add_url(s, auth, f->value) < 0)
                return -1;
        }
    }
    return s ? 1 : 0;
}

/*
 * Imap4/Pop3/SmtpConnections from the IMAP/POP3/SMTP section (POX has one per type, used for
 * both the internal and the external name). EncryptionMethod: Encryption, else SSL on -> SSL.
 */
static int connections(const struct ctx *c, const void *arg)
{
    const char *type = arg;
    struct soap_setting *s = NULL;
    for (size_t i = 0; i < c->org->nprotocols; i++) {
        const struct pox_protocol *p = &c->org->protocols[i];
        const char *host =
            p->type && strcmp(p->type, type) == 0 ? pox_protocol_get(p, "Server") : NULL;
        if (!host || !*host)
            continue;
        const char *port = pox_protocol_get(p, "Port");
        const char *enc = pox_protocol_get(p, "Encryption");
        if (!enc)
            enc = is_on(pox_protocol_get(p, "SSL")) ? "SSL" : "None";
        if (!s && !(s = soap_identity_add_collection(c->r, c->name, SOAP_SETTING_CONNECTIONS)))
            return -1;
        if (soap_setting_add_connection(s, host, port ? port : "", enc) < 0)
            return -1;
    }
    return s ? 1 : 0;
}

struct setting_source {
    const char *name;
    source_fn fn;
    const void *arg;
};

static const size_t off_display = offsetof(struct dir_mailbox, display_name);
static const size_t off_dn = offsetof(struct dir_mailbox, legacy_dn);
static const size_t off_address = offsetof(struct dir_mailbox, address);
static const size_t off_deployment = offsetof(struct dir_mailbox, deployment_id);

static const struct setting_source user_settings[] = {
    {"UserDisplayName", from_mailbox, &off_display},
    {"UserDN", from_mailbox, &off_dn},
    {"UserDeploymentId", from_mailbox, &off_deployment},
    {"AutoDiscoverSMTPAddress", from_mailbox, &off_address},
    {"CasVersion", from_constant, SOAP_CAS_VERSION},
    {"EwsSupportedSchemas", from_constant, EWS_SCHEMAS},
    {"UserMSOnline", from_constant, "False"},
    {"MapiHttpEnabled", has_type, "mapiHttp"},
    {"InternalEwsUrl", from_org, ORG2("EXCH", "EwsUrl", "EXCH", "ASUrl")},
    {"ExternalEwsUrl", from_org, ORG2("EXPR", "EwsUrl", "EXPR", "ASUrl")},
    {"ExternalEwsVersion", from_constant, SOAP_CAS_VERSION},
    {"InternalMailboxServer", from_org, ORG("EXCH", "Server")},
    {"InternalRpcClientServer", from_org, ORG("EXCH", "Server")},
    {"InternalMailboxServerDN", from_org, ORG("EXCH", "ServerDN")},
    {"MailboxDN", from_org, ORG("EXCH", "MdbDN")},
    {"ActiveDirectoryServer", from_org, ORG("EXCH", "AD")},
    {"PublicFolderServer", from_org, ORG("EXCH", "PublicFolderServer")},
    {"ExternalMailboxServer", from_org, ORG("EXPR", "Server")},
    {"ExternalMailboxServerRequiresSSL", expr_ssl, NULL},
    {"ExternalMailboxServerAuthenticationMethods", from_org, ORG("EXPR", "AuthPackage")},
    {"GroupingInformation", from_org, ORG("EXPR", "GroupingInformation")},
    {"InternalOABUrl", from_org, ORG("EXCH", "OABUrl")},
    {"ExternalOABUrl", from_org, ORG("EXPR", "OABUrl")},
    {"InternalUMUrl", from_org, ORG("EXCH", "UMUrl")},
    {"ExternalUMUrl", from_org, ORG("EXPR", "UMUrl")},
    {"InternalEcpUrl", from_org, ORG("EXCH", "EcpUrl")},
    {"ExternalEcpUrl", from_org, ORG("EXPR", "EcpUrl")},
    {"InternalWebClientUrls", web_client_urls, "Internal/OWAUrl"},
    {"ExternalWebClientUrls", web_client_urls, "External/OWAUrl"},
    {"InternalImap4Connections", connections, "IMAP"},
    {"ExternalImap4Connections", connections, "IMAP"},
    {"InternalPop3Connections", connections, "POP3"},
    {"ExternalPop3Connections", connections, "POP3"},
    {"InternalSmtpConnections", connections, "SMTP"},
    {"ExternalSmtpConnections", connections, "SMTP"},
    {"InternalServerExclusiveConnect", from_org, ORG("EXCH", "ServerExclusiveConnect")},
    {"ExternalServerExclusiveConnect", from_org, ORG("EXPR", "ServerExclusiveConnect")},
};

static const struct setting_source domain_settings[] = {
    {"ExternalEwsUrl", from_org, ORG2("EXPR", "EwsUrl", "EXCH", "EwsUrl")},
    {"ExternalEwsVersion", from_constant, SOAP_CAS_VERSION},
};

static int add_from(const struct setting_source *table, size_t n, const struct ctx *c)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].name, c->name) != 0)
            continue;
        int rc = table[i].fn(c, table[i].arg);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
        return soap_identity_add_error(c->r, c->name, "SettingIsNotAvailable",
                                       "The setting is not available for this user.");
    }
    return soap_identity_add_error(c->r, c->name, "InvalidSetting", "The setting is not valid.");
}

int soap_add_user_setting(const struct dir_mailbox *mb, const struct pox_response *org,
                          const char *name, struct soap_identity_response *r)
{
    struct ctx c = {mb, org, r, name};
    return add_from(user_settings, sizeof user_settings / sizeof user_settings[0], &c);
}

int soap_add_domain_setting(const struct pox_response *org, const char *name,
                            struct soap_identity_response *r)
{
    struct ctx c = {NULL, org, r, name};
    return add_from(domain_settings, sizeof domain_settings / sizeof domain_settings[0], &c);
}
