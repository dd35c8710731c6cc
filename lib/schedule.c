#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "journey.h"
#include "trust.h"

#define POX_CONTENT_TYPE "text/xml; charset=utf-8"
#define IDLE_WAIT_MS 1000L

static long ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)((now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000);
}

/* The request of a candidate: the POST (POX, SOAP, mobilesync), or one of the bare GETs. */
static void request_for(const struct discovery *d, enum candidate_kind kind, const char *url,
                        bool with_credentials, struct http_request *req)
{
    if (kind == CANDIDATE_PROBE) {
        /* No body, no credentials, no cookies, nothing followed: http.c refuses them for it. */
        *req = (struct http_request){.url = url, .http_probe = true};
        return;
    }
    if (kind == CANDIDATE_V2JSON || kind == CANDIDATE_CAPABILITY) {
        /* Anonymous https GETs (v2 JSON, the SOAP capability probe): never credentials. */
        *req = (struct http_request){.url = url};
        return;
    }
    *req = (struct http_request){
        .url = url,
        .body = d->request.data,
        .body_len = d->request.len,
        .content_type = POX_CONTENT_TYPE, /* SOAP 1.1 and mobilesync use the same */
        /* The user authenticates as themselves: after a redirectAddr the body names the new
         * address, but the login stays the address the caller asked for (PROTOCOL.md §3). */
        .username = with_credentials ? journey_username(d) : NULL,
        .password = with_credentials ? journey_password(d) : NULL,
    };
}

static struct http_transfer *start_transfer(struct discovery *d, enum candidate_kind kind,
                                            const char *url, bool with_credentials, void *user)
{
    struct http_request req;
    request_for(d, kind, url, with_credentials, &req);
    d->http_opts.timeout_ms = journey_attempt_timeout(d);
    struct http_transfer *t = http_start(d->client->http, &d->http_opts, &req, user);
    if (t) {
        clock_gettime(CLOCK_MONOTONIC, &d->schedule.last_start);
        d->schedule.started_any = true;
    }
    return t;
}

/* The request started ahead for (kind, url, credentials) and not yet taken, or NULL. */
static struct ahead *find_ahead(struct schedule *s, enum candidate_kind kind, const char *url,
                                bool with_credentials)
{
    for (size_t i = 0; i < s->count; i++) {
        struct ahead *a = &s->ahead[i];
        if (!a->taken && a->kind == kind && a->with_credentials == with_credentials &&
            strcasecmp(a->url, url) == 0)
            return a;
    }
    return NULL;
}

static bool started_ahead(const struct schedule *s, enum candidate_kind kind, const char *url)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->ahead[i].kind == kind && strcasecmp(s->ahead[i].url, url) == 0)
            return true;
    return false;
}

/* Whether the engine will contact host without asking anyone (see consent_given). */
static bool consent_settled(const struct discovery *d, const char *host)
{
    const ad_client *c = d->client;
    return trust_consent_settled(c->psl, &c->allowed_hosts, d->addr.domain, host);
}

/*
 * What may start before its turn: nothing that needs a question, a state or a file. A host
 * that needs consent is no exception once the consent is settled without a prompt.
 */
static bool may_start_ahead(const struct discovery *d, const struct candidate *c)
{
    if (c->kind == CANDIDATE_PROBE)
        return true;
    if (c->kind == CANDIDATE_V2JSON)
        return c->hop == 0 && c->host && !trust_host_problem(d->client->psl, c->host);
    /* A SOAP POST needs its capability GET first, in the engine's order. */
    if (d->client->protocol == AD_PROTOCOL_SOAP)
        return false;
    return c->kind == CANDIDATE_POST && c->host && !trust_host_problem(d->client->psl, c->host) &&
           (!c->needs_consent || consent_settled(d, c->host)) &&
           !string_set_contains(&d->visited_urls, c->url);
}

/* What the engine will set on c at its turn (run_post): the chain leaves the address's site. */
static bool untrusted(const struct discovery *d, const struct candidate *c)
{
    return c->untrusted ||
           (c->needs_consent && !trust_same_site(d->client->psl, d->addr.domain, c->host));
}

/* The first candidate after the engine's current one that may start ahead, or NULL. */
static const struct candidate *next_to_start(const struct discovery *d)
{
    const struct candidate_queue *q = &d->queue;
    for (size_t i = q->next; i < q->count; i++)
        if (may_start_ahead(d, &q->items[i]) &&
            !started_ahead(&d->schedule, q->items[i].kind, q->items[i].url))
            return &q->items[i];
    return NULL;
}

static const struct ahead *held_settings(const struct schedule *s)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->ahead[i].settings)
            return &s->ahead[i];
    return NULL;
}

/*
 * Starts the request described by what (its url is copied; the rest of the state is fresh).
 * 0 (started, or not: the engine will run it in its turn and see why) or -1 (OOM).
 */
static int start_ahead(struct discovery *d, const struct ahead *what)
{
    struct schedule *s = &d->schedule;
    if (s->count == SCHEDULE_MAX_AHEAD)
        return 0;
    struct ahead *a = &s->ahead[s->count];
    *a = (struct ahead){.method = what->method,
                        .kind = what->kind,
                        .with_credentials = what->with_credentials,
                        .untrusted = what->untrusted,
                        .depth = what->depth};
    if (!(a->url = strdup(what->url)))
        return -1;
    if (!(a->transfer = start_transfer(d, a->kind, a->url, a->with_credentials, a))) {
        free(a->url);
        a->url = NULL;
        return 0;
    }
    a->started = s->last_start;
    s->count++;
    return 0;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* The request started ahead that is the latest of the pass, or NULL (the head is). */
static const struct ahead *latest_ahead(const struct schedule *s)
{
    if (s->count == 0 || !same_time(&s->ahead[s->count - 1].started, &s->last_start))
        return NULL;
    return &s->ahead[s->count - 1];
}

/* The latest request of the pass while it runs, or NULL; head is the engine's current one. */
static const struct http_transfer *latest_running(const struct schedule *s,
                                                  const struct http_transfer *head)
{
    if (same_time(&s->head_start, &s->last_start))
        return head; /* also an ahead request the engine has taken */
    const struct ahead *a = latest_ahead(s);
    return a ? a->transfer : NULL;
}

/* Whether the latest request of the pass was started ahead and has failed already. */
static bool latest_failed(const struct schedule *s)
{
    const struct ahead *a = latest_ahead(s);
    return a && a->done && !a->settings;
}

/* One of the delays of schedule.h: max(floor, SCHEDULE_GRACE_FACTOR x scale). */
struct delay {
    long ms;
    long floor;
    long scale; /* the slowest connection of its kind seen in this discovery */
    bool syn;   /* the silence, counted from the SYN; else counted from the start */
};

static struct delay delay_of(long floor, long scale, bool syn)
{
    long adaptive = SCHEDULE_GRACE_FACTOR * scale;
    return (struct delay){adaptive > floor ? adaptive : floor, floor, scale, syn};
}

/* How long a SYN may go unanswered (schedule.h). */
static struct delay silence(const struct schedule *s)
{
    return delay_of(SCHEDULE_SILENT_FLOOR_MS, s->slowest_tcp_ms, true);
}

/*
 * Milliseconds left before head may be given up once settings are held (<= 0: now), and
 * which delay applies (schedule.h): the silence from its SYN while that is unanswered, else
 * the grace from its start (its name resolving, or its TLS handshake not done).
 */
static long grace_left_ms(const struct schedule *s, const struct http_transfer *head,
                          struct delay *g)
{
    long syn_wait = http_transfer_syn_wait_ms(head);
    if (syn_wait >= 0) {
        *g = silence(s);
        return g->ms - syn_wait;
    }
    *g = delay_of(SCHEDULE_GRACE_FLOOR_MS, s->slowest_connect_ms, false);
    return g->ms - http_transfer_age_ms(head);
}

/*
 * Milliseconds left before the next candidate is due (<= 0: now): the stagger from the
 * latest start, or, when sooner, the silence from the latest request's unanswered SYN.
 * head is the engine's current request (the latest one when nothing started after it).
 */
static long next_due_ms(const struct discovery *d, const struct http_transfer *head)
{
    const struct schedule *s = &d->schedule;
    const struct http_transfer *latest = latest_running(s, head);
    long left = d->client->stagger_ms - ms_since(&s->last_start);
    long syn_wait = latest ? http_transfer_syn_wait_ms(latest) : -1;
    if (syn_wait >= 0 && silence(s).ms - syn_wait < left)
        left = silence(s).ms - syn_wait;
    return left;
}

/* Starts c ahead: 1 (started), 0 (not: the engine will run it in its turn), -1 (OOM). */
static int start_candidate(struct discovery *d, const struct candidate *c)
{
    size_t before = d->schedule.count;
    struct ahead what = {
        .method = c->method, .kind = c->kind, .url = c->url, .untrusted = untrusted(d, c)};
    if (start_ahead(d, &what) < 0)
        return -1;
    return d->schedule.count > before;
}

/* Starts the next candidates whose time has come (see schedule.h). 0 or -1 (OOM). */
static int start_due(struct discovery *d, const struct http_transfer *head)
{
    struct schedule *s = &d->schedule;
    if (d->client->sequential || held_settings(s))
        return 0;
    const struct candidate *c;
    while ((c = next_to_start(d))) {
        bool failed = latest_failed(s);
        if (next_due_ms(d, head) > 0 && !failed)
            break;
        /* Early for a silent request, not for a stagger run out nor a failure. */
        bool silent = !failed && ms_since(&s->last_start) < d->client->stagger_ms;
        int rc = start_candidate(d, c);
        if (rc <= 0)
            return rc; /* not started: try again at the next turn of the engine */
        /*
         * The port-80 probe next in line starts with it: one anonymous GET with no body,
         * asked anyway should this candidate fail as well (doc/decisions.md).
         */
        if (silent && c->kind != CANDIDATE_PROBE && (c = next_to_start(d)) &&
            c->kind == CANDIDATE_PROBE && start_candidate(d, c) < 0)
            return -1;
    }
    return 0;
}

/* Keeps the slowest connections of the discovery: the scales of the delays (schedule.h). */
static void note_connect(struct schedule *s, const struct http_transfer *t)
{
    long ms = http_transfer_connect_ms(t);
    if (ms > s->slowest_connect_ms)
        s->slowest_connect_ms = ms;
    ms = http_transfer_tcp_connect_ms(t);
    if (ms > s->slowest_tcp_ms)
        s->slowest_tcp_ms = ms;
}

/*
 * The next hop of a, when the engine will follow it without a question: the probe's
 * Location (a new candidate, so the consent rule applies) or a POST's redirect (a hop, no
 * consent: discover.c follow_url). Only the checks that need no engine state are made here;
 * the engine makes them all again at its turn. 0 or -1 (OOM).
 */
static int follow_ahead(struct discovery *d, const struct ahead *a, const char *target)
{
    const ad_client *c = d->client;
    bool probe = a->kind == CANDIDATE_PROBE;
    int depth = probe ? 0 : a->depth + 1;
    if (held_settings(&d->schedule) || c->protocol == AD_PROTOCOL_SOAP ||
        redirect_url_problem(target) || d->hops + depth > c->max_redirects ||
        started_ahead(&d->schedule, CANDIDATE_POST, target) ||
        string_set_contains(&d->visited_urls, target))
        return 0;
    char *host = redirect_url_host(target);
    if (!host)
        return -1;
    int rc = 0;
    if (!trust_host_problem(c->psl, host) && (!probe || consent_settled(d, host))) {
        bool same_site = trust_same_site(c->psl, d->addr.domain, host);
        struct ahead next = {.method = a->method,
                             .kind = CANDIDATE_POST,
                             .url = (char *)target,
                             .untrusted = probe ? !same_site : a->untrusted,
                             .depth = depth};
        rc = start_ahead(d, &next);
    }
    free(host);
    return rc;
}

/* The probe's answer: a 301/302 with a Location may be followed ahead. 0 or -1 (OOM). */
static int on_probe_done(struct discovery *d, const struct ahead *a)
{
    const struct http_response *r = &a->resp;
    if (r->outcome != HTTP_DONE || (r->status != 301 && r->status != 302) || !r->location)
        return 0;
    return follow_ahead(d, a, r->location);
}

/* A POST's answer: settings, a redirect to follow ahead, or a 401 to retry with credentials. */
static int on_post_done(struct discovery *d, struct ahead *a)
{
    struct verdict v = {.outcome = OUTCOME_UNREACHABLE};
    struct answer answer = {0};
    verdict_judge(&a->resp, journey_post_protocol(d), a->with_credentials,
                  journey_password(d) != NULL, &answer, &v);
    answer_free(&answer);
    a->settings = v.outcome == OUTCOME_SETTINGS;
    if (v.redirect == REDIRECT_URL)
        return follow_ahead(d, a, v.target);
    /*
     * The switcheroo guard (discover.c guard_basic) as far as it can be known now: a
     * Negotiate/NTLM challenge from an earlier candidate still running is not known yet.
     */
    bool guarded = (a->untrusted || d->seen_strong_auth) &&
                   !d->client->allow_basic_after_redirect && !a->resp.offers_strong;
    if (v.outcome != OUTCOME_NEEDS_AUTH || guarded)
        return 0;
    struct ahead retry = *a;
    retry.with_credentials = true;
    return start_ahead(d, &retry);
}

/* A request started ahead has finished: keep its answer and start what it leads to. */
static int on_ahead_done(struct discovery *d, struct http_transfer *t)
{
    struct ahead *a = http_transfer_user(t);
    note_connect(&d->schedule, t);
    http_transfer_take_response(t, &a->resp);
    http_transfer_free(t);
    a->transfer = NULL;
    a->done = true;
    clock_gettime(CLOCK_MONOTONIC, &a->done_at);
    if (a->kind == CANDIDATE_PROBE)
        return on_probe_done(d, a);
    return a->kind == CANDIDATE_POST ? on_post_done(d, a) : 0;
}

/* Whether to give the head up: see schedule.h. */
static const struct ahead *reason_to_cancel(const struct discovery *d,
                                            const struct http_transfer *head)
{
    const struct ahead *winner = held_settings(&d->schedule);
    struct delay g;
    if (d->client->sequential || !winner || http_transfer_connected(head) ||
        grace_left_ms(&d->schedule, head, &g) > 0)
        return NULL;
    return winner;
}

static void cancel_head(const struct schedule *s, struct http_transfer *head,
                        const struct ahead *winner, bool tls, struct fetch *out)
{
    long age = http_transfer_age_ms(head);
    struct delay g;
    grace_left_ms(s, head, &g);
    http_transfer_free(head);
    out->resp.outcome = HTTP_FAIL_CANCELLED;
    out->resp.elapsed_ms = age;
    if (asprintf(&out->resp.detail,
                 "given up after %ld ms without a %s connection: %s (later in the order) "
                 "already held settings (grace %ld ms%s: %ld x the slowest %sconnection seen, "
                 "%ld ms, at least %ld ms)",
                 age, tls && !g.syn ? "TLS" : "TCP", method_name(winner->method), g.ms,
                 g.syn ? " from its unanswered SYN" : "", SCHEDULE_GRACE_FACTOR,
                 g.syn ? "TCP " : "", g.scale, g.floor) < 0)
        out->resp.detail = NULL; /* the verdict then says "transfer failed" */
}

/* How long to wait for a transfer before the next decision is due. */
static long wait_ms(const struct discovery *d, const struct http_transfer *head)
{
    const struct schedule *s = &d->schedule;
    long wait = IDLE_WAIT_MS;
    if (d->client->sequential)
        return wait;
    const struct http_transfer *watched = NULL; /* whose SYN decides, once sent */
    if (held_settings(s)) {
        struct delay g;
        long left = grace_left_ms(s, head, &g);
        if (left < wait)
            wait = left;
        watched = head;
    } else if (next_to_start(d)) {
        long left = next_due_ms(d, head);
        if (left < wait)
            wait = left;
        watched = latest_running(s, head);
    }
    /* Its name still resolving: look again soon, the silence will count from its SYN. */
    if (watched && http_transfer_tcp_pending(watched) && wait > SCHEDULE_SILENT_FLOOR_MS)
        wait = SCHEDULE_SILENT_FLOOR_MS;
    return wait < 1 ? 1 : wait;
}

/* Waits for head, starting and collecting the others meanwhile. 0 or -1. */
static int drive(struct discovery *d, struct http_transfer *head, bool tls, struct fetch *out)
{
    for (;;) {
        if (start_due(d, head) < 0) {
            http_transfer_free(head);
            out->resp.outcome = HTTP_FAIL_NOMEM;
            return -1;
        }
        const struct ahead *winner = reason_to_cancel(d, head);
        if (winner) {
            cancel_head(&d->schedule, head, winner, tls, out);
            return 0;
        }
        struct http_transfer *t = NULL;
        if (http_wait_for(d->client->http, wait_ms(d, head), &t) < 0) {
            http_transfer_free(head);
            return -1;
        }
        if (t == head) {
            note_connect(&d->schedule, head);
            http_transfer_take_response(head, &out->resp);
            http_transfer_free(head);
            return out->resp.outcome == HTTP_FAIL_NOMEM ? -1 : 0;
        }
        if (t && on_ahead_done(d, t) < 0) {
            http_transfer_free(head);
            out->resp.outcome = HTTP_FAIL_NOMEM;
            return -1;
        }
    }
}

int schedule_fetch(struct discovery *d, const struct candidate *cand, bool with_credentials,
                   struct fetch *out)
{
    memset(out, 0, sizeof *out);
    struct ahead *a = find_ahead(&d->schedule, cand->kind, cand->url, with_credentials);
    struct http_transfer *head;
    if (a) {
        a->taken = true;
        if (a->done) {
            out->resp = a->resp;
            memset(&a->resp, 0, sizeof a->resp);
            long held = ms_since(&a->done_at);
            out->held_ms = held > 0 ? held : 1;
            return 0;
        }
        head = a->transfer;
        a->transfer = NULL;
        d->schedule.head_start = a->started;
    } else {
        head = start_transfer(d, cand->kind, cand->url, with_credentials, NULL);
        if (!head)
            return -1;
        d->schedule.head_start = d->schedule.last_start;
    }
    return drive(d, head, cand->kind != CANDIDATE_PROBE, out);
}

void schedule_annotate(const struct fetch *f, struct verdict *v)
{
    if (f->resp.outcome == HTTP_FAIL_CANCELLED)
        v->decision = STEP_CANCELLED;
    if (f->held_ms > 0)
        verdict_amend(v, v->decision,
                      "answered %ld ms before its turn (held: an earlier candidate was pending)",
                      f->held_ms);
}

/* The step of a request started ahead and never used. */
static int record_unused(struct discovery *d, struct ahead *a)
{
    struct verdict v = {.code = OUTLOOK_CODE_NONE};
    long elapsed = a->resp.elapsed_ms;
    if (a->done) {
        v.decision = STEP_HELD;
        if (a->resp.outcome == HTTP_DONE)
            snprintf(v.reason, sizeof v.reason,
                     "held: answered HTTP %ld%s ahead of its turn; not used, an earlier "
                     "candidate decided first",
                     a->resp.status, a->settings ? " with settings" : "");
        else
            snprintf(v.reason, sizeof v.reason,
                     "held: failed ahead of its turn (%s); not used, an earlier candidate "
                     "decided first",
                     a->resp.detail ? a->resp.detail : "transfer failed");
    } else {
        elapsed = http_transfer_age_ms(a->transfer);
        http_transfer_free(a->transfer);
        a->transfer = NULL;
        v.decision = STEP_CANCELLED;
        snprintf(v.reason, sizeof v.reason,
                 "cancelled after %ld ms: still running when an earlier candidate decided",
                 elapsed);
    }
    struct candidate c = {.method = a->method, .kind = a->kind, .url = a->url};
    return journey_add_step(d, &c, a->url, (int)a->resp.status, elapsed,
                            a->with_credentials ? STEP_AUTH_BASIC : STEP_AUTH_NONE, &v);
}

int schedule_end_pass(struct discovery *d)
{
    struct schedule *s = &d->schedule;
    int rc = 0;
    for (size_t i = 0; i < s->count && rc == 0; i++)
        if (!s->ahead[i].taken)
            rc = record_unused(d, &s->ahead[i]);
    long slowest = s->slowest_connect_ms; /* the network is the same for the next pass */
    long slowest_tcp = s->slowest_tcp_ms;
    schedule_free(s);
    s->slowest_connect_ms = slowest;
    s->slowest_tcp_ms = slowest_tcp;
    return rc;
}

void schedule_free(struct schedule *s)
{
    for (size_t i = 0; i < s->count; i++) {
        struct ahead *a = &s->ahead[i];
        http_transfer_free(a->transfer); /* stops it if it still runs */
        http_response_free(&a->resp);
        free(a->url);
    }
    memset(s, 0, sizeof *s);
}
