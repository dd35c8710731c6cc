/*
 * SOAP Autodiscover requests (PROTOCOL.md §4): the envelope, its addressing header and the
 * GetUserSettings / GetDomainSettings request messages. Responses are in soap_response.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pox_internal.h"
#include "soap.h"
#include "soap_internal.h"
#include "xmlsafe.h"

const char *soap_op_name(enum soap_op op)
{
    switch (op) {
    case SOAP_OP_GET_USER_SETTINGS:
        return "GetUserSettings";
    case SOAP_OP_GET_DOMAIN_SETTINGS:
        return "GetDomainSettings";
    case SOAP_OP_NONE:
        break;
    }
    return NULL;
}

bool soap_is(const xmlNode *node, const char *ns, const char *local)
{
    return xmlsafe_is(node, NULL, local) && pox_ns_match(pox_ns(node), ns);
}

xmlNode *soap_child(const xmlNode *parent, const char *ns, const char *local)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
        if (soap_is(c, ns, local))
            return c;
    return NULL;
}

int soap_list_add(char ***list, size_t *n, const xmlNode *node)
{
    char **grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    *list = grown;
    if (!(grown[*n] = pox_text(node)))
        return -1;
    (*n)++;
    return 0;
}

void soap_list_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* The Body's only element, and the Header, of a SOAP 1.1 envelope; NULL when not one. */
xmlNode *soap_body_message(xmlDoc *doc, xmlNode **header)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !xmlsafe_is(root, SOAP_NS_ENVELOPE, "Envelope"))
        return NULL;
    if (header)
        *header = xmlsafe_child(root, SOAP_NS_ENVELOPE, "Header");
    xmlNode *body = xmlsafe_child(root, SOAP_NS_ENVELOPE, "Body");
    for (xmlNode *c = body ? body->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    return NULL;
}

static int read_header(const xmlNode *header, struct soap_request *out)
{
    for (const xmlNode *c = header ? header->children : NULL; c; c = c->next) {
        char **dst = NULL;
        if (soap_is(c, SOAP_NS_AUTODISCOVER, "RequestedServerVersion"))
            dst = &out->requested_server_version;
        else if (xmlsafe_is(c, SOAP_NS_ADDRESSING, "Action"))
            dst = &out->action;
        else if (xmlsafe_is(c, SOAP_NS_ADDRESSING, "To"))
            dst = &out->to;
        if (dst && pox_take_text(dst, c) < 0)
            return -1;
    }
    return 0;
}

/* Users/User/Mailbox or Domains/Domain, then RequestedSettings/Setting, RequestedVersion. */
static int read_request(const xmlNode *request, struct soap_request *out)
{
    bool user = out->op == SOAP_OP_GET_USER_SETTINGS;
    const xmlNode *ids = soap_child(request, SOAP_NS_AUTODISCOVER, user ? "Users" : "Domains");
    for (const xmlNode *c = ids ? ids->children : NULL; c; c = c->next) {
        const xmlNode *id = c;
        if (user) {
            if (!soap_is(c, SOAP_NS_AUTODISCOVER, "User"))
                continue;
            if (!(id = soap_child(c, SOAP_NS_AUTODISCOVER, "Mailbox")))
                continue;
        } else if (!soap_is(c, SOAP_NS_AUTODISCOVER, "Domain")) {
            continue;
        }
        if (soap_list_add(&out->identities, &out->nidentities, id) < 0)
            return -1;
    }
    const xmlNode *set = soap_child(request, SOAP_NS_AUTODISCOVER, "RequestedSettings");
    for (const xmlNode *c = set ? set->children : NULL; c; c = c->next)
        if (soap_is(c, SOAP_NS_AUTODISCOVER, "Setting") &&
            soap_list_add(&out->settings, &out->nsettings, c) < 0)
            return -1;
    const xmlNode *v = soap_child(request, SOAP_NS_AUTODISCOVER, "RequestedVersion");
    return v ? pox_take_text(&out->requested_version, v) : 0;
}

enum pox_parse_error soap_request_parse(const char *body, size_t len, struct soap_request *out)
{
    memset(out, 0, sizeof *out);
    xmlDoc *doc;
    enum pox_parse_error rc = pox_parse_xml(body, len, true, &doc);
    if (rc != POX_PARSE_OK)
        return rc;
    xmlNode *header = NULL;
    xmlNode *msg = soap_body_message(doc, &header);
    xmlNode *request = NULL;
    if (soap_is(msg, SOAP_NS_AUTODISCOVER, "GetUserSettingsRequestMessage"))
        out->op = SOAP_OP_GET_USER_SETTINGS;
    else if (soap_is(msg, SOAP_NS_AUTODISCOVER, "GetDomainSettingsRequestMessage"))
        out->op = SOAP_OP_GET_DOMAIN_SETTINGS;
    if (out->op != SOAP_OP_NONE)
        request = soap_child(msg, SOAP_NS_AUTODISCOVER, "Request");
    if (!request)
        rc = POX_PARSE_SCHEMA;
    else if (read_header(header, out) < 0 || read_request(request, out) < 0)
        rc = POX_PARSE_NOMEM;
    xmlFreeDoc(doc);
    if (rc != POX_PARSE_OK)
        soap_request_free(out);
    return rc;
}

static void write_list(struct pox_writer *w, const char *outer, const char *inner, const char *leaf,
                       char *const *items, size_t n)
{
    pox_w_open(w, outer, NULL, 0);
    for (size_t i = 0; i < n; i++) {
        if (inner)
            pox_w_open(w, inner, NULL, 0);
        pox_w_leaf(w, leaf, NULL, 0, items[i]);
        if (inner)
            pox_w_close(w, inner);
    }
    pox_w_close(w, outer);
}

int soap_request_write(const struct soap_request *req, struct adbuf *out)
{
    const char *op = soap_op_name(req->op);
    if (!op)
        return -1;
    bool user = req->op == SOAP_OP_GET_USER_SETTINGS;
    char action[160], message[64];
    snprintf(action, sizeof action, "%s%s", SOAP_ACTION_PREFIX, op);
    snprintf(message, sizeof message, "a:%sRequestMessage", op);

    struct pox_writer w;
    pox_w_begin(&w, out);
    pox_w_decl(&w);
    const struct pox_attr ns[] = {{"xmlns:a", SOAP_NS_AUTODISCOVER},
                                  {"xmlns:wsa", SOAP_NS_ADDRESSING},
                                  {"xmlns:xsi", SOAP_NS_XSI},
                                  {"xmlns:soap", SOAP_NS_ENVELOPE}};
    pox_w_open(&w, "soap:Envelope", ns, 4);
    pox_w_open(&w, "soap:Header", NULL, 0);
    pox_w_leaf(&w, "a:RequestedServerVersion", NULL, 0,
               req->requested_server_version ? req->requested_server_version : "Exchange2013");
    pox_w_leaf(&w, "wsa:Action", NULL, 0, req->action ? req->action : action);
    pox_w_opt(&w, "wsa:To", req->to);
    pox_w_close(&w, "soap:Header");
    pox_w_open(&w, "soap:Body", NULL, 0);
    pox_w_open(&w, message, NULL, 0);
    pox_w_open(&w, "a:Request", NULL, 0);
    if (user)
        write_list(&w, "a:Users", "a:User", "a:Mailbox", req->identities, req->nidentities);
    else
        write_list(&w, "a:Domains", NULL, "a:Domain", req->identities, req->nidentities);
    write_list(&w, "a:RequestedSettings", NULL, "a:Setting", req->settings, req->nsettings);
    pox_w_opt(&w, "a:RequestedVersion", req->requested_version);
    pox_w_close(&w, "a:Request");
    pox_w_close(&w, message);
    pox_w_close(&w, "soap:Body");
    pox_w_close(&w, "soap:Envelope");
    return pox_w_end(&w);
}

void soap_request_free(struct soap_request *req)
{
    if (!req)
        return;
    free(req->requested_server_version);
    free(req->action);
    free(req->to);
    soap_list_free(req->identities, req->nidentities);
    soap_list_free(req->settings, req->nsettings);
    free(req->requested_version);
    memset(req, 0, sizeof *req);
}
