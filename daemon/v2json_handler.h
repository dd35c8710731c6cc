/*
 * v2json_handler: answers GET /autodiscover/autodiscover.json... (PROTOCOL.md §5), without
 * authentication, so it only ever reveals organisation-wide URLs:
 *   path not one of the two forms                                  -> 404 NotFound
 *   bad escape, duplicate/unknown parameter, bad RedirectCount     -> 400 InvalidRequest
 *   Email missing or not an address                                -> 400 InvalidEmail
 *   Protocol missing or unknown                                    -> 400 InvalidProtocol
 *   domain not accepted (whatever the address)                     -> 404 NotFound (one answer)
 *   mailbox moved to an address in another accepted domain         -> 302 to that domain's
 *       autodiscover.json with RedirectCount+1 (400 RedirectLimit past V2JSON_MAX_REDIRECTS)
 *   otherwise (known or unknown mailbox: the same bytes)           -> 200 {"Protocol","Url"},
 *       or 404 ProtocolNotAvailable when the organisation has no URL for that protocol
 *   directory failure                                              -> 500 InternalError
 */
#ifndef AD_DAEMON_V2JSON_HANDLER_H
#define AD_DAEMON_V2JSON_HANDLER_H

#include "adbuf.h"
#include "directory.h"
#include "v2json.h"

/*
 * path and query are raw (not percent-decoded). Writes the JSON body into body and returns
 * the HTTP status; for a 302, *location is the malloc'd Location value. 500 with an empty
 * body when out of memory.
 */
int v2json_handle(struct directory *dir, const char *path, const char *query, struct adbuf *body,
                  char **location);

/* Shared with the router (role_router_v2.h): an error body with fixed texts; returns status
 * (500 when out of memory). */
int v2json_error_answer(int status, const char *code, const char *message, struct adbuf *body);
/* The answer to a request v2json_request_parse refused (404, 400 or 500). */
int v2json_parse_error_answer(enum v2json_parse_error e, struct adbuf *body);

#endif
