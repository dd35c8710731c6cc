/*
 * schedule: priority-preserving parallel probing (doc/decisions.md "Client journey"). The
 * engine (discover.c) still takes the candidates one by one, in PROTOCOL.md §1.3 order, and
 * records every step in that order; every request goes through schedule_fetch(). While the
 * engine waits for its current request (the head), the scheduler starts the requests of
 * later candidates "ahead": the next one when nothing has started for the stagger, sooner
 * when the latest request is silent (its SYN unanswered for the silence, below; the
 * port-80 probe, if it comes next, then starts with it), or at once when the latest one
 * started ahead has failed. Their answers are held until the engine reaches their
 * candidate, so the order alone picks the winner. The one exception: once a later answer
 * holds settings (directly, or at the end of a redirect chain followed ahead), a head that
 * has no connection (no TLS handshake done) after the grace is given up ("cancelled"): a
 * black-holed host cannot answer, and waiting for its timeout is what this module exists
 * to avoid. A head that has connected keeps its whole timeout.
 *
 * What starts ahead needs no question and no prior state: the anonymous POST of a candidate
 * (learnt from the domain, the cache, the configuration, or from the probe, SRV or v2 JSON
 * when its host needs no consent prompt: same registrable domain or allow-listed), its retry
 * with credentials after a 401 offering Basic (under the switcheroo guard), the port-80
 * probe's GET, and the next hop of an answer started ahead: the probe's 301/302, an HTTP
 * 3xx or a redirectUrl, when its target needs no prompt either. Every such answer is still
 * held until its turn and judged there by every rule of the engine; interactive consent,
 * redirectAddr, SRV and everything that changes the journey's state happen in the engine,
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
 * Both delays below are Happy Eyeballs (RFC 8305 §5) style: max(a floor,
 * SCHEDULE_GRACE_FACTOR × the slowest connection of its kind that succeeded in this
 * discovery). A peer that connected in X ms shows what the network costs; a host still
 * without a connection after 3X is far more likely black-holed than slow (a TLS handshake
 * is 2-3 round trips, so 3X leaves room for a path or a server three times slower).
 *
 * The silence: how long the latest request's SYN may go unanswered before the next
 * candidate starts, instead of the whole stagger (--stagger still wins when shorter).
 * Counted from the SYN (the socket's opening), so a slow name resolution is never judged;
 * scaled by the slowest TCP connection (SYN-ACK, DNS included), not by TLS, which measures
 * the server's CPU more than the path. Only the kernel's SYN-ACK counts, so a busy server
 * whose kernel accepted is never judged silent: it gets the stagger. The floor, 10 ms, is
 * RFC 8305's minimum Connection Attempt Delay (MUST NOT be less); it recommends 100 ms as
 * the minimum when the delay is scaled by measured round trips. At the start of a discovery
 * nothing has been measured, so the floor is a bet that a live host's SYN-ACK comes within
 * it: true on a LAN or the lab (well under 1 ms), false on most Internet paths (one round
 * trip), where the next candidate and the probe now start 10 ms after the root's SYN
 * instead of 250 ms after its start (doc/decisions.md counts the extra requests). 25 ms
 * was measured too and missed the benchmark's target (doc/performance.md §4).
 *
 * The grace: how long a head may go without a connection once a later candidate holds
 * settings. A head whose SYN is unanswered gets the silence, counted from its SYN; any
 * other head without a TLS connection (its name resolving, or its kernel answered but its
 * TLS handshake is not done: a busy or half-dead server) gets max(SCHEDULE_GRACE_FLOOR_MS,
 * 3 × the slowest TLS connection) from its start: 100 ms is RFC 8305's recommended minimum,
 * so a slow but live root is not lost to a later host for a few milliseconds of TLS.
 */
#define SCHEDULE_SILENT_FLOOR_MS 10L
#define SCHEDULE_GRACE_FLOOR_MS 100L
#define SCHEDULE_GRACE_FACTOR 3L

/* One request started before its candidate's turn. */
struct ahead {
    unsigned method;
    enum candidate_kind kind;
    char *url;
    bool with_credentials;
    bool untrusted; /* its chain went through a host that needed consent (switcheroo guard) */
    int depth;      /* redirects followed ahead to reach it (0: a candidate of the queue) */
    bool taken;     /* the engine has asked for it */
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
    struct timespec head_start; /* the engine's current request */
    bool started_any;
    /* Of the discovery (kept from pass to pass): the scales of the grace and the silence. */
    long slowest_connect_ms; /* TLS done (TCP for http) */
    long slowest_tcp_ms;
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
