/* What the command prints: the settings for a person, the JSON report, the step log. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

void tool_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", TOOL_NAME);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int tool_print_json(const ad_result *result)
{
    char *json = ad_result_to_json(result);
    if (!json)
        return -1;
    puts(json);
    ad_free(json);
    return 0;
}

/*
 * Outlook's "Test E-mail AutoConfiguration" log: "Autodiscover to URL starting", the HTTP
 * status, then "FAILED (0x...)" or "succeeded (0x00000000)". A 401 followed by a retry
 * with credentials is not a failure of its own.
 */
static void log_step(FILE *out, const ad_result *r, size_t i)
{
    const char *query = ad_result_step_query(r, i);
    const char *url = query ? query : ad_result_step_url(r, i);
    const char *decision = ad_result_step_decision(r, i);
    const char *code = ad_result_step_code(r, i);
    bool with_credentials = strcmp(ad_result_step_auth(r, i), "none") != 0;
    fprintf(out, "Autodiscover to %s starting%s\n", url,
            with_credentials ? " (with credentials)" : "");
    fprintf(out, "    httpStatus=%d; elapsed=%ld ms; %s\n", ad_result_step_status(r, i),
            ad_result_step_elapsed_ms(r, i), ad_result_step_reason(r, i));
    const char *verified = ad_result_step_tls_field(r, i, "verified");
    if (verified) {
        const char *version = ad_result_step_tls_field(r, i, "version");
        const char *subject = ad_result_step_tls_field(r, i, "subject");
        const char *expires = ad_result_step_tls_field(r, i, "not_after");
        const char *error = ad_result_step_tls_field(r, i, "error");
        /* One line: "TLS: TLSv1.3, verified, CN = host, expires 2027-01-01T00:00:00Z". */
        fprintf(out, "    TLS: %s, %s", version ? version : "no session",
                strcmp(verified, "true") == 0 ? "verified" : "NOT verified");
        if (error)
            fprintf(out, " (%s)", error);
        if (subject)
            fprintf(out, ", %s", subject);
        if (expires)
            fprintf(out, ", expires %s", expires);
        fputc('\n', out);
    }
    const char *offered = ad_result_step_auth_offered(r, i);
    if (offered)
        fprintf(out, "    auth offered: %s\n", offered);
    if (strcmp(decision, "success") == 0)
        fprintf(out, "Autodiscover to %s succeeded (0x00000000)\n", url);
    else if (strcmp(decision, "held") == 0)
        fprintf(out, "Autodiscover to %s not used (answered ahead of its turn)\n", url);
    else if (strcmp(decision, "retry-with-credentials") != 0)
        fprintf(out, "Autodiscover to %s FAILED (%s)\n", url, *code ? code : "0x80004005");
}

void tool_print_log(const ad_result *r, bool to_stderr)
{
    FILE *out = to_stderr ? stderr : stdout;
    size_t n = ad_result_step_count(r);
    for (size_t i = 0; i < n; i++)
        log_step(out, r, i);
    if (n == 0)
        fprintf(out, "Autodiscover: no candidate to try: %s\n", ad_result_reason(r));
    fprintf(out, "\n");
}

/* The widest field path of all protocols, so the values line up in one column. */
static int widest_path(const ad_result *r)
{
    size_t widest = 0;
    for (size_t p = 0; p < ad_result_protocol_count(r); p++) {
        for (size_t f = 0; f < ad_result_protocol_field_count(r, p); f++) {
            const char *path = NULL;
            if (ad_result_protocol_field(r, p, f, &path, NULL) == AD_OK && strlen(path) > widest)
                widest = strlen(path);
        }
    }
    return (int)widest;
}

static void print_line(const char *label, const char *value, int width)
{
    if (value)
        printf("%-*s  %s\n", width, label, value);
}

void tool_print_settings(const ad_result *r)
{
    int width = widest_path(r) + 2; /* fields are indented by two */
    if (width < (int)strlen("Autodiscover:"))
        width = (int)strlen("Autodiscover:");
    print_line("E-mail:", ad_result_email(r), width);
    print_line("Autodiscover:", ad_result_url(r), width);
    print_line("Display name:", ad_result_user(r, "DisplayName"), width);
    for (size_t p = 0; p < ad_result_protocol_count(r); p++) {
        const char *type = ad_result_protocol_type(r, p);
        printf("\nProtocol %s\n", type ? type : "(no type)");
        for (size_t f = 0; f < ad_result_protocol_field_count(r, p); f++) {
            const char *path = NULL, *value = NULL;
            if (ad_result_protocol_field(r, p, f, &path, &value) == AD_OK)
                printf("  %-*s  %s\n", width - 2, path, value ? value : "");
        }
    }
}
