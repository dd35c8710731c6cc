/*
 * schedule: priority-preserving parallel probing (doc/decisions.md "Client journey"). The
 * engine (discover.c) still takes the candidates one by one, in PROTOCOL.md §1.3 order, and
 * records every step in that order; every request goes through schedule_fetch(). While the
 * engine waits for its current request (the head), the scheduler starts the requests of
 * later candidates "ahead": the next one when nothing has started for the stagger, or at
 * once when the latest one started ahead has failed. Their answers are held until the
 * engine reaches their candidate, so the order alone picks the winner. The one exception:
 * once a later answer holds settings, a head that has no connection (no TLS handshake done)
 * SCHEDULE_GRACE_MS after its start is given up ("cancelled"): a black-holed host cannot
 * answer, and waiting for its timeout is what this module exists to avoid.
 *
 * Only what needs no consent and no prior state is started ahead: the anonymous POST of a
 * candidate learnt from the domain, the cache or the configuration, its retry with
 * credentials after a 401 offering Basic, and the port-80 probe's GET. Consent prompts,
 * redirects, SRV and everything that changes the journey's state happen in the engine,
 * in order. In sequential mode nothing is started ahead.
 */
#ifndef AD_LIB_SCHEDULE_H
#define AD_LIB_SCHEDULE_H

#include <stdbool.h>
#include <time.h>

#include "candidates.h"
#include "http.h"
#include "verdict.h"

#define SCHEDULE_MAX_AHEAD 16
/*
 * How long a head may go without a connection before a later candidate's settings win. A
 * TLS handshake takes two or three round trips: 1 s covers round trips up to ~300 ms.
 */
#define SCHEDULE_GRACE_MS 1000L

/* One request started before its candidate's turn. */
struct ahead {
    unsigned method;
    enum candidate_kind kind;
    char *url;
    bool with_credentials;
    bool taken;                     /* the engine has asked for it */
    struct http_transfer *transfer; /* while it runs */
    bool done;
    struct http_response resp; /* once done, until the engine takes it */
    bool settings;             /* its answer is settings: nothing later needs to start */
    struct timespec started;
    struct timespec done_at;
};

struct schedule {
    struct ahead ahead[SCHEDULE_MAX_AHEAD]; /* in the order they started */
    size_t count;
    struct timespec last_start; /* the latest request of this pass, head or ahead */
    bool started_any;
};

/* What came of one request. */
struct fetch {
    struct http_response resp;
    long held_ms; /* > 0: the answer had been waiting that long for its turn */
};

struct discovery;

/*
 * Runs one request of cand (the POX POST, with credentials or not, or the probe's GET), or
 * takes it from what was started ahead, and drives the other transfers while it waits.
 * 0 with out->resp filled (HTTP_FAIL_CANCELLED when given up, see above); -1 when the
 * request could not be started or waited for (out->resp.outcome HTTP_FAIL_NOMEM for memory).
 */
int schedule_fetch(struct discovery *d, const struct candidate *cand, bool with_credentials,
                   struct fetch *out);
/* Adds what the schedule did to a verdict: the "cancelled" decision, the time held. */
void schedule_annotate(const struct fetch *f, struct verdict *v);
/*
 * The pass is decided: every request started ahead and not used becomes a step ("held"
 * when it had answered, "cancelled" when it was still running and is stopped now). 0 or -1.
 */
int schedule_end_pass(struct discovery *d);
/* Stops and forgets everything without recording it. */
void schedule_free(struct schedule *s);

#endif
