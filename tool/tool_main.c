/* autodiscover: find the server settings of a mailbox from its e-mail address. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static int exit_status_for(ad_code code)
{
    switch (code) {
    case AD_OK:
        return EXIT_SETTINGS;
    case AD_E_INVALID_ARGUMENT:
    case AD_E_BAD_ADDRESS:
    case AD_E_FILE:
        return EXIT_USAGE;
    case AD_E_NOT_FOUND:
        return EXIT_NOT_FOUND;
    case AD_E_AUTH:
        return EXIT_AUTH;
    case AD_E_SERVER_ERROR:
        return EXIT_SERVER_ERROR;
    case AD_E_REDIRECT_LIMIT:
        return EXIT_REDIRECT;
    case AD_E_NOMEM:
    case AD_E_INTERNAL:
        break;
    }
    return EXIT_INTERNAL;
}

/* The cache directory: --cache-dir, else $XDG_CACHE_HOME or ~/.cache; NULL for none. */
static char *cache_dir(const struct tool_options *o)
{
    if (o->no_cache)
        return NULL;
    if (o->cache_dir)
        return strdup(o->cache_dir);
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char *dir = NULL;
    int n = -1;
    if (xdg && *xdg)
        n = asprintf(&dir, "%s/autodiscover", xdg);
    else if (home && *home)
        n = asprintf(&dir, "%s/.cache/autodiscover", home);
    return n < 0 ? NULL : dir;
}

/* The options of the journey beyond steps 4-5; an exit status on failure, else -1. */
static int configure_journey(ad_client *client, const struct tool_options *o)
{
    ad_code rc = AD_OK;
    ad_client_set_consent_callback(client, tool_consent, NULL);
    for (size_t i = 0; i < o->nallow_redirect; i++)
        if ((rc = ad_client_allow_redirect_host(client, o->allow_redirect[i])) != AD_OK) {
            tool_error("--allow-redirect %s: %s", o->allow_redirect[i], ad_strerror(rc));
            return exit_status_for(rc);
        }
    for (size_t i = 0; i < o->nlocal_xml; i++)
        if ((rc = ad_client_add_local_xml(client, o->local_xml[i])) != AD_OK) {
            tool_error("--local-xml %s: expected DOMAIN=FILE or ADDRESS=FILE", o->local_xml[i]);
            return exit_status_for(rc);
        }
    if (o->dns_server && ad_client_set_dns_server(client, o->dns_server) != AD_OK) {
        tool_error("--dns-server %s: expected ADDR or ADDR:PORT", o->dns_server);
        return EXIT_USAGE;
    }
    if (o->o365_url && ad_client_set_o365_url(client, o->o365_url) != AD_OK) {
        tool_error("--o365-url %s: not an https Autodiscover URL", o->o365_url);
        return EXIT_USAGE;
    }
    char *dir = cache_dir(o);
    rc = dir ? ad_client_set_cache_dir(client, dir) : AD_OK;
    free(dir);
    if (rc == AD_OK && o->max_redirects >= 0)
        rc = ad_client_set_max_redirects(client, o->max_redirects);
    if (rc == AD_OK && o->retries >= 0)
        rc = ad_client_set_retries(client, o->retries);
    if (rc == AD_OK && o->deadline_ms > 0)
        rc = ad_client_set_deadline_ms(client, o->deadline_ms);
    if (rc == AD_OK && o->seeded)
        rc = ad_client_set_srv_seed(client, o->seed);
    if (rc == AD_OK && o->stagger_ms >= 0)
        rc = ad_client_set_stagger_ms(client, o->stagger_ms);
    if (rc == AD_OK)
        rc = ad_client_set_sequential(client, o->sequential);
    if (rc == AD_OK)
        rc = ad_client_set_pre_auth(client, o->pre_auth);
    if (rc == AD_OK)
        rc = ad_client_prefer_local_xml(client, o->prefer_local_xml);
    if (rc == AD_OK)
        rc = ad_client_allow_basic_after_redirect(client, o->allow_basic_after_redirect);
    if (rc != AD_OK) {
        tool_error("%s", ad_strerror(rc));
        return exit_status_for(rc);
    }
    return -1;
}

/* The SCP directory (doc/scp.md); password is the mailbox's. An exit status, else -1. */
static int configure_ldap(ad_client *client, const struct tool_options *o, const char *password)
{
    ad_code rc = AD_OK;
    if (o->ldap && (rc = ad_client_set_ldap(client, o->ldap)) != AD_OK) {
        tool_error("--ldap %s: expected ldap://HOST[:PORT], ldaps://..., auto or auto:DOMAIN",
                   o->ldap);
        return exit_status_for(rc);
    }
    if (o->site && (rc = ad_client_set_site(client, o->site)) != AD_OK) {
        tool_error("--site: %s", ad_strerror(rc));
        return exit_status_for(rc);
    }
    if (rc == AD_OK && o->ldap_starttls)
        rc = ad_client_set_ldap_starttls(client, 1);
    char *ldap_password = NULL;
    if (o->ldap_user && o->ldap_password_file) {
        struct tool_options file_only = {.password_file = o->ldap_password_file};
        if (tool_read_password(&file_only, &ldap_password) < 0)
            return EXIT_USAGE;
        password = ldap_password;
    }
    if (rc == AD_OK && o->ldap_user)
        rc = ad_client_set_ldap_credentials(client, o->ldap_user, password ? password : "");
    tool_free_password(ldap_password);
    if (rc != AD_OK) {
        tool_error("LDAP options: %s", ad_strerror(rc));
        return exit_status_for(rc);
    }
    return -1;
}

/* Hands the options to the client; an exit status on failure (after saying why), else -1. */
static int configure(ad_client *client, const struct tool_options *o, bool ask_password)
{
    ad_code rc = AD_OK;
    int status = configure_journey(client, o);
    if (status < 0)
        status = tool_configure_protocol(client, o);
    if (status >= 0)
        return status;
    if (o->cacert && (rc = ad_client_set_cacert(client, o->cacert)) != AD_OK) {
        tool_error("cannot use --cacert %s: %s", o->cacert, ad_strerror(rc));
        return exit_status_for(rc);
    }
    if (o->timeout_ms && ad_client_set_timeout_ms(client, o->timeout_ms) != AD_OK) {
        tool_error("--timeout: out of range");
        return EXIT_USAGE;
    }
    if (ad_client_exclude(client, o->excluded) != AD_OK)
        return EXIT_INTERNAL;
    for (size_t i = 0; i < o->nconnect_to; i++) {
        if ((rc = ad_client_add_connect_to(client, o->connect_to[i])) != AD_OK) {
            tool_error("--connect-to %s: %s", o->connect_to[i], ad_strerror(rc));
            return exit_status_for(rc);
        }
    }
    char *password = NULL;
    if (ask_password && tool_read_password(o, &password) < 0)
        return EXIT_USAGE;
    rc = ad_client_set_credentials(client, o->user, password);
    status = rc == AD_OK ? configure_ldap(client, o, password) : -1;
    tool_free_password(password);
    if (rc != AD_OK) {
        tool_error("--user %s: %s", o->user ? o->user : "", ad_strerror(rc));
        return exit_status_for(rc);
    }
    return status;
}

static int report(const ad_result *result, ad_code code, const struct tool_options *o)
{
    if (o->log)
        tool_print_log(result, o->json);
    if (o->json && tool_print_json(result) < 0) {
        tool_error("out of memory");
        return EXIT_INTERNAL;
    }
    for (size_t i = 0; i < ad_result_warning_count(result); i++)
        tool_error("warning: %s", ad_result_warning(result, i));
    if (code != AD_OK)
        tool_error("%s", ad_result_reason(result) ? ad_result_reason(result) : ad_strerror(code));
    else if (!o->json) {
        tool_print_settings(result);
        tool_print_named_settings(result);
    }
    return exit_status_for(code);
}

int main(int argc, char **argv)
{
    struct tool_options opts;
    int status = tool_parse_options(argc, argv, &opts);
    if (status >= 0) {
        tool_options_free(&opts);
        return status;
    }
    ad_client *client = ad_client_new();
    if (!client) {
        tool_error("cannot start libautodiscover (libcurl initialisation failed)");
        tool_options_free(&opts);
        return EXIT_INTERNAL;
    }
    /* A malformed address is refused before anyone is asked for a password; the library
     * still explains it (in the JSON too), without touching the network. */
    bool address_ok = ad_address_problem(opts.email) == NULL;
    status = configure(client, &opts, address_ok);
    if (status < 0) {
        ad_result *result = NULL;
        ad_code code = ad_discover(client, opts.email, &result);
        if (result)
            status = report(result, code, &opts);
        else {
            tool_error("%s", ad_strerror(code));
            status = exit_status_for(code);
        }
        ad_result_free(result);
    }
    ad_client_free(client);
    tool_options_free(&opts);
    return status;
}
