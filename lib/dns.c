/* dns: one SRV query, driven to completion with select() on c-ares' sockets. */
#include "dns.h"

#include <arpa/nameser.h>
#include <stdbool.h>
#include <ares.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#define DNS_TRIES 2

struct query_state {
    struct dns_srv_answer *out;
    int status;
    unsigned char *abuf;
    int alen;
    bool done;
};

static long ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)((now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct query_state *q = arg;
    q->done = true;
    if (status == ARES_EDESTRUCTION)
        return; /* given up at the budget (run_channel): the status stays ARES_ETIMEOUT */
    q->status = status;
    if (status == ARES_SUCCESS && abuf && alen > 0 && (q->abuf = malloc((size_t)alen))) {
        memcpy(q->abuf, abuf, (size_t)alen);
        q->alen = alen;
    }
}

static int channel_open(ares_channel *channel, const char *server, long timeout_ms)
{
    struct ares_options opts = {.timeout = (int)(timeout_ms / DNS_TRIES), .tries = DNS_TRIES};
    if (opts.timeout < 1)
        opts.timeout = 1;
    int rc = ares_init_options(channel, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
    if (rc != ARES_SUCCESS)
        return rc;
    if (server && (rc = ares_set_servers_ports_csv(*channel, server)) != ARES_SUCCESS)
        ares_destroy(*channel);
    return rc;
}

int dns_server_valid(const char *server)
{
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
        return -1;
    ares_channel channel;
    int rc = channel_open(&channel, server, 1000);
    if (rc == ARES_SUCCESS)
        ares_destroy(channel);
    ares_library_cleanup();
    return rc == ARES_SUCCESS ? 0 : -1;
}

/*
 * Drives the query until it is answered or timeout_ms have passed since started: c-ares
 * doubles its per-try timeout on each retry, so its own schedule could run past the budget.
 */
static void run_channel(ares_channel channel, struct query_state *q,
                        const struct timespec *started, long timeout_ms)
{
    while (!q->done) {
        long left = timeout_ms - ms_since(started);
        if (left <= 0)
            break;
        fd_set readers, writers;
        FD_ZERO(&readers);
        FD_ZERO(&writers);
        int nfds = ares_fds(channel, &readers, &writers);
        if (nfds == 0)
            break;
        struct timeval max = {.tv_sec = left / 1000, .tv_usec = (left % 1000) * 1000};
        struct timeval tv, *tvp = ares_timeout(channel, &max, &tv);
        select(nfds, &readers, &writers, NULL, tvp);
        ares_process(channel, &readers, &writers);
    }
}

/* Lower case, no trailing dot. */
static char *normalise_target(const char *host)
{
    char *t = strdup(host);
    if (!t)
        return NULL;
    size_t n = strlen(t);
    if (n > 0 && t[n - 1] == '.')
        t[n - 1] = '\0';
    for (char *p = t; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return t;
}

static void fill_records(struct query_state *q)
{
    struct dns_srv_answer *out = q->out;
    struct ares_srv_reply *replies = NULL;
    int rc = ares_parse_srv_reply(q->abuf, q->alen, &replies);
    if (rc == ARES_ENODATA || (rc == ARES_SUCCESS && !replies)) {
        out->outcome = DNS_NO_RECORDS;
        return;
    }
    if (rc != ARES_SUCCESS) {
        out->outcome = rc == ARES_ENOMEM ? DNS_NOMEM : DNS_FAIL;
        out->detail = rc == ARES_ENOMEM ? NULL : strdup(ares_strerror(rc));
        return;
    }
    size_t n = 0;
    for (struct ares_srv_reply *r = replies; r; r = r->next)
        n++;
    out->records = calloc(n, sizeof *out->records);
    for (struct ares_srv_reply *r = replies; out->records && r; r = r->next) {
        struct srv_record *rec = &out->records[out->count++];
        *rec = (struct srv_record){r->priority, r->weight, r->port, normalise_target(r->host)};
        if (!rec->target) {
            out->outcome = DNS_NOMEM;
            break;
        }
    }
    if (!out->records)
        out->outcome = DNS_NOMEM;
    ares_free_data(replies);
}

static const char *failure_text(int status)
{
    switch (status) {
    case ARES_ENOTFOUND:
        return "NXDOMAIN";
    case ARES_ETIMEOUT:
        return "timed out";
    case ARES_ESERVFAIL:
        return "SERVFAIL";
    case ARES_EREFUSED:
        return "REFUSED";
    case ARES_ECONNREFUSED:
        return "connection refused";
    default:
        return ares_strerror(status);
    }
}

/*
 * out->detail for a failed query: the answer's meaning, and for a server that did not answer
 * (timed out, refused) which server and for how long, so a stopped DNS server is told apart
 * from a name that does not exist.
 */
static void describe_failure(struct dns_srv_answer *out, int status, const char *server)
{
    const char *who = server ? server : "the system's resolver";
    int n;
    if (status == ARES_ENODATA)
        n = (out->detail = strdup("no SRV records")) ? 0 : -1;
    else if (status == ARES_ETIMEOUT)
        n = asprintf(&out->detail, "DNS server %s: no answer in %ld ms", who, out->elapsed_ms);
    else if (status == ARES_ECONNREFUSED)
        n = asprintf(&out->detail, "DNS server %s: connection refused", who);
    else
        n = (out->detail = strdup(failure_text(status))) ? 0 : -1;
    if (n < 0) {
        out->detail = NULL;
        out->outcome = DNS_NOMEM;
    }
}

void dns_query_srv(const char *name, const char *server, long timeout_ms,
                   struct dns_srv_answer *out)
{
    memset(out, 0, sizeof *out);
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
        out->outcome = DNS_FAIL;
        out->detail = strdup("c-ares would not start");
        return;
    }
    ares_channel channel;
    int rc = channel_open(&channel, server, timeout_ms);
    if (rc != ARES_SUCCESS) {
        out->outcome = rc == ARES_ENOMEM ? DNS_NOMEM : DNS_FAIL;
        if (out->outcome == DNS_FAIL &&
            asprintf(&out->detail, "resolver: %s", ares_strerror(rc)) < 0)
            out->outcome = DNS_NOMEM;
        ares_library_cleanup();
        return;
    }
    struct query_state q = {.out = out, .status = ARES_ETIMEOUT};
    ares_query(channel, name, ns_c_in, ns_t_srv, on_answer, &q);
    run_channel(channel, &q, &started, timeout_ms);
    ares_destroy(channel); /* calls back pending queries with ARES_EDESTRUCTION */
    ares_library_cleanup();
    if (q.status == ARES_SUCCESS && q.abuf)
        fill_records(&q);
    else if (q.status == ARES_SUCCESS || q.status == ARES_ENOMEM)
        out->outcome = DNS_NOMEM;
    else if (q.status == ARES_ENOTFOUND || q.status == ARES_ENODATA)
        out->outcome = DNS_NO_RECORDS;
    else
        out->outcome = DNS_FAIL;
    free(q.abuf);
    out->elapsed_ms = ms_since(&started);
    if (out->outcome != DNS_ANSWER && out->outcome != DNS_NOMEM && !out->detail)
        describe_failure(out, q.status, server);
}

void dns_srv_answer_free(struct dns_srv_answer *a)
{
    srv_records_free(a->records, a->count);
    free(a->detail);
    memset(a, 0, sizeof *a);
}
