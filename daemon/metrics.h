/*
 * metrics: process-wide counters, rendered in the Prometheus text format for GET /metrics
 * on an admin listener. Counters are relaxed atomics: cheap on the request path, and they
 * survive reloads (a reload is not a counter reset).
 */
#ifndef AD_DAEMON_METRICS_H
#define AD_DAEMON_METRICS_H

#include "adbuf.h"

enum metrics_route {
    METRICS_ROUTE_POX,
    METRICS_ROUTE_SOAP,
    METRICS_ROUTE_V2JSON,
    METRICS_ROUTE_HEALTHZ,
    METRICS_ROUTE_METRICS,
    METRICS_ROUTE_REDIRECTOR,
    METRICS_ROUTE_ROUTER,
    METRICS_ROUTE_OTHER,
    METRICS_ROUTE_COUNT
};

enum metrics_counter {
    METRICS_AUTH_FAILURES,  /* wrong password or unknown user (after yescrypt) */
    METRICS_AUTH_THROTTLED, /* attempts refused with 429 */
    METRICS_CACHE_HITS,     /* verified-credential cache: yescrypt skipped */
    METRICS_CACHE_MISSES,   /* yescrypt ran */
    METRICS_CONN_DEADLINE,  /* connections closed by request-deadline (conn_guard) */
    METRICS_CONN_EVICTED,   /* waiting connections closed to make room (conn_guard) */
    METRICS_ANSWER_HITS,    /* POX or v2 JSON answer served from the answer cache */
    METRICS_ANSWER_MISSES,  /* worked out from the directory (then cached when it may be) */
    METRICS_COUNTER_COUNT
};

/* One finished request; status 0 (no answer) and unlisted codes count as "other". */
void metrics_request(enum metrics_route route, int status);
void metrics_count(enum metrics_counter counter);
/* Appends the text exposition format (version 0.0.4). 0, or -1 when out grew too big. */
int metrics_render(struct adbuf *out);

#endif
