/* metrics: counters and their Prometheus rendering (see metrics.h). */
#include "metrics.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

static const char *const route_names[METRICS_ROUTE_COUNT] = {
    [METRICS_ROUTE_POX] = "pox",         [METRICS_ROUTE_SOAP] = "soap",
    [METRICS_ROUTE_V2JSON] = "v2json",   [METRICS_ROUTE_HEALTHZ] = "healthz",
    [METRICS_ROUTE_METRICS] = "metrics", [METRICS_ROUTE_REDIRECTOR] = "redirector",
    [METRICS_ROUTE_ROUTER] = "router",   [METRICS_ROUTE_OTHER] = "other",
};

/* The statuses the daemon sends; anything else lands in the last bucket, "other". */
static const int statuses[] = {200, 302, 400, 401, 404, 405, 413, 429, 500, 503};
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1)

static const struct {
    const char *name, *help;
} counters[METRICS_COUNTER_COUNT] = {
    [METRICS_AUTH_FAILURES] = {"autodiscoverd_auth_failures_total",
                               "Failed Basic authentications (wrong password or unknown user)."},
    [METRICS_AUTH_THROTTLED] = {"autodiscoverd_auth_throttled_total",
                                "Authentication attempts refused with 429 by throttling."},
    [METRICS_CACHE_HITS] = {"autodiscoverd_credential_cache_hits_total",
                            "Password checks answered by the verified-credential cache."},
    [METRICS_CACHE_MISSES] = {"autodiscoverd_credential_cache_misses_total",
                              "Password checks that ran yescrypt."},
    [METRICS_CONN_DEADLINE] = {"autodiscoverd_connections_deadline_closed_total",
                               "Connections closed for not sending a request within "
                               "request-deadline."},
    [METRICS_CONN_EVICTED] = {"autodiscoverd_connections_evicted_total",
                              "Connections waiting for a request closed to make room for "
                              "new ones."},
    [METRICS_ANSWER_HITS] = {"autodiscoverd_answer_cache_hits_total",
                             "POX and v2 JSON answers served from the answer cache."},
    [METRICS_ANSWER_MISSES] = {"autodiscoverd_answer_cache_misses_total",
                               "POX and v2 JSON answers worked out from the directory."},
};

static atomic_ulong requests[METRICS_ROUTE_COUNT][NSTATUS];
static atomic_ulong counter_values[METRICS_COUNTER_COUNT];

void metrics_request(enum metrics_route route, int status)
{
    if ((unsigned)route >= METRICS_ROUTE_COUNT)
        route = METRICS_ROUTE_OTHER;
    size_t i = 0;
    while (i < NSTATUS - 1 && statuses[i] != status)
        i++;
    atomic_fetch_add_explicit(&requests[route][i], 1, memory_order_relaxed);
}

void metrics_count(enum metrics_counter counter)
{
    if ((unsigned)counter < METRICS_COUNTER_COUNT)
        atomic_fetch_add_explicit(&counter_values[counter], 1, memory_order_relaxed);
}

int metrics_render(struct adbuf *out)
{
    int rc = adbuf_puts(out, "# HELP autodiscoverd_requests_total HTTP requests answered, by "
                             "route and status.\n# TYPE autodiscoverd_requests_total counter\n");
    for (size_t r = 0; r < METRICS_ROUTE_COUNT; r++) {
        for (size_t s = 0; s < NSTATUS; s++) {
            unsigned long n = atomic_load_explicit(&requests[r][s], memory_order_relaxed);
            if (n == 0)
                continue; /* a sparse family is easier to read, and Prometheus allows it */
            char code[16] = "other";
            if (s < NSTATUS - 1)
                snprintf(code, sizeof code, "%d", statuses[s]);
            rc |=
                adbuf_printf(out, "autodiscoverd_requests_total{route=\"%s\",status=\"%s\"} %lu\n",
                             route_names[r], code, n);
        }
    }
    for (size_t c = 0; c < METRICS_COUNTER_COUNT; c++)
        rc |= adbuf_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %lu\n", counters[c].name,
                           counters[c].help, counters[c].name, counters[c].name,
                           atomic_load_explicit(&counter_values[c], memory_order_relaxed));
    return rc < 0 ? -1 : 0;
}
