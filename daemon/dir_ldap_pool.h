/*
 * dir_ldap_pool: a bounded set of LDAP connections shared by the daemon's threads, with
 * failover across the configured URIs.
 *
 * Two kinds of handle: SEARCH handles are bound as the service account (or anonymous) and
 * only search; AUTH handles carry users' simple binds, so their identity changes with every
 * use and they never search. Each kind has pool_size slots; a thread waits at most the
 * operation timeout for a free one.
 *
 * Failover: a new connection goes to the first URI that is not marked down. A URI whose
 * connect, TLS handshake or service bind fails, or whose operation times out, is marked
 * down for down-time seconds. An operation that fails because the connection broke (the
 * server stopped, a load balancer cut it) is run once more on a fresh connection, so a
 * stopped server costs no failed request while another one answers. When every URI is
 * down, operations fail at once (no connect storm) until a mark expires.
 */
#ifndef AD_DAEMON_DIR_LDAP_POOL_H
#define AD_DAEMON_DIR_LDAP_POOL_H

#include <stddef.h>

#include <ldap.h>

#include "dir_ldap_config.h"

enum ldap_pool_kind { LDAP_POOL_SEARCH, LDAP_POOL_AUTH, LDAP_POOL_KINDS };

struct ldap_pool;

/* The service password is passed in (read from bind-password-file by the caller). */
struct ldap_pool *ldap_pool_new(const struct dir_ldap_config *cfg, const char *bind_password,
                                char *err, size_t errlen);
void ldap_pool_free(struct ldap_pool *pool);

/* An operation run on a pooled handle; returns an LDAP result code. */
typedef int (*ldap_pool_fn)(LDAP *ld, void *arg);

/*
 * Runs fn on a handle of kind, retried once on a fresh connection when the first attempt
 * failed because of the connection. fn's result code, or LDAP_SERVER_DOWN when no server
 * could be reached, LDAP_TIMEOUT when no slot became free in time.
 */
int ldap_pool_run(struct ldap_pool *pool, enum ldap_pool_kind kind, ldap_pool_fn fn, void *arg);

#endif
