/*
 * conn_guard: the request deadline and eviction under pressure (doc/security.md, "Slow
 * clients"). libmicrohttpd 0.9.75 only times out idle connections, so a client that sends
 * one header byte every few seconds holds its slot for ever. The guard tracks every
 * connection of a listener from libmicrohttpd's connection callbacks and closes
 *   - a connection that has not had an answer queued within request-deadline seconds of
 *     its start or of the end of its previous request (head and body too slow), and
 *   - when a worker's slots are nearly full, the oldest connections still waiting for
 *     their request, those that never completed one first, so a new client gets in.
 *
 * Everything runs inside libmicrohttpd's callbacks, on the worker thread that serves the
 * connection (each worker keeps its own list, so no locks): closing is a shutdown() of a
 * socket that worker still owns, after which libmicrohttpd sees the end of the stream and
 * closes and frees the connection itself. Checks run when a connection starts on a worker
 * and when a request on it completes, which is when a slot is wanted.
 */
#ifndef AD_DAEMON_CONN_GUARD_H
#define AD_DAEMON_CONN_GUARD_H

#include <microhttpd.h>

struct conn_guard;

/*
 * A guard for one listener: deadline_seconds (0: no deadline), the listener's connection
 * limit and libmicrohttpd worker threads (it splits the limit evenly among them), and
 * listener_data, handed back by conn_guard_listener_data. NULL when out of memory.
 */
struct conn_guard *conn_guard_new(unsigned deadline_seconds, unsigned connection_limit,
                                  unsigned workers, void *listener_data);
/* After the listener's MHD_stop_daemon (which reports every connection closed). */
void conn_guard_free(struct conn_guard *g);

/* The MHD_OPTION_NOTIFY_CONNECTION callback, with the guard as its closure. */
void conn_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode code);
/* From the MHD_OPTION_NOTIFY_COMPLETED callback: a request on conn ended. */
void conn_guard_request_done(struct MHD_Connection *conn, enum MHD_RequestTerminationCode toe);
/* The listener_data of the guard that tracks the connection with this socket context. */
void *conn_guard_listener_data(const void *socket_context);

#endif
