/*
 * Unit tests for daemon/analyzer_render.c, analyzer_html.c and the trace-line parser of
 * analyzer_run.c: hostile values are escaped everywhere, a known report gives a known
 * drawing, and the caps on the untrusted JSON hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "analyzer_guard.h"
#include "analyzer_html.h"
#include "analyzer_render.h"
#include "analyzer_run.h"
#include "testutil.h"

static const char known[] =
    "{\"result\":{\"ok\":true,\"code\":\"AD_OK\",\"reason\":\"settings from "
    "https://autodiscover.contoso.test/autodiscover/autodiscover.xml\",\"email\":"
    "\"bob@contoso.test\",\"url\":\"https://autodiscover.contoso.test/autodiscover/"
    "autodiscover.xml\",\"method\":\"autodiscover\",\"protocols\":[{\"Type\":\"EXPR\","
    "\"EwsUrl\":\"https://mail.contoso.test/EWS/Exchange.asmx\"}],\"redirects\":1},"
    "\"steps\":["
    "{\"method\":\"root\",\"url\":\"https://contoso.test/autodiscover/autodiscover.xml\","
    "\"status\":0,\"code\":\"0x800C8203\",\"elapsed_ms\":3,\"auth\":\"none\",\"decision\":"
    "\"next-candidate\",\"reason\":\"could not connect: Connection refused\",\"hop\":0,"
    "\"redirected_from\":null},"
    "{\"method\":\"autodiscover\",\"url\":\"https://autodiscover.contoso.test/autodiscover/"
    "autodiscover.xml\",\"status\":302,\"code\":\"0x800C8204\",\"elapsed_ms\":5,\"auth\":\"none\","
    "\"decision\":\"follow-redirect\",\"reason\":\"302 Found\",\"hop\":0,\"redirected_from\":null},"
    "{\"method\":\"autodiscover\",\"url\":\"https://pod.contoso.test/autodiscover/"
    "autodiscover.xml\",\"status\":200,\"code\":\"\",\"elapsed_ms\":7,\"auth\":\"basic\","
    "\"decision\":\"success\",\"reason\":\"settings\",\"hop\":1,\"redirected_from\":"
    "\"https://autodiscover.contoso.test/autodiscover/autodiscover.xml\"},"
    "{\"method\":\"srv\",\"url\":null,\"query\":\"_autodiscover._tcp.contoso.test SRV\","
    "\"answers\":[\"0 5 443 mail.hoster.test\"],\"status\":0,\"decision\":\"held\","
    "\"reason\":\"answered\"}]}";

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static char *render(const char *json, char *err, size_t errlen)
{
    json_t *r = analyzer_report_parse(json, strlen(json), err, errlen);
    if (!r)
        return NULL;
    struct adbuf b;
    adbuf_init(&b, 8u << 20);
    int rc = analyzer_render_report(r, &b);
    json_decref(r);
    CHECK(rc == 0);
    return adbuf_steal(&b);
}

static void test_escape(void)
{
    struct adbuf b;
    adbuf_init(&b, 1 << 16);
    CHECK(html_text(&b, "<a href=\"x\" onclick='y'>&\x01\x7f") == 0);
    CHECK_STR(b.data, "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;");
    adbuf_reset(&b);
    /* Long values are cut, on a character boundary. */
    char *big = malloc(HTML_VALUE_MAX + 10);
    CHECK(big != NULL);
    if (big) {
        memset(big, 'a', HTML_VALUE_MAX + 9);
        memcpy(big + HTML_VALUE_MAX - 1, "\xc3\xa9", 2); /* é across the cut */
        big[HTML_VALUE_MAX + 9] = '\0';
        CHECK(html_text(&b, big) == 0);
        CHECK(b.len == HTML_VALUE_MAX - 1 + 3);
        CHECK(strcmp(b.data + b.len - 3, "...") == 0);
        free(big);
    }
    adbuf_free(&b);
}

static void test_known_report(void)
{
    char err[256];
    char *html = render(known, err, sizeof err);
    CHECK(html != NULL);
    if (!html)
        return;
    CHECK(count(html, "<svg class=\"journey\"") == 1);
    CHECK(count(html, "<rect ") == 4);
    CHECK(count(html, "<g class=\"step fail\"") == 1);
    CHECK(count(html, "<g class=\"step info\"") == 1);
    CHECK(count(html, "<g class=\"step ok\"") == 1);
    CHECK(count(html, "<g class=\"step held\"") == 1);
    CHECK(count(html, "class=\"redirect\"") == 1); /* step 2 -> 3 */
    CHECK(count(html, "<li id=\"step-") == 4);
    CHECK(count(html, "<details>") >= 4);
    CHECK(strstr(html, "0 5 443 mail.hoster.test") != NULL);
    CHECK(strstr(html, "Settings found") != NULL);
    CHECK(strstr(html, "https://mail.contoso.test/EWS/Exchange.asmx") != NULL);
    CHECK(strstr(html, "verified: chain and host name") != NULL);
    /* The same JSON always gives the same drawing. */
    char *again = render(known, err, sizeof err);
    CHECK(again && strcmp(html, again) == 0);
    free(again);
    free(html);
}

/* The TLS outcome and the schemes offered (autodiscover --json), drawn and escaped. */
static void test_tls_fields(void)
{
    static const char report[] =
        "{\"result\":{\"ok\":false},\"steps\":[{\"method\":\"root\",\"url\":"
        "\"https://contoso.test/autodiscover/autodiscover.xml\",\"status\":401,"
        "\"decision\":\"retry-with-credentials\",\"reason\":\"401\",\"tls\":{\"verified\":"
        "true,\"version\":\"TLSv1.3\",\"cipher\":\"TLS_AES_256_GCM_SHA384\",\"subject\":"
        "\"CN = <b>contoso.test</b>\",\"issuer\":\"CN = Test CA\",\"names\":[\"contoso.test\","
        "\"<script>x</script>\",7],\"not_before\":\"2026-01-01T00:00:00Z\",\"not_after\":"
        "\"2027-01-01T00:00:00Z\",\"error\":null},\"auth_offered\":[\"Negotiate\",\"Basic\"]},"
        "{\"method\":\"autodiscover\",\"url\":\"https://x.test/\",\"status\":0,\"tls\":"
        "\"not an object\",\"auth_offered\":{\"no\":1}}]}";
    char err[256];
    char *html = render(report, err, sizeof err);
    CHECK(html != NULL);
    if (!html)
        return;
    CHECK(strstr(html, "<dt>TLS verified</dt><dd>yes</dd>") != NULL);
    CHECK(strstr(html, "<dd>TLSv1.3</dd>") != NULL);
    CHECK(strstr(html, "CN = &lt;b&gt;contoso.test&lt;/b&gt;") != NULL);
    CHECK(strstr(html, "<li>&lt;script&gt;x&lt;/script&gt;</li>") != NULL);
    CHECK(strstr(html, "<script>") == NULL);
    CHECK(strstr(html, "<dd>2027-01-01T00:00:00Z</dd>") != NULL);
    CHECK(strstr(html, "<li>Negotiate</li><li>Basic</li>") != NULL);
    CHECK(count(html, "Authentication offered") == 1);
    free(html);
}

static void test_hostile(void)
{
    static const char hostile[] =
        "{\"result\":{\"ok\":false,\"reason\":\"<script>alert(1)</script>\",\"email\":"
        "\"\\\"><img src=x onerror=alert(2)>\",\"protocols\":[{\"Type\":\"</svg><script>\","
        "\"<b>k</b>\":\"javascript:alert(3)\"}],\"user\":{\"DisplayName\":\"<iframe>\"},"
        "\"warnings\":[\"<img src=w>\",7,null]},"
        "\"steps\":[{\"method\":\"<script>\",\"url\":\"https://x/\\\" onmouseover=\\\"a\","
        "\"decision\":\"</text></svg><script>alert(4)</script>\",\"reason\":\"</title>"
        "<script>\",\"redirected_from\":\"<x>\",\"answers\":[\"<li onclick=y>\"],\"query\":"
        "\"'\",\"hop\":99999999,\"status\":-5,\"elapsed_ms\":\"<ms>\"}]}";
    char err[256];
    char *html = render(hostile, err, sizeof err);
    CHECK(html != NULL);
    if (!html)
        return;
    CHECK(strstr(html, "<script") == NULL);
    CHECK(strstr(html, "<img") == NULL);
    CHECK(strstr(html, "<iframe") == NULL);
    CHECK(strstr(html, "<b>") == NULL);
    CHECK(strstr(html, "<li onclick") == NULL);
    CHECK(strstr(html, "\" onmouseover") == NULL);
    CHECK(count(html, "</svg>") == 1);
    CHECK(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
    CHECK(strstr(html, "<dt>Warning</dt><dd>&lt;img src=w&gt;</dd>") != NULL);
    CHECK(count(html, "<dt>Warning</dt>") == 1); /* 7 and null are not strings */
    free(html);
}

/* result.warnings: drawn one row each, at most 16 however many a loaded file holds. */
static void test_warnings(void)
{
    struct adbuf json;
    adbuf_init(&json, 1u << 20);
    int rc = adbuf_puts(&json, "{\"result\":{\"ok\":true,\"warnings\":[");
    for (int i = 0; i < 40; i++)
        rc |= adbuf_printf(&json, "%s\"cache not written %d\"", i ? "," : "", i);
    rc |= adbuf_puts(&json, "]},\"steps\":[]}");
    CHECK(rc == 0);
    char err[256];
    char *text = adbuf_steal(&json);
    char *html = text ? render(text, err, sizeof err) : NULL;
    CHECK(html != NULL);
    if (html) {
        CHECK(count(html, "<dt>Warning</dt>") == 16);
        CHECK(strstr(html, "<dd>cache not written 15</dd>") != NULL);
        CHECK(strstr(html, "cache not written 16") == NULL);
    }
    free(html);
    free(text);
}

static void test_caps(void)
{
    char err[256] = "";
    CHECK(analyzer_report_parse("[1,2]", 5, err, sizeof err) == NULL);
    CHECK(strstr(err, "not a JSON object") != NULL);
    CHECK(analyzer_report_parse("{\"x\":1}", 7, err, sizeof err) == NULL);
    CHECK(analyzer_report_parse("{\"steps\":[1]}", 13, err, sizeof err) == NULL);
    CHECK(analyzer_report_parse("{\"steps\":[], \"steps\":[]}", 24, err, sizeof err) == NULL);
    CHECK(analyzer_report_parse("not json", 8, err, sizeof err) == NULL);
    /* Too large. */
    size_t big = ANALYZER_REPORT_MAX_BYTES + 1;
    char *text = malloc(big + 1);
    CHECK(text != NULL);
    if (text) {
        memset(text, ' ', big);
        text[big] = '\0';
        CHECK(analyzer_report_parse(text, big, err, sizeof err) == NULL);
        CHECK(strstr(err, "larger") != NULL);
        free(text);
    }
    /* Too deep. */
    char deep[256] = "{\"steps\":[],\"result\":{\"a\":";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    for (int i = 0; i < 40; i++)
        strcat(deep, "]");
    strcat(deep, "}}");
    CHECK(analyzer_report_parse(deep, strlen(deep), err, sizeof err) == NULL);
    CHECK(strstr(err, "deeply") != NULL);
    /* Too many steps. */
    struct adbuf b;
    adbuf_init(&b, 1 << 20);
    adbuf_puts(&b, "{\"steps\":[");
    for (unsigned i = 0; i <= ANALYZER_MAX_STEPS; i++)
        adbuf_puts(&b, i ? ",{}" : "{}");
    adbuf_puts(&b, "]}");
    CHECK(analyzer_report_parse(b.data, b.len, err, sizeof err) == NULL);
    CHECK(strstr(err, "too many") != NULL);
    adbuf_free(&b);
    /* A self-test report renders as a table. */
    static const char st[] = "{\"selftest\":{\"domain\":\"<d>\",\"verdict\":\"x\"},\"checks\":"
                             "[{\"id\":\"a\",\"status\":\"fail\",\"title\":\"<t>\",\"detail\":"
                             "\"d\",\"fix\":\"<f>\"}]}";
    char *html = render(st, err, sizeof err);
    CHECK(html && strstr(html, "<tr class=\"fail\">") && !strstr(html, "<t>") &&
          strstr(html, "&lt;f&gt;"));
    free(html);
}

static void test_trace(void)
{
    json_t *s = analyzer_step_from_trace(
        "autodiscover https://a.test/autodiscover/autodiscover.xml 401 retry-with-credentials: "
        "401 Unauthorized: retrying with credentials");
    CHECK(s != NULL);
    CHECK_STR(json_string_value(json_object_get(s, "method")), "autodiscover");
    CHECK_STR(json_string_value(json_object_get(s, "url")),
              "https://a.test/autodiscover/autodiscover.xml");
    CHECK(json_integer_value(json_object_get(s, "status")) == 401);
    CHECK_STR(json_string_value(json_object_get(s, "decision")), "retry-with-credentials");
    CHECK_STR(json_string_value(json_object_get(s, "reason")),
              "401 Unauthorized: retrying with credentials");
    json_decref(s);
    s = analyzer_step_from_trace("srv _autodiscover._tcp.a.test SRV 0 next-candidate "
                                 "(0x800C8203): no record");
    CHECK(s != NULL);
    CHECK_STR(json_string_value(json_object_get(s, "query")), "_autodiscover._tcp.a.test SRV");
    CHECK_STR(json_string_value(json_object_get(s, "code")), "0x800C8203");
    CHECK_STR(json_string_value(json_object_get(s, "decision")), "next-candidate");
    json_decref(s);
    CHECK(analyzer_step_from_trace("garbage") == NULL);
    CHECK(analyzer_step_from_trace("a: b") == NULL);
}

static bool forbidden(const char *text)
{
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
    struct sockaddr_in s4 = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, text, &s4.sin_addr) == 1)
        return guard_address_forbidden((struct sockaddr *)&s4);
    CHECK(inet_pton(AF_INET6, text, &s6.sin6_addr) == 1);
    return guard_address_forbidden((struct sockaddr *)&s6);
}

static void test_guard(void)
{
    CHECK(forbidden("127.0.0.1"));
    CHECK(forbidden("169.254.169.254"));
    CHECK(forbidden("0.0.0.0"));
    CHECK(forbidden("::1"));
    CHECK(forbidden("fe80::1"));
    CHECK(forbidden("::ffff:127.0.0.1"));
    CHECK(!forbidden("10.1.2.3")); /* a private network is what the analyzer is for */
    CHECK(!forbidden("192.0.2.10"));
    CHECK(!forbidden("2001:db8::1"));
    char pin[320], why[512];
    struct analyzer_guard g = {0};
    CHECK(!guard_host_allowed(&g, "localhost", pin, sizeof pin, why, sizeof why));
    CHECK(strstr(why, "loopback") != NULL);
    g.allow_local = true;
    CHECK(guard_host_allowed(&g, "localhost", pin, sizeof pin, why, sizeof why));
    CHECK(strncmp(pin, "localhost::", 11) == 0); /* pinned to the address checked */
    char *const map[] = {"localhost:443:127.0.0.1:8443"};
    struct analyzer_guard mapped = {.connect_to = map, .nconnect_to = 1};
    CHECK(guard_host_allowed(&mapped, "localhost", pin, sizeof pin, why, sizeof why));
    char host[256];
    CHECK(guard_url_host("https://Mail.Example.test:443/x", host, sizeof host));
    CHECK_STR(host, "mail.example.test");
}

int main(void)
{
    test_guard();
    test_escape();
    test_known_report();
    test_tls_fields();
    test_hostile();
    test_warnings();
    test_caps();
    test_trace();
    return test_done("analyzer_render");
}
