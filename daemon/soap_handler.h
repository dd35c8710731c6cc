/*
 * soap_handler: answers one authenticated POST /autodiscover/autodiscover.svc (PROTOCOL.md
 * §4, MS-OXWSADISC) from the directory:
 *   not XML, a DTD, not a SOAP 1.1 envelope, an operation other than GetUserSettings or
 *   GetDomainSettings, or a wsa:Action that does not name the body's operation -> 500, Fault
 *   no identity, more than SOAP_MAX_IDENTITIES, or no setting requested -> Response InvalidRequest
 *   GetUserSettings, per Mailbox:
 *     the authenticated mailbox (primary address or alias)       -> NoError + the settings
 *     ... with a target address (moved)                          -> RedirectAddress + target
 *     any other address, known or not                           -> InvalidUser (same answer)
 *     per setting: unknown name -> InvalidSetting; known, no value here -> SettingIsNotAvailable
 *   GetDomainSettings, per Domain: an accepted domain of the caller's organisation ->
 *     ExternalEwsUrl, ExternalEwsVersion; any other domain -> InvalidDomain
 *   directory failure -> Response InternalServerError
 */
#ifndef AD_DAEMON_SOAP_HANDLER_H
#define AD_DAEMON_SOAP_HANDLER_H

#include <stddef.h>

#include "adbuf.h"
#include "directory.h"
#include "soap.h"

/* Writes the SOAP answer (or fault) into out; returns the HTTP status (200, 500, 413). */
int soap_handle(struct directory *dir, const char *auth_address, const char *body, size_t len,
                struct adbuf *out);

/*
 * The frame shared with the router (role_router_soap.h): parses body, checks wsa:Action,
 * sets the ServerVersionInfo header, lets answer fill the response (0, or -1: the whole
 * request becomes InternalServerError) and writes it. Same statuses as soap_handle.
 */
typedef int (*soap_answer_fn)(void *ctx, const struct soap_request *req,
                              struct soap_response *resp);
int soap_handle_with(const char *body, size_t len, soap_answer_fn answer, void *ctx,
                     struct adbuf *out);
/* Sets the whole request's Response ErrorCode and ErrorMessage. 0 or -1. */
int soap_handler_set_error(struct soap_response *resp, const char *code, const char *message);

#endif
