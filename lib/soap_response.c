/*
 * SOAP Autodiscover responses (PROTOCOL.md §4): GetUserSettings / GetDomainSettings response
 * messages with their ServerVersionInfo and wsa:Action headers, and SOAP 1.1 faults.
 * On parse, the first occurrence of a single-valued element wins and unknown elements are
 * ignored; a setting's kind comes from its xsi:type (prefix ignored).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pox_internal.h"
#include "soap.h"
#include "soap_internal.h"
#include "xmlsafe.h"

/* ---- builders ---- */

static void setting_clear(struct soap_setting *s)
{
    free(s->name);
    free(s->value);
    for (size_t i = 0; i < s->nurls; i++) {
        free(s->urls[i].authentication_methods);
        free(s->urls[i].url);
    }
    free(s->urls);
    for (size_t i = 0; i < s->nconnections; i++) {
        free(s->connections[i].hostname);
        free(s->connections[i].port);
        free(s->connections[i].encryption_method);
    }
    free(s->connections);
}

static void identity_clear(struct soap_identity_response *r)
{
    free(r->error_code);
    free(r->error_message);
    free(r->redirect_target);
    for (size_t i = 0; i < r->nerrors; i++) {
        free(r->errors[i].name);
        free(r->errors[i].error_code);
        free(r->errors[i].error_message);
    }
    free(r->errors);
    for (size_t i = 0; i < r->nsettings; i++)
        setting_clear(&r->settings[i]);
    free(r->settings);
}

struct soap_identity_response *soap_response_add(struct soap_response *resp, const char *error_code,
                                                 const char *error_message)
{
    struct soap_identity_response *grown =
        realloc(resp->responses, (resp->nresponses + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    resp->responses = grown;
    struct soap_identity_response *r = &grown[resp->nresponses];
    memset(r, 0, sizeof *r);
    if (pox_set_str(&r->error_code, error_code) < 0 ||
        pox_set_str(&r->error_message, error_message) < 0) {
        identity_clear(r);
        return NULL;
    }
    resp->nresponses++;
    return r;
}

int soap_identity_set_redirect(struct soap_identity_response *r, const char *target)
{
    return pox_set_str(&r->redirect_target, target);
}

int soap_identity_add_error(struct soap_identity_response *r, const char *name,
                            const char *error_code, const char *error_message)
{
    struct soap_setting_error *grown = realloc(r->errors, (r->nerrors + 1) * sizeof *grown);
    if (!grown)
        return -1;
    r->errors = grown;
    struct soap_setting_error *e = &grown[r->nerrors];
    memset(e, 0, sizeof *e);
    if (pox_set_str(&e->name, name) < 0 || pox_set_str(&e->error_code, error_code) < 0 ||
        pox_set_str(&e->error_message, error_message) < 0) {
        free(e->name);
        free(e->error_code);
        free(e->error_message);
        return -1;
    }
    r->nerrors++;
    return 0;
}

struct soap_setting *soap_identity_add_collection(struct soap_identity_response *r,
                                                  const char *name, enum soap_setting_kind kind)
{
    struct soap_setting *grown = realloc(r->settings, (r->nsettings + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    r->settings = grown;
    struct soap_setting *s = &grown[r->nsettings];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    if (pox_set_str(&s->name, name) < 0)
        return NULL;
    r->nsettings++;
    return s;
}

int soap_identity_add_string(struct soap_identity_response *r, const char *name, const char *value)
{
    struct soap_setting *s = soap_identity_add_collection(r, name, SOAP_SETTING_STRING);
    return s && pox_set_str(&s->value, value ? value : "") == 0 ? 0 : -1;
}

int soap_setting_add_url(struct soap_setting *s, const char *authentication_methods,
                         const char *url)
{
    struct soap_web_client_url *grown = realloc(s->urls, (s->nurls + 1) * sizeof *grown);
    if (!grown)
        return -1;
    s->urls = grown;
    struct soap_web_client_url *u = &grown[s->nurls];
    memset(u, 0, sizeof *u);
    if (pox_set_str(&u->authentication_methods, authentication_methods) < 0 ||
        pox_set_str(&u->url, url) < 0) {
        free(u->authentication_methods);
        free(u->url);
        return -1;
    }
    s->nurls++;
    return 0;
}

int soap_setting_add_connection(struct soap_setting *s, const char *hostname, const char *port,
                                const char *encryption_method)
{
    struct soap_connection *grown = realloc(s->connections, (s->nconnections + 1) * sizeof *grown);
    if (!grown)
        return -1;
    s->connections = grown;
    struct soap_connection *c = &grown[s->nconnections];
    memset(c, 0, sizeof *c);
    if (pox_set_str(&c->hostname, hostname) < 0 || pox_set_str(&c->port, port) < 0 ||
        pox_set_str(&c->encryption_method, encryption_method) < 0) {
        free(c->hostname);
        free(c->port);
        free(c->encryption_method);
        return -1;
    }
    s->nconnections++;
    return 0;
}

const struct soap_setting *soap_identity_get(const struct soap_identity_response *r,
                                             const char *name)
{
    for (size_t i = 0; i < r->nsettings; i++)
        if (r->settings[i].name && strcmp(r->settings[i].name, name) == 0)
            return &r->settings[i];
    return NULL;
}

void soap_response_free(struct soap_response *resp)
{
    if (!resp)
        return;
    free(resp->fault_code);
    free(resp->fault_string);
    struct soap_server_version *v = &resp->server_version;
    free(v->major_version);
    free(v->minor_version);
    free(v->major_build);
    free(v->minor_build);
    free(v->version);
    free(resp->error_code);
    free(resp->error_message);
    for (size_t i = 0; i < resp->nresponses; i++)
        identity_clear(&resp->responses[i]);
    free(resp->responses);
    memset(resp, 0, sizeof *resp);
}

/* ---- parse ---- */

/* Text of the first child named local (any namespace) into *dst; 0 when absent, -1 on OOM. */
static int child_text(const xmlNode *parent, const char *local, char **dst)
{
    const xmlNode *c = xmlsafe_child(parent, NULL, local);
    return c ? pox_take_text(dst, c) : 0;
}

/* The local part of an xsi:type value ("a:StringSetting" -> "StringSetting"); caller frees. */
static char *xsi_type(const xmlNode *node)
{
    xmlChar *v = xmlGetNsProp(node, (const xmlChar *)"type", (const xmlChar *)SOAP_NS_XSI);
    if (!v)
        return NULL;
    const char *colon = strchr((const char *)v, ':');
    char *local = strdup(colon ? colon + 1 : (const char *)v);
    xmlFree(v);
    return local;
}

static bool xsi_nil(const xmlNode *node)
{
    xmlChar *v = xmlGetNsProp(node, (const xmlChar *)"nil", (const xmlChar *)SOAP_NS_XSI);
    bool nil = v && strcmp((const char *)v, "true") == 0;
    xmlFree(v);
    return nil;
}

static int read_urls(const xmlNode *node, struct soap_setting *s)
{
    const xmlNode *list = xmlsafe_child(node, NULL, "WebClientUrls");
    for (const xmlNode *c = list ? list->children : NULL; c; c = c->next) {
        if (!xmlsafe_is(c, NULL, "WebClientUrl"))
            continue;
        char *auth = NULL, *url = NULL;
        int rc = child_text(c, "AuthenticationMethods", &auth) | child_text(c, "Url", &url);
        if (rc == 0)
            rc = soap_setting_add_url(s, auth, url);
        free(auth);
        free(url);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int read_connections(const xmlNode *node, struct soap_setting *s)
{
    const xmlNode *list = xmlsafe_child(node, NULL, "ProtocolConnections");
    for (const xmlNode *c = list ? list->children : NULL; c; c = c->next) {
        if (!xmlsafe_is(c, NULL, "ProtocolConnection"))
            continue;
        char *host = NULL, *port = NULL, *enc = NULL;
        int rc = child_text(c, "Hostname", &host) | child_text(c, "Port", &port) |
                 child_text(c, "EncryptionMethod", &enc);
        if (rc == 0)
            rc = soap_setting_add_connection(s, host, port, enc);
        free(host);
        free(port);
        free(enc);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int read_setting(const xmlNode *node, struct soap_identity_response *r)
{
    char *type = xsi_type(node), *name = NULL;
    enum soap_setting_kind kind = SOAP_SETTING_STRING;
    if (type && strcmp(type, "WebClientUrlCollectionSetting") == 0)
        kind = SOAP_SETTING_WEB_CLIENT_URLS;
    else if (type && strcmp(type, "ProtocolConnectionCollectionSetting") == 0)
        kind = SOAP_SETTING_CONNECTIONS;
    free(type);
    if (child_text(node, "Name", &name) < 0)
        return -1;
    struct soap_setting *s = soap_identity_add_collection(r, name ? name : "", kind);
    free(name);
    if (!s)
        return -1;
    switch (kind) {
    case SOAP_SETTING_WEB_CLIENT_URLS:
        return read_urls(node, s);
    case SOAP_SETTING_CONNECTIONS:
        return read_connections(node, s);
    case SOAP_SETTING_STRING:
        break;
    }
    if (child_text(node, "Value", &s->value) < 0)
        return -1;
    return s->value || (s->value = strdup("")) ? 0 : -1;
}

static int read_setting_error(const xmlNode *node, struct soap_identity_response *r)
{
    char *name = NULL, *code = NULL, *msg = NULL;
    int rc = child_text(node, "SettingName", &name) | child_text(node, "ErrorCode", &code) |
             child_text(node, "ErrorMessage", &msg);
    if (rc == 0)
        rc = soap_identity_add_error(r, name, code, msg);
    free(name);
    free(code);
    free(msg);
    return rc;
}

static int read_identity(const xmlNode *node, bool user, struct soap_response *resp)
{
    struct soap_identity_response *r = soap_response_add(resp, NULL, NULL);
    if (!r || child_text(node, "ErrorCode", &r->error_code) < 0 ||
        child_text(node, "ErrorMessage", &r->error_message) < 0)
        return -1;
    const xmlNode *target = xmlsafe_child(node, NULL, "RedirectTarget");
    if (target && !xsi_nil(target) && pox_take_text(&r->redirect_target, target) < 0)
        return -1;
    const xmlNode *errors =
        xmlsafe_child(node, NULL, user ? "UserSettingErrors" : "DomainSettingErrors");
    for (const xmlNode *c = errors ? errors->children : NULL; c; c = c->next)
        if (xmlsafe_is(c, NULL, user ? "UserSettingError" : "DomainSettingError") &&
            read_setting_error(c, r) < 0)
            return -1;
    const xmlNode *settings = xmlsafe_child(node, NULL, user ? "UserSettings" : "DomainSettings");
    for (const xmlNode *c = settings ? settings->children : NULL; c; c = c->next)
        if (xmlsafe_is(c, NULL, user ? "UserSetting" : "DomainSetting") && read_setting(c, r) < 0)
            return -1;
    return 0;
}

static int read_server_version(const xmlNode *header, struct soap_server_version *v)
{
    const xmlNode *info = soap_child(header, SOAP_NS_AUTODISCOVER, "ServerVersionInfo");
    if (!info)
        return 0;
    return child_text(info, "MajorVersion", &v->major_version) |
           child_text(info, "MinorVersion", &v->minor_version) |
           child_text(info, "MajorBuildNumber", &v->major_build) |
           child_text(info, "MinorBuildNumber", &v->minor_build) |
           child_text(info, "Version", &v->version);
}

static int read_message(const xmlNode *msg, struct soap_response *out)
{
    bool user = out->op == SOAP_OP_GET_USER_SETTINGS;
    const xmlNode *response = soap_child(msg, SOAP_NS_AUTODISCOVER, "Response");
    if (!response)
        return 1;
    if (child_text(response, "ErrorCode", &out->error_code) < 0 ||
        child_text(response, "ErrorMessage", &out->error_message) < 0)
        return -1;
    const xmlNode *list = xmlsafe_child(response, NULL, user ? "UserResponses" : "DomainResponses");
    for (const xmlNode *c = list ? list->children : NULL; c; c = c->next)
        if (xmlsafe_is(c, NULL, user ? "UserResponse" : "DomainResponse") &&
            read_identity(c, user, out) < 0)
            return -1;
    return 0;
}

enum pox_parse_error soap_response_parse(const char *body, size_t len, struct soap_response *out)
{
    memset(out, 0, sizeof *out);
    xmlDoc *doc;
    enum pox_parse_error rc = pox_parse_xml(body, len, false, &doc);
    if (rc != POX_PARSE_OK)
        return rc;
    xmlNode *header = NULL;
    xmlNode *msg = soap_body_message(doc, &header);
    int r = 1;
    if (msg && xmlsafe_is(msg, SOAP_NS_ENVELOPE, "Fault")) {
        out->is_fault = true;
        r = child_text(msg, "faultcode", &out->fault_code) |
            child_text(msg, "faultstring", &out->fault_string);
    } else if (soap_is(msg, SOAP_NS_AUTODISCOVER, "GetUserSettingsResponseMessage") ||
               soap_is(msg, SOAP_NS_AUTODISCOVER, "GetDomainSettingsResponseMessage")) {
        out->op = soap_is(msg, SOAP_NS_AUTODISCOVER, "GetUserSettingsResponseMessage")
                      ? SOAP_OP_GET_USER_SETTINGS
                      : SOAP_OP_GET_DOMAIN_SETTINGS;
        r = read_server_version(header, &out->server_version);
        if (r == 0)
            r = read_message(msg, out);
    }
    rc = r == 0 ? POX_PARSE_OK : r > 0 ? POX_PARSE_SCHEMA : POX_PARSE_NOMEM;
    xmlFreeDoc(doc);
    if (rc != POX_PARSE_OK)
        soap_response_free(out);
    return rc;
}

/* ---- write ---- */

static void write_setting(struct pox_writer *w, const char *elem, bool user,
                          const struct soap_setting *s)
{
    static const char *const types[] = {
        [SOAP_SETTING_STRING] = "StringSetting",
        [SOAP_SETTING_WEB_CLIENT_URLS] = "WebClientUrlCollectionSetting",
        [SOAP_SETTING_CONNECTIONS] = "ProtocolConnectionCollectionSetting",
    };
    struct pox_attr type = {"i:type", user ? (char *)types[s->kind] : "DomainStringSetting"};
    pox_w_open(w, elem, &type, 1);
    pox_w_leaf(w, "Name", NULL, 0, s->name);
    if (s->kind == SOAP_SETTING_STRING || !user) {
        pox_w_leaf(w, "Value", NULL, 0, s->value ? s->value : "");
    } else if (s->kind == SOAP_SETTING_WEB_CLIENT_URLS) {
        pox_w_open(w, "WebClientUrls", NULL, 0);
        for (size_t i = 0; i < s->nurls; i++) {
            pox_w_open(w, "WebClientUrl", NULL, 0);
            pox_w_leaf(w, "AuthenticationMethods", NULL, 0, s->urls[i].authentication_methods);
            pox_w_leaf(w, "Url", NULL, 0, s->urls[i].url);
            pox_w_close(w, "WebClientUrl");
        }
        pox_w_close(w, "WebClientUrls");
    } else {
        pox_w_open(w, "ProtocolConnections", NULL, 0);
        for (size_t i = 0; i < s->nconnections; i++) {
            const struct soap_connection *c = &s->connections[i];
            pox_w_open(w, "ProtocolConnection", NULL, 0);
            pox_w_leaf(w, "EncryptionMethod", NULL, 0, c->encryption_method);
            pox_w_leaf(w, "Hostname", NULL, 0, c->hostname);
            pox_w_leaf(w, "Port", NULL, 0, c->port);
            pox_w_close(w, "ProtocolConnection");
        }
        pox_w_close(w, "ProtocolConnections");
    }
    pox_w_close(w, elem);
}

static void write_redirect_target(struct pox_writer *w, const char *target)
{
    struct pox_attr nil = {"i:nil", "true"};
    if (target)
        pox_w_leaf(w, "RedirectTarget", NULL, 0, target);
    else
        pox_w_leaf(w, "RedirectTarget", &nil, 1, NULL);
}

static void write_identity(struct pox_writer *w, bool user, const struct soap_identity_response *r)
{
    const char *elem = user ? "UserResponse" : "DomainResponse";
    pox_w_open(w, elem, NULL, 0);
    pox_w_leaf(w, "ErrorCode", NULL, 0, r->error_code ? r->error_code : "NoError");
    pox_w_leaf(w, "ErrorMessage", NULL, 0, r->error_message);
    if (user) /* the two schemas order RedirectTarget differently */
        write_redirect_target(w, r->redirect_target);
    const char *errs = user ? "UserSettingErrors" : "DomainSettingErrors";
    const char *err = user ? "UserSettingError" : "DomainSettingError";
    pox_w_open(w, errs, NULL, 0);
    for (size_t i = 0; i < r->nerrors; i++) {
        pox_w_open(w, err, NULL, 0);
        pox_w_leaf(w, "ErrorCode", NULL, 0, r->errors[i].error_code);
        pox_w_leaf(w, "ErrorMessage", NULL, 0, r->errors[i].error_message);
        pox_w_leaf(w, "SettingName", NULL, 0, r->errors[i].name);
        pox_w_close(w, err);
    }
    pox_w_close(w, errs);
    const char *sets = user ? "UserSettings" : "DomainSettings";
    pox_w_open(w, sets, NULL, 0);
    for (size_t i = 0; i < r->nsettings; i++)
        write_setting(w, user ? "UserSetting" : "DomainSetting", user, &r->settings[i]);
    pox_w_close(w, sets);
    if (!user)
        write_redirect_target(w, r->redirect_target);
    pox_w_close(w, elem);
}

static void write_header(struct pox_writer *w, const struct soap_response *resp, const char *op)
{
    char action[160];
    snprintf(action, sizeof action, "%s%sResponse", SOAP_ACTION_PREFIX, op);
    struct pox_attr must = {"s:mustUnderstand", "1"};
    const struct soap_server_version *v = &resp->server_version;
    pox_w_open(w, "s:Header", NULL, 0);
    pox_w_leaf(w, "a:Action", &must, 1, action);
    if (v->major_version) {
        const struct pox_attr ns[] = {{"xmlns:h", SOAP_NS_AUTODISCOVER}};
        pox_w_open(w, "h:ServerVersionInfo", ns, 1);
        pox_w_opt(w, "h:MajorVersion", v->major_version);
        pox_w_opt(w, "h:MinorVersion", v->minor_version);
        pox_w_opt(w, "h:MajorBuildNumber", v->major_build);
        pox_w_opt(w, "h:MinorBuildNumber", v->minor_build);
        pox_w_opt(w, "h:Version", v->version);
        pox_w_close(w, "h:ServerVersionInfo");
    }
    pox_w_close(w, "s:Header");
}

static const struct pox_attr envelope_ns[] = {
    {"xmlns:s", SOAP_NS_ENVELOPE}, {"xmlns:a", SOAP_NS_ADDRESSING}, {"xmlns:i", SOAP_NS_XSI}};

int soap_response_write(const struct soap_response *resp, struct adbuf *out)
{
    if (resp->is_fault) {
        const char *code = resp->fault_code ? resp->fault_code : "Server";
        const char *colon = strchr(code, ':');
        return soap_fault_write(colon ? colon + 1 : code, resp->fault_string, out);
    }
    const char *op = soap_op_name(resp->op);
    if (!op)
        return -1;
    bool user = resp->op == SOAP_OP_GET_USER_SETTINGS;
    char message[64];
    snprintf(message, sizeof message, "%sResponseMessage", op);
    struct pox_writer w;
    pox_w_begin(&w, out);
    pox_w_decl(&w);
    pox_w_open(&w, "s:Envelope", envelope_ns, 3);
    write_header(&w, resp, op);
    pox_w_open(&w, "s:Body", NULL, 0);
    struct pox_attr ns = {"xmlns", SOAP_NS_AUTODISCOVER};
    pox_w_open(&w, message, &ns, 1);
    pox_w_open(&w, "Response", NULL, 0);
    pox_w_leaf(&w, "ErrorCode", NULL, 0, resp->error_code ? resp->error_code : "NoError");
    pox_w_leaf(&w, "ErrorMessage", NULL, 0, resp->error_message);
    const char *list = user ? "UserResponses" : "DomainResponses";
    pox_w_open(&w, list, NULL, 0);
    for (size_t i = 0; i < resp->nresponses; i++)
        write_identity(&w, user, &resp->responses[i]);
    pox_w_close(&w, list);
    pox_w_close(&w, "Response");
    pox_w_close(&w, message);
    pox_w_close(&w, "s:Body");
    pox_w_close(&w, "s:Envelope");
    return pox_w_end(&w);
}

int soap_fault_write(const char *code, const char *message, struct adbuf *out)
{
    char qualified[64];
    snprintf(qualified, sizeof qualified, "s:%s", code ? code : "Server");
    struct pox_attr lang = {"xml:lang", "en-US"};
    struct pox_writer w;
    pox_w_begin(&w, out);
    pox_w_decl(&w);
    pox_w_open(&w, "s:Envelope", envelope_ns, 1);
    pox_w_open(&w, "s:Body", NULL, 0);
    pox_w_open(&w, "s:Fault", NULL, 0);
    pox_w_leaf(&w, "faultcode", NULL, 0, qualified);
    pox_w_leaf(&w, "faultstring", &lang, 1, message ? message : "");
    pox_w_close(&w, "s:Fault");
    pox_w_close(&w, "s:Body");
    pox_w_close(&w, "s:Envelope");
    return pox_w_end(&w);
}
