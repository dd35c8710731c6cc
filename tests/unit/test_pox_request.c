/*
 * Unit tests for lib/pox_request.c: the PROTOCOL.md §2.1 request and its variants, what is
 * refused and with which error, the exact bytes written, and write/parse round trips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pox.h"
#include "pox_compare.h"
#include "testutil.h"
#include "xmlsafe.h"

#define OUTLOOK_2006A "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

static enum pox_parse_error parse_fixture(const char *name, struct pox_request *req)
{
    size_t len;
    char *buf = test_read_data(name, &len);
    enum pox_parse_error rc = pox_request_parse(buf, len, req);
    free(buf);
    return rc;
}

static void test_protocol_example(void)
{
    struct pox_request req;
    CHECK(parse_fixture("pox/request.xml", &req) == POX_PARSE_OK);
    CHECK_STR(req.email, "alice@contoso.test");
    CHECK_STR(req.legacy_dn, NULL); /* only inside a comment */
    CHECK_STR(req.response_schema, OUTLOOK_2006A);
    pox_request_free(&req);
    CHECK(req.email == NULL && req.response_schema == NULL);
    pox_request_free(&req); /* twice is harmless */

    /* exchangelib's one-line body without an XML declaration (LAB.md §5). */
    CHECK(parse_fixture("pox/request-exchangelib.xml", &req) == POX_PARSE_OK);
    CHECK_STR(req.email, "alice@contoso.test");
    CHECK_STR(req.response_schema, OUTLOOK_2006A);
    pox_request_free(&req);
}

static void test_legacy_dn_and_lenient_forms(void)
{
    struct pox_request req;
    CHECK(parse_fixture("pox/request-legacydn.xml", &req) == POX_PARSE_OK);
    CHECK_STR(req.email, "bob@contoso.test");
    CHECK_STR(req.legacy_dn, "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"
                             "/cn=Recipients/cn=bob");
    pox_request_free(&req);

    /* https:// namespace and schema; white space around the address. */
    CHECK(parse_fixture("pox/request-https-ns.xml", &req) == POX_PARSE_OK);
    CHECK_STR(req.email, "carol@fabrikam.test");
    CHECK_STR(req.response_schema, OUTLOOK_2006A); /* normalised to http:// */
    pox_request_free(&req);

    /* "<!" inside a comment, CDATA, attribute values: not a declaration. */
    CHECK(parse_fixture("pox/request-bang-in-comment.xml", &req) == POX_PARSE_OK);
    CHECK_STR(req.email, "dave@tailspin.test");
    CHECK_STR(req.legacy_dn, "/o=Tailspin/cn=dave");
    CHECK_STR(req.response_schema, NULL);
    pox_request_free(&req);

    /* First occurrence wins; unknown elements and other namespaces' schemas are kept as is. */
    static const char twice[] =
        "<Autodiscover xmlns='" POX_NS_REQUEST "'><Request><Unknown>x</Unknown>"
        "<EMailAddress>first@a.test</EMailAddress><EMailAddress>second@a.test</EMailAddress>"
        "<AcceptableResponseSchema>https://example.test/other</AcceptableResponseSchema>"
        "</Request></Autodiscover>";
    CHECK(pox_request_parse(twice, sizeof twice - 1, &req) == POX_PARSE_OK);
    CHECK_STR(req.email, "first@a.test");
    CHECK_STR(req.response_schema, "https://example.test/other");
    pox_request_free(&req);

    /* An empty Request is still a request: the server answers 600 itself. */
    static const char empty[] = "<Autodiscover xmlns='" POX_NS_REQUEST "'><Request/></Autodiscover>";
    CHECK(pox_request_parse(empty, sizeof empty - 1, &req) == POX_PARSE_OK);
    CHECK(req.email == NULL && req.legacy_dn == NULL && req.response_schema == NULL);
    pox_request_free(&req);
}

static void test_refused(void)
{
    static const struct {
        const char *file;
        enum pox_parse_error want;
    } cases[] = {
        {"pox/request-wrong-root.xml", POX_PARSE_SCHEMA},
        {"pox/request-wrong-ns.xml", POX_PARSE_SCHEMA}, /* mobilesync is another protocol */
        {"pox/request-no-request.xml", POX_PARSE_SCHEMA},
        {"pox/response-lab-canned.xml", POX_PARSE_SCHEMA},
        {"pox/request-truncated.xml", POX_PARSE_XML},
        {"pox/dtd-billion-laughs.xml", POX_PARSE_XML},
        {"pox/dtd-xxe.xml", POX_PARSE_XML},
        {"pox/dtd-after-comment.xml", POX_PARSE_XML},
        {"pox/request-deep-40.xml", POX_PARSE_XML},
        {"pox/request-2000-elements.xml", POX_PARSE_XML},
        {"pox/request-too-big.xml", POX_PARSE_TOO_BIG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pox_request req;
        memset(&req, 0xa5, sizeof req); /* garbage in: must come back zeroed */
        enum pox_parse_error rc = parse_fixture(cases[i].file, &req);
        CHECK(rc == cases[i].want);
        if (rc != cases[i].want)
            fprintf(stderr, "  %s: got %d, want %d\n", cases[i].file, rc, cases[i].want);
        CHECK(req.email == NULL && req.legacy_dn == NULL && req.response_schema == NULL);
    }
    struct pox_request req;
    CHECK(pox_request_parse("<Autodiscover/>", 15, &req) == POX_PARSE_SCHEMA);
    CHECK(pox_request_parse("not xml", 7, &req) == POX_PARSE_XML);
    CHECK(pox_request_parse("", 0, &req) == POX_PARSE_XML);
}

static void test_write_exact(void)
{
    struct pox_request req = {.email = "alice@contoso.test"};
    struct adbuf out;
    adbuf_init(&out, 4096);
    CHECK(pox_request_write(&req, &out) == 0);
    CHECK_STR(out.data,
              "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
              "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/"
              "requestschema/2006\">\n"
              "  <Request>\n"
              "    <EMailAddress>alice@contoso.test</EMailAddress>\n"
              "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/"
              "outlook/responseschema/2006a</AcceptableResponseSchema>\n"
              "  </Request>\n"
              "</Autodiscover>\n");

    /* Appends to what is there; escapes; LegacyDN after EMailAddress. */
    adbuf_reset(&out);
    adbuf_puts(&out, "X");
    struct pox_request odd = {.email = "a<b>&\"c\"@d.test", .legacy_dn = "/o=A&B",
                              .response_schema = "urn:x"};
    CHECK(pox_request_write(&odd, &out) == 0);
    CHECK(out.data[0] == 'X');
    CHECK(strstr(out.data, "<EMailAddress>a&lt;b&gt;&amp;\"c\"@d.test</EMailAddress>\n"
                           "    <LegacyDN>/o=A&amp;B</LegacyDN>\n"
                           "    <AcceptableResponseSchema>urn:x</AcceptableResponseSchema>") !=
          NULL);
    adbuf_free(&out);

    /* Too small a buffer: -1 and the buffer is left as it was. */
    adbuf_init(&out, 100);
    adbuf_puts(&out, "keep");
    CHECK(pox_request_write(&req, &out) == -1);
    CHECK_STR(out.data, "keep");
    CHECK(out.len == 4);
    adbuf_free(&out);
}

static void round_trip(const struct pox_request *req)
{
    struct adbuf out;
    adbuf_init(&out, XMLSAFE_REQUEST_MAX_BYTES);
    CHECK(pox_request_write(req, &out) == 0);
    struct pox_request back;
    CHECK(pox_request_parse(out.data, out.len, &back) == POX_PARSE_OK);
    CHECK(pox_request_equal(req, &back));
    pox_request_free(&back);
    adbuf_free(&out);
}

static void test_round_trip(void)
{
    struct pox_request req;
    CHECK(parse_fixture("pox/request-legacydn.xml", &req) == POX_PARSE_OK);
    round_trip(&req);
    pox_request_free(&req);
    struct pox_request tricky = {.email = "x\ty\rz\n<&>'\"@\xc3\xa9.test",
                                 .response_schema = OUTLOOK_2006A};
    round_trip(&tricky);
}

int main(void)
{
    test_protocol_example();
    test_legacy_dn_and_lenient_forms();
    test_refused();
    test_write_exact();
    test_round_trip();
    return test_done("pox_request");
}
