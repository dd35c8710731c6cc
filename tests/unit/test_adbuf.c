/* Unit tests for common/adbuf.c: growth, the hard cap, escaping, ownership transfer. */
#include <stdlib.h>
#include <string.h>

#include "adbuf.h"
#include "testutil.h"

static void test_append_and_cap(void)
{
    struct adbuf b;
    adbuf_init(&b, 10);
    CHECK(adbuf_puts(&b, "hello") == 0);
    CHECK(adbuf_printf(&b, "%d", 12345) == 0);
    CHECK_STR(b.data, "hello12345");
    CHECK(b.len == 10);
    /* One byte over the cap fails and leaves the contents alone. */
    CHECK(adbuf_append(&b, "x", 1) == -1);
    CHECK(adbuf_printf(&b, "%s", "y") == -1);
    CHECK_STR(b.data, "hello12345");
    adbuf_reset(&b);
    CHECK(b.len == 0);
    CHECK_STR(b.data, "");
    adbuf_free(&b);
}

static void test_growth_past_initial_capacity(void)
{
    struct adbuf b;
    adbuf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        CHECK(adbuf_puts(&b, "0123456789") == 0);
    CHECK(b.len == 10000);
    CHECK(b.data[9999] == '9' && b.data[10000] == '\0');
    adbuf_free(&b);
}

static void test_xml_escape_is_all_or_nothing(void)
{
    struct adbuf b;
    adbuf_init(&b, 64);
    CHECK(adbuf_put_xml_escaped(&b, "a<b>&\"c'") == 0);
    CHECK_STR(b.data, "a&lt;b&gt;&amp;&quot;c&apos;");
    size_t before = b.len;
    /* 64 ampersands escape to 320 bytes: over the cap, so nothing is appended. */
    char amps[65];
    memset(amps, '&', 64);
    amps[64] = '\0';
    CHECK(adbuf_put_xml_escaped(&b, amps) == -1);
    CHECK(b.len == before);
    CHECK_STR(b.data, "a&lt;b&gt;&amp;&quot;c&apos;");
    adbuf_free(&b);
}

static void test_steal(void)
{
    struct adbuf b;
    adbuf_init(&b, 16);
    char *empty = adbuf_steal(&b);
    CHECK_STR(empty, "");
    free(empty);
    CHECK(adbuf_puts(&b, "kept") == 0);
    char *s = adbuf_steal(&b);
    CHECK_STR(s, "kept");
    CHECK(b.data == NULL && b.len == 0);
    free(s);
    adbuf_free(&b);
}

int main(void)
{
    test_append_and_cap();
    test_growth_past_initial_capacity();
    test_xml_escape_is_all_or_nothing();
    test_steal();
    return test_done("adbuf");
}
