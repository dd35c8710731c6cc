/* client_soap: requests, endpoints and answers of SOAP Autodiscover for the client. */
#include "client_soap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "verdict.h"

#define XML_ENDPOINT "autodiscover.xml"
#define SVC_ENDPOINT "autodiscover.svc"

/* What a mail client needs to reach EWS and describe the mailbox (doc/libautodiscover.md). */
const char *const client_soap_default_settings[] = {
    "UserDisplayName",   "UserDN",           "AutoDiscoverSMTPAddress", "InternalEwsUrl",
    "ExternalEwsUrl",    "EwsSupportedSchemas", "CasVersion",           "ExternalMailboxServer",
    "InternalMailboxServer", "MapiHttpEnabled", "ExternalWebClientUrls",
};
const size_t client_soap_default_count =
    sizeof client_soap_default_settings / sizeof client_soap_default_settings[0];

int client_soap_request(const char *email, const char *endpoint, char *const *settings,
                        size_t nsettings, struct adbuf *out)
{
    char *identities[] = {(char *)email};
    struct soap_request req = {
        .op = SOAP_OP_GET_USER_SETTINGS,
        .requested_server_version = CLIENT_SOAP_SERVER_VERSION,
        .to = (char *)endpoint,
        .identities = identities,
        .nidentities = 1,
        .settings = nsettings ? (char **)settings : (char **)client_soap_default_settings,
        .nsettings = nsettings ? nsettings : client_soap_default_count,
    };
    adbuf_reset(out);
    return soap_request_write(&req, out);
}

/* Length of url without its query or fragment. */
static size_t path_end(const char *url)
{
    return strcspn(url, "?#");
}

static bool ends_with(const char *url, size_t len, const char *tail)
{
    size_t n = strlen(tail);
    return len >= n && strncasecmp(url + len - n, tail, n) == 0;
}

char *client_soap_endpoint(const char *url)
{
    size_t len = path_end(url);
    if (!ends_with(url, len, XML_ENDPOINT))
        return strdup(url);
    char *svc = NULL;
    size_t stem = len - strlen(XML_ENDPOINT);
    if (asprintf(&svc, "%.*s%s%s", (int)stem, url, SVC_ENDPOINT, url + len) < 0)
        return NULL;
    return svc;
}

char *client_soap_probe_url(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *probe = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        if (asprintf(&probe, "https://%s%s%s/autodiscover/" XML_ENDPOINT, host, port ? ":" : "",
                     port ? port : "") < 0)
            probe = NULL;
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return probe;
}

/* One entry per value: a string, each web client URL, each connection. */
static int add_setting(struct ad_result *r, const struct soap_setting *s)
{
    char line[1024];
    switch (s->kind) {
    case SOAP_SETTING_STRING:
        return result_add_setting(r, s->name, s->value ? s->value : "");
    case SOAP_SETTING_WEB_CLIENT_URLS:
        for (size_t i = 0; i < s->nurls; i++) {
            const struct soap_web_client_url *u = &s->urls[i];
            snprintf(line, sizeof line, "%s%s%s%s", u->url ? u->url : "",
                     u->authentication_methods ? " (" : "",
                     u->authentication_methods ? u->authentication_methods : "",
                     u->authentication_methods ? ")" : "");
            if (result_add_setting(r, s->name, line) < 0)
                return -1;
        }
        return 0;
    case SOAP_SETTING_CONNECTIONS:
        for (size_t i = 0; i < s->nconnections; i++) {
            const struct soap_connection *c = &s->connections[i];
            snprintf(line, sizeof line, "%s:%s %s", c->hostname ? c->hostname : "",
                     c->port ? c->port : "", c->encryption_method ? c->encryption_method : "");
            if (result_add_setting(r, s->name, line) < 0)
                return -1;
        }
        return 0;
    }
    return 0;
}

int client_soap_to_result(struct ad_result *r, const struct soap_identity_response *ur)
{
    for (size_t i = 0; i < ur->nsettings; i++)
        if (add_setting(r, &ur->settings[i]) < 0)
            return -1;
    for (size_t i = 0; i < ur->nerrors; i++) {
        const struct soap_setting_error *e = &ur->errors[i];
        if (result_add_setting_error(r, e->name, e->error_code, e->error_message) < 0)
            return -1;
    }
    return 0;
}

static const char *text_or(const char *s, const char *fallback)
{
    return s && *s ? s : fallback;
}

/* A UserResponse: NoError (settings), a redirect, or an error for this mailbox. */
static void judge_user_response(const struct soap_identity_response *ur, struct verdict *v)
{
    const char *code = text_or(ur->error_code, "NoError");
    if (strcmp(code, "NoError") == 0) {
        verdict_set(v, OUTCOME_SETTINGS, OUTLOOK_CODE_NONE, "settings (%zu, %zu refused)",
                    ur->nsettings, ur->nerrors);
    } else if (strcmp(code, "RedirectAddress") == 0) {
        verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_ADDR_REDIRECT, "RedirectAddress to %s",
                    text_or(ur->redirect_target, "(none)"));
        verdict_set_target(v, REDIRECT_ADDR, ur->redirect_target);
    } else if (strcmp(code, "RedirectUrl") == 0) {
        verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_URL_REDIRECT, "RedirectUrl to %s",
                    text_or(ur->redirect_target, "(none)"));
        verdict_set_target(v, REDIRECT_URL, ur->redirect_target);
    } else {
        verdict_set(v, OUTCOME_SERVER_ERROR, OUTLOOK_CODE_NONE, "UserResponse ErrorCode %s: %s",
                    code, text_or(ur->error_message, "(no message)"));
    }
}

void client_soap_judge(const char *body, size_t len, long status, struct answer *answer,
                       struct verdict *v)
{
    struct soap_response *s = &answer->soap;
    enum pox_parse_error pe = soap_response_parse(body, len, s);
    if (pe == POX_PARSE_NOMEM) {
        verdict_set(v, OUTCOME_INTERNAL, OUTLOOK_CODE_NONE, "out of memory");
        return;
    }
    answer->has_soap = true;
    if (pe != POX_PARSE_OK)
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE,
                    "HTTP %ld but the body is not a SOAP Autodiscover answer", status);
    else if (s->is_fault)
        verdict_set(v, OUTCOME_SERVER_ERROR, OUTLOOK_CODE_NONE, "HTTP %ld: SOAP fault %s: %s",
                    status, text_or(s->fault_code, "(no code)"),
                    text_or(s->fault_string, "(no text)"));
    else if (status != 200)
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE, "HTTP %ld without a SOAP fault",
                    status);
    else if (s->error_code && strcmp(s->error_code, "NoError") != 0)
        verdict_set(v, OUTCOME_SERVER_ERROR, OUTLOOK_CODE_NONE, "Response ErrorCode %s: %s",
                    s->error_code, text_or(s->error_message, "(no message)"));
    else if (s->op != SOAP_OP_GET_USER_SETTINGS || s->nresponses == 0)
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE,
                    "200 OK but the body holds no UserResponse");
    else
        judge_user_response(&s->responses[0], v);
    if (v->outcome != OUTCOME_SETTINGS)
        answer_free(answer);
}
