/* autodiscover: find the server settings of a mailbox from its e-mail address. */
#include <stdbool.h>
#include <stdlib.h>

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

/* Hands the options to the client; an exit status on failure (after saying why), else -1. */
static int configure(ad_client *client, const struct tool_options *o, bool ask_password)
{
    ad_code rc = AD_OK;
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
    tool_free_password(password);
    if (rc != AD_OK) {
        tool_error("--user %s: %s", o->user ? o->user : "", ad_strerror(rc));
        return exit_status_for(rc);
    }
    return -1;
}

static int report(const ad_result *result, ad_code code, const struct tool_options *o)
{
    if (o->log)
        tool_print_log(result, o->json);
    if (o->json && tool_print_json(result) < 0) {
        tool_error("out of memory");
        return EXIT_INTERNAL;
    }
    if (code != AD_OK)
        tool_error("%s", ad_result_reason(result) ? ad_result_reason(result) : ad_strerror(code));
    else if (!o->json)
        tool_print_settings(result);
    return exit_status_for(code);
}

int main(int argc, char **argv)
{
    struct tool_options opts;
    int status = tool_parse_options(argc, argv, &opts);
    if (status >= 0)
        return status;
    ad_client *client = ad_client_new();
    if (!client) {
        tool_error("cannot start libautodiscover (libcurl initialisation failed)");
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
    return status;
}
