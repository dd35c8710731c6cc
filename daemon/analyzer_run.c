/*
 * analyzer_run: runs, their worker threads and their reports (analyzer_run.h). One mutex
 * guards the table and every run's fields; the library runs outside it.
 */
#include "analyzer_run.h"

#include <autodiscover/autodiscover.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "analyzer_guard.h"
#include "log.h"
#include "selftest.h"

struct run {
    char id[ANALYZER_ID_LEN + 1];
    enum analyzer_state state;
    struct analyzer_request req; /* its password wiped once the library has it */
    json_t *steps;               /* seen so far (trace) */
    char *report;                /* final JSON text */
    struct timespec started;
    unsigned long serial; /* for eviction: the oldest finished run goes first */
    int refs;             /* the table's and the worker's */
    ad_client *client;    /* the discovery's, while it runs (for cancel) */
    struct analyzer *a;
};

struct analyzer {
    pthread_mutex_t lock;
    int refs; /* the server's, plus one per worker */
    unsigned max_runs, running;
    long deadline_ms;
    char *cacert, *dns_server;
    char **connect_to, **allow;
    size_t nconnect_to, nallow;
    bool allow_local;
    unsigned long serial;
    struct run *slots[ANALYZER_SLOTS];
};

/* --- trace lines --- */

json_t *analyzer_step_from_trace(const char *line)
{
    /* "METHOD WHERE STATUS DECISION[ (CODE)]: reason"; WHERE may hold a space ("x SRV"). */
    const char *colon = strstr(line, ": ");
    if (!colon || colon - line > 4000)
        return NULL;
    char head[4096];
    memcpy(head, line, (size_t)(colon - line));
    head[colon - line] = '\0';
    char *code = NULL, *last = strrchr(head, ' ');
    if (last && last[1] == '(' && last[strlen(last) - 1] == ')') {
        last[strlen(last) - 1] = '\0';
        code = last + 2;
        *last = '\0';
    }
    char *decision = strrchr(head, ' ');
    if (!decision)
        return NULL;
    *decision++ = '\0';
    char *status = strrchr(head, ' ');
    if (!status)
        return NULL;
    *status++ = '\0';
    char *where = strchr(head, ' ');
    if (!where)
        return NULL;
    *where++ = '\0';
    bool query = strstr(where, "://") == NULL && strcmp(where, "-") != 0;
    json_t *step = json_pack("{s:s, s:i, s:s, s:s, s:s}", "method", head, "status", atoi(status),
                             "code", code ? code : "", "decision", decision, "reason", colon + 2);
    if (step && strcmp(where, "-") != 0 &&
        json_object_set_new(step, query ? "query" : "url", json_string(where)) < 0) {
        json_decref(step);
        return NULL;
    }
    return step;
}

/* --- runs --- */

static void run_unref(struct run *r)
{
    if (--r->refs > 0)
        return;
    explicit_bzero(r->req.password, sizeof r->req.password);
    json_decref(r->steps);
    free(r->report);
    free(r);
}

static void analyzer_unref_locked(struct analyzer *a, bool *freed)
{
    *freed = --a->refs == 0;
}

static void analyzer_destroy(struct analyzer *a)
{
    for (size_t i = 0; i < ANALYZER_SLOTS; i++)
        if (a->slots[i])
            run_unref(a->slots[i]);
    for (size_t i = 0; i < a->nconnect_to; i++)
        free(a->connect_to[i]);
    for (size_t i = 0; i < a->nallow; i++)
        free(a->allow[i]);
    free(a->connect_to);
    free(a->allow);
    free(a->cacert);
    free(a->dns_server);
    pthread_mutex_destroy(&a->lock);
    free(a);
    curl_global_cleanup();
}

static char **copy_list(char *const *list, size_t n)
{
    char **copy = calloc(n ? n : 1, sizeof *copy);
    for (size_t i = 0; copy && i < n; i++) {
        if (!(copy[i] = strdup(list[i]))) {
            while (i-- > 0)
                free(copy[i]);
            free(copy);
            return NULL;
        }
    }
    return copy;
}

struct analyzer *analyzer_new(const struct config_analyzer *conf)
{
    struct analyzer *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    /* libcurl's global state, set up once here in the main thread, before any worker. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->lock, NULL);
    a->refs = 1;
    a->max_runs = conf->max_runs ? conf->max_runs : 2;
    a->deadline_ms = (long)(conf->deadline ? conf->deadline : 60) * 1000;
    a->allow_local = conf->allow_local;
    a->nconnect_to = conf->nconnect_to;
    a->nallow = conf->nallow_redirect;
    a->connect_to = copy_list(conf->connect_to, conf->nconnect_to);
    a->allow = copy_list(conf->allow_redirect, conf->nallow_redirect);
    bool ok = a->connect_to && a->allow && (!conf->cacert || (a->cacert = strdup(conf->cacert))) &&
              (!conf->dns_server || (a->dns_server = strdup(conf->dns_server)));
    if (!ok) {
        a->nconnect_to = a->nallow = 0;
        analyzer_destroy(a);
        return NULL;
    }
    return a;
}

void analyzer_release(struct analyzer *a)
{
    if (!a)
        return;
    bool freed;
    pthread_mutex_lock(&a->lock);
    analyzer_unref_locked(a, &freed);
    pthread_mutex_unlock(&a->lock);
    if (freed)
        analyzer_destroy(a);
}

static struct analyzer_guard guard_of(const struct analyzer *a)
{
    return (struct analyzer_guard){
        .allow_local = a->allow_local, .connect_to = a->connect_to, .nconnect_to = a->nconnect_to};
}

static bool allowed_by_name(const struct run *r, const char *host)
{
    for (size_t i = 0; i < r->a->nallow; i++)
        if (strcasecmp(r->a->allow[i], host) == 0)
            return true;
    for (size_t i = 0; i < r->req.nallow; i++)
        if (strcasecmp(r->req.allow[i], host) == 0)
            return true;
    return false;
}

/* Consent: a host named on the form or in the configuration, and only where it may go. */
static int consent(void *data, const char *email, const char *url, const char *why)
{
    struct run *r = data;
    char host[256], pin[320], reason[512];
    struct analyzer_guard g = guard_of(r->a);
    if (!guard_url_host(url, host, sizeof host) || !allowed_by_name(r, host))
        return 0;
    return guard_host_allowed(&g, host, pin, sizeof pin, reason, sizeof reason);
}

static bool selftest_allow(void *data, const char *host, char *why, size_t whylen)
{
    struct run *r = data;
    char pin[320];
    struct analyzer_guard g = guard_of(r->a);
    return guard_host_allowed(&g, host, pin, sizeof pin, why, whylen);
}

static long ms_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static void trace(void *data, const char *line)
{
    struct run *r = data;
    json_t *step = analyzer_step_from_trace(line);
    if (!step)
        return;
    json_object_set_new(step, "at_ms", json_integer(ms_since(&r->started)));
    pthread_mutex_lock(&r->a->lock);
    if (r->state == RUN_RUNNING && json_array_size(r->steps) < 512)
        json_array_append(r->steps, step);
    pthread_mutex_unlock(&r->a->lock);
    json_decref(step);
}

/* A report for a run refused before the library ran: the reason, no steps. */
static char *refusal(const char *email, const char *why)
{
    json_t *j = json_pack("{s:{s:b, s:s, s:s, s:s}, s:[]}", "result", "ok", 0, "code",
                          "AD_E_INVALID_ARGUMENT", "reason", why, "email", email, "steps");
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text;
}

static const char *const protocol_names[] = {"pox", "soap", "json", "mobilesync"};

/*
 * Checks the hosts the journey starts with (DOMAIN and autodiscover.DOMAIN) and pins them
 * to the address checked. NULL, or the reason the run is refused.
 */
static const char *check_start_hosts(struct run *r, ad_client *c, char *why, size_t whylen)
{
    const char *at = strrchr(r->req.email, '@');
    if (!at)
        return NULL; /* the library says what is wrong with the address */
    char hosts[2][260];
    snprintf(hosts[0], sizeof hosts[0], "%s", at + 1);
    snprintf(hosts[1], sizeof hosts[1], "autodiscover.%s", at + 1);
    struct analyzer_guard g = guard_of(r->a);
    for (size_t i = 0; i < 2; i++) {
        char pin[320];
        if (!guard_host_allowed(&g, hosts[i], pin, sizeof pin, why, whylen))
            return why;
        if (pin[0] && ad_client_add_connect_to(c, pin) != AD_OK)
            return "cannot pin the host's address";
    }
    return NULL;
}

static char *run_discovery(struct run *r)
{
    struct analyzer *a = r->a;
    ad_client *c = ad_client_new();
    if (!c)
        return NULL;
    char why[512];
    const char *refused = NULL;
    for (size_t i = 0; i < a->nconnect_to; i++)
        ad_client_add_connect_to(c, a->connect_to[i]);
    if (a->cacert)
        ad_client_set_cacert(c, a->cacert);
    if (a->dns_server)
        ad_client_set_dns_server(c, a->dns_server);
    ad_client_set_deadline_ms(c, a->deadline_ms);
    ad_client_set_timeout_ms(c, a->deadline_ms < 10000 ? a->deadline_ms : 10000);
    ad_client_set_protocol(c, (ad_protocol)r->req.protocol);
    ad_client_exclude(c, r->req.exclude);
    ad_client_set_consent_callback(c, consent, r);
    ad_client_set_trace_callback(c, trace, r);
    if (r->req.password[0])
        ad_client_set_credentials(c, NULL, r->req.password);
    explicit_bzero(r->req.password, sizeof r->req.password); /* the library has its copy */
    pthread_mutex_lock(&a->lock);
    r->client = c;
    if (r->state == RUN_CANCELLED) /* cancelled before it began */
        ad_client_cancel(c);
    pthread_mutex_unlock(&a->lock);
    refused = check_start_hosts(r, c, why, sizeof why);
    char *text = NULL;
    if (refused) {
        text = refusal(r->req.email, refused);
    } else {
        ad_result *res = NULL;
        ad_code rc = ad_discover(c, r->req.email, &res);
        if (res) {
            text = ad_result_to_json(res);
            ad_result_free(res);
        } else {
            text = refusal(r->req.email, ad_strerror(rc));
        }
    }
    pthread_mutex_lock(&a->lock);
    r->client = NULL;
    pthread_mutex_unlock(&a->lock);
    ad_client_free(c); /* wipes the library's copy of the password */
    return text;
}

static char *run_selftest(struct run *r)
{
    struct analyzer *a = r->a;
    struct selftest_options o = {
        .domain = r->req.domain,
        .address = r->req.email[0] ? r->req.email : NULL,
        .password = r->req.password,
        .cacert = a->cacert,
        .dns_server = a->dns_server,
        .connect_to = a->connect_to,
        .nconnect_to = a->nconnect_to,
        .allow_redirect = a->allow,
        .nallow_redirect = a->nallow,
        .timeout_ms = 10000,
        .allow_host = selftest_allow,
        .allow_data = r,
    };
    json_t *report = selftest_run(&o);
    explicit_bzero(r->req.password, sizeof r->req.password);
    char *text = report ? json_dumps(report, JSON_COMPACT) : NULL;
    json_decref(report);
    return text;
}

static void *worker(void *data)
{
    struct run *r = data;
    struct analyzer *a = r->a;
    char *text = r->req.selftest ? run_selftest(r) : run_discovery(r);
    if (!text)
        text = refusal(r->req.email, "out of memory");
    pthread_mutex_lock(&a->lock);
    if (r->state == RUN_RUNNING) {
        r->report = text;
        r->state = RUN_DONE;
    } else {
        free(text); /* cancelled: the result is dropped */
    }
    a->running--;
    run_unref(r);
    bool freed;
    analyzer_unref_locked(a, &freed);
    pthread_mutex_unlock(&a->lock);
    if (freed)
        analyzer_destroy(a);
    return NULL;
}

static int new_id(char id[ANALYZER_ID_LEN + 1])
{
    unsigned char raw[ANALYZER_ID_LEN / 2];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return -1;
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(id + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

/* A free slot, or the oldest finished run's (dropped); -1 when every slot is running. */
static int take_slot(struct analyzer *a)
{
    int oldest = -1;
    for (int i = 0; i < ANALYZER_SLOTS; i++) {
        if (!a->slots[i])
            return i;
        if (a->slots[i]->state != RUN_RUNNING &&
            (oldest < 0 || a->slots[i]->serial < a->slots[oldest]->serial))
            oldest = i;
    }
    if (oldest >= 0) {
        run_unref(a->slots[oldest]);
        a->slots[oldest] = NULL;
    }
    return oldest;
}

int analyzer_start(struct analyzer *a, struct analyzer_request *req, char id[ANALYZER_ID_LEN + 1],
                   char *err, size_t errlen)
{
    struct run *r = calloc(1, sizeof *r);
    if (!r || !(r->steps = json_array()) || new_id(r->id) < 0) {
        if (r)
            json_decref(r->steps);
        free(r);
        explicit_bzero(req->password, sizeof req->password);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->req = *req;
    explicit_bzero(req->password, sizeof req->password);
    r->a = a;
    r->refs = 2;
    clock_gettime(CLOCK_MONOTONIC, &r->started);
    pthread_mutex_lock(&a->lock);
    int slot = a->running < a->max_runs ? take_slot(a) : -1;
    pthread_t t;
    pthread_attr_t attr;
    int rc = -1;
    if (slot >= 0 && pthread_attr_init(&attr) == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        a->refs++;
        a->running++;
        rc = pthread_create(&t, &attr, worker, r);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            a->refs--;
            a->running--;
        }
    }
    if (rc == 0) {
        r->serial = ++a->serial;
        a->slots[slot] = r;
        memcpy(id, r->id, sizeof r->id);
    }
    pthread_mutex_unlock(&a->lock);
    if (rc != 0) {
        snprintf(err, errlen,
                 slot < 0 ? "%u runs are going already; try again when one ends"
                          : "cannot start a worker thread (%u)",
                 a->max_runs);
        r->refs = 1;
        run_unref(r);
        return -1;
    }
    log_info("analyzer: %s run %s started", req->selftest ? "self-test" : "discovery", id);
    return 0;
}

static struct run *find_locked(struct analyzer *a, const char *id)
{
    for (size_t i = 0; id && i < ANALYZER_SLOTS; i++)
        if (a->slots[i] && strcmp(a->slots[i]->id, id) == 0)
            return a->slots[i];
    return NULL;
}

char *analyzer_snapshot(struct analyzer *a, const char *id, enum analyzer_state *state)
{
    char *text = NULL;
    pthread_mutex_lock(&a->lock);
    struct run *r = find_locked(a, id);
    if (r) {
        *state = r->state;
        if (r->report) {
            text = strdup(r->report);
        } else {
            const char *proto =
                (unsigned)r->req.protocol < 4 ? protocol_names[r->req.protocol] : "pox";
            json_t *j = json_pack("{s:{s:b, s:b, s:s, s:s, s:s}, s:O}", "result", "ok", 0,
                                  r->state == RUN_RUNNING ? "running" : "cancelled", 1, "email",
                                  r->req.email, "protocol", proto, "reason",
                                  r->state == RUN_RUNNING ? "running" : "cancelled by the user",
                                  "steps", r->steps);
            text = j ? json_dumps(j, JSON_COMPACT) : NULL;
            json_decref(j);
        }
    }
    pthread_mutex_unlock(&a->lock);
    return text;
}

int analyzer_cancel(struct analyzer *a, const char *id)
{
    pthread_mutex_lock(&a->lock);
    struct run *r = find_locked(a, id);
    if (r && r->state == RUN_RUNNING) {
        r->state = RUN_CANCELLED;
        if (r->client)
            ad_client_cancel(r->client); /* the discovery stops: transfers abort, no next step */
    }
    pthread_mutex_unlock(&a->lock);
    return r ? 0 : -1;
}
