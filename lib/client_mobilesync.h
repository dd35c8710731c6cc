/*
 * client_mobilesync: the client side of the ActiveSync flavour of POX (PROTOCOL.md §2.5). The
 * request is the mobilesync one; the answer is read into the POX structure the engine and the
 * result already know: User{DisplayName, EMailAddress -> AutoDiscoverSMTPAddress}, one
 * "protocol" per Server (its Type, with the fields Url, Name, ServerData), Action/Redirect as
 * a redirectAddr. Action/Error and Response/Error are server errors (client_mobilesync_judge
 * in verdict.h).
 */
#ifndef AD_LIB_CLIENT_MOBILESYNC_H
#define AD_LIB_CLIENT_MOBILESYNC_H

#include "adbuf.h"
#include "mobilesync.h"
#include "pox.h"

/* Writes the mobilesync request for email to out (reset first). 0 or -1. */
int client_mobilesync_request(const char *email, struct adbuf *out);
/* Moves what m holds into out (zeroed first) as a POX answer. 0 or -1 (OOM). */
int client_mobilesync_to_pox(struct mobilesync_response *m, struct pox_response *out);

#endif
