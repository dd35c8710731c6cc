/*
 * Unit tests for lib/mobilesync.c: the MS-ASCMD request and the three Action forms of the
 * response from tests/data/mobilesync/, the 600/601 error document, what is refused, and
 * write/parse round trips.
 */
#include <stdlib.h>
#include <string.h>

#include "mobilesync.h"
#include "testutil.h"

static enum pox_parse_error parse_req(const char *name, struct mobilesync_request *r)
{
    size_t len;
    char *buf = test_read_data(name, &len);
    enum pox_parse_error rc = mobilesync_request_parse(buf, len, r);
    free(buf);
    return rc;
}

static enum pox_parse_error parse_resp(const char *name, struct mobilesync_response *r)
{
    size_t len;
    char *buf = test_read_data(name, &len);
    enum pox_parse_error rc = mobilesync_response_parse(buf, len, r);
    free(buf);
    return rc;
}

static void test_requests(void)
{
    struct mobilesync_request r, back;
    CHECK(parse_req("mobilesync/request.xml", &r) == POX_PARSE_OK);
    CHECK_STR(r.email, "bob@contoso.test");
    CHECK_STR(r.response_schema, MOBILESYNC_NS_RESPONSE);
    CHECK(r.nrequests == 1);
    struct adbuf out;
    adbuf_init(&out, 65536);
    CHECK(mobilesync_request_write(&r, &out) == 0);
    CHECK(mobilesync_request_parse(out.data, out.len, &back) == POX_PARSE_OK);
    CHECK_STR(back.email, r.email);
    CHECK_STR(back.response_schema, r.response_schema);
    mobilesync_request_free(&back);
    mobilesync_request_free(&r);
    adbuf_free(&out);

    CHECK(parse_req("mobilesync/request-two.xml", &r) == POX_PARSE_OK);
    CHECK(r.nrequests == 2);
    CHECK_STR(r.email, "bob@contoso.test"); /* only the first is read */
    mobilesync_request_free(&r);
    /* An Outlook request is not a mobilesync one, and the reverse. */
    CHECK(parse_req("pox/request.xml", &r) == POX_PARSE_SCHEMA);
    CHECK(r.email == NULL);
    CHECK(mobilesync_request_parse("<Autodiscover", 13, &r) == POX_PARSE_XML);
}

static void test_responses(void)
{
    struct mobilesync_response r, back;
    CHECK(parse_resp("mobilesync/response-settings.xml", &r) == POX_PARSE_OK);
    CHECK(!r.is_error && r.action == MOBILESYNC_ACTION_SETTINGS);
    CHECK_STR(r.culture, "en:us");
    CHECK_STR(r.display_name, "Bob Example");
    CHECK_STR(r.email, "bob@contoso.test");
    CHECK(r.nservers == 2);
    if (r.nservers == 2) {
        CHECK_STR(r.servers[0].type, "MobileSync");
        CHECK_STR(r.servers[0].url, "https://mail.contoso.test/Microsoft-Server-ActiveSync");
        CHECK_STR(r.servers[1].type, "CertEnroll");
        CHECK_STR(r.servers[1].name, "");
        CHECK_STR(r.servers[1].server_data, "CertEnrollTemplate");
    }
    struct adbuf out;
    adbuf_init(&out, 65536);
    CHECK(mobilesync_response_write(&r, &out) == 0);
    CHECK(strstr(out.data, "<Response xmlns=\"" MOBILESYNC_NS_RESPONSE "\">") != NULL);
    CHECK(mobilesync_response_parse(out.data, out.len, &back) == POX_PARSE_OK);
    CHECK(back.nservers == 2 && back.action == MOBILESYNC_ACTION_SETTINGS);
    mobilesync_response_free(&back);
    mobilesync_response_free(&r);
    adbuf_free(&out);

    CHECK(parse_resp("mobilesync/response-redirect.xml", &r) == POX_PARSE_OK);
    CHECK(r.action == MOBILESYNC_ACTION_REDIRECT);
    CHECK_STR(r.redirect, "alice@contoso.mail.onmicrosoft.test");
    mobilesync_response_free(&r);

    CHECK(parse_resp("mobilesync/response-action-error.xml", &r) == POX_PARSE_OK);
    CHECK(r.action == MOBILESYNC_ACTION_ERROR);
    CHECK_STR(r.status, "2");
    CHECK_STR(r.message, "The e-mail address cannot be found.");
    adbuf_init(&out, 65536);
    CHECK(mobilesync_response_write(&r, &out) == 0);
    CHECK(strstr(out.data, "<Status>2</Status>") != NULL);
    adbuf_free(&out);
    mobilesync_response_free(&r);

    CHECK(parse_resp("mobilesync/response-error-601.xml", &r) == POX_PARSE_OK);
    CHECK(r.is_error && r.error.code == 601);
    CHECK_STR(r.error.id, "42");
    adbuf_init(&out, 65536);
    CHECK(mobilesync_response_write(&r, &out) == -1); /* the POX writer's job */
    adbuf_free(&out);
    mobilesync_response_free(&r);

    /* An Outlook settings answer is not a mobilesync one. */
    CHECK(parse_resp("pox/response-settings.xml", &r) == POX_PARSE_SCHEMA);
    CHECK(r.nservers == 0 && r.culture == NULL);
}

int main(void)
{
    test_requests();
    test_responses();
    return test_done("mobilesync");
}
