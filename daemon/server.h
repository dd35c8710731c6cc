/*
 * server: the HTTPS side of autodiscoverd. A server is one generation of the running
 * configuration: its config, directory, access log, listening sockets and libmicrohttpd
 * daemons. A reload builds a whole new generation next to the old one (the sockets are
 * bound with SO_REUSEPORT), and only when it runs does the old one stop accepting, drain
 * and go away. So a bad reload never disturbs the generation that is serving.
 */
#ifndef AD_DAEMON_SERVER_H
#define AD_DAEMON_SERVER_H

#include <stddef.h>

#include "config.h"

struct server;

/*
 * Opens the directory and access log, reads the TLS files and binds the sockets: all that
 * can fail for reasons the operator must see, done before daemonizing. Takes ownership of
 * conf (also on failure). previous (the running generation on a reload, else NULL) lends
 * its sockets to listeners on the same address and port. NULL with a one-line reason in err.
 */
struct server *server_prepare(struct config *conf, const struct server *previous, char *err,
                              size_t errlen);
/* The configuration the generation runs (owned by it). */
const struct config *server_config(const struct server *srv);
/* Starts the HTTP daemons (threads: after any fork). 0, or -1 with a reason in err. */
int server_start(struct server *srv, char *err, size_t errlen);
/*
 * Stops accepting, waits up to drain_seconds for requests in progress to finish, then
 * closes every connection and frees everything.
 */
void server_stop(struct server *srv, unsigned drain_seconds);

/* Reads every TLS file the configuration names; for `autodiscoverd -n`. */
int server_check_tls_files(const struct config *conf, char *err, size_t errlen);

#endif
