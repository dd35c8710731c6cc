/*
 * Unit tests for lib/v2json.c: both URL forms, the strictness rules (escapes, duplicates,
 * unknown parameters, ProxyShell-style paths) from the table in tests/data/v2json/requests.txt,
 * the protocol table, the answers written (escaped by jansson) and the client-side parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "v2json.h"

static const char *const result_names[] = {
    [V2JSON_OK] = "OK",
    [V2JSON_NOT_FOUND] = "NOT_FOUND",
    [V2JSON_BAD_QUERY] = "BAD_QUERY",
    [V2JSON_BAD_EMAIL] = "BAD_EMAIL",
    [V2JSON_BAD_PROTOCOL] = "BAD_PROTOCOL",
    [V2JSON_BAD_REDIRECT_COUNT] = "BAD_REDIRECT_COUNT",
    [V2JSON_BAD_ANSWER] = "BAD_ANSWER",
    [V2JSON_NOMEM] = "NOMEM",
};

/* One line of requests.txt: path, query, result[, email, protocol, redirect count]. */
static void run_line(char *line, int lineno)
{
    char *f[6] = {0};
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(line, "\t", &save); tok && n < 6;
         tok = strtok_r(NULL, "\t", &save))
        f[n++] = tok;
    if (n < 3) {
        fprintf(stderr, "requests.txt:%d: malformed\n", lineno);
        test_failures++;
        return;
    }
    struct v2json_request req;
    enum v2json_parse_error rc = v2json_request_parse(f[0], f[1], &req);
    test_checks++;
    if (strcmp(result_names[rc], f[2]) != 0) {
        fprintf(stderr, "requests.txt:%d: %s?%s gave %s, expected %s\n", lineno, f[0], f[1],
                result_names[rc], f[2]);
        test_failures++;
    }
    if (rc == V2JSON_OK && n == 6) {
        CHECK_STR(req.email, f[3]);
        CHECK_STR(req.protocol, f[4]);
        CHECK(req.redirect_count == (unsigned)atoi(f[5]));
    }
    if (rc != V2JSON_OK)
        CHECK(req.email == NULL);
    v2json_request_free(&req);
}

static void test_request_table(void)
{
    size_t len;
    char *text = test_read_data("v2json/requests.txt", &len);
    int lineno = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (line[0] != '#')
            run_line(line, lineno);
    }
    free(text);
}

static void test_caps(void)
{
    /* An address over the cap, a query over the cap, a NULL query. */
    char query[4200];
    char local[400];
    memset(local, 'a', sizeof local - 1);
    local[sizeof local - 1] = '\0';
    snprintf(query, sizeof query, "Email=%s%%40contoso.test&Protocol=Ews", local);
    struct v2json_request req;
    CHECK(v2json_request_parse(V2JSON_PATH, query, &req) == V2JSON_BAD_QUERY);
    memset(query, 'a', sizeof query - 1);
    query[sizeof query - 1] = '\0';
    CHECK(v2json_request_parse(V2JSON_PATH, query, &req) == V2JSON_BAD_QUERY);
    CHECK(v2json_request_parse(V2JSON_PATH, NULL, &req) == V2JSON_BAD_EMAIL);
    CHECK(v2json_request_parse(NULL, "Protocol=Ews", &req) == V2JSON_NOT_FOUND);
    /* 65 characters of local part is one too many. */
    memset(local, 'b', 65);
    local[65] = '\0';
    snprintf(query, sizeof query, "Email=%s%%40contoso.test&Protocol=Ews", local);
    CHECK(v2json_request_parse(V2JSON_PATH, query, &req) == V2JSON_BAD_EMAIL);
    local[64] = '\0';
    snprintf(query, sizeof query, "Email=%s%%40contoso.test&Protocol=Ews", local);
    CHECK(v2json_request_parse(V2JSON_PATH, query, &req) == V2JSON_OK);
    v2json_request_free(&req);
}

static void test_protocols(void)
{
    CHECK_STR(v2json_protocol_canonical("autodiscoverv1"), "AutodiscoverV1");
    CHECK_STR(v2json_protocol_canonical("EWS"), "Ews");
    CHECK_STR(v2json_protocol_canonical("SubstrateSearchService"), "SubstrateSearchService");
    CHECK_STR(v2json_protocol_canonical("Ews "), NULL);
    CHECK_STR(v2json_protocol_canonical(""), NULL);
    CHECK_STR(v2json_protocol_canonical(NULL), NULL);
    CHECK(strstr(v2json_protocol_list(), "ActiveSync") != NULL);
}

static void test_write(void)
{
    struct adbuf out;
    adbuf_init(&out, 4096);
    CHECK(v2json_answer_write("Ews", "https://mail.contoso.test/EWS/Exchange.asmx", &out) == 0);
    CHECK_STR(out.data,
              "{\"Protocol\":\"Ews\",\"Url\":\"https://mail.contoso.test/EWS/Exchange.asmx\"}");
    adbuf_reset(&out);
    CHECK(v2json_error_write("InvalidProtocol", "a \"quoted\" <b>\n\\", &out) == 0);
    CHECK_STR(
        out.data,
        "{\"ErrorCode\":\"InvalidProtocol\",\"ErrorMessage\":\"a \\\"quoted\\\" <b>\\n\\\\\"}");
    adbuf_reset(&out);
    CHECK(v2json_error_write("X", "\xff\xfe not utf-8", &out) == -1); /* refused, not mangled */
    CHECK(out.len == 0);

    struct v2json_request req = {
        .email = "bob+x y@contoso.test", .protocol = "Ews", .redirect_count = 4};
    CHECK(v2json_request_write_path(&req, &out) == 0);
    CHECK_STR(out.data, "/autodiscover/autodiscover.json?Email=bob%2Bx%20y@contoso.test"
                        "&Protocol=Ews&RedirectCount=4");
    adbuf_free(&out);

    /* What is written parses back. */
    req.email = "alice@contoso.mail.onmicrosoft.test";
    adbuf_init(&out, 4096);
    CHECK(v2json_request_write_path(&req, &out) == 0);
    char *q = strchr(out.data, '?');
    CHECK(q != NULL);
    if (q) {
        *q = '\0';
        struct v2json_request back;
        CHECK(v2json_request_parse(out.data, q + 1, &back) == V2JSON_OK);
        CHECK_STR(back.email, req.email);
        CHECK(back.redirect_count == 4);
        v2json_request_free(&back);
    }
    adbuf_free(&out);
}

static enum v2json_parse_error parse_answer(const char *name, struct v2json_answer *ans)
{
    size_t len;
    char *body = test_read_data(name, &len);
    enum v2json_parse_error rc = v2json_answer_parse(body, len, ans);
    free(body);
    return rc;
}

static void test_answers(void)
{
    struct v2json_answer ans;
    CHECK(parse_answer("v2json/answer-autodiscoverv1.json", &ans) == V2JSON_OK);
    CHECK_STR(ans.protocol, "AutodiscoverV1");
    CHECK_STR(ans.url, "https://autodiscover.contoso.test/autodiscover/autodiscover.xml");
    CHECK_STR(ans.error_code, NULL);
    v2json_answer_free(&ans);
    CHECK(parse_answer("v2json/answer-invalid-protocol.json", &ans) == V2JSON_OK);
    CHECK_STR(ans.error_code, "InvalidProtocol");
    CHECK_STR(ans.error_message, "The given protocol value 'x' is invalid.");
    CHECK(ans.url == NULL);
    v2json_answer_free(&ans);
    const char *bad[] = {"v2json/answer-duplicate-key.json", "v2json/answer-url-not-string.json",
                         "v2json/answer-array.json", "v2json/answer-truncated.json",
                         "v2json/answer-no-url.json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(parse_answer(bad[i], &ans) == V2JSON_BAD_ANSWER);
        CHECK(ans.protocol == NULL && ans.url == NULL);
    }
    CHECK(v2json_answer_parse("{}", 2, &ans) == V2JSON_BAD_ANSWER);
    v2json_answer_free(&ans); /* harmless after a failure */
}

int main(void)
{
    test_request_table();
    test_caps();
    test_protocols();
    test_write();
    test_answers();
    return test_done("v2json");
}
