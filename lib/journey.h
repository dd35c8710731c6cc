/*
 * journey: the state of one discovery, shared by the engine (discover.c) and the sources of
 * candidates that are not a plain POST (journey_sources.c: local XML, the last-known-good
 * cache, the port-80 probe, DNS SRV). Internal to the library.
 */
#ifndef AD_LIB_JOURNEY_H
#define AD_LIB_JOURNEY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "address.h"
#include "candidates.h"
#include "client.h"
#include "redirect.h"
#include "result.h"
#include "schedule.h"
#include "verdict.h"

struct discovery {
    ad_client *client;
    char *requested;     /* the address the caller asked for (the cache key) */
    struct address addr; /* the address of the current pass (after redirectAddr) */
    struct candidate_queue queue;
    struct ad_result *result;
    struct http_options http_opts;
    struct adbuf request; /* the POX request body of the current pass */
    enum outcome best;    /* the best failure so far */
    char *best_reason;    /* "URL: reason" of that failure */

    int hops;                        /* redirects followed, URL and address together */
    struct string_set visited_urls;  /* POSTed in this pass */
    struct string_set chain_urls;    /* POSTed in the current redirect chain */
    struct string_set visited_addrs; /* every address a pass was run for */
    char *restart_address;           /* set by a followed redirectAddr */
    bool stopped;                    /* a loop, the redirect limit or the deadline: stop */
    ad_code stop_code;
    char *stop_reason;
    bool seen_strong_auth; /* a Negotiate/NTLM challenge was seen (the switcheroo guard) */
    uint64_t rng;          /* SRV weighted choice */
    bool has_deadline;
    struct timespec deadline;
    struct schedule schedule; /* requests started ahead of their turn (schedule.h) */
    /* Credentials given by the callback: this discovery only, wiped at its end. */
    bool asked_credentials;
    char *asked_user;
    char *asked_pass;
};

/* Milliseconds left before the deadline (LONG_MAX without one; 0 when past). */
long journey_remaining_ms(const struct discovery *d);
/* The per-attempt timeout, shortened to what the deadline leaves. */
long journey_attempt_timeout(const struct discovery *d);
/* Stops the journey with code and a formatted reason (the first stop wins). 0 or -1 (OOM). */
int journey_stop(struct discovery *d, ad_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds a step annotated with the current address, hop and origin. 0 or -1 (OOM). */
int journey_add_step(struct discovery *d, const struct candidate *cand, const char *url, int status,
                     long elapsed_ms, enum step_auth auth, const struct verdict *v);

/* journey_auth.c: the credentials of a request, whether set or given by the callback. */
const char *journey_password(const struct discovery *d);
const char *journey_username(const struct discovery *d);
/*
 * A 401 from a validated https server offering Basic, with no password: asks the callback
 * (once per discovery). 0, or -1 on out of memory.
 */
int journey_ask_credentials(struct discovery *d, const char *url, const struct http_response *resp);
void journey_wipe_credentials(struct discovery *d);
/* Hands a step just recorded to the trace callback, as one line. */
void journey_trace(const struct discovery *d, const struct result_step *s);
/* How POST answers are read: POX for the URLs that v2 JSON gives, else the protocol. */
ad_protocol journey_post_protocol(const struct discovery *d);

/* journey_soap.c: the capability GET before a SOAP POST. 1 go on, 0 skip (step recorded), -1. */
int journey_soap_capable(struct discovery *d, const struct candidate *cand, struct verdict *v);

/* client_v2.c: the v2 JSON candidates of a pass (instead of POX's); the number added or -1. */
int journey_queue_v2(struct discovery *d);
/* Runs a v2 GET: a Url is queued (AutodiscoverV1) or is the answer; a 302 is followed. */
int journey_run_v2(struct discovery *d, const struct candidate *cand, struct answer *answer,
                   struct verdict *v);

/* journey_sources.c: queue the candidates of one pass, in PROTOCOL.md §1.3 order. */
int journey_queue_pass(struct discovery *d);
/* Runs one non-POST candidate; v says what came of it. 0 or -1 (OOM). */
int journey_run_probe(struct discovery *d, const struct candidate *cand, struct verdict *v);
int journey_run_srv(struct discovery *d, const struct candidate *cand, struct verdict *v);
/* Local XML: on settings *answer holds them. */
int journey_run_localxml(struct discovery *d, const struct candidate *cand,
                         struct pox_response *answer, struct verdict *v);
/* The TTL of an answer in hours (the smallest Protocol TTL; CACHE_DEFAULT_TTL_HOURS). */
long journey_answer_ttl(const struct pox_response *answer);

#endif
