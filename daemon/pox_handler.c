/* pox_handler: request in, POX answer out (see pox_handler.h for the error mapping). */
#include "pox_handler.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

static int error_code_for_parse(enum pox_parse_error e)
{
    /* A request over the cap is answered 413 before parsing; here it is just invalid. */
    return e == POX_PARSE_NOMEM ? POX_ERR_INTERNAL : POX_ERR_INVALID_REQUEST;
}

static int dup_into(char **slot, const char *value)
{
    *slot = strdup(value ? value : "");
    return *slot ? 0 : -1;
}

/* Fills resp with the settings, or the redirectAddr answer, for mb. 0, or -1 on error. */
static int build_answer(struct directory *dir, const struct dir_mailbox *mb,
                        struct pox_response *resp)
{
    resp->has_account = true;
    if (dup_into(&resp->account_type, "email") < 0 ||
        dup_into(&resp->microsoft_online, "False") < 0)
        return -1;
    if (mb->target_address) {
        /* Hybrid: the mailbox moved; the client restarts discovery for this address. */
        resp->action = POX_ACTION_REDIRECT_ADDR;
        return dup_into(&resp->redirect_addr, mb->target_address);
    }
    resp->action = POX_ACTION_SETTINGS;
    resp->has_user = true;
    if (dup_into(&resp->user.display_name, mb->display_name) < 0 ||
        dup_into(&resp->user.legacy_dn, mb->legacy_dn) < 0 ||
        dup_into(&resp->user.smtp_address, mb->address) < 0 ||
        dup_into(&resp->user.deployment_id, mb->deployment_id) < 0)
        return -1;
    return directory_add_protocols(dir, mb->organisation, resp);
}

/* Returns 0 with resp filled, or a POX ErrorCode. */
static int answer_request(struct directory *dir, const char *auth_address, const char *body,
                          size_t len, struct pox_response *resp)
{
    struct pox_request req = {0};
    enum pox_parse_error perr = pox_request_parse(body, len, &req);
    if (perr != POX_PARSE_OK) {
        pox_request_free(&req);
        return error_code_for_parse(perr);
    }
    int code = 0;
    struct dir_mailbox mb = {0};
    int found = 0;
    if (!req.response_schema || strcmp(req.response_schema, POX_NS_OUTLOOK_RESPONSE) != 0)
        code = POX_ERR_NO_PROVIDER;
    else if (req.legacy_dn) /* LegacyDN wins over EMailAddress (§2.1) */
        found = directory_find_mailbox_by_legacy_dn(dir, req.legacy_dn, &mb);
    else if (req.email)
        found = directory_find_mailbox(dir, req.email, &mb);
    else
        code = POX_ERR_INVALID_REQUEST;
    if (code == 0) {
        if (found < 0) {
            log_warnx("directory lookup failed");
            code = POX_ERR_INTERNAL;
        } else if (found == 0 || strcasecmp(mb.address, auth_address) != 0) {
            /* Unknown, or someone else's: the same answer, so addresses cannot be probed. */
            code = POX_ERR_UNKNOWN_ADDRESS;
        } else if (build_answer(dir, &mb, resp) < 0) {
            log_warnx("cannot build the answer for %s", mb.address);
            code = POX_ERR_INTERNAL;
        }
    }
    dir_mailbox_free(&mb);
    pox_request_free(&req);
    return code;
}

int pox_handle(struct directory *dir, const char *auth_address, const char *body, size_t len,
               struct adbuf *out)
{
    struct pox_response resp = {0};
    int code = answer_request(dir, auth_address, body, len, &resp);
    if (code != 0) {
        pox_response_free(&resp);
        memset(&resp, 0, sizeof resp);
        if (pox_response_set_error(&resp, code, NULL) < 0) {
            pox_response_free(&resp);
            return 500;
        }
    }
    adbuf_reset(out);
    int status = pox_response_write(&resp, out) < 0 ? 500 : 200;
    pox_response_free(&resp);
    return status;
}
