/* The protocol options (--protocol, --setting, --v2-protocol), the live --trace, and the
 * printing of settings by name (SOAP, v2 JSON). */
#include <stdio.h>
#include <string.h>

#include "tool.h"

static const struct {
    const char *name;
    ad_protocol protocol;
} protocols[] = {
    {"pox", AD_PROTOCOL_POX},
    {"soap", AD_PROTOCOL_SOAP},
    {"json", AD_PROTOCOL_JSON},
    {"mobilesync", AD_PROTOCOL_MOBILESYNC},
};

int tool_apply_protocol_option(int which, const char *arg, struct tool_options *opts)
{
    switch (which) {
    case 0: /* --protocol */
        for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++)
            if (strcmp(arg, protocols[i].name) == 0) {
                opts->protocol = protocols[i].protocol;
                return -1;
            }
        tool_error("--protocol: unknown protocol '%s' (known: pox, soap, json, mobilesync)", arg);
        return EXIT_USAGE;
    case 1: /* --setting */
        if (opts->nsettings == TOOL_MAX_SETTINGS) {
            tool_error("--setting: at most %d", TOOL_MAX_SETTINGS);
            return EXIT_USAGE;
        }
        opts->settings[opts->nsettings++] = arg;
        return -1;
    case 2: /* --trace */
        opts->trace = true;
        return -1;
    case 3: /* --v2-protocol */
        opts->v2_protocol = arg;
        return -1;
    default:
        return EXIT_USAGE;
    }
}

void tool_trace(void *user_data, const char *line)
{
    (void)user_data;
    fprintf(stderr, "trace: %s\n", line);
}

int tool_configure_protocol(ad_client *client, const struct tool_options *o)
{
    if (ad_client_set_protocol(client, o->protocol) != AD_OK)
        return EXIT_INTERNAL;
    for (size_t i = 0; i < o->nsettings; i++)
        if (ad_client_add_setting(client, o->settings[i]) != AD_OK) {
            tool_error("--setting %s: expected a setting name (letters and digits)",
                       o->settings[i]);
            return EXIT_USAGE;
        }
    if (o->v2_protocol && ad_client_set_v2_protocol(client, o->v2_protocol) != AD_OK) {
        tool_error("--v2-protocol %s: expected a protocol name (letters and digits)",
                   o->v2_protocol);
        return EXIT_USAGE;
    }
    if (o->trace)
        ad_client_set_trace_callback(client, tool_trace, NULL);
    return -1;
}

/* The widest setting name, so the values line up. */
static int widest_name(const ad_result *r)
{
    size_t widest = strlen("Refused:");
    for (size_t i = 0; i < ad_result_setting_count(r); i++) {
        const char *name = NULL;
        if (ad_result_setting_at(r, i, &name, NULL) == AD_OK && strlen(name) > widest)
            widest = strlen(name);
    }
    return (int)widest;
}

void tool_print_named_settings(const ad_result *r)
{
    size_t n = ad_result_setting_count(r), nerr = ad_result_setting_error_count(r);
    if (n == 0 && nerr == 0)
        return;
    int width = widest_name(r);
    printf("\nSettings (%s)\n", ad_result_protocol_name(r));
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        if (ad_result_setting_at(r, i, &name, &value) == AD_OK)
            printf("  %-*s  %s\n", width, name, value);
    }
    for (size_t i = 0; i < nerr; i++) {
        const char *name = NULL, *code = NULL, *message = NULL;
        if (ad_result_setting_error_at(r, i, &name, &code, &message) == AD_OK)
            printf("  %-*s  not given: %s%s%s%s\n", width, name, code, message ? " (" : "",
                   message ? message : "", message ? ")" : "");
    }
}
