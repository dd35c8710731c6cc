/*
 * cached_answers: the service's POX and v2 JSON answers through the directory's answer cache
 * (answer_cache.h, doc/decisions.md "The answer cache"). Each takes the same arguments and
 * gives the same bytes as the handler it stands for; an answer is worked out once per
 * directory version and request, and served from memory after that.
 *
 * The key is every input of the handler, byte for byte: for POX the authenticated primary
 * address, the client's capabilities and the request body; for v2 JSON the raw path and
 * query. So a cached answer is the one the handler would give, a redirect's Location
 * included, and known and unknown addresses stay alike (both are cached the same way).
 * Answers after a directory failure (POX ErrorCode 603, v2 JSON 500) are never kept.
 */
#ifndef AD_DAEMON_CACHED_ANSWERS_H
#define AD_DAEMON_CACHED_ANSWERS_H

#include "adbuf.h"
#include "directory.h"
#include "pox_handler.h"

/*
 * pox_handle_caps, cached. version is the directory's version read when the request was
 * authenticated (directory_verify_password_cached), so one check serves both: the request
 * is answered as the directory stood then, as it would be had the body come at once, and a
 * request authenticated after a change gets an answer worked out after it. -1: not cached.
 */
int pox_handle_caps_cached(struct directory *dir, int64_t version, const char *auth_address,
                           const char *body, size_t len, const struct pox_client_caps *caps,
                           struct adbuf *out);

/* v2json_handle, cached. */
int v2json_handle_cached(struct directory *dir, const char *path, const char *query,
                         struct adbuf *body, char **location);

#endif
