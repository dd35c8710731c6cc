/* Unit tests for daemon/http_auth.c: base64 and Basic credentials, malformed inputs first. */
#include <string.h>

#include "http_auth.h"
#include "testutil.h"

static void test_base64(void)
{
    unsigned char out[16];
    CHECK(base64_decode("", 0, out, sizeof out) == 0);
    CHECK(base64_decode("YQ==", 4, out, sizeof out) == 1 && out[0] == 'a');
    CHECK(base64_decode("YWI=", 4, out, sizeof out) == 2 && memcmp(out, "ab", 2) == 0);
    CHECK(base64_decode("YWJj", 4, out, sizeof out) == 3 && memcmp(out, "abc", 3) == 0);
    CHECK(base64_decode("YQ", 2, out, sizeof out) == -1); /* unpadded */
    CHECK(base64_decode("YQ=", 3, out, sizeof out) == -1);
    CHECK(base64_decode("Y===", 4, out, sizeof out) == -1);     /* too much padding */
    CHECK(base64_decode("YQ==YQ==", 8, out, sizeof out) == -1); /* padding in the middle */
    CHECK(base64_decode("Y=Q=", 4, out, sizeof out) == -1);
    CHECK(base64_decode("YR==", 4, out, sizeof out) == -1); /* non-zero dropped bits */
    CHECK(base64_decode("YW I", 4, out, sizeof out) == -1); /* space */
    CHECK(base64_decode("YW\nI", 4, out, sizeof out) == -1);
    CHECK(base64_decode("YWJj", 4, out, 2) == -1); /* no room */
    CHECK(base64_decode("+/+/", 4, out, sizeof out) == 3 && out[0] == 0xfb);
}

static void test_basic(void)
{
    struct basic_credentials c;
    /* bob@contoso.test:pa:ss */
    CHECK(http_basic_parse("Basic Ym9iQGNvbnRvc28udGVzdDpwYTpzcw==", &c) == 0);
    CHECK_STR(c.user, "bob@contoso.test");
    CHECK_STR(c.password, "pa:ss"); /* only the first ':' separates */
    basic_credentials_clear(&c);
    CHECK(c.user == NULL && c.buf[0] == '\0');
    CHECK(http_basic_parse("basic   Ym9iOg==  ", &c) == 0); /* "bob:" */
    CHECK_STR(c.user, "bob");
    CHECK_STR(c.password, "");
    CHECK(http_basic_parse(NULL, &c) == -1);
    CHECK(http_basic_parse("", &c) == -1);
    CHECK(http_basic_parse("Basic", &c) == -1);
    CHECK(http_basic_parse("Basic ", &c) == -1);
    CHECK(http_basic_parse("BasicYm9iOg==", &c) == -1);
    CHECK(http_basic_parse("Bearer Ym9iOg==", &c) == -1);
    CHECK(http_basic_parse("Negotiate TlRMTVNTUAAB", &c) == -1);
    CHECK(http_basic_parse("Basic Ym9i", &c) == -1);         /* "bob": no colon */
    CHECK(http_basic_parse("Basic OnB3", &c) == -1);         /* ":pw": empty user */
    CHECK(http_basic_parse("Basic Ym9iADpwdw==", &c) == -1); /* "bob\0:pw" */
    CHECK(http_basic_parse("Basic Ym9iCjpwdw==", &c) == -1); /* "bob\n:pw" */
    CHECK(http_basic_parse("Basic Ym9iOn!=", &c) == -1);
    CHECK(c.user == NULL && c.password == NULL);
    /* Longer than the decoded cap. */
    static char huge[8 + 2000];
    memcpy(huge, "Basic ", 6);
    memset(huge + 6, 'Q', 1996);
    CHECK(http_basic_parse(huge, &c) == -1);
}

int main(void)
{
    test_base64();
    test_basic();
    return test_done("http_auth");
}
