/*
 * scp_publish: Autodiscover SCPs in an LDAP directory (see scp_publish.h).
 *
 * URL SCPs go where Exchange writes them, one per server:
 *   CN=<server>,CN=Autodiscover,CN=Protocols,CN=<server>,CN=Servers,
 *   CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=<org>,
 *   CN=Microsoft Exchange,CN=Services,<configurationNamingContext>
 * Pointer SCPs (which Exchange does not write; an administrator does) go below
 *   CN=Microsoft Exchange Autodiscover,CN=Services,<configurationNamingContext>.
 * Missing containers are created (objectClass container).
 */
#include "scp_publish.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ldap_client.h"
#include "scp.h"

#define EXIT_USAGE 2
#define PASSWORD_ENV "AUTODISCOVER_LDAP_PASSWORD"
#define ADMIN_GROUP "Exchange Administrative Group (FYDIBOHF23SPDLT)"
#define DEFAULT_ORG "First Organization"
#define SERVICE_CLASS "ms-Exchange-AutoDiscover-Service"
#define TIMEOUT_MS 10000L

const char scp_publish_usage[] =
    "  scp publish --ldap URI --bind-dn DN --server NAME --url URL [--site S] [--domain D]\n"
    "              [--org ORG] [--bind-password-file F] [--cacert F] [--starttls]\n"
    "  scp publish-pointer --ldap URI --bind-dn DN --name NAME --target LDAP://HOST[:PORT]\n"
    "              [--domain D] [...]\n"
    "  scp list --ldap URI [--bind-dn DN] [...] | scp remove --ldap URI --bind-dn DN\n"
    "              (--server NAME [--org ORG] | --name NAME) [...]\n"
    "  (scp needs no --db; the password comes from --bind-password-file or "
    "$" PASSWORD_ENV ")\n";

struct scp_args {
    const char *ldap, *bind_dn, *password_file, *cacert;
    const char *server, *url, *site, *domain, *org, *name, *target;
    bool starttls;
};

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
    fputs("autodiscoverctl scp: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage:\n%s", scp_publish_usage);
    return EXIT_USAGE;
}

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "autodiscoverctl scp: %s: %s\n", what, why);
    return EXIT_FAILURE;
}

static int parse(int argc, char **argv, struct scp_args *a)
{
    struct {
        const char *flag;
        const char **slot;
    } slots[] = {{"--ldap", &a->ldap},
                 {"--bind-dn", &a->bind_dn},
                 {"--bind-password-file", &a->password_file},
                 {"--cacert", &a->cacert},
                 {"--server", &a->server},
                 {"--url", &a->url},
                 {"--site", &a->site},
                 {"--domain", &a->domain},
                 {"--org", &a->org},
                 {"--name", &a->name},
                 {"--target", &a->target}};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--starttls") == 0) {
            a->starttls = true;
            continue;
        }
        size_t k = 0;
        while (k < sizeof slots / sizeof slots[0] && strcmp(argv[i], slots[k].flag) != 0)
            k++;
        if (k == sizeof slots / sizeof slots[0])
            return usage("unknown argument %s", argv[i]);
        if (i + 1 >= argc)
            return usage("%s needs a value", argv[i]);
        *slots[k].slot = argv[++i];
    }
    if (!a->ldap)
        return usage("%s is required", "--ldap URI");
    return 0;
}

/* The bind password: the file's first line, else the environment; NULL without bind DN. */
static int read_password(const struct scp_args *a, char **out)
{
    *out = NULL;
    if (!a->bind_dn)
        return 0;
    if (a->password_file) {
        FILE *f = fopen(a->password_file, "r");
        if (!f)
            return fail(a->password_file, strerror(errno));
        size_t size = 0;
        ssize_t n = getline(out, &size, f);
        fclose(f);
        if (n < 0) {
            free(*out);
            *out = strdup("");
        } else {
            while (n > 0 && ((*out)[n - 1] == '\n' || (*out)[n - 1] == '\r'))
                (*out)[--n] = '\0';
        }
    } else {
        const char *env = getenv(PASSWORD_ENV);
        if (!env)
            return usage("--bind-dn needs --bind-password-file or $%s", PASSWORD_ENV);
        *out = strdup(env);
    }
    return *out ? 0 : fail("password", "out of memory");
}

static void free_password(char *p)
{
    if (p) {
        explicit_bzero(p, strlen(p));
        free(p);
    }
}

/* An RDN value escaped for a DN (RFC 4514); NULL on out of memory. */
static char *rdn_escape(const char *value)
{
    size_t len = strlen(value);
    char *out = malloc(len * 2 + 1);
    if (!out)
        return NULL;
    char *p = out;
    for (size_t i = 0; i < len; i++) {
        char c = value[i];
        if (strchr(",+\"\\<>;=", c) || (i == 0 && (c == ' ' || c == '#')) ||
            (i == len - 1 && c == ' '))
            *p++ = '\\';
        *p++ = c;
    }
    *p = '\0';
    return out;
}

/* Adds a container (or any entry with objectClass and cn); an existing one is fine. */
static int add_entry(LDAP *ld, const char *dn, LDAPMod **mods)
{
    int rc = ldap_add_ext_s(ld, dn, mods, NULL, NULL);
    return rc == LDAP_ALREADY_EXISTS ? LDAP_SUCCESS : rc;
}

static int add_container(LDAP *ld, const char *dn, const char *cn)
{
    char *oc[] = {"container", NULL}, *cnv[] = {(char *)cn, NULL};
    LDAPMod m_oc = {.mod_op = LDAP_MOD_ADD, .mod_type = "objectClass", .mod_values = oc};
    LDAPMod m_cn = {.mod_op = LDAP_MOD_ADD, .mod_type = "cn", .mod_values = cnv};
    LDAPMod *mods[] = {&m_oc, &m_cn, NULL};
    return add_entry(ld, dn, mods);
}

/* Creates each container of the list, outermost first; 0 or an LDAP error. *dn ends as the
 * innermost DN (caller frees). names are raw cn values. */
static int ensure_path(LDAP *ld, const char *base, const char *const *names, size_t n, char **dn)
{
    char *cur = strdup(base);
    int rc = cur ? LDAP_SUCCESS : LDAP_NO_MEMORY;
    for (size_t i = 0; i < n && rc == LDAP_SUCCESS; i++) {
        char *esc = rdn_escape(names[i]), *next = NULL;
        if (!esc || asprintf(&next, "CN=%s,%s", esc, cur) < 0) {
            free(esc);
            rc = LDAP_NO_MEMORY;
            break;
        }
        free(esc);
        free(cur);
        cur = next;
        rc = add_container(ld, cur, names[i]);
    }
    if (rc != LDAP_SUCCESS) {
        free(cur);
        cur = NULL;
    }
    *dn = cur;
    return rc;
}

/* The organisation: --org, else the only one under CN=Microsoft Exchange, else the default. */
static char *find_org(LDAP *ld, const char *config, const char *given)
{
    if (given)
        return strdup(given);
    char *base = NULL;
    if (asprintf(&base, "CN=Microsoft Exchange,CN=Services,%s", config) < 0)
        return NULL;
    char *attrs[] = {"cn", NULL};
    LDAPMessage *res = NULL;
    char *org = NULL;
    bool oom = false;
    if (ldapc_search(ld, base, LDAP_SCOPE_ONELEVEL, "(objectClass=*)", attrs, TIMEOUT_MS, &res) ==
            LDAP_SUCCESS &&
        ldap_count_entries(ld, res) == 1)
        org = ldapc_first_value(ld, ldap_first_entry(ld, res), "cn", &oom);
    ldap_msgfree(res);
    free(base);
    return org || oom ? org : strdup(DEFAULT_ORG);
}

/* Writes (adds, or replaces the values of) one SCP at dn. */
static int write_scp(LDAP *ld, const char *dn, const char *cn, const char *binding, char **keywords,
                     const char *dns_name)
{
    char *oc[] = {"serviceConnectionPoint", NULL}, *cnv[] = {(char *)cn, NULL};
    char *cls[] = {SERVICE_CLASS, NULL}, *bind[] = {(char *)binding, NULL};
    char *dnsv[] = {(char *)dns_name, NULL};
    LDAPMod m_oc = {LDAP_MOD_ADD, "objectClass", {oc}};
    LDAPMod m_cn = {LDAP_MOD_ADD, "cn", {cnv}};
    LDAPMod m_cls = {LDAP_MOD_REPLACE, "serviceClassName", {cls}};
    LDAPMod m_bind = {LDAP_MOD_REPLACE, "serviceBindingInformation", {bind}};
    LDAPMod m_kw = {LDAP_MOD_REPLACE, "keywords", {keywords}};
    LDAPMod m_dns = {LDAP_MOD_REPLACE, "serviceDNSName", {dnsv}};
    LDAPMod *adds[] = {&m_oc, &m_cn, &m_cls, &m_bind, &m_kw, dns_name ? &m_dns : NULL, NULL};
    int rc = ldap_add_ext_s(ld, dn, adds, NULL, NULL);
    if (rc != LDAP_ALREADY_EXISTS)
        return rc;
    LDAPMod *mods[] = {&m_cls, &m_bind, &m_kw, dns_name ? &m_dns : NULL, NULL};
    return ldap_modify_ext_s(ld, dn, mods, NULL, NULL);
}

/* The DN of a server's URL SCP, creating its containers when create is set. */
static int url_scp_dn(LDAP *ld, const char *config, const char *org, const char *server,
                      bool create, char **dn)
{
    const char *path[] = {"Microsoft Exchange",
                          org,
                          "Administrative Groups",
                          ADMIN_GROUP,
                          "Servers",
                          server,
                          "Protocols",
                          "Autodiscover",
                          server};
    const size_t n = sizeof path / sizeof path[0];
    char *services = NULL;
    if (asprintf(&services, "CN=Services,%s", config) < 0)
        return LDAP_NO_MEMORY;
    int rc = LDAP_SUCCESS;
    if (create) {
        char *parent = NULL;
        rc = ensure_path(ld, services, path, n - 1, &parent);
        free(parent);
    }
    char *cur = services;
    /* The full DN, built the same way (ensure_path() stopped at the parent). */
    for (size_t i = 0; i < n && rc == LDAP_SUCCESS; i++) {
        char *e = rdn_escape(path[i]), *next = NULL;
        if (!e || asprintf(&next, "CN=%s,%s", e, cur) < 0)
            rc = LDAP_NO_MEMORY;
        free(e);
        free(cur);
        cur = next;
    }
    *dn = rc == LDAP_SUCCESS ? cur : NULL;
    if (rc != LDAP_SUCCESS)
        free(cur);
    return rc;
}

static int pointer_dn(LDAP *ld, const char *config, const char *name, bool create, char **dn)
{
    char *services = NULL, *parent = NULL;
    if (asprintf(&services, "CN=Services,%s", config) < 0)
        return LDAP_NO_MEMORY;
    const char *path[] = {"Microsoft Exchange Autodiscover"};
    int rc = create ? ensure_path(ld, services, path, 1, &parent) : LDAP_SUCCESS;
    if (!create && asprintf(&parent, "CN=%s,%s", path[0], services) < 0)
        rc = LDAP_NO_MEMORY;
    free(services);
    char *esc = rc == LDAP_SUCCESS ? rdn_escape(name) : NULL;
    *dn = NULL;
    if (rc == LDAP_SUCCESS && (!esc || asprintf(dn, "CN=%s,%s", esc, parent) < 0)) {
        *dn = NULL;
        rc = LDAP_NO_MEMORY;
    }
    free(esc);
    free(parent);
    return rc;
}

static int cmd_publish(LDAP *ld, const char *config, const struct scp_args *a, bool pointer)
{
    const char *cn = pointer ? a->name : a->server;
    const char *binding = pointer ? a->target : a->url;
    if (!cn || !binding)
        return usage("%s", pointer ? "publish-pointer needs --name and --target"
                                   : "publish needs --server and --url");
    if (!pointer && strncasecmp(binding, "https://", 8) != 0)
        return usage("--url %s: an https:// URL is required (clients skip http:// SCPs)", binding);
    if (pointer && strncasecmp(binding, "ldap://", 7) != 0 && strncasecmp(binding, "ldaps://", 8))
        return usage("--target %s: expected LDAP://HOST[:PORT]", binding);
    char *site = NULL, *domain = NULL, *org = NULL, *dn = NULL;
    char *keywords[4] = {pointer ? SCP_GUID_POINTER : SCP_GUID_URL, NULL, NULL, NULL};
    size_t nk = 1;
    int rc = LDAP_SUCCESS;
    if (a->site && !pointer && asprintf(&site, "Site=%s", a->site) >= 0)
        keywords[nk++] = site;
    if (a->domain && asprintf(&domain, "Domain=%s", a->domain) >= 0)
        keywords[nk++] = domain;
    if ((a->site && !pointer && !site) || (a->domain && !domain))
        rc = LDAP_NO_MEMORY;
    if (rc == LDAP_SUCCESS && pointer)
        rc = pointer_dn(ld, config, cn, true, &dn);
    else if (rc == LDAP_SUCCESS) {
        org = find_org(ld, config, a->org);
        rc = org ? url_scp_dn(ld, config, org, cn, true, &dn) : LDAP_NO_MEMORY;
    }
    if (rc == LDAP_SUCCESS)
        rc = write_scp(ld, dn, cn, binding, keywords, pointer ? NULL : cn);
    int status = 0;
    if (rc != LDAP_SUCCESS) {
        char why[320];
        ldapc_describe(ld, rc, why, sizeof why);
        status = fail(dn ? dn : "publish", why);
    } else
        printf("%s\n", dn);
    free(site);
    free(domain);
    free(org);
    free(dn);
    return status;
}

static int cmd_list(LDAP *ld, const char *config)
{
    char *attrs[] = {"serviceBindingInformation", "keywords", NULL};
    LDAPMessage *res = NULL;
    int rc = ldapc_search(ld, config, LDAP_SCOPE_SUBTREE, SCP_FILTER, attrs, TIMEOUT_MS, &res);
    if (rc != LDAP_SUCCESS) {
        char why[320];
        ldapc_describe(ld, rc, why, sizeof why);
        return fail("search", why);
    }
    int status = 0;
    for (LDAPMessage *e = ldap_first_entry(ld, res); e; e = ldap_next_entry(ld, e)) {
        char **kw = NULL, **sbi = NULL;
        size_t nk = 0, nb = 0;
        char *dn = ldap_get_dn(ld, e);
        if (!dn || ldapc_values(ld, e, attrs[0], &sbi, &nb) < 0 ||
            ldapc_values(ld, e, attrs[1], &kw, &nk) < 0) {
            status = fail("list", "out of memory");
        } else {
            printf("%s\t", nb ? sbi[0] : "");
            for (size_t i = 0; i < nk; i++)
                printf("%s%s", i ? "," : "", kw[i]);
            printf("\t%s\n", dn);
        }
        ldap_memfree(dn);
        ldapc_values_free(kw);
        ldapc_values_free(sbi);
        if (status)
            break;
    }
    ldap_msgfree(res);
    return status;
}

static int cmd_remove(LDAP *ld, const char *config, const struct scp_args *a)
{
    if (!a->server == !a->name)
        return usage("%s", "remove needs --server NAME or --name NAME");
    char *dn = NULL, *org = NULL;
    int rc;
    if (a->name)
        rc = pointer_dn(ld, config, a->name, false, &dn);
    else {
        org = find_org(ld, config, a->org);
        rc = org ? url_scp_dn(ld, config, org, a->server, false, &dn) : LDAP_NO_MEMORY;
    }
    if (rc == LDAP_SUCCESS)
        rc = ldap_delete_ext_s(ld, dn, NULL, NULL);
    int status = 0;
    if (rc != LDAP_SUCCESS) {
        char why[320];
        ldapc_describe(ld, rc, why, sizeof why);
        status = fail(dn ? dn : "remove", why);
    } else
        printf("removed %s\n", dn);
    free(dn);
    free(org);
    return status;
}

int scp_publish_main(int argc, char **argv)
{
    if (argc < 1)
        return usage("%s", "expected publish, publish-pointer, list or remove");
    const char *sub = argv[0];
    bool publish = strcmp(sub, "publish") == 0, pointer = strcmp(sub, "publish-pointer") == 0;
    bool list = strcmp(sub, "list") == 0, remove = strcmp(sub, "remove") == 0;
    if (!publish && !pointer && !list && !remove)
        return usage("unknown sub-command \"%s\"", sub);
    struct scp_args a = {0};
    int status = parse(argc, argv, &a);
    if (status)
        return status;
    if (!list && !a.bind_dn)
        return usage("%s", "--bind-dn DN is required to write");
    char *password = NULL;
    if ((status = read_password(&a, &password)) != 0)
        return status;
    struct ldapc_options o = {.cacert = a.cacert,
                              .starttls = a.starttls,
                              .bind_dn = a.bind_dn,
                              .bind_password = password,
                              .timeout_ms = TIMEOUT_MS};
    LDAP *ld = NULL;
    char err[320], *config = NULL;
    int rc = ldapc_connect(a.ldap, &o, &ld, NULL, err, sizeof err);
    free_password(password);
    if (rc < 0)
        return fail(a.ldap, err);
    if ((rc = ldapc_config_nc(ld, TIMEOUT_MS, &config)) != LDAP_SUCCESS) {
        ldapc_describe(ld, rc, err, sizeof err);
        ldapc_close(ld);
        return fail("RootDSE configurationNamingContext", err);
    }
    if (list)
        status = cmd_list(ld, config);
    else if (remove)
        status = cmd_remove(ld, config, &a);
    else
        status = cmd_publish(ld, config, &a, pointer);
    free(config);
    ldapc_close(ld);
    return status;
}
