/*
 * conn_guard: see conn_guard.h. Each libmicrohttpd worker thread claims one guard_worker
 * the first time a connection starts on it; its connections are a list ordered by the time
 * since which they wait for a request (start, or end of the previous request): a connection
 * moves to the tail when a request on it completes, so the overdue ones are at the head.
 */
#include "conn_guard.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "metrics.h"

/*
 * Eviction starts when a worker's connections exceed its share of the connection limit
 * less a reserve of 1/GUARD_RESERVE_DIVISOR of that share (64 of 512 with the default
 * 1,024 slots and two workers): libmicrohttpd stops accepting on a worker at its share,
 * and a worker that accepts nothing runs no callback that could make room.
 */
#define GUARD_RESERVE_DIVISOR 8u
#define MS_PER_S 1000

struct guard_worker;

struct guard_conn {
    struct guard_conn *prev, *next; /* in its worker's list, ordered by since_ms */
    struct guard_worker *worker;    /* NULL: not tracked (more threads than expected) */
    const struct conn_guard *guard;
    struct MHD_Connection *conn;
    MHD_socket fd;
    int64_t since_ms; /* waiting for a request since: start, or end of the previous one */
    bool completed;   /* completed a request */
    bool closing;     /* shut down by the guard; libmicrohttpd has yet to free it */
};

struct guard_worker {
    struct guard_conn *head, *tail;
    unsigned count;   /* tracked connections, closing ones too (they hold a slot until freed) */
    unsigned closing; /* of which shut down by the guard */
};

struct conn_guard {
    int64_t deadline_ms; /* 0: none */
    unsigned high_water; /* connections per worker above which the oldest waiting ones go */
    void *listener_data;
    unsigned nworkers;
    atomic_uint claimed;
    struct guard_worker workers[];
};

/* The worker the current thread claimed, and of which guard (threads serve one listener). */
static _Thread_local struct guard_worker *this_worker;
static _Thread_local const struct conn_guard *this_guard;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * MS_PER_S + ts.tv_nsec / (1000 * 1000);
}

struct conn_guard *conn_guard_new(unsigned deadline_seconds, unsigned connection_limit,
                                  unsigned workers, void *listener_data)
{
    if (workers == 0)
        workers = 1;
    struct conn_guard *g = calloc(1, sizeof *g + workers * sizeof g->workers[0]);
    if (!g)
        return NULL;
    unsigned share = connection_limit / workers > 0 ? connection_limit / workers : 1;
    unsigned reserve = share / GUARD_RESERVE_DIVISOR > 0 ? share / GUARD_RESERVE_DIVISOR : 1;
    g->deadline_ms = (int64_t)deadline_seconds * MS_PER_S;
    g->high_water = share > reserve ? share - reserve : 1;
    g->listener_data = listener_data;
    g->nworkers = workers;
    atomic_init(&g->claimed, 0);
    return g;
}

void conn_guard_free(struct conn_guard *g)
{
    free(g);
}

void *conn_guard_listener_data(const void *socket_context)
{
    const struct guard_conn *c = socket_context;
    return c ? c->guard->listener_data : NULL;
}

static void unlink_conn(struct guard_worker *w, struct guard_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        w->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        w->tail = c->prev;
    c->prev = c->next = NULL;
}

static void append_conn(struct guard_worker *w, struct guard_conn *c)
{
    c->prev = w->tail;
    c->next = NULL;
    if (w->tail)
        w->tail->next = c;
    else
        w->head = c;
    w->tail = c;
}

/* An answer is queued: the request is in; what is left is libmicrohttpd's to send. */
static bool answering(const struct guard_conn *c)
{
    return MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_HTTP_STATUS) != NULL;
}

/*
 * Ends the connection from its own worker thread: the socket is still libmicrohttpd's and
 * open (it is closed on this thread, after the CLOSED notification), so no other file can
 * be hit. libmicrohttpd then reads the end of the stream and closes the connection.
 */
static void close_conn(struct guard_worker *w, struct guard_conn *c, enum metrics_counter why)
{
    shutdown(c->fd, SHUT_RDWR);
    c->closing = true;
    w->closing++;
    metrics_count(why);
}

static void close_overdue(struct guard_worker *w, const struct conn_guard *g, int64_t now)
{
    if (g->deadline_ms == 0)
        return;
    for (struct guard_conn *c = w->head; c && now - c->since_ms >= g->deadline_ms; c = c->next)
        if (!c->closing && !answering(c))
            close_conn(w, c, METRICS_CONN_DEADLINE);
}

/* The oldest connection waiting for a request, preferring those that never completed one. */
static struct guard_conn *eviction_victim(const struct guard_worker *w,
                                          const struct guard_conn *spare)
{
    struct guard_conn *kept_alive = NULL;
    for (struct guard_conn *c = w->head; c; c = c->next) {
        if (c == spare || c->closing || answering(c))
            continue;
        if (!c->completed)
            return c;
        if (!kept_alive)
            kept_alive = c;
    }
    return kept_alive;
}

static void evict(struct guard_worker *w, const struct conn_guard *g,
                  const struct guard_conn *spare)
{
    while (w->count - w->closing > g->high_water) {
        struct guard_conn *victim = eviction_victim(w, spare);
        if (!victim)
            return;
        close_conn(w, victim, METRICS_CONN_EVICTED);
    }
}

static struct guard_worker *claim_worker(struct conn_guard *g)
{
    if (this_guard != g) {
        unsigned i = atomic_fetch_add(&g->claimed, 1);
        this_worker = i < g->nworkers ? &g->workers[i] : NULL;
        this_guard = g;
    }
    return this_worker;
}

static void connection_started(struct conn_guard *g, struct MHD_Connection *conn,
                               void **socket_context)
{
    struct guard_conn *c = calloc(1, sizeof *c);
    *socket_context = c;
    if (!c)
        return; /* no socket context: an HTTPS handshake then fails, which closes it */
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    c->guard = g;
    c->conn = conn;
    c->since_ms = now_ms();
    if (!fd || !(c->worker = claim_worker(g)))
        return;
    c->fd = fd->connect_fd;
    append_conn(c->worker, c);
    c->worker->count++;
    close_overdue(c->worker, g, c->since_ms);
    evict(c->worker, g, c);
}

static void connection_closed(void **socket_context)
{
    struct guard_conn *c = *socket_context;
    *socket_context = NULL;
    if (!c)
        return;
    if (c->worker) {
        unlink_conn(c->worker, c);
        c->worker->count--;
        if (c->closing)
            c->worker->closing--;
    }
    free(c);
}

void conn_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode code)
{
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        connection_started(cls, conn, socket_context);
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
        connection_closed(socket_context);
}

void conn_guard_request_done(struct MHD_Connection *conn, enum MHD_RequestTerminationCode toe)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct guard_conn *c = info ? info->socket_context : NULL;
    /* Only on the connection's own worker thread (not at daemon stop, after the join). */
    if (!c || !c->worker || c->worker != this_worker || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        return;
    c->completed = true;
    c->since_ms = now_ms();
    unlink_conn(c->worker, c);
    append_conn(c->worker, c);
    close_overdue(c->worker, c->guard, c->since_ms);
}
