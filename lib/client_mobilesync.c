/* client_mobilesync: the ActiveSync request, and its answer read as POX. */
#include "client_mobilesync.h"

#include <string.h>

#include "verdict.h"

int client_mobilesync_request(const char *email, struct adbuf *out)
{
    struct mobilesync_request req = {.email = (char *)email,
                                     .response_schema = MOBILESYNC_NS_RESPONSE,
                                     .nrequests = 1};
    adbuf_reset(out);
    return mobilesync_request_write(&req, out);
}

static int add_server(const struct mobilesync_server *s, struct pox_response *out)
{
    struct pox_protocol *p = pox_response_add_protocol(out, s->type ? s->type : "");
    if (!p)
        return -1;
    const char *paths[] = {"Url", "Name", "ServerData"};
    const char *values[] = {s->url, s->name, s->server_data};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (values[i] && pox_protocol_add_field(p, paths[i], values[i]) < 0)
            return -1;
    return 0;
}

int client_mobilesync_to_pox(struct mobilesync_response *m, struct pox_response *out)
{
    memset(out, 0, sizeof *out);
    if (m->is_error) {
        out->is_error = true;
        out->error = m->error;
        memset(&m->error, 0, sizeof m->error);
        return 0;
    }
    if (m->display_name || m->email) {
        out->has_user = true;
        if (pox_set_str(&out->user.display_name, m->display_name) < 0 ||
            pox_set_str(&out->user.smtp_address, m->email) < 0)
            return -1;
    }
    out->has_account = true;
    if (m->action == MOBILESYNC_ACTION_REDIRECT) {
        out->action = POX_ACTION_REDIRECT_ADDR;
        return pox_set_str(&out->redirect_addr, m->redirect);
    }
    if (m->action == MOBILESYNC_ACTION_SETTINGS)
        out->action = POX_ACTION_SETTINGS;
    for (size_t i = 0; i < m->nservers; i++)
        if (add_server(&m->servers[i], out) < 0)
            return -1;
    return 0;
}

void client_mobilesync_judge(const char *body, size_t len, const char *prefix,
                             struct answer *answer, struct verdict *v)
{
    struct mobilesync_response m;
    enum pox_parse_error pe = mobilesync_response_parse(body, len, &m);
    if (pe == POX_PARSE_NOMEM) {
        verdict_set(v, OUTCOME_INTERNAL, OUTLOOK_CODE_NONE, "out of memory");
        return;
    }
    if (pe != POX_PARSE_OK) {
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE, "%s is not a mobilesync answer",
                    prefix);
        return;
    }
    if (m.action == MOBILESYNC_ACTION_ERROR) {
        verdict_set(v, OUTCOME_SERVER_ERROR, OUTLOOK_CODE_NONE, "Action/Error Status %s: %s",
                    m.status ? m.status : "(none)",
                    m.message && *m.message ? m.message : "(no message)");
    } else if (client_mobilesync_to_pox(&m, &answer->pox) < 0) {
        pox_response_free(&answer->pox);
        verdict_set(v, OUTCOME_INTERNAL, OUTLOOK_CODE_NONE, "out of memory");
    } else {
        verdict_judge_pox(&answer->pox, prefix, v);
    }
    mobilesync_response_free(&m);
}
