/* client: the ad_client handle, its option setters, and the library-wide small functions. */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "candidates.h"
#include "dns.h"
#include "result.h"
#include "scp.h"

const char *ad_version(void)
{
    return AD_VERSION_STRING;
}

const char *ad_strerror(ad_code code)
{
    switch (code) {
    case AD_OK:
        return "success";
    case AD_E_INVALID_ARGUMENT:
        return "invalid argument";
    case AD_E_NOMEM:
        return "out of memory";
    case AD_E_BAD_ADDRESS:
        return "not a valid e-mail address";
    case AD_E_FILE:
        return "cannot read file";
    case AD_E_NOT_FOUND:
        return "no Autodiscover server answered";
    case AD_E_AUTH:
        return "the Autodiscover server refused the credentials";
    case AD_E_SERVER_ERROR:
        return "the Autodiscover server answered with an error";
    case AD_E_INTERNAL:
        return "internal error";
    case AD_E_REDIRECT_LIMIT:
        return "too many redirects, or a redirect loop";
    }
    return "unknown error";
}

const char *ad_code_name(ad_code code)
{
    return result_code_name(code);
}

void ad_free(void *ptr)
{
    free(ptr);
}

ad_code ad_method_from_name(const char *name, unsigned *method)
{
    const struct method_info *info = name ? method_by_name(name) : NULL;
    if (!info)
        return AD_E_INVALID_ARGUMENT;
    if (method)
        *method = info->bit;
    return AD_OK;
}

const char *ad_address_problem(const char *email)
{
    struct address addr;
    const char *why = NULL;
    ad_code rc = address_parse(email, &addr, &why);
    if (rc == AD_OK) {
        address_free(&addr);
        return NULL;
    }
    if (rc == AD_E_BAD_ADDRESS)
        return why;
    return rc == AD_E_NOMEM ? "out of memory" : "no address given";
}

ad_client *ad_client_new(void)
{
    ad_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->timeout_ms = CLIENT_DEFAULT_TIMEOUT_MS;
    c->max_redirects = REDIRECT_DEFAULT_MAX;
    c->stagger_ms = CLIENT_DEFAULT_STAGGER_MS;
    c->psl = address_psl_load();
    c->http = http_client_new();
    if (!c->http) {
        ad_client_free(c);
        return NULL;
    }
    return c;
}

/* Frees a secret after overwriting it, so it does not linger in freed memory. */
static void free_secret(char *secret)
{
    if (secret) {
        explicit_bzero(secret, strlen(secret));
        free(secret);
    }
}

void ad_client_free(ad_client *c)
{
    if (!c)
        return;
    free(c->username);
    free_secret(c->password);
    free(c->cacert);
    curl_slist_free_all(c->connect_to);
    string_set_clear(&c->allowed_hosts);
    free(c->dns_server);
    localxml_free(&c->local_xml);
    free(c->cache_dir);
    free(c->o365_url);
    scp_settings_free(c->scp);
    client_protocols_free(c);
    address_psl_free(c->psl);
    http_client_free(c->http);
    free(c);
}

ad_code ad_client_set_credentials(ad_client *c, const char *username, const char *password)
{
    if (!c || (username && (!*username || strchr(username, ':'))))
        return AD_E_INVALID_ARGUMENT; /* Basic cannot carry a user name with a colon */
    char *user_copy = username ? strdup(username) : NULL;
    char *password_copy = password ? strdup(password) : NULL;
    if ((username && !user_copy) || (password && !password_copy)) {
        free(user_copy);
        free_secret(password_copy);
        return AD_E_NOMEM;
    }
    free(c->username);
    free_secret(c->password);
    c->username = user_copy;
    c->password = password_copy;
    return AD_OK;
}

ad_code ad_client_set_cacert(ad_client *c, const char *path)
{
    if (!c || (path && !*path))
        return AD_E_INVALID_ARGUMENT;
    char *copy = NULL;
    if (path) {
        /* Checked now so a typo fails at once instead of as a TLS error on every candidate. */
        FILE *f = fopen(path, "r");
        if (!f)
            return AD_E_FILE;
        fclose(f);
        if (!(copy = strdup(path)))
            return AD_E_NOMEM;
    }
    free(c->cacert);
    c->cacert = copy;
    return AD_OK;
}

ad_code ad_client_set_timeout_ms(ad_client *c, long timeout_ms)
{
    if (!c || timeout_ms < 1 || timeout_ms > CLIENT_MAX_TIMEOUT_MS)
        return AD_E_INVALID_ARGUMENT;
    c->timeout_ms = timeout_ms;
    return AD_OK;
}

ad_code ad_client_exclude(ad_client *c, unsigned methods)
{
    if (!c || (methods & ~(unsigned)CLIENT_KNOWN_METHODS))
        return AD_E_INVALID_ARGUMENT;
    c->excluded = methods;
    return AD_OK;
}

/* HOST:PORT:CONNECT-HOST:CONNECT-PORT, exactly three colons outside [IPv6] brackets. */
static bool connect_to_well_formed(const char *spec)
{
    int colons = 0, depth = 0;
    for (const char *p = spec; *p; p++) {
        if (*p == '[')
            depth++;
        else if (*p == ']')
            depth--;
        else if (*p == ':' && depth == 0)
            colons++;
        else if ((unsigned char)*p <= ' ')
            return false;
    }
    return colons == 3 && depth == 0;
}

ad_code ad_client_add_connect_to(ad_client *c, const char *spec)
{
    if (!c || !spec || !connect_to_well_formed(spec))
        return AD_E_INVALID_ARGUMENT;
    struct curl_slist *list = curl_slist_append(c->connect_to, spec);
    if (!list)
        return AD_E_NOMEM;
    c->connect_to = list;
    return AD_OK;
}

ad_code ad_client_set_consent_callback(ad_client *c, ad_consent_fn callback, void *user_data)
{
    if (!c)
        return AD_E_INVALID_ARGUMENT;
    c->consent = callback;
    c->consent_data = user_data;
    return AD_OK;
}

ad_code ad_client_allow_redirect_host(ad_client *c, const char *host)
{
    if (!c || !host || !*host || strpbrk(host, "/:@ \t"))
        return AD_E_INVALID_ARGUMENT;
    return string_set_add(&c->allowed_hosts, host) < 0 ? AD_E_NOMEM : AD_OK;
}

ad_code ad_client_allow_basic_after_redirect(ad_client *c, int allow)
{
    if (!c)
        return AD_E_INVALID_ARGUMENT;
    c->allow_basic_after_redirect = allow != 0;
    return AD_OK;
}

ad_code ad_client_set_max_redirects(ad_client *c, int max)
{
    if (!c || max < 0 || max > REDIRECT_MAX_MAX)
        return AD_E_INVALID_ARGUMENT;
    c->max_redirects = max;
    return AD_OK;
}

/* Replaces *slot with a copy of value (NULL clears it). */
static ad_code set_string(char **slot, const char *value)
{
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy)
        return AD_E_NOMEM;
    free(*slot);
    *slot = copy;
    return AD_OK;
}

ad_code ad_client_set_dns_server(ad_client *c, const char *server)
{
    if (!c || (server && (!*server || strchr(server, ',') || dns_server_valid(server) < 0)))
        return AD_E_INVALID_ARGUMENT;
    return set_string(&c->dns_server, server);
}

ad_code ad_client_set_srv_seed(ad_client *c, unsigned long seed)
{
    if (!c)
        return AD_E_INVALID_ARGUMENT;
    c->srv_seeded = true;
    c->srv_seed = seed;
    return AD_OK;
}

ad_code ad_client_add_local_xml(ad_client *c, const char *spec)
{
    if (!c || !spec)
        return AD_E_INVALID_ARGUMENT;
    return (ad_code)localxml_add(&c->local_xml, spec);
}

ad_code ad_client_prefer_local_xml(ad_client *c, int prefer)
{
    if (!c)
        return AD_E_INVALID_ARGUMENT;
    c->prefer_local_xml = prefer != 0;
    return AD_OK;
}

ad_code ad_client_set_cache_dir(ad_client *c, const char *dir)
{
    if (!c || (dir && !*dir))
        return AD_E_INVALID_ARGUMENT;
    return set_string(&c->cache_dir, dir);
}

ad_code ad_client_set_retries(ad_client *c, int retries)
{
    if (!c || retries < 0 || retries > CLIENT_MAX_RETRIES)
        return AD_E_INVALID_ARGUMENT;
    c->retries = retries;
    return AD_OK;
}

ad_code ad_client_set_deadline_ms(ad_client *c, long deadline_ms)
{
    if (!c || deadline_ms < 0 || deadline_ms > CLIENT_MAX_DEADLINE_MS)
        return AD_E_INVALID_ARGUMENT;
    c->deadline_ms = deadline_ms;
    return AD_OK;
}

ad_code ad_client_cancel(ad_client *c)
{
    if (!c)
        return AD_E_INVALID_ARGUMENT;
    atomic_store(&c->cancelled, 1);
    return AD_OK;
}

ad_code ad_client_set_o365_url(ad_client *c, const char *url)
{
    if (!c || (url && redirect_url_problem(url)))
        return AD_E_INVALID_ARGUMENT;
    return set_string(&c->o365_url, url);
}

ad_code ad_client_set_sequential(ad_client *c, int on)
{
    if (!c)
        return AD_E_INVALID_ARGUMENT;
    c->sequential = on != 0;
    return AD_OK;
}

ad_code ad_client_set_pre_auth(ad_client *c, int on)
{
    if (!c)
        return AD_E_INVALID_ARGUMENT;
    c->pre_auth = on != 0;
    return AD_OK;
}

ad_code ad_client_set_stagger_ms(ad_client *c, long stagger_ms)
{
    if (!c || stagger_ms < 0 || stagger_ms > CLIENT_MAX_STAGGER_MS)
        return AD_E_INVALID_ARGUMENT;
    c->stagger_ms = stagger_ms;
    return AD_OK;
}
