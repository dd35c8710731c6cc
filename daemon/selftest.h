/*
 * selftest: the operator's self-test (doc/autodiscoverctl.md "selftest"). Runs our client
 * against the operator's own deployment over every path (root domain, autodiscover., the
 * port-80 redirect, SRV, SOAP, v2) and checks what real clients trip over (ANCHORS.md):
 * certificate names, DNS records, X-SOAP-Enabled on the 401, lower-case redirect paths,
 * <User>, RedirectUrl spelling, Content-Type charset, Encryption versus SSL, v2 answers that
 * do not tell known from unknown users. Each check is pass, warn, fail or skip, with what
 * was seen and what to change.
 */
#ifndef AD_DAEMON_SELFTEST_H
#define AD_DAEMON_SELFTEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct selftest_options {
    const char *domain;
    const char *address;  /* NULL: the answer checks are skipped */
    const char *password; /* NULL or "": none */
    const char *cacert;
    const char *dns_server;
    char *const *connect_to;
    size_t nconnect_to;
    char *const *allow_redirect;
    size_t nallow_redirect;
    long timeout_ms; /* per request; 0: 10 s */
    /* May host be contacted? NULL: any (the command line); the analyzer's SSRF rule. */
    bool (*allow_host)(void *data, const char *host, char *why, size_t whylen);
    void *allow_data;
};

/* {"selftest": {"domain", "address", "verdict", "pass", "warn", "fail"}, "checks": [...]}. */
json_t *selftest_run(const struct selftest_options *o);
/* 0 when no check failed, else 1 (warnings do not fail). */
int selftest_exit_status(const json_t *report);
/* `autodiscoverctl selftest ...`: the exit status. */
int selftest_main(int argc, char **argv);

#endif
