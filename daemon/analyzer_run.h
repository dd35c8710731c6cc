/*
 * analyzer_run: the analyzer's discoveries, run by libautodiscover in worker threads. A
 * bounded number run at once, each under a deadline; the last ANALYZER_SLOTS runs are kept
 * in memory only (never on disk), named by an unguessable id. While a run goes, its report
 * is the steps seen so far through the trace callback; when it ends, the library's JSON
 * (the same as `autodiscover --json`). A password given for a run is handed to the library
 * and wiped when the run ends; it is never copied into a report, a page or a log.
 */
#ifndef AD_DAEMON_ANALYZER_RUN_H
#define AD_DAEMON_ANALYZER_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define ANALYZER_ID_LEN 32
#define ANALYZER_SLOTS 32
#define ANALYZER_MAX_ALLOW 8

enum analyzer_state { RUN_RUNNING, RUN_DONE, RUN_CANCELLED };

struct analyzer_request {
    bool selftest;                       /* the self-test of domain instead of one discovery */
    char email[320];                     /* the address (optional for the self-test) */
    char domain[254];                    /* self-test only */
    char password[256];                  /* may be empty; wiped by analyzer_start */
    int protocol;                        /* ad_protocol */
    unsigned exclude;                    /* AD_METHOD_* mask */
    char allow[ANALYZER_MAX_ALLOW][254]; /* consent hosts named on the form */
    size_t nallow;
};

struct analyzer;

/* A copy of what the configuration says about runs; NULL on failure. */
struct analyzer *analyzer_new(const struct config_analyzer *conf);
/* Drops the server's reference; runs still going keep theirs and finish. */
void analyzer_release(struct analyzer *a);

/*
 * Starts a run (req->password is wiped whatever happens). 0 with the run's id, or -1 with a
 * reason (too many runs at once, a thread that would not start).
 */
int analyzer_start(struct analyzer *a, struct analyzer_request *req, char id[ANALYZER_ID_LEN + 1],
                   char *err, size_t errlen);
/* The run's report as JSON text (free() it) and its state; NULL when there is no such run. */
char *analyzer_snapshot(struct analyzer *a, const char *id, enum analyzer_state *state);
/* Marks a running run cancelled: its later steps and result are dropped. 0, or -1 unknown. */
int analyzer_cancel(struct analyzer *a, const char *id);

/*
 * A step from a trace line of libautodiscover ("METHOD WHERE STATUS DECISION (CODE): reason"),
 * as an object with the keys of a report step; NULL when the line does not parse.
 */
json_t *analyzer_step_from_trace(const char *line);

#endif
