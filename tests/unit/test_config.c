/*
 * Unit tests for daemon/config.c. Every tests/data/config/good-*.conf must parse (and match
 * its "# expect-listeners:" / "# expect-max-body:" header); every bad-*.conf must fail with
 * "FILE:LINE: ..." where LINE and a piece of the message come from its "# expect-line:" and
 * "# expect-error:" header.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "testutil.h"

/* The value after "# KEY: " in text, copied into out; "" when absent. */
static void header_value(const char *text, const char *key, char *out, size_t outlen)
{
    char marker[64];
    snprintf(marker, sizeof marker, "# %s: ", key);
    const char *p = strstr(text, marker);
    out[0] = '\0';
    if (p) {
        p += strlen(marker);
        size_t n = strcspn(p, "\n");
        snprintf(out, outlen, "%.*s", (int)n, p);
    }
}

static void check_good(const char *name, const char *text)
{
    char err[1024], want[64];
    struct config *conf = config_parse_string(name, text, err, sizeof err);
    if (!conf) {
        test_fail_str(__FILE__, __LINE__, name, err, "(parses)");
        return;
    }
    header_value(text, "expect-listeners", want, sizeof want);
    CHECK(conf->nlisteners == strtoul(want, NULL, 10));
    header_value(text, "expect-max-body", want, sizeof want);
    CHECK(conf->max_body == strtoul(want, NULL, 10));
    /* Every listener has a default host; a listener's TLS needs both files. */
    for (size_t i = 0; i < conf->nlisteners; i++) {
        const struct config_listener *l = &conf->listeners[i];
        CHECK(l->nhosts >= 1);
        CHECK(!l->tls_certificate == !l->tls_key);
        for (size_t h = 0; h < l->nhosts; h++)
            CHECK(l->tls_certificate || l->hosts[h].role == ROLE_REDIRECTOR ||
                  l->hosts[h].role == ROLE_ADMIN);
    }
    header_value(text, "expect-hosts", want, sizeof want);
    if (want[0]) { /* "N,N,..." hosts per listener */
        char *p = want;
        for (size_t i = 0; i < conf->nlisteners && *p; i++) {
            CHECK(conf->listeners[i].nhosts == strtoul(p, &p, 10));
            if (*p == ',')
                p++;
        }
    }
    config_free(conf);
}

static void check_bad(const char *name, const char *text)
{
    char err[1024], line[32], message[256], prefix[600];
    header_value(text, "expect-line", line, sizeof line);
    header_value(text, "expect-error", message, sizeof message);
    CHECK(line[0] && message[0]);
    struct config *conf = config_parse_string(name, text, err, sizeof err);
    CHECK(conf == NULL);
    config_free(conf);
    snprintf(prefix, sizeof prefix, "%s:%s: ", name, line);
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        test_fail_str(__FILE__, __LINE__, name, err, prefix);
    if (!strstr(err, message))
        test_fail_str(__FILE__, __LINE__, name, err, message);
    CHECK(strchr(err, '\n') == NULL); /* one line */
}

static void test_fixtures(void)
{
    const char *data = getenv("AD_TEST_DATA");
    char dirpath[4096];
    snprintf(dirpath, sizeof dirpath, "%s/config", data ? data : "tests/data");
    DIR *d = opendir(dirpath);
    CHECK(d != NULL);
    if (!d)
        return;
    int good = 0, bad = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        bool is_good = strncmp(e->d_name, "good-", 5) == 0;
        bool is_bad = strncmp(e->d_name, "bad-", 4) == 0;
        if (!is_good && !is_bad)
            continue;
        char rel[512];
        snprintf(rel, sizeof rel, "config/%s", e->d_name);
        char *text = test_read_data(rel, NULL);
        if (is_good) {
            check_good(e->d_name, text);
            good++;
        } else {
            check_bad(e->d_name, text);
            bad++;
        }
        free(text);
    }
    closedir(d);
    CHECK(good >= 3);
    CHECK(bad >= 15);
}

static void test_values(void)
{
    char err[256];
    struct config *conf =
        config_parse_string("t",
                            "directory \"sqlite:/d.db\"\naccess-log /a.log\n"
                            "listen ::1 8443 { tls-certificate \"a\\\"b\"\ntls-key k }\n",
                            err, sizeof err);
    CHECK(conf != NULL);
    if (!conf)
        return;
    CHECK_STR(conf->directory, "sqlite:/d.db");
    CHECK_STR(conf->access_log, "/a.log");
    CHECK_STR(conf->listeners[0].address, "::1");
    CHECK(conf->listeners[0].port == 8443);
    CHECK_STR(conf->listeners[0].tls_certificate, "a\"b");
    CHECK_STR(conf->listeners[0].tls_key, "k");
    CHECK(conf->listeners[0].nhosts == 1);
    CHECK(conf->listeners[0].hosts[0].name == NULL);
    CHECK(conf->listeners[0].hosts[0].role == ROLE_SERVICE);
    CHECK(conf->connection_limit > 0 && conf->per_ip_limit > 0 && conf->timeout_seconds > 0);
    config_free(conf);
}

/* The three provider roles of DESIGN.md §5, in the ';'-separated form of the issue. */
static void test_roles(void)
{
    char err[512];
    struct config *conf = config_parse_string(
        "t",
        "directory \"sqlite:/d.db\"\n"
        "listen 127.0.3.10 80 { host autodiscover.outlook.test { role redirector; redirect-to "
        "\"https://autodiscover-s.outlook.test/autodiscover/autodiscover.xml\" } }\n"
        "listen 127.0.3.11 443 { tls-certificate c; tls-key k; host Autodiscover-S.outlook.test "
        "{ role router; route-mode http302 }\n"
        "  host pod51049.outlook.test { role service; tls-certificate pc; tls-key pk } }\n"
        "listen 127.0.3.12 443 { tls-certificate c; tls-key k; role router\n"
        "  host pod.test { role service } }\n",
        err, sizeof err);
    CHECK(conf != NULL);
    if (!conf) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    const struct config_listener *l = &conf->listeners[0];
    CHECK(l->tls_certificate == NULL && l->nhosts == 1);
    CHECK(l->hosts[0].role == ROLE_REDIRECTOR);
    CHECK_STR(l->hosts[0].redirect_to,
              "https://autodiscover-s.outlook.test/autodiscover/autodiscover.xml");
    /* The SOAP target is derived: the same URL with autodiscover.svc. */
    CHECK_STR(l->hosts[0].redirect_to_svc,
              "https://autodiscover-s.outlook.test/autodiscover/autodiscover.svc");
    /* Any Host answers with the first host block when the listener has no role of its own. */
    CHECK(config_listener_host(l, "autodiscover.fabrikam.test") == &l->hosts[0]);
    CHECK(config_listener_host(l, NULL) == &l->hosts[0]);
    l = &conf->listeners[1];
    CHECK(l->nhosts == 2);
    CHECK_STR(l->hosts[0].name, "autodiscover-s.outlook.test");
    CHECK(l->hosts[0].role == ROLE_ROUTER && l->hosts[0].route_mode == ROUTE_MODE_HTTP302);
    CHECK(l->hosts[1].role == ROLE_SERVICE);
    CHECK_STR(l->hosts[1].tls_certificate, "pc");
    CHECK(config_listener_host(l, "POD51049.outlook.test:443") == &l->hosts[1]);
    CHECK(config_listener_host(l, "pod51049.outlook.test.") == &l->hosts[1]);
    CHECK(config_listener_host(l, "[::1]:443") == &l->hosts[0]);
    CHECK(config_listener_host(l, "pod51049.outlook.testx") == &l->hosts[0]);
    l = &conf->listeners[2];
    CHECK(l->nhosts == 2 && l->hosts[0].name == NULL && l->hosts[0].role == ROLE_ROUTER);
    CHECK(l->hosts[0].route_mode == ROUTE_MODE_REDIRECTURL);
    CHECK(config_listener_host(l, "other.test") == &l->hosts[0]);
    CHECK(config_listener_host(l, "pod.test") == &l->hosts[1]);
    config_free(conf);
}

/* The authentication and operations directives, and their defaults. */
static void test_auth_ops(void)
{
    char err[512];
    struct config *conf = config_parse_string(
        "t", "directory \"sqlite:/d.db\"\nlisten 127.0.0.1 9100 { role admin }\n", err, sizeof err);
    CHECK(conf != NULL);
    if (!conf)
        return;
    CHECK(conf->user == NULL);
    CHECK(conf->cred_cache_ttl == CONFIG_DEFAULT_CRED_CACHE_TTL);
    CHECK(conf->auth_failure_limit == CONFIG_DEFAULT_AUTH_FAILURE_LIMIT);
    CHECK(conf->auth_failure_window == CONFIG_DEFAULT_AUTH_FAILURE_WINDOW);
    CHECK(conf->request_deadline == CONFIG_DEFAULT_REQUEST_DEADLINE);
    CHECK(conf->worker_threads == 0); /* automatic */
    CHECK(conf->listeners[0].hosts[0].role == ROLE_ADMIN);
    CHECK_STR(config_role_name(ROLE_ADMIN), "admin");
    config_free(conf);
    conf = config_parse_string("t",
                               "user \"nobody\"; credential-cache-ttl 0; auth-failure-limit 0\n"
                               "auth-failure-window 2\ndirectory \"sqlite:/d.db\"\n"
                               "request-deadline 0\nworker-threads 1\n"
                               "listen 127.0.0.1 9100 { role admin }\n",
                               err, sizeof err);
    CHECK(conf != NULL);
    if (!conf)
        return;
    CHECK_STR(conf->user, "nobody");
    CHECK(conf->cred_cache_ttl == 0 && conf->auth_failure_limit == 0);
    CHECK(conf->auth_failure_window == 2 && conf->request_deadline == 0);
    CHECK(conf->worker_threads == 1);
    config_free(conf);
    CHECK(config_parse_string("t", "request-deadline 5; request-deadline 6\n", err, sizeof err) == NULL);
    CHECK(strstr(err, "duplicate request-deadline") != NULL);
    CHECK(config_parse_string("t", "request-deadline 3601\n", err, sizeof err) == NULL);
    CHECK(config_parse_string("t", "worker-threads 17\n", err, sizeof err) == NULL);
    CHECK(config_parse_string("t", "worker-threads 2; worker-threads 3\n", err, sizeof err) == NULL);
    CHECK(strstr(err, "duplicate worker-threads") != NULL);
}

static void test_file_errors(void)
{
    char err[512];
    CHECK(config_parse_file("/nonexistent/autodiscoverd.conf", err, sizeof err) == NULL);
    CHECK(strncmp(err, "/nonexistent/autodiscoverd.conf:0: ", 35) == 0);
    /* A huge number must not wrap around. */
    CHECK(config_parse_string("t", "max-body 99999999999999999999999\n", err, sizeof err) == NULL);
    CHECK(strstr(err, "out of range") != NULL);
}

/* redirect-to-svc given wins; a redirect-to not ending in autodiscover.xml derives nothing. */
static void test_redirect_to_svc(void)
{
    char err[512];
    struct config *conf = config_parse_string(
        "t",
        "directory \"sqlite:/d.db\"\n"
        "listen 127.0.0.1 80 { host a.test { role redirector; redirect-to \"https://s.test/x\" }\n"
        "  host b.test { role redirector; redirect-to \"https://s.test/Autodiscover/Autodiscover.XML\";"
        " redirect-to-svc \"https://soap.test/autodiscover/autodiscover.svc\" } }\n",
        err, sizeof err);
    CHECK(conf != NULL);
    if (!conf)
        return;
    CHECK(conf->listeners[0].hosts[0].redirect_to_svc == NULL);
    CHECK_STR(conf->listeners[0].hosts[1].redirect_to_svc,
              "https://soap.test/autodiscover/autodiscover.svc");
    config_free(conf);
}

int main(void)
{
    test_fixtures();
    test_values();
    test_roles();
    test_redirect_to_svc();
    test_auth_ops();
    test_file_errors();
    return test_done("config");
}
