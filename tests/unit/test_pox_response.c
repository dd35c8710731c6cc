/*
 * Unit tests for lib/pox_response.c and the builders of lib/pox_util.c: every PROTOCOL.md
 * §2.2-2.4 shape, the lab's canned answer, lenient parsing, refusals, the exact bytes written,
 * error answers, and write/parse round trips of every fixture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pox.h"
#include "pox_compare.h"
#include "testutil.h"
#include "xmlsafe.h"

static enum pox_parse_error parse_fixture(const char *name, struct pox_response *resp)
{
    size_t len;
    char *buf = test_read_data(name, &len);
    enum pox_parse_error rc = pox_response_parse(buf, len, resp);
    free(buf);
    return rc;
}

static const struct pox_protocol *find_protocol(const struct pox_response *r, const char *type)
{
    for (size_t i = 0; i < r->nprotocols; i++)
        if (r->protocols[i].type && strcmp(r->protocols[i].type, type) == 0)
            return &r->protocols[i];
    return NULL;
}

/* Writes r, parses the result and checks it gives r back. */
static void check_round_trip(const struct pox_response *r)
{
    struct adbuf out;
    adbuf_init(&out, XMLSAFE_RESPONSE_MAX_BYTES);
    CHECK(pox_response_write(r, &out) == 0);
    struct pox_response back;
    CHECK(pox_response_parse(out.data, out.len, &back) == POX_PARSE_OK);
    CHECK(pox_response_equal(r, &back));
    pox_response_free(&back);
    adbuf_free(&out);
}

static void check_exch_expr(const struct pox_response *r)
{
    const struct pox_protocol *exch = find_protocol(r, "EXCH");
    CHECK(exch != NULL);
    if (exch) {
        CHECK(!exch->type_as_attr);
        CHECK_STR(pox_protocol_get(exch, "Server"), "MBX01.contoso.test");
        CHECK_STR(pox_protocol_get(exch, "ServerVersion"), "73C1840A");
        CHECK_STR(pox_protocol_get(exch, "EcpUrl-um"), "?path=/options/callanswering");
        CHECK_STR(pox_protocol_get(exch, "NetworkRequirements/IPv4Start"), "10.0.0.0");
        CHECK_STR(pox_protocol_get(exch, "NetworkRequirements/IPv6End"),
                  "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        CHECK_STR(pox_protocol_get(exch, "NetworkRequirements"), NULL); /* a container */
        CHECK_STR(pox_protocol_get(exch, "Type"), NULL); /* the type is not a field */
        CHECK(exch->nfields == 18);
        CHECK_STR(exch->fields[0].path, "Server");
        CHECK_STR(exch->fields[17].path, "NetworkRequirements/IPv6End");
    }
    const struct pox_protocol *expr = find_protocol(r, "EXPR");
    CHECK(expr != NULL);
    if (expr) {
        CHECK_STR(pox_protocol_get(expr, "EwsUrl"), "https://mail.contoso.test/EWS/Exchange.asmx");
        CHECK_STR(pox_protocol_get(expr, "AuthPackage"), "Ntlm");
        CHECK_STR(pox_protocol_get(expr, "SSL"), "On");
        CHECK_STR(pox_protocol_get(expr, "CertPrincipalName"), "msstd:mail.contoso.test");
        CHECK(expr->nfields == 9);
    }
}

static void check_web(const struct pox_response *r)
{
    const struct pox_protocol *web = find_protocol(r, "WEB");
    CHECK(web != NULL);
    if (!web)
        return;
    static const char *const paths[] = {
        "Internal/OWAUrl",          "Internal/OWAUrl", "Internal/Protocol/Type",
        "Internal/Protocol/ASUrl",  "External/OWAUrl", "External/Protocol/Type",
        "External/Protocol/ASUrl",
    };
    CHECK(web->nfields == 7);
    for (size_t i = 0; i < 7 && i < web->nfields; i++)
        CHECK_STR(web->fields[i].path, paths[i]);
    if (web->nfields < 7)
        return;
    /* Both OWAUrl, in order, each with its attribute. */
    CHECK_STR(web->fields[0].value, "https://mail.contoso.test/owa/");
    CHECK(web->fields[0].nattrs == 1);
    CHECK_STR(web->fields[0].attrs[0].name, "AuthenticationMethod");
    CHECK_STR(web->fields[0].attrs[0].value, "Basic, Fba");
    CHECK_STR(web->fields[1].value, "https://cas01.contoso.test/owa/");
    CHECK_STR(web->fields[1].attrs[0].value, "Ntlm, WindowsIntegrated");
    CHECK_STR(web->fields[2].value, "EXCH");
    CHECK(web->fields[2].nattrs == 0);
    CHECK_STR(web->fields[5].value, "EXPR");
    CHECK_STR(pox_protocol_get(web, "Internal/OWAUrl"), "https://mail.contoso.test/owa/");
    CHECK_STR(pox_protocol_get(web, "External/Protocol/ASUrl"),
              "https://mail.contoso.test/EWS/Exchange.asmx");
}

static void check_isp_and_mapi(const struct pox_response *r)
{
    const struct pox_protocol *imap = find_protocol(r, "IMAP");
    const struct pox_protocol *smtp = find_protocol(r, "SMTP");
    const struct pox_protocol *mapi = find_protocol(r, "mapiHttp");
    CHECK(imap && smtp && mapi);
    if (!imap || !smtp || !mapi)
        return;
    CHECK_STR(pox_protocol_get(imap, "Port"), "993");
    CHECK_STR(pox_protocol_get(imap, "SSL"), "on");
    CHECK_STR(pox_protocol_get(smtp, "Port"), "587");
    CHECK_STR(pox_protocol_get(smtp, "Encryption"), "TLS");
    CHECK(mapi->type_as_attr);
    CHECK_STR(mapi->version, "1");
    CHECK(mapi->nfields == 4);
    CHECK_STR(pox_protocol_get(mapi, "MailStore/InternalUrl"),
              "https://mail.contoso.test/mapi/emsmdb/?MailboxId=8f2e1c5a@contoso.test");
    CHECK_STR(pox_protocol_get(mapi, "AddressBook/ExternalUrl"),
              "https://mail.contoso.test/mapi/nspi/?MailboxId=8f2e1c5a@contoso.test");
}

static void test_settings(void)
{
    struct pox_response r;
    CHECK(parse_fixture("pox/response-settings.xml", &r) == POX_PARSE_OK);
    CHECK(!r.is_error);
    CHECK(r.has_user);
    CHECK_STR(r.user.display_name, "Bob Kelly");
    CHECK_STR(r.user.smtp_address, "bob@contoso.test");
    CHECK_STR(r.user.deployment_id, "644560b8-a1ce-429c-8ace-23395843f701");
    CHECK_STR(r.user.legacy_dn, "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"
                                "/cn=Recipients/cn=bob");
    CHECK(r.has_account);
    CHECK_STR(r.account_type, "email");
    CHECK(r.action == POX_ACTION_SETTINGS);
    CHECK_STR(r.microsoft_online, "False");
    CHECK_STR(r.redirect_addr, NULL);
    CHECK_STR(r.redirect_url, NULL);
    CHECK_STR(r.public_folder_smtp, "pf-mailbox@contoso.test");
    CHECK(!r.has_account_error);
    CHECK(r.nprotocols == 6);
    static const char *const order[] = {"EXCH", "EXPR", "WEB", "IMAP", "SMTP", "mapiHttp"};
    for (size_t i = 0; i < 6 && i < r.nprotocols; i++)
        CHECK_STR(r.protocols[i].type, order[i]);
    check_exch_expr(&r);
    check_web(&r);
    check_isp_and_mapi(&r);
    check_round_trip(&r);

    /* Written back byte for byte (the fixture is in the writer's own layout). */
    size_t len;
    char *want = test_read_data("pox/response-settings.xml", &len);
    struct adbuf out;
    adbuf_init(&out, XMLSAFE_RESPONSE_MAX_BYTES);
    CHECK(pox_response_write(&r, &out) == 0);
    CHECK_STR(out.data, want);
    adbuf_free(&out);
    free(want);
    pox_response_free(&r);
    CHECK(r.protocols == NULL && r.nprotocols == 0 && r.user.display_name == NULL);
}

static void test_lab_canned(void)
{
    struct pox_response r;
    CHECK(parse_fixture("pox/response-lab-canned.xml", &r) == POX_PARSE_OK);
    CHECK_STR(r.user.display_name, "Lab User");
    CHECK_STR(r.user.smtp_address, "alice@contoso.test");
    CHECK_STR(r.user.legacy_dn, NULL);
    CHECK(r.action == POX_ACTION_SETTINGS);
    CHECK(r.nprotocols == 1);
    if (r.nprotocols == 1) {
        const struct pox_protocol *p = &r.protocols[0];
        CHECK_STR(p->type, "EXPR");
        CHECK(p->nfields == 4);
        CHECK_STR(pox_protocol_get(p, "EwsUrl"), "https://mail.contoso.test/EWS/Exchange.asmx");
        CHECK_STR(pox_protocol_get(p, "AuthPackage"), "basic");
        CHECK_STR(pox_protocol_get(p, "ServerVersion"), "73C1840A");
        CHECK_STR(pox_protocol_get(p, "Missing"), NULL);
    }
    check_round_trip(&r);
    pox_response_free(&r);
}

static void test_redirects(void)
{
    struct pox_response r;
    CHECK(parse_fixture("pox/response-redirect-addr.xml", &r) == POX_PARSE_OK);
    CHECK(!r.has_user && r.has_account);
    CHECK(r.action == POX_ACTION_REDIRECT_ADDR);
    CHECK_STR(r.redirect_addr, "alice@contoso.mail.onmicrosoft.test");
    CHECK(r.nprotocols == 0);
    check_round_trip(&r);
    pox_response_free(&r);

    CHECK(parse_fixture("pox/response-redirect-url.xml", &r) == POX_PARSE_OK);
    CHECK(r.action == POX_ACTION_REDIRECT_URL);
    CHECK_STR(r.redirect_url, "https://pod51049.outlook.test/autodiscover/autodiscover.xml");
    check_round_trip(&r);
    pox_response_free(&r);

    /* The RedirectURL spelling is read into the same field and written as RedirectUrl. */
    CHECK(parse_fixture("pox/response-redirect-URL.xml", &r) == POX_PARSE_OK);
    CHECK(r.action == POX_ACTION_REDIRECT_URL);
    CHECK_STR(r.redirect_url, "https://pod51050.outlook.test/autodiscover/autodiscover.xml");
    struct adbuf out;
    adbuf_init(&out, 65536);
    CHECK(pox_response_write(&r, &out) == 0);
    CHECK(strstr(out.data, "<RedirectUrl>https://pod51050.outlook.test/") != NULL);
    CHECK(strstr(out.data, "RedirectURL") == NULL);
    adbuf_free(&out);
    pox_response_free(&r);
}

static void test_errors(void)
{
    struct pox_response r;
    CHECK(parse_fixture("pox/response-error-600.xml", &r) == POX_PARSE_OK);
    CHECK(r.is_error);
    CHECK(r.error.code == 600);
    CHECK_STR(r.error.message, "Invalid Request");
    CHECK_STR(r.error.debug_data, "");
    CHECK_STR(r.error.time, "21:25:04.8897083");
    CHECK_STR(r.error.id, "4130155072");
    CHECK(!r.has_user && !r.has_account);
    struct adbuf out;
    adbuf_init(&out, 65536);
    CHECK(pox_response_write(&r, &out) == 0);
    CHECK_STR(out.data,
              "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
              "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/"
              "responseschema/2006\">\n"
              "  <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/"
              "responseschema/2006\">\n"
              "    <Error Time=\"21:25:04.8897083\" Id=\"4130155072\">\n"
              "      <ErrorCode>600</ErrorCode>\n"
              "      <Message>Invalid Request</Message>\n"
              "      <DebugData/>\n"
              "    </Error>\n"
              "  </Response>\n"
              "</Autodiscover>\n");
    adbuf_free(&out);
    check_round_trip(&r);
    pox_response_free(&r);

    CHECK(parse_fixture("pox/response-account-error.xml", &r) == POX_PARSE_OK);
    CHECK(!r.is_error && r.has_account && r.has_account_error);
    CHECK(r.account_error.code == 602);
    CHECK_STR(r.account_error.debug_data, "no server for mailbox database");
    CHECK_STR(r.account_error.time, "08:01:02.0000001");
    CHECK_STR(r.account_error.id, "12345");
    check_round_trip(&r);
    pox_response_free(&r);
}

/* Time looks like "21:25:04.8897083". */
static int time_shape_ok(const char *t)
{
    static const char shape[] = "dd:dd:dd.ddddddd";
    if (!t || strlen(t) != sizeof shape - 1)
        return 0;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
            return 0;
    return 1;
}

static void test_set_error(void)
{
    static const struct {
        int code;
        const char *msg;
    } std[] = {
        {500, "The e-mail address cannot be found."},
        {501, "No configuration settings are available for this e-mail address."},
        {600, "Invalid Request"},
        {601, "Provider is not available"},
        {602, "The configuration for this e-mail address is invalid."},
        {603, "Internal server error"},
    };
    for (size_t i = 0; i < sizeof std / sizeof std[0]; i++)
        CHECK_STR(pox_error_message(std[i].code), std[i].msg);
    CHECK_STR(pox_error_message(42), "Unknown error");

    struct pox_response r = {0};
    CHECK(pox_response_set_error(&r, POX_ERR_UNKNOWN_ADDRESS, NULL) == 0);
    CHECK(r.is_error && r.error.code == 500);
    CHECK_STR(r.error.message, "The e-mail address cannot be found.");
    CHECK_STR(r.error.debug_data, "");
    CHECK(time_shape_ok(r.error.time));
    CHECK(r.error.id && *r.error.id && strspn(r.error.id, "0123456789") == strlen(r.error.id));
    char *first_id = strdup(r.error.id);
    /* Setting again replaces (no leak under ASan) and gives another Id. */
    CHECK(pox_response_set_error(&r, POX_ERR_INVALID_REQUEST, "bad <xml>") == 0);
    CHECK(r.error.code == 600);
    CHECK_STR(r.error.debug_data, "bad <xml>");
    CHECK(strcmp(first_id, r.error.id) != 0);
    free(first_id);
    check_round_trip(&r);
    struct adbuf out;
    adbuf_init(&out, 65536);
    CHECK(pox_response_write(&r, &out) == 0);
    CHECK(strstr(out.data, "<DebugData>bad &lt;xml&gt;</DebugData>") != NULL);
    CHECK(strstr(out.data, "responseschema/2006a") == NULL);
    adbuf_free(&out);
    pox_response_free(&r);
}

static void test_lenient(void)
{
    struct pox_response r;
    CHECK(parse_fixture("pox/response-lenient.xml", &r) == POX_PARSE_OK);
    CHECK_STR(r.user.display_name, "Carol   Smith"); /* trimmed, inner spaces kept */
    CHECK(r.action == POX_ACTION_SETTINGS);
    CHECK(r.nprotocols == 1);
    if (r.nprotocols == 1) {
        const struct pox_protocol *p = &r.protocols[0];
        CHECK_STR(p->type, "EXPR");
        CHECK(p->nfields == 4);
        CHECK_STR(pox_protocol_get(p, "FutureThing"), "42");
        CHECK(p->nfields > 1 && p->fields[1].nattrs == 1);
        if (p->nfields > 1 && p->fields[1].nattrs == 1) {
            CHECK_STR(p->fields[1].attrs[0].name, "enabled");
            CHECK_STR(p->fields[1].attrs[0].value, "yes");
        }
        CHECK_STR(pox_protocol_get(p, "Empty"), "");
        CHECK_STR(pox_protocol_get(p, "Prefixed"), "p");
    }
    check_round_trip(&r);
    pox_response_free(&r);

    /* Action in another case; an unknown Action is none; many elements are fine here. */
    static const char odd[] =
        "<Autodiscover xmlns='" POX_NS_RESPONSE "'><Response xmlns='" POX_NS_OUTLOOK_RESPONSE
        "'><Account><Action>RedirectADDR</Action><RedirectAddr> x@y.test </RedirectAddr>"
        "</Account></Response></Autodiscover>";
    CHECK(pox_response_parse(odd, sizeof odd - 1, &r) == POX_PARSE_OK);
    CHECK(r.action == POX_ACTION_REDIRECT_ADDR);
    CHECK_STR(r.redirect_addr, "x@y.test");
    pox_response_free(&r);
    static const char unknown[] =
        "<Autodiscover xmlns='" POX_NS_RESPONSE "'><Response xmlns='" POX_NS_OUTLOOK_RESPONSE
        "'><Account><Action>teleport</Action></Account></Response></Autodiscover>";
    CHECK(pox_response_parse(unknown, sizeof unknown - 1, &r) == POX_PARSE_OK);
    CHECK(r.has_account && r.action == POX_ACTION_NONE);
    pox_response_free(&r);

    CHECK(parse_fixture("pox/response-2000-elements.xml", &r) == POX_PARSE_OK);
    CHECK(r.nprotocols == 1 && r.protocols[0].nfields == 1995);
    if (r.nprotocols == 1 && r.protocols[0].nfields == 1995)
        CHECK_STR(pox_protocol_get(&r.protocols[0], "F1994"), "v1994");
    check_round_trip(&r);
    pox_response_free(&r);
}

static void test_refused(void)
{
    static const struct {
        const char *file;
        enum pox_parse_error want;
    } cases[] = {
        {"pox/response-truncated.xml", POX_PARSE_XML},
        {"pox/response-wrong-root.xml", POX_PARSE_SCHEMA},
        {"pox/response-wrong-ns.xml", POX_PARSE_SCHEMA},
        {"pox/response-request-root-ns.xml", POX_PARSE_SCHEMA},
        {"pox/request.xml", POX_PARSE_SCHEMA},
        {"pox/response-deep-40.xml", POX_PARSE_XML},
        {"pox/dtd-external-subset.xml", POX_PARSE_XML},
        {"pox/dtd-billion-laughs.xml", POX_PARSE_XML},
        {"pox/dtd-xxe.xml", POX_PARSE_XML},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pox_response r;
        memset(&r, 0x5a, sizeof r);
        enum pox_parse_error rc = parse_fixture(cases[i].file, &r);
        CHECK(rc == cases[i].want);
        if (rc != cases[i].want)
            fprintf(stderr, "  %s: got %d, want %d\n", cases[i].file, rc, cases[i].want);
        CHECK(r.nprotocols == 0 && r.protocols == NULL && !r.has_user && !r.is_error);
    }
    /* Over the 1 MiB cap: refused before parsing, whatever the content. */
    size_t big = XMLSAFE_RESPONSE_MAX_BYTES + 1;
    char *buf = malloc(big);
    CHECK(buf != NULL);
    if (buf) {
        memset(buf, ' ', big);
        struct pox_response r;
        CHECK(pox_response_parse(buf, big, &r) == POX_PARSE_TOO_BIG);
        free(buf);
    }
}

static void test_builders(void)
{
    struct pox_response r = {0};
    r.has_user = true;
    r.user.display_name = strdup("Dave");
    r.account_type = strdup("email");
    r.action = POX_ACTION_SETTINGS;
    struct pox_protocol *p = pox_response_add_protocol(&r, "WEB");
    CHECK(p != NULL && r.has_account);
    if (!p)
        return;
    CHECK(pox_protocol_add_field(p, "External/OWAUrl", "https://a.test/owa/") == 0);
    CHECK(pox_protocol_add_field(p, "External/OWAUrl", "https://b.test/owa/") == 0);
    CHECK(pox_protocol_add_field(p, "External/Protocol/Type", "EXPR") == 0);
    CHECK(pox_protocol_add_field(p, "External/Protocol/ASUrl", "https://a.test/EWS/x") == 0);
    CHECK(pox_protocol_add_field(p, "TTL", "1") == 0);
    struct pox_protocol *m = pox_response_add_protocol(&r, "mapiHttp");
    CHECK(m != NULL);
    if (!m) {
        pox_response_free(&r);
        return;
    }
    m->type_as_attr = true;
    m->version = strdup("1");
    CHECK(pox_protocol_add_field(m, "MailStore/ExternalUrl", "https://a.test/mapi/emsmdb/") == 0);
    CHECK(pox_protocol_add_field(m, "AddressBook/ExternalUrl", "https://a.test/mapi/nspi/") ==
          0);
    CHECK_STR(pox_action_name(POX_ACTION_REDIRECT_URL), "redirectUrl");
    CHECK_STR(pox_action_name(POX_ACTION_NONE), "none");

    struct adbuf out;
    adbuf_init(&out, 65536);
    CHECK(pox_response_write(&r, &out) == 0);
    CHECK(strstr(out.data, "      <Protocol>\n"
                           "        <Type>WEB</Type>\n"
                           "        <External>\n"
                           "          <OWAUrl>https://a.test/owa/</OWAUrl>\n"
                           "          <OWAUrl>https://b.test/owa/</OWAUrl>\n"
                           "          <Protocol>\n"
                           "            <Type>EXPR</Type>\n"
                           "            <ASUrl>https://a.test/EWS/x</ASUrl>\n"
                           "          </Protocol>\n"
                           "        </External>\n"
                           "        <TTL>1</TTL>\n"
                           "      </Protocol>\n"
                           "      <Protocol Type=\"mapiHttp\" Version=\"1\">\n"
                           "        <MailStore>\n"
                           "          <ExternalUrl>https://a.test/mapi/emsmdb/</ExternalUrl>\n"
                           "        </MailStore>\n"
                           "        <AddressBook>\n") != NULL);
    CHECK(strstr(out.data, "xmlns=\"https") == NULL); /* never written */
    adbuf_free(&out);
    check_round_trip(&r);

    /* A path that would not be a well-formed element name makes writing fail cleanly. */
    CHECK(pox_protocol_add_field(&r.protocols[0], "Bad/<x>", "v") == 0); /* p moved */
    adbuf_init(&out, 65536);
    CHECK(pox_response_write(&r, &out) == -1);
    CHECK(out.len == 0);
    adbuf_free(&out);
    pox_response_free(&r);
}

int main(void)
{
    test_settings();
    test_lab_canned();
    test_redirects();
    test_errors();
    test_set_error();
    test_lenient();
    test_refused();
    test_builders();
    return test_done("pox_response");
}
