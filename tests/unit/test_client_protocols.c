/*
 * The pure parts of the client's SOAP, mobilesync and v2 support: the .svc endpoint and the
 * capability URL of a candidate, the SOAP redirect path rule, the judging of SOAP and
 * mobilesync answers (settings, redirects, errors, faults), the settings in the result and
 * in the JSON report.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "client_mobilesync.h"
#include "client_soap.h"
#include "redirect.h"
#include "result.h"
#include "testutil.h"
#include "verdict.h"

static void test_endpoints(void)
{
    char *s = client_soap_endpoint("https://a.test/Autodiscover/Autodiscover.xml");
    CHECK_STR(s, "https://a.test/Autodiscover/autodiscover.svc");
    free(s);
    s = client_soap_endpoint("https://a.test/autodiscover/autodiscover.svc");
    CHECK_STR(s, "https://a.test/autodiscover/autodiscover.svc");
    free(s);
    s = client_soap_endpoint("https://a.test/autodiscover/x/autodiscover.xml?q=1");
    CHECK_STR(s, "https://a.test/autodiscover/x/autodiscover.svc?q=1");
    free(s);
    s = client_soap_probe_url("https://A.test:8443/autodiscover/bob/autodiscover.svc");
    CHECK_STR(s, "https://A.test:8443/autodiscover/autodiscover.xml"); /* host as given */
    free(s);
    s = client_soap_probe_url("https://a.test/x");
    CHECK_STR(s, "https://a.test/autodiscover/autodiscover.xml");
    free(s);
    CHECK(redirect_soap_url_problem("https://a.test/autodiscover/autodiscover.svc") == NULL);
    CHECK(redirect_soap_url_problem("https://a.test/Autodiscover/mbx/AutoDiscover.SVC") == NULL);
    CHECK(redirect_soap_url_problem("https://a.test/autodiscover/autodiscover.xml") == NULL);
    CHECK(redirect_soap_url_problem("https://a.test/ews/exchange.asmx") != NULL);
    CHECK(redirect_soap_url_problem("http://a.test/autodiscover/autodiscover.svc") != NULL);
    CHECK(redirect_url_problem("https://a.test/autodiscover/autodiscover.svc") != NULL);
}

static void test_soap_request(void)
{
    struct adbuf buf;
    adbuf_init(&buf, 65536);
    CHECK(client_soap_request("bob@contoso.test", "https://a.test/autodiscover/autodiscover.svc",
                              NULL, 0, &buf) == 0);
    struct soap_request req;
    CHECK(soap_request_parse(buf.data, buf.len, &req) == POX_PARSE_OK);
    CHECK(req.op == SOAP_OP_GET_USER_SETTINGS);
    CHECK_STR(req.requested_server_version, "Exchange2013");
    CHECK_STR(req.to, "https://a.test/autodiscover/autodiscover.svc");
    CHECK(req.nidentities == 1 && strcmp(req.identities[0], "bob@contoso.test") == 0);
    CHECK(req.nsettings == client_soap_default_count);
    soap_request_free(&req);
    adbuf_free(&buf);
}

/* Writes a GetUserSettings answer with one UserResponse and judges it. */
static void judge_written(struct soap_response *resp, long status, struct answer *a,
                          struct verdict *v)
{
    struct adbuf buf;
    adbuf_init(&buf, 65536);
    CHECK(soap_response_write(resp, &buf) == 0);
    soap_response_free(resp);
    memset(a, 0, sizeof *a);
    client_soap_judge(buf.data, buf.len, status, a, v);
    adbuf_free(&buf);
}

static void test_soap_answers(void)
{
    struct answer a;
    struct verdict v;
    struct soap_response r = {.op = SOAP_OP_GET_USER_SETTINGS};
    struct soap_identity_response *ur = soap_response_add(&r, "NoError", "");
    CHECK(ur && soap_identity_add_string(ur, "ExternalEwsUrl", "https://e.test/EWS") == 0);
    struct soap_setting *web =
        soap_identity_add_collection(ur, "ExternalWebClientUrls", SOAP_SETTING_WEB_CLIENT_URLS);
    CHECK(web && soap_setting_add_url(web, "Basic", "https://e.test/owa/") == 0);
    CHECK(soap_identity_add_error(ur, "Bogus", "InvalidSetting", "no such setting") == 0);
    CHECK(soap_identity_add_error(ur, "InternalUMUrl", "SettingIsNotAvailable", NULL) == 0);
    judge_written(&r, 200, &a, &v);
    CHECK(v.outcome == OUTCOME_SETTINGS && a.has_soap);

    struct ad_result *res = result_new("bob@contoso.test");
    CHECK(client_soap_to_result(res, &a.soap.responses[0]) == 0);
    answer_free(&a);
    CHECK_STR(ad_result_setting(res, "ExternalEwsUrl"), "https://e.test/EWS");
    CHECK_STR(ad_result_setting(res, "ExternalWebClientUrls"), "https://e.test/owa/ (Basic)");
    CHECK(ad_result_setting(res, "Nope") == NULL);
    CHECK(ad_result_setting_count(res) == 2);
    CHECK(ad_result_setting_error_count(res) == 2);
    const char *name = NULL, *code = NULL, *message = NULL;
    CHECK(ad_result_setting_error_at(res, 0, &name, &code, &message) == AD_OK);
    CHECK_STR(name, "Bogus");
    CHECK_STR(code, "InvalidSetting");
    CHECK_STR(message, "no such setting");
    CHECK(ad_result_setting_error_at(res, 2, &name, &code, &message) == AD_E_INVALID_ARGUMENT);
    char *text = ad_result_to_json(res);
    json_t *doc = json_loads(text ? text : "", 0, NULL);
    json_t *j = json_object_get(doc, "result");
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "settings"), "ExternalEwsUrl")),
              "https://e.test/EWS");
    CHECK_STR(json_string_value(json_object_get(
                  json_array_get(json_object_get(j, "setting_errors"), 1), "code")),
              "SettingIsNotAvailable");
    json_decref(doc);
    ad_free(text);
    ad_result_free(res);

    struct soap_response redirect = {.op = SOAP_OP_GET_USER_SETTINGS};
    ur = soap_response_add(&redirect, "RedirectAddress", "moved");
    CHECK(ur && soap_identity_set_redirect(ur, "bob@fabrikam.test") == 0);
    judge_written(&redirect, 200, &a, &v);
    CHECK(v.outcome == OUTCOME_REDIRECT && v.redirect == REDIRECT_ADDR);
    CHECK_STR(v.target, "bob@fabrikam.test");
    CHECK_STR(v.code, OUTLOOK_CODE_ADDR_REDIRECT);

    struct soap_response url = {.op = SOAP_OP_GET_USER_SETTINGS};
    ur = soap_response_add(&url, "RedirectUrl", NULL);
    CHECK(ur && soap_identity_set_redirect(ur, "https://b.test/autodiscover/autodiscover.svc") == 0);
    judge_written(&url, 200, &a, &v);
    CHECK(v.outcome == OUTCOME_REDIRECT && v.redirect == REDIRECT_URL);

    struct soap_response invalid = {.op = SOAP_OP_GET_USER_SETTINGS};
    CHECK(soap_response_add(&invalid, "InvalidUser", "who?") != NULL);
    judge_written(&invalid, 200, &a, &v);
    CHECK(v.outcome == OUTCOME_SERVER_ERROR && strstr(v.reason, "InvalidUser: who?"));

    struct soap_response whole = {.op = SOAP_OP_GET_USER_SETTINGS};
    CHECK(pox_set_str(&whole.error_code, "InvalidRequest") == 0);
    judge_written(&whole, 200, &a, &v);
    CHECK(v.outcome == OUTCOME_SERVER_ERROR && strstr(v.reason, "Response ErrorCode InvalidRequest"));

    struct adbuf buf;
    adbuf_init(&buf, 65536);
    CHECK(soap_fault_write("Client", "bad envelope", &buf) == 0);
    memset(&a, 0, sizeof a);
    client_soap_judge(buf.data, buf.len, 500, &a, &v);
    CHECK(v.outcome == OUTCOME_SERVER_ERROR && strstr(v.reason, "SOAP fault"));
    adbuf_free(&buf);
    memset(&a, 0, sizeof a);
    client_soap_judge("<html/>", 7, 200, &a, &v);
    CHECK(v.outcome == OUTCOME_BAD_ANSWER);
}

static void judge_eas(struct mobilesync_response *m, struct answer *a, struct verdict *v)
{
    struct adbuf buf;
    adbuf_init(&buf, 65536);
    CHECK(mobilesync_response_write(m, &buf) == 0);
    mobilesync_response_free(m);
    memset(a, 0, sizeof *a);
    client_mobilesync_judge(buf.data, buf.len, "200 OK but the body", a, v);
    adbuf_free(&buf);
}

static void test_mobilesync(void)
{
    struct answer a;
    struct verdict v;
    struct mobilesync_response m = {.action = MOBILESYNC_ACTION_SETTINGS};
    CHECK(pox_set_str(&m.display_name, "Bob") == 0 && pox_set_str(&m.email, "bob@c.test") == 0);
    CHECK(mobilesync_add_server(&m, "MobileSync", "https://m.test/Microsoft-Server-ActiveSync",
                                "https://m.test/Microsoft-Server-ActiveSync") == 0);
    judge_eas(&m, &a, &v);
    CHECK(v.outcome == OUTCOME_SETTINGS);
    CHECK(a.pox.nprotocols == 1);
    CHECK_STR(a.pox.protocols[0].type, "MobileSync");
    CHECK_STR(pox_protocol_get(&a.pox.protocols[0], "Url"),
              "https://m.test/Microsoft-Server-ActiveSync");
    CHECK_STR(a.pox.user.display_name, "Bob");
    CHECK_STR(a.pox.user.smtp_address, "bob@c.test");
    answer_free(&a);

    struct mobilesync_response r = {.action = MOBILESYNC_ACTION_REDIRECT};
    CHECK(pox_set_str(&r.redirect, "bob@fabrikam.test") == 0);
    judge_eas(&r, &a, &v);
    CHECK(v.outcome == OUTCOME_REDIRECT && v.redirect == REDIRECT_ADDR);
    CHECK_STR(v.target, "bob@fabrikam.test");

    struct mobilesync_response e = {.action = MOBILESYNC_ACTION_ERROR};
    CHECK(pox_set_str(&e.status, "2") == 0 && pox_set_str(&e.message, "no such user") == 0);
    judge_eas(&e, &a, &v);
    CHECK(v.outcome == OUTCOME_SERVER_ERROR && strstr(v.reason, "Action/Error Status 2"));

    memset(&a, 0, sizeof a);
    static const char outlook[] =
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">"
        "<Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">"
        "<Account><Action>settings</Action></Account></Response></Autodiscover>";
    client_mobilesync_judge(outlook, sizeof outlook - 1, "200 OK but the body", &a, &v);
    CHECK(v.outcome == OUTCOME_BAD_ANSWER && strstr(v.reason, "not a mobilesync answer"));
}

int main(void)
{
    test_endpoints();
    test_soap_request();
    test_soap_answers();
    test_mobilesync();
    return test_done("client_protocols");
}
