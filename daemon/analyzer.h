/*
 * analyzer: the connectivity analyzer's pages on an admin listener (doc/analyzer.md).
 * server.c hands over every request under /analyzer on a listener whose configuration has
 * an analyzer block; this file authenticates, routes and writes the answer into a reply
 * that server.c turns into an HTTP response. No libmicrohttpd types cross except the
 * connection, to read headers and form fields.
 */
#ifndef AD_DAEMON_ANALYZER_H
#define AD_DAEMON_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>

#include "adbuf.h"
#include "analyzer_run.h"
#include "config.h"

struct MHD_Connection;

/* A form POST is read up to this size (an uploaded report plus the form). */
#define ANALYZER_MAX_BODY ((1u << 20) + 65536u)
#define ANALYZER_MAX_HEADERS 8

struct analyzer_reply {
    int status;
    struct adbuf body;
    const char *headers[ANALYZER_MAX_HEADERS][2]; /* static strings or into storage */
    size_t nheaders;
    char location[160];
};

/* true when path is the analyzer's (/analyzer or below). */
bool analyzer_path(const char *path);
/*
 * true when the request carries the analyzer's credentials. Checked before a POST body is
 * read. Failures are logged (the fail2ban line), never the password.
 */
bool analyzer_authorized(struct analyzer *a, const struct config_analyzer *conf,
                         struct MHD_Connection *conn, const char *client);
/*
 * Answers an authorized request. body (a POST's, may be NULL) is wiped before returning:
 * it may hold a mailbox password. The reply is initialised here; free its body after use.
 */
void analyzer_handle(struct analyzer *a, struct MHD_Connection *conn, const char *method,
                     const char *path, char *body, size_t body_len, struct analyzer_reply *out);
/* The 401 answer, with its challenge. */
void analyzer_challenge(struct analyzer_reply *out);

/* `autodiscoverctl hash-password [--password-file FILE]` (analyzer_hash.c). */
int analyzer_hash_main(int argc, char **argv);

/* The static files: style.css and live.js. */
extern const char analyzer_css[];
extern const char analyzer_js[];

#endif
