/* pox_handler: request in, POX answer out (see pox_handler.h for the error mapping). */
#include "pox_handler.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mobilesync.h"
#include "mobilesync_handler.h"
#include "protocol_schema.h"

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

/* Whether a stored Protocol section belongs in this client's Outlook answer. */
static bool section_wanted(const struct pox_protocol *p, const struct pox_client_caps *caps)
{
    if (!p->type || !protocol_type_in_outlook(p->type))
        return false;
    if (strcmp(p->type, "EXHTTP") == 0)
        return caps->exhttp;
    if (strcmp(p->type, "mapiHttp") == 0)
        return caps->mapi_http;
    return true;
}

/* Drops the sections this client must not get, keeping the stored order of the others. */
static void filter_sections(struct pox_response *resp, const struct pox_client_caps *caps)
{
    for (size_t i = resp->nprotocols; i-- > 0;)
        if (!section_wanted(&resp->protocols[i], caps))
            pox_response_remove_protocol(resp, i);
}

/* Fills resp with the settings, or the redirectAddr answer, for mb. 0, or -1 on error. */
static int build_answer(struct directory *dir, const struct dir_mailbox *mb,
                        const struct pox_client_caps *caps, struct pox_response *resp)
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
    if (directory_add_mailbox_protocols(dir, mb, resp) < 0)
        return -1;
    filter_sections(resp, caps);
    return 0;
}

/* Returns 0 with resp filled, or a POX ErrorCode. */
static int answer_request(struct directory *dir, const char *auth_address, const char *body,
                          size_t len, const struct pox_client_caps *caps,
                          struct pox_response *resp)
{
    struct pox_request req = {0};
    enum pox_parse_error perr = pox_request_parse(body, len, &req);
    if (perr != POX_PARSE_OK) {
        pox_request_free(&req);
        return error_code_for_parse(perr);
    }
    int code = 0;
    struct dir_mailbox mb = {0};
    int found = 0, may = 0;
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
        } else if (found == 0 || (may = directory_may_read(dir, &mb, auth_address)) == 0) {
            /* Unknown, or someone else's: the same answer, so addresses cannot be probed. */
            code = POX_ERR_UNKNOWN_ADDRESS;
        } else if (may < 0) {
            log_warnx("directory lookup failed");
            code = POX_ERR_INTERNAL;
        } else if (build_answer(dir, &mb, caps, resp) < 0) {
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
    static const struct pox_client_caps none = {false, false};
    return pox_handle_caps(dir, auth_address, body, len, &none, out);
}

/* true when the comma-separated list holds token (ASCII case and blanks ignored). */
static bool list_has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    while (list && *list) {
        list += strspn(list, " \t,");
        size_t len = strcspn(list, ",");
        size_t end = len;
        while (end > 0 && (list[end - 1] == ' ' || list[end - 1] == '\t'))
            end--;
        if (end == n && strncasecmp(list, token, n) == 0)
            return true;
        list += len;
    }
    return false;
}

void pox_client_caps_parse(const char *client_can_handle, const char *mapi_http_capability,
                           struct pox_client_caps *out)
{
    out->exhttp = list_has_token(client_can_handle, "ExHttpInfo");
    /* A version number: any value above 0 ("1", "2") says the client speaks MAPI/HTTP. */
    const char *v = mapi_http_capability ? mapi_http_capability : "";
    v += strspn(v, " \t");
    size_t digits = strspn(v, "0123456789");
    out->mapi_http = digits > 0 && digits < 6 && v[digits + strspn(v + digits, " \t")] == '\0' &&
                     atoi(v) > 0;
}

int pox_handle_caps(struct directory *dir, const char *auth_address, const char *body,
                    size_t len, const struct pox_client_caps *caps, struct adbuf *out)
{
    bool lasting;
    return pox_handle_lasting(dir, auth_address, body, len, caps, out, &lasting);
}

int pox_handle_lasting(struct directory *dir, const char *auth_address, const char *body,
                       size_t len, const struct pox_client_caps *caps, struct adbuf *out,
                       bool *lasting)
{
    *lasting = false;
    /* Cheap test first: only a body naming the namespace can be a mobilesync request. */
    static const char ns_tail[] = "mobilesync/requestschema/2006";
    if (memmem(body, len, ns_tail, sizeof ns_tail - 1)) {
        int status = mobilesync_handle(dir, auth_address, body, len, out);
        if (status != 0)
            return status; /* not lasting: rare, and its failures are not told apart */
    }
    struct pox_response resp = {0};
    int code = answer_request(dir, auth_address, body, len, caps, &resp);
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
    *lasting = status == 200 && code != POX_ERR_INTERNAL; /* 603: directory failure, no memory */
    return status;
}
