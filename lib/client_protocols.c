/* client_protocols: the options added with SOAP, v2 JSON and mobilesync, and the callbacks. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

const char *client_protocol_name(ad_protocol protocol)
{
    switch (protocol) {
    case AD_PROTOCOL_POX:
        return "pox";
    case AD_PROTOCOL_SOAP:
        return "soap";
    case AD_PROTOCOL_JSON:
        return "json";
    case AD_PROTOCOL_MOBILESYNC:
        return "mobilesync";
    }
    return "unknown";
}

void client_protocols_free(ad_client *c)
{
    for (size_t i = 0; i < c->nsettings; i++)
        free(c->settings[i]);
    free(c->settings);
    c->settings = NULL;
    c->nsettings = 0;
    free(c->v2_protocol);
    c->v2_protocol = NULL;
}

ad_code ad_client_set_protocol(ad_client *c, ad_protocol protocol)
{
    if (!c || (protocol != AD_PROTOCOL_POX && protocol != AD_PROTOCOL_SOAP &&
               protocol != AD_PROTOCOL_JSON && protocol != AD_PROTOCOL_MOBILESYNC))
        return AD_E_INVALID_ARGUMENT;
    c->protocol = protocol;
    return AD_OK;
}

/* Letters and digits only, 1..max: nothing that could escape into XML or a URL. */
static bool is_simple_name(const char *name, size_t max)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]))
            return false;
    return true;
}

ad_code ad_client_add_setting(ad_client *c, const char *name)
{
    if (!c || !is_simple_name(name, 128) || c->nsettings == CLIENT_MAX_SETTINGS)
        return AD_E_INVALID_ARGUMENT;
    char **list = realloc(c->settings, (c->nsettings + 1) * sizeof *list);
    if (!list)
        return AD_E_NOMEM;
    c->settings = list;
    if (!(list[c->nsettings] = strdup(name)))
        return AD_E_NOMEM;
    c->nsettings++;
    return AD_OK;
}

ad_code ad_client_set_v2_protocol(ad_client *c, const char *name)
{
    if (!c || (name && !is_simple_name(name, CLIENT_MAX_V2_PROTOCOL)))
        return AD_E_INVALID_ARGUMENT;
    char *copy = name ? strdup(name) : NULL;
    if (name && !copy)
        return AD_E_NOMEM;
    free(c->v2_protocol);
    c->v2_protocol = copy;
    return AD_OK;
}

ad_code ad_client_set_credentials_callback(ad_client *c, ad_credentials_fn callback,
                                           void *user_data)
{
    if (!c)
        return AD_E_INVALID_ARGUMENT;
    c->ask_credentials = callback;
    c->ask_credentials_data = user_data;
    return AD_OK;
}

ad_code ad_client_set_trace_callback(ad_client *c, ad_trace_fn callback, void *user_data)
{
    if (!c)
        return AD_E_INVALID_ARGUMENT;
    c->trace = callback;
    c->trace_data = user_data;
    return AD_OK;
}
