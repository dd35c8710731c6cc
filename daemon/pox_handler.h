/*
 * pox_handler: answers one authenticated POX request (PROTOCOL.md §2) from the directory.
 * Like Exchange, every outcome the client can act on is an HTTP 200 carrying XML:
 *   malformed, oversized, too deep, with a DTD, or no address    -> ErrorCode 600
 *   AcceptableResponseSchema other than outlook 2006a            -> ErrorCode 601
 *   address unknown, or not the authenticated mailbox            -> ErrorCode 500 (same answer)
 *   directory failure                                            -> ErrorCode 603
 *   mailbox with a target address                                -> Action redirectAddr
 *   otherwise                                                    -> Action settings
 */
#ifndef AD_DAEMON_POX_HANDLER_H
#define AD_DAEMON_POX_HANDLER_H

#include <stdbool.h>
#include <stddef.h>

#include "adbuf.h"
#include "directory.h"

/*
 * auth_address is the authenticated mailbox's primary address. Writes the XML answer
 * into out and returns the HTTP status: 200, or 500 when not even an error document could
 * be written (out of memory).
 */
int pox_handle(struct directory *dir, const char *auth_address, const char *body, size_t len,
               struct adbuf *out);

/*
 * What the client said it can take (MS-OXDSCLI 2.2.2.x): EXHTTP Protocol sections only with
 * X-ClientCanHandle naming ExHttpInfo, the mapiHttp section only with X-MapiHttpCapability
 * above 0. Without them those sections are left out of the answer.
 */
struct pox_client_caps {
    bool exhttp;
    bool mapi_http;
};
/* From the two header values (either may be NULL). */
void pox_client_caps_parse(const char *client_can_handle, const char *mapi_http_capability,
                           struct pox_client_caps *out);
/*
 * pox_handle with the client's capabilities; a request in the mobilesync request namespace
 * is answered by mobilesync_handle (same URL, PROTOCOL.md §2.5).
 */
int pox_handle_caps(struct directory *dir, const char *auth_address, const char *body,
                    size_t len, const struct pox_client_caps *caps, struct adbuf *out);
/*
 * The same, with *lasting telling whether the same request would get the same answer while
 * the directory is unchanged (false after a directory failure or out of memory, and for
 * mobilesync requests): only such an answer may be cached.
 */
int pox_handle_lasting(struct directory *dir, const char *auth_address, const char *body,
                       size_t len, const struct pox_client_caps *caps, struct adbuf *out,
                       bool *lasting);

#endif
