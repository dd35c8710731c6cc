/* mobilesync: ActiveSync POX requests and responses (see mobilesync.h). */
#include "mobilesync.h"

#include <stdlib.h>
#include <string.h>

#include "pox_internal.h"
#include "xmlsafe.h"

/* ---- request ---- */

enum pox_parse_error mobilesync_request_parse(const char *body, size_t len,
                                              struct mobilesync_request *out)
{
    memset(out, 0, sizeof *out);
    xmlDoc *doc;
    enum pox_parse_error rc = pox_parse_xml(body, len, true, &doc);
    if (rc != POX_PARSE_OK)
        return rc;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !xmlsafe_is(root, NULL, "Autodiscover") ||
        !pox_ns_match(pox_ns(root), MOBILESYNC_NS_REQUEST)) {
        xmlFreeDoc(doc);
        return POX_PARSE_SCHEMA;
    }
    for (xmlNode *r = root->children; r && rc == POX_PARSE_OK; r = r->next) {
        if (!xmlsafe_is(r, NULL, "Request"))
            continue;
        if (out->nrequests++ > 0)
            continue; /* counted, not read: a server refuses more than one */
        for (xmlNode *c = r->children; c; c = c->next) {
            char **dst = NULL;
            if (xmlsafe_is(c, NULL, "EMailAddress"))
                dst = &out->email;
            else if (xmlsafe_is(c, NULL, "AcceptableResponseSchema"))
                dst = &out->response_schema;
            if (dst && pox_take_text(dst, c) < 0)
                rc = POX_PARSE_NOMEM;
        }
    }
    xmlFreeDoc(doc);
    if (rc != POX_PARSE_OK)
        mobilesync_request_free(out);
    return rc;
}

int mobilesync_request_write(const struct mobilesync_request *req, struct adbuf *out)
{
    struct pox_writer w;
    pox_w_begin(&w, out);
    pox_w_decl(&w);
    struct pox_attr ns = {"xmlns", MOBILESYNC_NS_REQUEST};
    pox_w_open(&w, "Autodiscover", &ns, 1);
    pox_w_open(&w, "Request", NULL, 0);
    pox_w_opt(&w, "EMailAddress", req->email);
    pox_w_leaf(&w, "AcceptableResponseSchema", NULL, 0,
               req->response_schema ? req->response_schema : MOBILESYNC_NS_RESPONSE);
    pox_w_close(&w, "Request");
    pox_w_close(&w, "Autodiscover");
    return pox_w_end(&w);
}

void mobilesync_request_free(struct mobilesync_request *req)
{
    if (!req)
        return;
    free(req->email);
    free(req->response_schema);
    memset(req, 0, sizeof *req);
}

/* ---- response ---- */

int mobilesync_add_server(struct mobilesync_response *resp, const char *type, const char *url,
                          const char *name)
{
    struct mobilesync_server *grown = realloc(resp->servers, (resp->nservers + 1) * sizeof *grown);
    if (!grown)
        return -1;
    resp->servers = grown;
    struct mobilesync_server *s = &grown[resp->nservers];
    memset(s, 0, sizeof *s);
    if (pox_set_str(&s->type, type) < 0 || pox_set_str(&s->url, url) < 0 ||
        pox_set_str(&s->name, name) < 0) {
        free(s->type);
        free(s->url);
        free(s->name);
        return -1;
    }
    resp->nservers++;
    resp->action = MOBILESYNC_ACTION_SETTINGS;
    return 0;
}

static int child_text(const xmlNode *parent, const char *local, char **dst)
{
    const xmlNode *c = xmlsafe_child(parent, NULL, local);
    return c ? pox_take_text(dst, c) : 0;
}

static int read_server(const xmlNode *node, struct mobilesync_response *out)
{
    char *type = NULL, *url = NULL, *name = NULL, *data = NULL;
    int rc = child_text(node, "Type", &type) | child_text(node, "Url", &url) |
             child_text(node, "Name", &name) | child_text(node, "ServerData", &data);
    if (rc == 0)
        rc = mobilesync_add_server(out, type, url, name);
    if (rc == 0)
        out->servers[out->nservers - 1].server_data = data, data = NULL;
    free(type);
    free(url);
    free(name);
    free(data);
    return rc;
}

static int read_action(const xmlNode *action, struct mobilesync_response *out)
{
    const xmlNode *c;
    if ((c = xmlsafe_child(action, NULL, "Redirect"))) {
        out->action = MOBILESYNC_ACTION_REDIRECT;
        return pox_take_text(&out->redirect, c);
    }
    if ((c = xmlsafe_child(action, NULL, "Error"))) {
        out->action = MOBILESYNC_ACTION_ERROR;
        return child_text(c, "Status", &out->status) | child_text(c, "Message", &out->message) |
               child_text(c, "DebugData", &out->debug_data);
    }
    const xmlNode *settings = xmlsafe_child(action, NULL, "Settings");
    if (settings)
        out->action = MOBILESYNC_ACTION_SETTINGS;
    for (c = settings ? settings->children : NULL; c; c = c->next)
        if (xmlsafe_is(c, NULL, "Server") && read_server(c, out) < 0)
            return -1;
    return 0;
}

/* 0, 1 when not a mobilesync response, -1 on out of memory. */
static int read_response(const xmlNode *response, struct mobilesync_response *out)
{
    const xmlNode *err = xmlsafe_child(response, NULL, "Error");
    if (err) {
        out->is_error = true;
        return pox_error_parse(err, &out->error);
    }
    if (!pox_ns_match(pox_ns(response), MOBILESYNC_NS_RESPONSE))
        return 1;
    const xmlNode *user = xmlsafe_child(response, NULL, "User");
    const xmlNode *action = xmlsafe_child(response, NULL, "Action");
    if (child_text(response, "Culture", &out->culture) < 0 ||
        (user && (child_text(user, "DisplayName", &out->display_name) < 0 ||
                  child_text(user, "EMailAddress", &out->email) < 0)))
        return -1;
    return action ? read_action(action, out) : 0;
}

enum pox_parse_error mobilesync_response_parse(const char *body, size_t len,
                                               struct mobilesync_response *out)
{
    memset(out, 0, sizeof *out);
    xmlDoc *doc;
    enum pox_parse_error rc = pox_parse_xml(body, len, false, &doc);
    if (rc != POX_PARSE_OK)
        return rc;
    xmlNode *root = xmlDocGetRootElement(doc);
    const xmlNode *response = NULL;
    if (root && xmlsafe_is(root, NULL, "Autodiscover") &&
        pox_ns_match(pox_ns(root), POX_NS_RESPONSE))
        response = xmlsafe_child(root, NULL, "Response");
    int r = response ? read_response(response, out) : 1;
    rc = r == 0 ? POX_PARSE_OK : r > 0 ? POX_PARSE_SCHEMA : POX_PARSE_NOMEM;
    xmlFreeDoc(doc);
    if (rc != POX_PARSE_OK)
        mobilesync_response_free(out);
    return rc;
}

static void write_action(struct pox_writer *w, const struct mobilesync_response *r)
{
    pox_w_open(w, "Action", NULL, 0);
    if (r->action == MOBILESYNC_ACTION_REDIRECT) {
        pox_w_leaf(w, "Redirect", NULL, 0, r->redirect);
    } else if (r->action == MOBILESYNC_ACTION_ERROR) {
        pox_w_open(w, "Error", NULL, 0);
        pox_w_leaf(w, "Status", NULL, 0, r->status);
        pox_w_leaf(w, "Message", NULL, 0, r->message);
        pox_w_leaf(w, "DebugData", NULL, 0, r->debug_data);
        pox_w_close(w, "Error");
    } else {
        pox_w_open(w, "Settings", NULL, 0);
        for (size_t i = 0; i < r->nservers; i++) {
            const struct mobilesync_server *s = &r->servers[i];
            pox_w_open(w, "Server", NULL, 0);
            pox_w_leaf(w, "Type", NULL, 0, s->type);
            pox_w_leaf(w, "Url", NULL, 0, s->url);
            pox_w_leaf(w, "Name", NULL, 0, s->name);
            pox_w_opt(w, "ServerData", s->server_data);
            pox_w_close(w, "Server");
        }
        pox_w_close(w, "Settings");
    }
    pox_w_close(w, "Action");
}

int mobilesync_response_write(const struct mobilesync_response *r, struct adbuf *out)
{
    if (r->is_error)
        return -1; /* the Outlook error document: pox_response_write */
    struct pox_writer w;
    pox_w_begin(&w, out);
    pox_w_decl(&w);
    struct pox_attr outer = {"xmlns", POX_NS_RESPONSE};
    struct pox_attr inner = {"xmlns", MOBILESYNC_NS_RESPONSE};
    pox_w_open(&w, "Autodiscover", &outer, 1);
    pox_w_open(&w, "Response", &inner, 1);
    pox_w_opt(&w, "Culture", r->culture);
    if (r->display_name || r->email) {
        pox_w_open(&w, "User", NULL, 0);
        pox_w_opt(&w, "DisplayName", r->display_name);
        pox_w_opt(&w, "EMailAddress", r->email);
        pox_w_close(&w, "User");
    }
    if (r->action != MOBILESYNC_ACTION_NONE)
        write_action(&w, r);
    pox_w_close(&w, "Response");
    pox_w_close(&w, "Autodiscover");
    return pox_w_end(&w);
}

void mobilesync_response_free(struct mobilesync_response *resp)
{
    if (!resp)
        return;
    pox_error_clear(&resp->error);
    free(resp->culture);
    free(resp->display_name);
    free(resp->email);
    free(resp->redirect);
    for (size_t i = 0; i < resp->nservers; i++) {
        free(resp->servers[i].type);
        free(resp->servers[i].url);
        free(resp->servers[i].name);
        free(resp->servers[i].server_data);
    }
    free(resp->servers);
    free(resp->status);
    free(resp->message);
    free(resp->debug_data);
    memset(resp, 0, sizeof *resp);
}
