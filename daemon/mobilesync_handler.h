/*
 * mobilesync_handler: the ActiveSync flavour of a POST to /autodiscover/autodiscover.xml
 * (PROTOCOL.md §2.5), told apart from an Outlook request by its root namespace:
 *   no address, or more than one Request                  -> Response/Error ErrorCode 600
 *   AcceptableResponseSchema not mobilesync/responseschema -> Response/Error ErrorCode 601
 *   the authenticated mailbox, moved (target address)      -> Action/Redirect <target>
 *   the authenticated mailbox                              -> Action/Settings/Server
 *       {Type MobileSync, Url and Name = the organisation's MobileSync Url}
 *   ... whose organisation has no MobileSync Url           -> Action/Error Status 2
 *   any other address, known or not                        -> Action/Error Status 2 (one answer)
 *   directory failure                                      -> Response/Error ErrorCode 603
 */
#ifndef AD_DAEMON_MOBILESYNC_HANDLER_H
#define AD_DAEMON_MOBILESYNC_HANDLER_H

#include <stddef.h>

#include "adbuf.h"
#include "directory.h"

/*
 * 0 when body is not a mobilesync request (the caller answers it as Outlook POX); otherwise
 * writes the answer into out and returns the HTTP status (200, or 500 out of memory).
 */
int mobilesync_handle(struct directory *dir, const char *auth_address, const char *body, size_t len,
                      struct adbuf *out);

#endif
