/*
 * Unit tests for daemon/pox_handler.c against a real SQLite directory and the real POX
 * parser and writer: the error mapping (600, 601, 500) and the two kinds of answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_admin.h"
#include "dir_sqlite.h"
#include "pox_handler.h"
#include "testutil.h"

#define REQUEST_HEAD                                                                               \
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Autodiscover xmlns=\"" POX_NS_REQUEST            \
    "\"><Request>"
#define SCHEMA "<AcceptableResponseSchema>" POX_NS_OUTLOOK_RESPONSE "</AcceptableResponseSchema>"
#define REQUEST_TAIL "</Request></Autodiscover>"

static struct directory *dir;

static struct directory *make_directory(const char *db_path)
{
    char err[512], hash[] = "$y$j9T$unused$unused";
    CHECK(dir_sqlite_create(db_path, err, sizeof err) == 0);
    struct dir_sqlite *ds = dir_sqlite_open(db_path, false, err, sizeof err);
    if (!ds)
        return NULL;
    sqlite3 *db = dir_sqlite_db(ds);
    CHECK(dir_admin_org_add(db, "Contoso", "11111111-2222-4333-8444-555555555555", err,
                            sizeof err) == 0);
    CHECK(dir_admin_domain_add(db, "contoso.test", "Contoso", err, sizeof err) == 0);
    CHECK(dir_admin_mailbox_add(db, "bob@contoso.test", "Bob Example", "/o=Contoso/cn=bob", NULL,
                                hash, err, sizeof err) == 0);
    CHECK(dir_admin_mailbox_add(db, "alice@contoso.test", "Alice", NULL,
                                "alice@contoso.mail.onmicrosoft.test", hash, err, sizeof err) == 0);
    struct dir_admin_field f[] = {{"EwsUrl", "https://cas.contoso.test/EWS/Exchange.asmx", NULL}};
    CHECK(dir_admin_protocol_add(db, "Contoso", "EXPR", NULL, f, 1, err, sizeof err) == 0);
    CHECK(dir_admin_protocol_add(db, "Contoso", "EXCH", NULL, f, 1, err, sizeof err) == 0);
    dir_sqlite_close(ds);
    char uri[320];
    snprintf(uri, sizeof uri, "sqlite:%s", db_path);
    return directory_open(uri, err, sizeof err);
}

/* Runs the handler and parses its answer back with the client-side parser. */
static void handle(const char *user, const char *body, struct pox_response *resp)
{
    struct adbuf out;
    adbuf_init(&out, 1 << 20);
    memset(resp, 0, sizeof *resp);
    CHECK(pox_handle(dir, user, body, strlen(body), &out) == 200);
    CHECK(pox_response_parse(out.data, out.len, resp) == POX_PARSE_OK);
    adbuf_free(&out);
}

static int error_of(const char *user, const char *body)
{
    struct pox_response resp;
    handle(user, body, &resp);
    int code = resp.is_error ? resp.error.code : 0;
    pox_response_free(&resp);
    return code;
}

static void test_settings(void)
{
    struct pox_response resp;
    handle("bob@contoso.test",
           REQUEST_HEAD "<EMailAddress>Bob@Contoso.Test</EMailAddress>" SCHEMA REQUEST_TAIL, &resp);
    CHECK(!resp.is_error && resp.has_user && resp.has_account);
    CHECK_STR(resp.user.display_name, "Bob Example");
    CHECK_STR(resp.user.legacy_dn, "/o=Contoso/cn=bob");
    CHECK_STR(resp.user.smtp_address, "bob@contoso.test");
    CHECK_STR(resp.user.deployment_id, "11111111-2222-4333-8444-555555555555");
    CHECK_STR(resp.account_type, "email");
    CHECK(resp.action == POX_ACTION_SETTINGS);
    CHECK_STR(resp.microsoft_online, "False");
    CHECK(resp.nprotocols == 2);
    if (resp.nprotocols == 2) {
        CHECK_STR(resp.protocols[0].type, "EXPR");
        CHECK_STR(resp.protocols[1].type, "EXCH");
        CHECK_STR(pox_protocol_get(&resp.protocols[0], "EwsUrl"),
                  "https://cas.contoso.test/EWS/Exchange.asmx");
    }
    pox_response_free(&resp);
}

static void test_redirect_addr(void)
{
    struct pox_response resp;
    handle("alice@contoso.test",
           REQUEST_HEAD "<EMailAddress>alice@contoso.test</EMailAddress>" SCHEMA REQUEST_TAIL,
           &resp);
    CHECK(!resp.is_error);
    CHECK(resp.action == POX_ACTION_REDIRECT_ADDR);
    CHECK_STR(resp.redirect_addr, "alice@contoso.mail.onmicrosoft.test");
    CHECK(resp.nprotocols == 0);
    pox_response_free(&resp);
}

static void test_errors(void)
{
    const char *bob = "bob@contoso.test";
    CHECK(error_of(bob, "") == 600);
    CHECK(error_of(bob, "<Autodiscover") == 600);
    CHECK(error_of(bob, "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>") ==
          600);
    CHECK(error_of(bob, "<Other xmlns=\"urn:x\"/>") == 600);
    /* Deeply nested. */
    char deep[4096] = "";
    for (int i = 0; i < 100; i++)
        strcat(deep, "<a>");
    for (int i = 0; i < 100; i++)
        strcat(deep, "</a>");
    CHECK(error_of(bob, deep) == 600);
    CHECK(error_of(bob, REQUEST_HEAD "<EMailAddress>bob@contoso.test</EMailAddress>"
                                     "<AcceptableResponseSchema>http://schemas.microsoft.com/"
                                     "exchange/autodiscover/mobilesync/responseschema/2006"
                                     "</AcceptableResponseSchema>" REQUEST_TAIL) == 601);
    CHECK(error_of(bob, REQUEST_HEAD
                   "<EMailAddress>bob@contoso.test</EMailAddress>" REQUEST_TAIL) == 601);
    /* Unknown, and someone else's: the same 500. */
    CHECK(error_of(bob, REQUEST_HEAD
                   "<EMailAddress>nobody@contoso.test</EMailAddress>" SCHEMA REQUEST_TAIL) == 500);
    CHECK(error_of(bob, REQUEST_HEAD
                   "<EMailAddress>alice@contoso.test</EMailAddress>" SCHEMA REQUEST_TAIL) == 500);
    /* LegacyDN wins over EMailAddress, both ways. */
    CHECK(error_of(bob,
                   REQUEST_HEAD "<EMailAddress>alice@contoso.test</EMailAddress>"
                                "<LegacyDN>/O=Contoso/cn=BOB</LegacyDN>" SCHEMA REQUEST_TAIL) == 0);
    CHECK(error_of(bob, REQUEST_HEAD "<EMailAddress>bob@contoso.test</EMailAddress>"
                                     "<LegacyDN>/o=none</LegacyDN>" SCHEMA REQUEST_TAIL) == 500);
}

int main(void)
{
    char tmp[] = "/tmp/test_pox_handler.XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    char db_path[300];
    snprintf(db_path, sizeof db_path, "%s/d.db", tmp);
    dir = make_directory(db_path);
    CHECK(dir != NULL);
    if (dir) {
        test_settings();
        test_redirect_addr();
        test_errors();
        directory_close(dir);
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    CHECK(system(cmd) == 0);
    return test_done("pox_handler");
}
