/* result.c and report.c: the journey record, its accessors and its JSON shape. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"
#include "testutil.h"

#define PASSWORD "pa55-w0rd-never-shown"
#define ROOT_URL "https://contoso.test/autodiscover/autodiscover.xml"
#define AD_URL "https://autodiscover.contoso.test/autodiscover/autodiscover.xml"

static void build_answer(struct pox_response *answer)
{
    memset(answer, 0, sizeof *answer);
    answer->has_user = true;
    answer->user.display_name = strdup("Bob Example");
    answer->user.smtp_address = strdup("bob@contoso.test");
    answer->has_account = true;
    answer->action = POX_ACTION_SETTINGS;
    struct pox_protocol *expr = pox_response_add_protocol(answer, "EXPR");
    CHECK(expr != NULL);
    CHECK(pox_protocol_add_field(expr, "EwsUrl", "https://mail.contoso.test/EWS/Exchange.asmx") ==
          0);
    struct pox_protocol *web = pox_response_add_protocol(answer, "WEB");
    CHECK(web != NULL);
    CHECK(pox_protocol_add_field(web, "Internal/OWAUrl", "https://mail.contoso.test/owa/") == 0);
    CHECK(pox_protocol_add_field(web, "Internal/OWAUrl", "https://mail.contoso.test/owa2/") == 0);
}

/* The journey of DESIGN.md §1 journey 2: root fails, autodiscover. answers after a 401. */
static struct ad_result *build_result(void)
{
    struct ad_result *r = result_new("bob@contoso.test");
    CHECK(r != NULL);
    CHECK(result_add_step(r, "root", ROOT_URL, 0, OUTLOOK_CODE_UNREACHABLE, 3, STEP_AUTH_NONE,
                          STEP_NEXT_CANDIDATE, "could not connect: Connection refused") == 0);
    CHECK(result_add_step(r, "autodiscover", AD_URL, 401, OUTLOOK_CODE_NONE, 4, STEP_AUTH_NONE,
                          STEP_RETRY_WITH_CREDENTIALS,
                          "401 Unauthorized: retrying with credentials") == 0);
    CHECK(result_add_step(r, "autodiscover", AD_URL, 200, OUTLOOK_CODE_NONE, 5, STEP_AUTH_BASIC,
                          STEP_SUCCESS, "settings") == 0);
    struct pox_response answer;
    build_answer(&answer);
    CHECK(result_set_answer(r, AD_URL, "autodiscover", &answer) == 0);
    CHECK(answer.protocols == NULL); /* moved */
    CHECK(result_set_outcome(r, AD_OK, "settings from %s", AD_URL) == 0);
    return r;
}

static void test_accessors(const struct ad_result *r)
{
    CHECK(ad_result_code(r) == AD_OK);
    CHECK_STR(ad_result_url(r), AD_URL);
    CHECK_STR(ad_result_method(r), "autodiscover");
    CHECK_STR(ad_result_action(r), "settings");
    CHECK_STR(ad_result_user(r, "DisplayName"), "Bob Example");
    CHECK(ad_result_user(r, "Nope") == NULL);
    CHECK(ad_result_protocol_count(r) == 2);
    CHECK_STR(ad_result_protocol_type(r, 0), "EXPR");
    CHECK_STR(ad_result_protocol_get(r, 0, "EwsUrl"),
              "https://mail.contoso.test/EWS/Exchange.asmx");
    CHECK(ad_result_protocol_type(r, 2) == NULL);
    CHECK(ad_result_step_count(r) == 3);
    CHECK_STR(ad_result_step_decision(r, 1), "retry-with-credentials");
    CHECK_STR(ad_result_step_auth(r, 2), "basic");
    CHECK_STR(ad_result_step_code(r, 0), "0x800C8203");
    CHECK(ad_result_step_status(r, 1) == 401);
    CHECK(ad_result_step_method(r, 3) == NULL);
    CHECK(ad_result_step_count(NULL) == 0);
    CHECK_STR(ad_code_name(AD_E_SERVER_ERROR), "AD_E_SERVER_ERROR");
}

static void check_step(json_t *step, const char *method, const char *url, int status,
                       const char *code, const char *auth, const char *decision)
{
    /* 8 original fields plus email, hop, redirected_from (additive). */
    CHECK(json_is_object(step) && json_object_size(step) == 11);
    CHECK(json_is_integer(json_object_get(step, "hop")));
    CHECK(json_object_get(step, "query") == NULL); /* only DNS steps have one */
    CHECK_STR(json_string_value(json_object_get(step, "method")), method);
    CHECK_STR(json_string_value(json_object_get(step, "url")), url);
    CHECK(json_integer_value(json_object_get(step, "status")) == status);
    CHECK_STR(json_string_value(json_object_get(step, "code")), code);
    CHECK(json_is_integer(json_object_get(step, "elapsed_ms")));
    CHECK_STR(json_string_value(json_object_get(step, "auth")), auth);
    CHECK_STR(json_string_value(json_object_get(step, "decision")), decision);
    CHECK(json_is_string(json_object_get(step, "reason")));
}

static void test_json_shape(const struct ad_result *r)
{
    char *text = ad_result_to_json(r);
    CHECK(text != NULL);
    json_error_t err;
    json_t *doc = json_loads(text ? text : "", 0, &err);
    CHECK(json_is_object(doc) && json_object_size(doc) == 2);
    json_t *res = json_object_get(doc, "result");
    /* + from_cache, redirects; + protocol, settings, setting_errors; + warnings */
    CHECK(json_is_object(res) && json_object_size(res) == 15);
    CHECK(json_array_size(json_object_get(res, "warnings")) == 0);
    CHECK_STR(json_string_value(json_object_get(res, "protocol")), "pox");
    CHECK(json_object_size(json_object_get(res, "settings")) == 0);
    CHECK(json_array_size(json_object_get(res, "setting_errors")) == 0);
    CHECK(json_is_false(json_object_get(res, "from_cache")));
    CHECK(json_integer_value(json_object_get(res, "redirects")) == 0);
    CHECK(json_is_true(json_object_get(res, "ok")));
    CHECK_STR(json_string_value(json_object_get(res, "code")), "AD_OK");
    CHECK_STR(json_string_value(json_object_get(res, "reason")), "settings from " AD_URL);
    CHECK_STR(json_string_value(json_object_get(res, "email")), "bob@contoso.test");
    CHECK_STR(json_string_value(json_object_get(res, "url")), AD_URL);
    CHECK_STR(json_string_value(json_object_get(res, "method")), "autodiscover");
    CHECK_STR(json_string_value(json_object_get(res, "action")), "settings");
    json_t *user = json_object_get(res, "user");
    CHECK_STR(json_string_value(json_object_get(user, "DisplayName")), "Bob Example");
    CHECK(json_is_null(json_object_get(user, "LegacyDN")));
    json_t *protocols = json_object_get(res, "protocols");
    CHECK(json_array_size(protocols) == 2);
    json_t *expr = json_array_get(protocols, 0);
    CHECK_STR(json_string_value(json_object_get(expr, "Type")), "EXPR");
    CHECK_STR(json_string_value(json_object_get(expr, "EwsUrl")),
              "https://mail.contoso.test/EWS/Exchange.asmx");
    /* A repeated path becomes an array in document order. */
    json_t *owa = json_object_get(json_array_get(protocols, 1), "Internal/OWAUrl");
    CHECK(json_array_size(owa) == 2);
    CHECK_STR(json_string_value(json_array_get(owa, 1)), "https://mail.contoso.test/owa2/");

    json_t *steps = json_object_get(doc, "steps");
    CHECK(json_array_size(steps) == 3);
    check_step(json_array_get(steps, 0), "root", ROOT_URL, 0, "0x800C8203", "none",
               "next-candidate");
    check_step(json_array_get(steps, 1), "autodiscover", AD_URL, 401, "", "none",
               "retry-with-credentials");
    check_step(json_array_get(steps, 2), "autodiscover", AD_URL, 200, "", "basic", "success");
    json_decref(doc);
    ad_free(text);
}

static void test_failure_shape(void)
{
    struct ad_result *r = result_new("x@test");
    CHECK(result_set_outcome(r, AD_E_NOT_FOUND, "test is a public suffix") == 0);
    char *text = ad_result_to_json(r);
    json_t *doc = json_loads(text ? text : "", 0, NULL);
    json_t *res = json_object_get(doc, "result");
    CHECK(json_is_false(json_object_get(res, "ok")));
    CHECK_STR(json_string_value(json_object_get(res, "code")), "AD_E_NOT_FOUND");
    CHECK(json_is_null(json_object_get(res, "url")));
    CHECK(json_is_null(json_object_get(res, "user")));
    CHECK(json_is_null(json_object_get(res, "action")));
    CHECK(json_array_size(json_object_get(res, "protocols")) == 0);
    CHECK(json_array_size(json_object_get(doc, "steps")) == 0);
    json_decref(doc);
    ad_free(text);
    ad_result_free(r);
}

/* A real discovery with a password, every candidate refused: the report never shows it. */
static void test_no_password_in_report(void)
{
    ad_client *c = ad_client_new();
    CHECK(c != NULL);
    CHECK(ad_client_set_credentials(c, "bob", PASSWORD) == AD_OK);
    CHECK(ad_client_set_credentials(c, "bo:b", PASSWORD) == AD_E_INVALID_ARGUMENT);
    CHECK(ad_client_add_connect_to(c, "::127.0.0.1:1") == AD_OK);
    CHECK(ad_client_add_connect_to(c, "nonsense") == AD_E_INVALID_ARGUMENT);
    CHECK(ad_client_set_timeout_ms(c, 0) == AD_E_INVALID_ARGUMENT);
    CHECK(ad_client_set_timeout_ms(c, 2000) == AD_OK);
    CHECK(ad_client_exclude(c, 1u << 20) == AD_E_INVALID_ARGUMENT);
    CHECK(ad_client_set_cacert(c, "/nonexistent/ca.pem") == AD_E_FILE);
    /* Steps 4-5 only: the probe and SRV would leave the loopback. */
    CHECK(ad_client_exclude(c, AD_METHOD_REDIRECT | AD_METHOD_SRV) == AD_OK);
    ad_result *r = NULL;
    CHECK(ad_discover(c, "bob@contoso.test", &r) == AD_E_NOT_FOUND);
    CHECK(ad_result_step_count(r) == 2);
    char *text = ad_result_to_json(r);
    CHECK(text != NULL && strstr(text, PASSWORD) == NULL);
    CHECK(text != NULL && strstr(text, "Authorization") == NULL);
    ad_free(text);
    ad_result_free(r);

    CHECK(ad_discover(c, "not an address", &r) == AD_E_BAD_ADDRESS);
    CHECK(r != NULL && ad_result_step_count(r) == 0);
    ad_result_free(r);
    CHECK(ad_discover(c, NULL, &r) == AD_E_INVALID_ARGUMENT && r == NULL);
    ad_client_free(c);
}

/* A DNS step: url null, query and answers present. */
static void test_dns_step_shape(void)
{
    struct ad_result *r = result_new("bob@contoso.test");
    CHECK(r != NULL);
    CHECK(result_add_step(r, "srv", NULL, 0, OUTLOOK_CODE_NONE, 2, STEP_AUTH_NONE,
                          STEP_NEXT_CANDIDATE, "1 target") == 0);
    struct result_step *s = result_last_step(r);
    CHECK(s && result_step_set_query(s, "_autodiscover._tcp.contoso.test SRV") == 0);
    CHECK(s && result_step_add_answer(s, "0 5 443 mail.hoster.test") == 0);
    CHECK(s && result_step_set_context(s, "bob@contoso.test", 0, NULL) == 0);
    CHECK(result_add_step(r, "srv", "https://mail.hoster.test/autodiscover/autodiscover.xml", 0,
                          OUTLOOK_CODE_NONE, 0, STEP_AUTH_NONE, STEP_REFUSED_CONSENT,
                          "consent refused") == 0);
    CHECK(result_step_set_context(result_last_step(r), "bob@contoso.test", 2,
                                  "https://a.test/autodiscover/autodiscover.xml") == 0);
    CHECK(ad_result_step_url(r, 0) == NULL);
    CHECK_STR(ad_result_step_query(r, 0), "_autodiscover._tcp.contoso.test SRV");
    CHECK_STR(ad_result_step_decision(r, 1), "refused-consent");
    CHECK(ad_result_step_hop(r, 1) == 2);
    CHECK_STR(ad_result_step_redirected_from(r, 1), "https://a.test/autodiscover/autodiscover.xml");
    char *text = ad_result_to_json(r);
    json_t *doc = json_loads(text ? text : "", 0, NULL);
    json_t *step = json_array_get(json_object_get(doc, "steps"), 0);
    CHECK(json_is_null(json_object_get(step, "url")));
    CHECK_STR(json_string_value(json_object_get(step, "query")),
              "_autodiscover._tcp.contoso.test SRV");
    CHECK_STR(json_string_value(json_array_get(json_object_get(step, "answers"), 0)),
              "0 5 443 mail.hoster.test");
    json_decref(doc);
    ad_free(text);
    CHECK_STR(step_decision_name(STEP_FOLLOW_REDIRECT), "follow-redirect");
    CHECK_STR(step_decision_name(STEP_RESTART_WITH_ADDRESS), "restart-with-address");
    CHECK_STR(step_decision_name(STEP_RETRY_AFTER_TIMEOUT), "retry-after-timeout");
    CHECK_STR(step_decision_name(STEP_CANCELLED), "cancelled");
    CHECK_STR(step_decision_name(STEP_HELD), "held");
    ad_result_free(r);
}

/* An https step's TLS outcome and the schemes a 401 offered: fields, accessors, JSON. */
static void test_tls_step_shape(void)
{
    struct ad_result *r = result_new("bob@contoso.test");
    CHECK(r != NULL);
    CHECK(result_add_step(r, "autodiscover", AD_URL, 401, OUTLOOK_CODE_NONE, 4, STEP_AUTH_NONE,
                          STEP_RETRY_WITH_CREDENTIALS, "401") == 0);
    char *names[] = {"autodiscover.contoso.test", "*.contoso.test"};
    struct http_response resp = {
        .status = 401,
        .tls = {.present = true, .verified = true, .version = "TLSv1.3",
                .cipher = "TLS_AES_256_GCM_SHA384", .subject = "CN = autodiscover.contoso.test",
                .issuer = "CN = Test CA", .not_before = "2026-01-01T00:00:00Z",
                .not_after = "2027-01-01T00:00:00Z", .names = names, .nnames = 2},
        .auth_offered = "Negotiate, Basic",
    };
    CHECK(result_step_set_http(result_last_step(r), &resp) == 0);
    /* A TLS failure: no session, the certificate seen and the error. */
    CHECK(result_add_step(r, "root", ROOT_URL, 0, OUTLOOK_CODE_UNREACHABLE, 2, STEP_AUTH_NONE,
                          STEP_NEXT_CANDIDATE, "TLS: certificate name does not match") == 0);
    struct http_response bad = {
        .tls = {.present = true, .subject = "CN = wrong.test",
                .error = "certificate name does not match contoso.test"}};
    CHECK(result_step_set_http(result_last_step(r), &bad) == 0);
    /* No TLS at all (connection refused): no "tls", no accessor answer. */
    CHECK(result_add_step(r, "root", ROOT_URL, 0, OUTLOOK_CODE_UNREACHABLE, 1, STEP_AUTH_NONE,
                          STEP_NEXT_CANDIDATE, "could not connect") == 0);
    struct http_response none = {0};
    CHECK(result_step_set_http(result_last_step(r), &none) == 0);

    CHECK_STR(ad_result_step_tls_field(r, 0, "verified"), "true");
    CHECK_STR(ad_result_step_tls_field(r, 0, "version"), "TLSv1.3");
    CHECK_STR(ad_result_step_tls_field(r, 0, "subject"), "CN = autodiscover.contoso.test");
    CHECK_STR(ad_result_step_tls_field(r, 0, "not_after"), "2027-01-01T00:00:00Z");
    CHECK(ad_result_step_tls_field(r, 0, "error") == NULL);
    CHECK(ad_result_step_tls_field(r, 0, "nope") == NULL);
    CHECK(ad_result_step_tls_name_count(r, 0) == 2);
    CHECK_STR(ad_result_step_tls_name(r, 0, 1), "*.contoso.test");
    CHECK(ad_result_step_tls_name(r, 0, 2) == NULL);
    CHECK_STR(ad_result_step_auth_offered(r, 0), "Negotiate, Basic");
    CHECK_STR(ad_result_step_tls_field(r, 1, "verified"), "false");
    CHECK_STR(ad_result_step_tls_field(r, 1, "error"),
              "certificate name does not match contoso.test");
    CHECK(ad_result_step_auth_offered(r, 1) == NULL);
    CHECK(ad_result_step_tls_field(r, 2, "verified") == NULL);
    CHECK(ad_result_step_tls_field(r, 9, "verified") == NULL);
    CHECK(ad_result_step_tls_field(NULL, 0, "verified") == NULL);

    char *text = ad_result_to_json(r);
    json_t *doc = json_loads(text ? text : "", 0, NULL);
    json_t *steps = json_object_get(doc, "steps");
    json_t *tls = json_object_get(json_array_get(steps, 0), "tls");
    CHECK(json_is_object(tls) && json_object_size(tls) == 9);
    CHECK(json_is_true(json_object_get(tls, "verified")));
    CHECK_STR(json_string_value(json_object_get(tls, "version")), "TLSv1.3");
    CHECK_STR(json_string_value(json_object_get(tls, "cipher")), "TLS_AES_256_GCM_SHA384");
    CHECK_STR(json_string_value(json_object_get(tls, "issuer")), "CN = Test CA");
    CHECK_STR(json_string_value(json_object_get(tls, "not_before")), "2026-01-01T00:00:00Z");
    CHECK(json_array_size(json_object_get(tls, "names")) == 2);
    CHECK_STR(json_string_value(json_array_get(json_object_get(tls, "names"), 0)),
              "autodiscover.contoso.test");
    CHECK(json_is_null(json_object_get(tls, "error")));
    json_t *offered = json_object_get(json_array_get(steps, 0), "auth_offered");
    CHECK(json_array_size(offered) == 2);
    CHECK_STR(json_string_value(json_array_get(offered, 0)), "Negotiate");
    CHECK_STR(json_string_value(json_array_get(offered, 1)), "Basic");
    tls = json_object_get(json_array_get(steps, 1), "tls");
    CHECK(json_is_false(json_object_get(tls, "verified")));
    CHECK(json_is_null(json_object_get(tls, "version")));
    CHECK(json_array_size(json_object_get(tls, "names")) == 0);
    CHECK_STR(json_string_value(json_object_get(tls, "error")),
              "certificate name does not match contoso.test");
    CHECK(json_object_get(json_array_get(steps, 1), "auth_offered") == NULL);
    CHECK(json_object_get(json_array_get(steps, 2), "tls") == NULL);
    json_decref(doc);
    ad_free(text);
    ad_result_free(r);
}

/* Warnings: kept in order, capped at RESULT_MAX_WARNINGS, listed in the report. */
static void test_warnings(void)
{
    struct ad_result *r = result_new("bob@contoso.test");
    CHECK(r != NULL);
    CHECK(ad_result_warning_count(r) == 0 && ad_result_warning(r, 0) == NULL);
    for (int i = 0; i < RESULT_MAX_WARNINGS + 3; i++)
        CHECK(result_add_warning(r, "cache not written: /c: %s %d", "No space", i) == 0);
    CHECK(ad_result_warning_count(r) == RESULT_MAX_WARNINGS);
    CHECK_STR(ad_result_warning(r, 1), "cache not written: /c: No space 1");
    CHECK(ad_result_warning(r, RESULT_MAX_WARNINGS) == NULL);
    CHECK(ad_result_warning_count(NULL) == 0 && ad_result_warning(NULL, 0) == NULL);
    char *text = ad_result_to_json(r);
    json_error_t err;
    json_t *doc = json_loads(text ? text : "", 0, &err);
    json_t *list = json_object_get(json_object_get(doc, "result"), "warnings");
    CHECK(json_array_size(list) == RESULT_MAX_WARNINGS);
    CHECK_STR(json_string_value(json_array_get(list, 0)), "cache not written: /c: No space 0");
    json_decref(doc);
    ad_free(text);
    ad_result_free(r);
}

int main(void)
{
    struct ad_result *r = build_result();
    test_accessors(r);
    test_json_shape(r);
    ad_result_free(r);
    test_failure_shape();
    test_no_password_in_report();
    test_dns_step_shape();
    test_tls_step_shape();
    test_warnings();
    return test_done("report");
}
