/*
 * selftest_cli: `autodiscoverctl selftest DOMAIN [options]` (doc/autodiscoverctl.md): the
 * options, the password file, and the report printed for a person or as JSON.
 * Exit status: 0 no check failed (warnings allowed), 1 a check failed, 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selftest.h"

#define MAX_LIST 16

static const char usage[] =
    "usage: autodiscoverctl selftest DOMAIN [--address ADDR --password-file FILE]\n"
    "           [--cacert FILE] [--connect-to H:P:H2:P2]... [--dns-server ADDR[:PORT]]\n"
    "           [--allow-redirect HOST]... [--timeout SECONDS] [--json]\n";

static int usage_error(const char *what)
{
    fprintf(stderr, "autodiscoverctl selftest: %s\n%s", what, usage);
    return 2;
}

/* The first line of path, without its line ending; 0, or -1. */
static int read_password(const char *path, char *out, size_t outlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int rc = fgets(out, (int)outlen, f) ? 0 : -1;
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    return rc;
}

static void print_text(const json_t *report)
{
    const json_t *checks = json_object_get(report, "checks"), *c;
    size_t i;
    json_array_foreach(checks, i, c)
    {
        const char *status = json_string_value(json_object_get(c, "status"));
        char upper[8];
        size_t k = 0;
        for (; status && status[k] && k < sizeof upper - 1; k++)
            upper[k] = (char)(status[k] - 'a' + 'A');
        upper[k] = '\0';
        printf("%-4s  %s: %s\n", upper, json_string_value(json_object_get(c, "title")),
               json_string_value(json_object_get(c, "detail")));
        const char *fix = json_string_value(json_object_get(c, "fix"));
        if (fix && strcmp(status, "pass") != 0)
            printf("      change: %s\n", fix);
    }
    const json_t *head = json_object_get(report, "selftest");
    printf("%s: %lld pass, %lld warn, %lld fail\n",
           json_string_value(json_object_get(head, "verdict")),
           (long long)json_integer_value(json_object_get(head, "pass")),
           (long long)json_integer_value(json_object_get(head, "warn")),
           (long long)json_integer_value(json_object_get(head, "fail")));
}

int selftest_main(int argc, char **argv)
{
    struct selftest_options o = {0};
    char *connect_to[MAX_LIST], *allow[MAX_LIST];
    const char *password_file = NULL;
    char password[256] = "";
    int json = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0) {
            json = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (a[0] != '-') {
            if (o.domain)
                return usage_error("one DOMAIN only");
            o.domain = a;
            continue;
        }
        if (!v)
            return usage_error("an option needs a value");
        i++;
        if (strcmp(a, "--address") == 0)
            o.address = v;
        else if (strcmp(a, "--password-file") == 0)
            password_file = v;
        else if (strcmp(a, "--cacert") == 0)
            o.cacert = v;
        else if (strcmp(a, "--dns-server") == 0)
            o.dns_server = v;
        else if (strcmp(a, "--timeout") == 0)
            o.timeout_ms = (long)(strtod(v, NULL) * 1000);
        else if (strcmp(a, "--connect-to") == 0 && o.nconnect_to < MAX_LIST)
            connect_to[o.nconnect_to++] = (char *)v;
        else if (strcmp(a, "--allow-redirect") == 0 && o.nallow_redirect < MAX_LIST)
            allow[o.nallow_redirect++] = (char *)v;
        else
            return usage_error("unknown option, or too many of it");
    }
    if (!o.domain || !strchr(o.domain, '.'))
        return usage_error("DOMAIN is required (a domain name such as contoso.com)");
    if (password_file && !o.address)
        return usage_error("--password-file needs --address");
    if (password_file && read_password(password_file, password, sizeof password) < 0) {
        fprintf(stderr, "autodiscoverctl selftest: cannot read %s\n", password_file);
        return 2;
    }
    o.password = password;
    o.connect_to = connect_to;
    o.allow_redirect = allow;
    json_t *report = selftest_run(&o);
    explicit_bzero(password, sizeof password);
    if (!report) {
        fprintf(stderr, "autodiscoverctl selftest: out of memory\n");
        return 1;
    }
    if (json) {
        json_dumpf(report, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        print_text(report);
    }
    int rc = selftest_exit_status(report);
    json_decref(report);
    return rc;
}
