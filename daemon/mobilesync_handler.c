/* mobilesync_handler: ActiveSync POX in, answer out (see mobilesync_handler.h). */
#include "mobilesync_handler.h"

#include <string.h>

#include "log.h"
#include "mobilesync.h"
#include "org_protocols.h"

static int error_document(int code, struct adbuf *out)
{
    struct pox_response resp = {0};
    adbuf_reset(out);
    int status =
        pox_response_set_error(&resp, code, NULL) == 0 && pox_response_write(&resp, out) == 0 ? 200
                                                                                              : 500;
    pox_response_free(&resp);
    return status;
}

static int action_error(struct mobilesync_response *resp, const char *message)
{
    resp->action = MOBILESYNC_ACTION_ERROR;
    return pox_set_str(&resp->status, MOBILESYNC_STATUS_PROTOCOL_ERROR) |
           pox_set_str(&resp->message, message) | pox_set_str(&resp->debug_data, "");
}

/* Fills resp for the authenticated mailbox mb. 0, or -1 on failure. */
static int answer_mailbox(struct directory *dir, const struct dir_mailbox *mb,
                          struct mobilesync_response *resp)
{
    if (pox_set_str(&resp->email, mb->address) < 0)
        return -1;
    if (mb->target_address) {
        resp->action = MOBILESYNC_ACTION_REDIRECT;
        return pox_set_str(&resp->redirect, mb->target_address);
    }
    struct pox_response org = {0};
    int rc = directory_add_mailbox_protocols(dir, mb, &org);
    const char *url = rc == 0 ? org_field(&org, "MobileSync", "Url") : NULL;
    if (rc == 0 && pox_set_str(&resp->display_name, mb->display_name) < 0)
        rc = -1;
    if (rc == 0)
        rc = url ? mobilesync_add_server(resp, "MobileSync", url, url)
                 : action_error(resp, "No ActiveSync server is configured for this address.");
    pox_response_free(&org);
    return rc;
}

int mobilesync_handle(struct directory *dir, const char *auth_address, const char *body, size_t len,
                      struct adbuf *out)
{
    struct mobilesync_request req;
    enum pox_parse_error perr = mobilesync_request_parse(body, len, &req);
    if (perr == POX_PARSE_SCHEMA || perr == POX_PARSE_XML || perr == POX_PARSE_TOO_BIG)
        return 0; /* the POX path answers it (ErrorCode 600) */
    if (perr == POX_PARSE_NOMEM)
        return error_document(POX_ERR_INTERNAL, out);
    int code = 0;
    if (req.nrequests != 1 || !req.email)
        code = POX_ERR_INVALID_REQUEST;
    else if (!req.response_schema || !pox_ns_match(req.response_schema, MOBILESYNC_NS_RESPONSE))
        code = POX_ERR_NO_PROVIDER;
    struct mobilesync_response resp = {0};
    struct dir_mailbox mb = {0};
    if (code == 0 && pox_set_str(&resp.culture, "en:us") < 0)
        code = POX_ERR_INTERNAL;
    if (code == 0) {
        int found = directory_find_mailbox(dir, req.email, &mb);
        int may = found == 1 ? directory_may_read(dir, &mb, auth_address) : 0;
        if (found < 0 || may < 0)
            code = POX_ERR_INTERNAL;
        else if (found == 0 || !may)
            code = pox_set_str(&resp.email, req.email) |
                           action_error(&resp, "The e-mail address cannot be found.")
                       ? POX_ERR_INTERNAL
                       : 0;
        else if (answer_mailbox(dir, &mb, &resp) < 0)
            code = POX_ERR_INTERNAL;
    }
    if (code == POX_ERR_INTERNAL)
        log_warnx("mobilesync: cannot answer a request");
    adbuf_reset(out);
    int status = code                                         ? error_document(code, out)
                 : mobilesync_response_write(&resp, out) == 0 ? 200
                                                              : 500;
    dir_mailbox_free(&mb);
    mobilesync_response_free(&resp);
    mobilesync_request_free(&req);
    return status;
}
