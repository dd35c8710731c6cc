/*
 * Unit tests for lib/soap.c and lib/soap_response.c: GetUserSettings / GetDomainSettings
 * requests and responses from tests/data/soap/, what is refused, the bytes that matter in
 * what is written (namespaces, i:nil, i:type, wsa:Action), and write/parse round trips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soap.h"
#include "testutil.h"

static enum pox_parse_error parse_request(const char *name, struct soap_request *req)
{
    size_t len;
    char *buf = test_read_data(name, &len);
    enum pox_parse_error rc = soap_request_parse(buf, len, req);
    free(buf);
    return rc;
}

static enum pox_parse_error parse_response(const char *name, struct soap_response *resp)
{
    size_t len;
    char *buf = test_read_data(name, &len);
    enum pox_parse_error rc = soap_response_parse(buf, len, resp);
    free(buf);
    return rc;
}

static void test_requests(void)
{
    struct soap_request req;
    CHECK(parse_request("soap/get-user-settings-request.xml", &req) == POX_PARSE_OK);
    CHECK(req.op == SOAP_OP_GET_USER_SETTINGS);
    CHECK_STR(req.requested_server_version, "Exchange2013");
    CHECK_STR(req.action, SOAP_ACTION_PREFIX "GetUserSettings");
    CHECK_STR(req.to, "https://autodiscover.contoso.test/autodiscover/autodiscover.svc");
    CHECK(req.nidentities == 2 && req.nsettings == 3);
    if (req.nidentities == 2 && req.nsettings == 3) {
        CHECK_STR(req.identities[1], "alice@contoso.test");
        CHECK_STR(req.settings[2], "NoSuchSetting");
    }
    /* Round trip. */
    struct adbuf out;
    adbuf_init(&out, 65536);
    CHECK(soap_request_write(&req, &out) == 0);
    struct soap_request back;
    CHECK(soap_request_parse(out.data, out.len, &back) == POX_PARSE_OK);
    CHECK(back.op == req.op && back.nidentities == 2 && back.nsettings == 3);
    CHECK_STR(back.action, req.action);
    CHECK_STR(back.to, req.to);
    soap_request_free(&back);
    soap_request_free(&req);
    adbuf_free(&out);

    CHECK(parse_request("soap/get-domain-settings-request.xml", &req) == POX_PARSE_OK);
    CHECK(req.op == SOAP_OP_GET_DOMAIN_SETTINGS);
    CHECK(req.nidentities == 1 && req.nsettings == 2);
    CHECK_STR(req.requested_version, "Exchange2010");
    if (req.nidentities == 1)
        CHECK_STR(req.identities[0], "contoso.test");
    soap_request_free(&req);

    /* A client's request: the default headers are written. */
    char *domains[] = {"contoso.test"}, *settings[] = {"ExternalEwsUrl"};
    struct soap_request mine = {.op = SOAP_OP_GET_DOMAIN_SETTINGS,
                                .identities = domains,
                                .nidentities = 1,
                                .settings = settings,
                                .nsettings = 1};
    adbuf_init(&out, 65536);
    CHECK(soap_request_write(&mine, &out) == 0);
    CHECK(strstr(out.data, "<wsa:Action>" SOAP_ACTION_PREFIX "GetDomainSettings</wsa:Action>"));
    CHECK(strstr(out.data, "xmlns:soap=\"" SOAP_NS_ENVELOPE "\""));
    CHECK(strstr(out.data, "<a:Domain>contoso.test</a:Domain>"));
    adbuf_free(&out);
    mine.op = SOAP_OP_NONE;
    adbuf_init(&out, 65536);
    CHECK(soap_request_write(&mine, &out) == -1);
    adbuf_free(&out);

    /* Refused: SOAP 1.2, another operation, a DTD, not XML, a POX request. */
    CHECK(parse_request("soap/soap12-envelope.xml", &req) == POX_PARSE_SCHEMA);
    CHECK(parse_request("soap/federation-request.xml", &req) == POX_PARSE_SCHEMA);
    CHECK(parse_request("soap/dtd.xml", &req) == POX_PARSE_XML);
    CHECK(soap_request_parse("<soap:Envelope", 14, &req) == POX_PARSE_XML);
    CHECK(parse_request("pox/request.xml", &req) == POX_PARSE_SCHEMA);
    CHECK(req.identities == NULL && req.action == NULL);
}

static void check_parsed_response(const struct soap_response *r)
{
    CHECK(!r->is_fault);
    CHECK(r->op == SOAP_OP_GET_USER_SETTINGS);
    CHECK_STR(r->error_code, "NoError");
    CHECK_STR(r->server_version.major_build, "2507");
    CHECK_STR(r->server_version.version, "Exchange2015");
    CHECK(r->nresponses == 2);
    if (r->nresponses != 2)
        return;
    const struct soap_identity_response *u = &r->responses[0];
    CHECK_STR(u->error_code, "NoError");
    CHECK_STR(u->redirect_target, NULL); /* i:nil */
    CHECK(u->nerrors == 1 && u->nsettings == 3);
    if (u->nerrors == 1) {
        CHECK_STR(u->errors[0].name, "NoSuchSetting");
        CHECK_STR(u->errors[0].error_code, "InvalidSetting");
    }
    const struct soap_setting *s = soap_identity_get(u, "UserDisplayName");
    CHECK(s && s->kind == SOAP_SETTING_STRING);
    CHECK_STR(s ? s->value : NULL, "Bob & Co");
    s = soap_identity_get(u, "ExternalWebClientUrls");
    CHECK(s && s->kind == SOAP_SETTING_WEB_CLIENT_URLS && s->nurls == 1);
    if (s && s->nurls == 1) {
        CHECK_STR(s->urls[0].authentication_methods, "Fba");
        CHECK_STR(s->urls[0].url, "https://mail.contoso.test/owa/");
    }
    s = soap_identity_get(u, "ExternalImap4Connections");
    CHECK(s && s->kind == SOAP_SETTING_CONNECTIONS && s->nconnections == 1);
    if (s && s->nconnections == 1) {
        CHECK_STR(s->connections[0].hostname, "imap.contoso.test");
        CHECK_STR(s->connections[0].port, "993");
        CHECK_STR(s->connections[0].encryption_method, "SSL");
    }
    CHECK(soap_identity_get(u, "Nope") == NULL);
    CHECK_STR(r->responses[1].error_code, "RedirectAddress");
    CHECK_STR(r->responses[1].redirect_target, "alice@contoso.mail.onmicrosoft.test");
}

static void test_responses(void)
{
    struct soap_response resp;
    CHECK(parse_response("soap/get-user-settings-response.xml", &resp) == POX_PARSE_OK);
    check_parsed_response(&resp);
    struct adbuf out;
    adbuf_init(&out, 1 << 20);
    CHECK(soap_response_write(&resp, &out) == 0);
    CHECK(strstr(out.data, "<RedirectTarget i:nil=\"true\"/>") != NULL);
    CHECK(strstr(out.data, "<UserSetting i:type=\"WebClientUrlCollectionSetting\">") != NULL);
    CHECK(strstr(out.data, "<a:Action s:mustUnderstand=\"1\">" SOAP_ACTION_PREFIX
                           "GetUserSettingsResponse</a:Action>") != NULL);
    CHECK(strstr(out.data, "<GetUserSettingsResponseMessage xmlns=\"" SOAP_NS_AUTODISCOVER "\">"));
    CHECK(strstr(out.data, "<Value>Bob &amp; Co</Value>") != NULL);
    struct soap_response back;
    CHECK(soap_response_parse(out.data, out.len, &back) == POX_PARSE_OK);
    check_parsed_response(&back);
    soap_response_free(&back);
    soap_response_free(&resp);
    adbuf_free(&out);

    /* A domain answer built with the builders. */
    struct soap_response d = {.op = SOAP_OP_GET_DOMAIN_SETTINGS};
    struct soap_identity_response *r = soap_response_add(&d, "NoError", "No error.");
    CHECK(r &&
          soap_identity_add_string(r, "ExternalEwsUrl", "https://x.test/EWS/Exchange.asmx") == 0);
    CHECK(soap_response_add(&d, "InvalidDomain", "Invalid domain.") != NULL);
    adbuf_init(&out, 65536);
    CHECK(soap_response_write(&d, &out) == 0);
    CHECK(strstr(out.data, "<DomainSetting i:type=\"DomainStringSetting\">") != NULL);
    CHECK(strstr(out.data, "<DomainResponses>") != NULL);
    CHECK(soap_response_parse(out.data, out.len, &back) == POX_PARSE_OK);
    CHECK(back.op == SOAP_OP_GET_DOMAIN_SETTINGS && back.nresponses == 2);
    if (back.nresponses == 2) {
        CHECK_STR(back.responses[1].error_code, "InvalidDomain");
        const struct soap_setting *s = soap_identity_get(&back.responses[0], "ExternalEwsUrl");
        CHECK_STR(s ? s->value : NULL, "https://x.test/EWS/Exchange.asmx");
    }
    soap_response_free(&back);
    soap_response_free(&d);
    adbuf_free(&out);

    /* Faults. */
    CHECK(parse_response("soap/fault.xml", &resp) == POX_PARSE_OK);
    CHECK(resp.is_fault);
    CHECK_STR(resp.fault_code, "a:ErrorInvalidServerVersion");
    CHECK_STR(resp.fault_string, "The server version is invalid.");
    soap_response_free(&resp);
    adbuf_init(&out, 65536);
    CHECK(soap_fault_write("Client", "bad <request>", &out) == 0);
    CHECK(strstr(out.data, "<faultcode>s:Client</faultcode>") != NULL);
    CHECK(soap_response_parse(out.data, out.len, &resp) == POX_PARSE_OK);
    CHECK(resp.is_fault);
    CHECK_STR(resp.fault_string, "bad <request>");
    soap_response_free(&resp);
    adbuf_free(&out);

    /* Not a response. */
    CHECK(parse_response("soap/get-user-settings-request.xml", &resp) == POX_PARSE_SCHEMA);
    CHECK(parse_response("soap/dtd.xml", &resp) == POX_PARSE_XML);
}

int main(void)
{
    test_requests();
    test_responses();
    return test_done("soap");
}
