/*
 * Unit tests for common/xmlsafe.c: DTD refusal (and what must not be mistaken for one), the
 * byte, depth and element caps at their exact boundaries, malformed input, the tree helpers,
 * silence (nothing printed) and use from several threads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlerror.h>

#include "testutil.h"
#include "xmlsafe.h"

#define REQ_NS "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"

/* Parses s and returns the error (freeing any document); no CHECK, so usable in threads. */
static enum xmlsafe_error raw_err(const char *s, size_t len, const struct xmlsafe_limits *lim,
                                  int *consistent)
{
    enum xmlsafe_error err = XMLSAFE_NOMEM;
    xmlDoc *doc = xmlsafe_parse(s, len, lim, &err);
    if (doc)
        xmlFreeDoc(doc);
    *consistent = (doc != NULL) == (err == XMLSAFE_OK);
    return err;
}

static enum xmlsafe_error parse_err(const char *s, size_t len, const struct xmlsafe_limits *lim)
{
    int consistent;
    enum xmlsafe_error err = raw_err(s, len, lim, &consistent);
    CHECK(consistent);
    return err;
}

static enum xmlsafe_error parse_str(const char *s)
{
    return parse_err(s, strlen(s), &xmlsafe_request_limits);
}

static enum xmlsafe_error parse_fixture(const char *name, const struct xmlsafe_limits *lim)
{
    size_t len;
    char *buf = test_read_data(name, &len);
    enum xmlsafe_error err = parse_err(buf, len, lim);
    free(buf);
    return err;
}

static void test_dtd_refused(void)
{
    CHECK(parse_fixture("pox/dtd-billion-laughs.xml", &xmlsafe_request_limits) ==
          XMLSAFE_FORBIDDEN);
    CHECK(parse_fixture("pox/dtd-xxe.xml", &xmlsafe_request_limits) == XMLSAFE_FORBIDDEN);
    CHECK(parse_fixture("pox/dtd-external-subset.xml", &xmlsafe_response_limits) ==
          XMLSAFE_FORBIDDEN);
    CHECK(parse_fixture("pox/dtd-after-comment.xml", &xmlsafe_request_limits) ==
          XMLSAFE_FORBIDDEN);
    CHECK(parse_str("<!DOCTYPE a><a/>") == XMLSAFE_FORBIDDEN);
    CHECK(parse_str("<!doctype a><a/>") == XMLSAFE_FORBIDDEN);
    CHECK(parse_str("<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>") ==
          XMLSAFE_FORBIDDEN);
    /* Declarations anywhere, and anything that merely looks like a comment opener. */
    CHECK(parse_str("<a><!ENTITY e \"x\"></a>") == XMLSAFE_FORBIDDEN);
    CHECK(parse_str("<a><!-x--></a>") == XMLSAFE_FORBIDDEN);
    CHECK(parse_str("<a><![CDATA-[x]]></a>") == XMLSAFE_FORBIDDEN);
    CHECK(parse_str("<a/><!ELEMENT a ANY>") == XMLSAFE_FORBIDDEN);
    /* A comment closed early does not hide what follows it. */
    CHECK(parse_str("<!-- x --><!DOCTYPE a><a/>") == XMLSAFE_FORBIDDEN);
    CHECK(parse_str("<?pi <!-- ?><!DOCTYPE a><a/>") == XMLSAFE_FORBIDDEN);
}

static void test_bang_in_harmless_places_accepted(void)
{
    size_t len;
    char *buf = test_read_data("pox/request-bang-in-comment.xml", &len);
    enum xmlsafe_error err;
    xmlDoc *doc = xmlsafe_parse(buf, len, &xmlsafe_request_limits, &err);
    CHECK(err == XMLSAFE_OK);
    CHECK(doc != NULL);
    if (doc) {
        xmlNode *root = xmlDocGetRootElement(doc);
        xmlNode *req = xmlsafe_child(root, REQ_NS, "Request");
        char *email = xmlsafe_text(xmlsafe_child(req, REQ_NS, "EMailAddress"));
        CHECK_STR(email, "dave@tailspin.test");
        free(email);
        xmlFreeDoc(doc);
    }
    free(buf);
    CHECK(parse_str("<a><![CDATA[<!DOCTYPE x>]]></a>") == XMLSAFE_OK);
    CHECK(parse_str("<a b='<!x'/>") == XMLSAFE_MALFORMED); /* '<' in attribute: libxml2 */
    CHECK(parse_str("<a b='&lt;!x' c=\">\"/>") == XMLSAFE_OK);
}

static void test_malformed(void)
{
    CHECK(parse_fixture("pox/request-truncated.xml", &xmlsafe_request_limits) ==
          XMLSAFE_MALFORMED);
    CHECK(parse_str("") == XMLSAFE_MALFORMED);
    CHECK(parse_str("   ") == XMLSAFE_MALFORMED);
    CHECK(parse_str("<a><b></a>") == XMLSAFE_MALFORMED);
    CHECK(parse_str("<a>&undefined;</a>") == XMLSAFE_MALFORMED);
    CHECK(parse_str("<a><!-- never closed </a>") == XMLSAFE_MALFORMED);
    CHECK(parse_str("<a><![CDATA[ never closed </a>") == XMLSAFE_MALFORMED);
    CHECK(parse_str("<a b=\"never closed") == XMLSAFE_MALFORMED);
    CHECK(parse_str("<x:a/>") == XMLSAFE_MALFORMED); /* undeclared prefix */
    CHECK(parse_str("<a/><b/>") == XMLSAFE_MALFORMED);
    CHECK(parse_err("<a>\0</a>", 8, &xmlsafe_request_limits) == XMLSAFE_MALFORMED);
    /* UTF-16 (NUL bytes everywhere) cannot be scanned, so it is refused with its DTD. */
    static const char utf16[] = "\xff\xfe<\0!\0D\0O\0C\0T\0Y\0P\0E\0 \0a\0>\0<\0a\0/\0>\0";
    CHECK(parse_err(utf16, sizeof utf16 - 1, &xmlsafe_request_limits) == XMLSAFE_MALFORMED);
    CHECK(xmlsafe_parse(NULL, 0, &xmlsafe_request_limits, NULL) == NULL);
}

/* "<a><a>...x...</a></a>" with depth levels. */
static char *nested(unsigned depth)
{
    char *s = malloc(depth * 7 + 2);
    if (!s)
        abort();
    char *p = s;
    for (unsigned i = 0; i < depth; i++)
        p += sprintf(p, "<a>");
    *p++ = 'x';
    for (unsigned i = 0; i < depth; i++)
        p += sprintf(p, "</a>");
    *p = '\0';
    return s;
}

/* "<r><e/><e/>...</r>" with count elements in all. */
static char *flat(unsigned count)
{
    char *s = malloc(count * 4 + 16);
    if (!s)
        abort();
    char *p = s + sprintf(s, "<r>");
    for (unsigned i = 1; i < count; i++)
        p += sprintf(p, "<e/>");
    strcpy(p, "</r>");
    return s;
}

static void test_caps_at_boundaries(void)
{
    char *s = nested(XMLSAFE_REQUEST_MAX_DEPTH);
    CHECK(parse_str(s) == XMLSAFE_OK);
    free(s);
    s = nested(XMLSAFE_REQUEST_MAX_DEPTH + 1);
    CHECK(parse_str(s) == XMLSAFE_TOO_DEEP);
    free(s);
    s = flat(XMLSAFE_REQUEST_MAX_ELEMENTS);
    CHECK(parse_str(s) == XMLSAFE_OK);
    free(s);
    s = flat(XMLSAFE_REQUEST_MAX_ELEMENTS + 1);
    CHECK(parse_str(s) == XMLSAFE_TOO_MANY);
    CHECK(parse_err(s, strlen(s), &xmlsafe_response_limits) == XMLSAFE_OK);
    free(s);

    /* Bytes: exactly max is fine, one more is refused before any parsing. */
    struct xmlsafe_limits lim = {16, 4, 4};
    CHECK(parse_err("<a>0123456789</a>", 17, &lim) == XMLSAFE_TOO_BIG);
    CHECK(parse_err("<a>012345678</a>", 16, &lim) == XMLSAFE_OK);
    CHECK(parse_err("<!DOCTYPE too big>", 18, &lim) == XMLSAFE_TOO_BIG);

    CHECK(parse_fixture("pox/request-deep-40.xml", &xmlsafe_request_limits) ==
          XMLSAFE_TOO_DEEP);
    CHECK(parse_fixture("pox/request-2000-elements.xml", &xmlsafe_request_limits) ==
          XMLSAFE_TOO_MANY);
    CHECK(parse_fixture("pox/request-too-big.xml", &xmlsafe_request_limits) ==
          XMLSAFE_TOO_BIG);
    CHECK(parse_fixture("pox/response-2000-elements.xml", &xmlsafe_response_limits) ==
          XMLSAFE_OK);
}

static void test_helpers(void)
{
    static const char doc_s[] =
        "<r xmlns='https://schemas.example/ns' xmlns:o='urn:other'>"
        "<o:k>other</o:k><k>\n  two words \t</k><e/><c><![CDATA[ <cdata> ]]></c></r>";
    xmlDoc *doc = xmlsafe_parse(doc_s, sizeof doc_s - 1, &xmlsafe_request_limits, NULL);
    CHECK(doc != NULL);
    if (!doc)
        return;
    xmlNode *root = xmlDocGetRootElement(doc);
    CHECK(xmlsafe_is(root, "https://schemas.example/ns", "r"));
    CHECK(xmlsafe_is(root, "http://schemas.example/ns", "r")); /* http matches https */
    CHECK(!xmlsafe_is(root, "ftp://schemas.example/ns", "r"));
    CHECK(!xmlsafe_is(root, NULL, "R"));
    CHECK(xmlsafe_is(root, NULL, "r"));
    xmlNode *k = xmlsafe_child(root, "http://schemas.example/ns", "k");
    char *t = xmlsafe_text(k);
    CHECK_STR(t, "two words");
    free(t);
    t = xmlsafe_text(xmlsafe_child(root, "urn:other", "k"));
    CHECK_STR(t, "other");
    free(t);
    t = xmlsafe_text(xmlsafe_child(root, NULL, "k")); /* any namespace: the first */
    CHECK_STR(t, "other");
    free(t);
    t = xmlsafe_text(xmlsafe_child(root, NULL, "e"));
    CHECK_STR(t, "");
    free(t);
    t = xmlsafe_text(xmlsafe_child(root, NULL, "c"));
    CHECK_STR(t, "<cdata>");
    free(t);
    CHECK(xmlsafe_child(root, NULL, "missing") == NULL);
    CHECK(xmlsafe_child(NULL, NULL, "k") == NULL);
    xmlFreeDoc(doc);
}

static void test_strerror(void)
{
    CHECK_STR(xmlsafe_strerror(XMLSAFE_FORBIDDEN),
              "XML document type declarations are not accepted");
    CHECK_STR(xmlsafe_strerror(XMLSAFE_TOO_DEEP), "XML elements nested too deeply");
    CHECK(strcmp(xmlsafe_strerror(XMLSAFE_TOO_BIG), xmlsafe_strerror(XMLSAFE_TOO_MANY)) != 0);
}

static int caller_handler_calls;
static void caller_handler(void *ctx, const char *msg, ...)
{
    caller_handler_calls++;
}

/* Nothing reaches stderr, and the caller's own generic handler is back afterwards. */
static void test_silent(void)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    CHECK(saved >= 0 && tmp != NULL);
    if (saved < 0 || !tmp)
        return;
    dup2(fileno(tmp), 2);
    xmlSetGenericErrorFunc(NULL, caller_handler);
    CHECK(parse_str("<a><b></a>") == XMLSAFE_MALFORMED);
    CHECK(parse_str("<a>&e;</a>") == XMLSAFE_MALFORMED);
    CHECK(parse_str("<a xmlns:x='urn:x'><y:b/></a>") == XMLSAFE_MALFORMED);
    CHECK(parse_str("<?xml version='1.7'?><a/>") == XMLSAFE_OK); /* a warning only */
    fflush(stderr);
    long written = lseek(fileno(tmp), 0, SEEK_END);
    dup2(saved, 2);
    close(saved);
    fclose(tmp);
    CHECK(written == 0);
    CHECK(caller_handler_calls == 0);
    CHECK(xmlGenericError == caller_handler);
    xmlSetGenericErrorFunc(NULL, NULL);
}

static void *thread_main(void *arg)
{
    static const char *const docs[] = {"<r><a>1</a><b>2</b></r>", "<!DOCTYPE r><r/>",
                                       "<r><a></r>"};
    static const enum xmlsafe_error want[] = {XMLSAFE_OK, XMLSAFE_FORBIDDEN, XMLSAFE_MALFORMED};
    long ok = 0;
    int consistent;
    for (int i = 0; i < 600; i++)
        ok += raw_err(docs[i % 3], strlen(docs[i % 3]), &xmlsafe_request_limits,
                      &consistent) == want[i % 3] && consistent;
    return (void *)ok;
}

static void test_threads(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, thread_main, NULL) == 0);
    for (int i = 0; i < 4; i++) {
        void *ok = NULL;
        pthread_join(t[i], &ok);
        CHECK((long)ok == 600);
    }
}

int main(void)
{
    test_dtd_refused();
    test_bang_in_harmless_places_accepted();
    test_malformed();
    test_caps_at_boundaries();
    test_helpers();
    test_strerror();
    test_silent();
    test_threads();
    return test_done("xmlsafe");
}
