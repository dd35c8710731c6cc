/*
 * Unit tests for daemon/dir_sqlite.c, dir_admin.c and directory.c on a real SQLite file:
 * create, add, look up (case-insensitively, by address and legacyDN), Protocol order,
 * password verification, and the admin checks that keep bad data out; per-mailbox Protocol
 * overrides; export and import (round trip, rollback on a bad record); directory_version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dir_admin.h"
#include "dir_sqlite.h"
#include "dir_transfer.h"
#include "directory.h"
#include "password.h"
#include "testutil.h"

static char db_path[256];

static int verify(struct directory *dir, const char *user, const char *password)
{
    char primary[256];
    return directory_verify_password(dir, user, password, primary, sizeof primary);
}

static void populate(void)
{
    char err[512], hash[256];
    CHECK(dir_sqlite_create(db_path, err, sizeof err) == 0);
    /* A second init must fail rather than wipe anything. */
    CHECK(dir_sqlite_create(db_path, err, sizeof err) < 0);
    struct dir_sqlite *ds = dir_sqlite_open(db_path, false, err, sizeof err);
    CHECK(ds != NULL);
    if (!ds)
        exit(test_done("dir_sqlite"));
    sqlite3 *db = dir_sqlite_db(ds);
    CHECK(dir_admin_org_add(db, "Contoso", "0B5A1E52-3A0A-4D4D-9C1F-2B8F4C6A7E11", err,
                            sizeof err) == 0);
    CHECK(dir_admin_org_add(db, "contoso", NULL, err, sizeof err) < 0); /* same, any case */
    CHECK(dir_admin_org_add(db, "Bad", "not-a-guid", err, sizeof err) < 0);
    CHECK(dir_admin_domain_add(db, "Contoso.TEST", "Contoso", err, sizeof err) == 0);
    CHECK(dir_admin_domain_add(db, "contoso.test", "Contoso", err, sizeof err) < 0);
    CHECK(dir_admin_domain_add(db, "x.test", "NewOrg", err, sizeof err) == 0);    /* org made */
    CHECK(dir_admin_domain_add(db, "fabrikam.test", NULL, err, sizeof err) == 0); /* org made */
    CHECK(dir_admin_domain_add(db, "bad..test", NULL, err, sizeof err) < 0);
    CHECK(password_hash("correct horse", hash, sizeof hash) == 0);
    CHECK(strncmp(hash, "$y$", 3) == 0);
    CHECK(dir_admin_mailbox_add(db, "Bob@Contoso.Test", "Bob", NULL, NULL, hash, err, sizeof err) ==
          0);
    CHECK(dir_admin_mailbox_add(db, "bob@contoso.test", "Bob", NULL, NULL, hash, err, sizeof err) <
          0);
    CHECK(dir_admin_mailbox_add(db, "alice@contoso.test", "Alice", "/o=X/cn=alice",
                                "alice@contoso.mail.onmicrosoft.test", hash, err, sizeof err) == 0);
    CHECK(dir_admin_mailbox_add(db, "carol@nowhere.test", "C", NULL, NULL, hash, err, sizeof err) <
          0);
    CHECK(strstr(err, "no domain nowhere.test") != NULL);
    CHECK(dir_admin_mailbox_add(db, "not an address", "C", NULL, NULL, hash, err, sizeof err) < 0);
    struct dir_admin_field exch[] = {
        {"Server", "cas.contoso.test", NULL},
        {"EwsUrl", "https://cas.contoso.test/EWS/Exchange.asmx", NULL}};
    char attrs[] = "AuthenticationMethod=Basic, Fba";
    struct dir_admin_field web[] = {{"Internal/OWAUrl", "https://cas/owa", attrs}};
    CHECK(dir_admin_protocol_add(db, "contoso", "EXCH", NULL, exch, 2, err, sizeof err) == 0);
    CHECK(dir_admin_protocol_add(db, "Contoso", "WEB", NULL, web, 1, err, sizeof err) == 0);
    CHECK(dir_admin_protocol_add(db, "Contoso", "mapiHttp", "1", NULL, 0, err, sizeof err) == 0);
    CHECK(dir_admin_protocol_add(db, "fabrikam.test", "EXPR", NULL, exch, 1, err, sizeof err) == 0);
    CHECK(dir_admin_protocol_add(db, "nobody", "EXPR", NULL, exch, 1, err, sizeof err) < 0);
    dir_sqlite_close(ds);
}

static void test_lookups(void)
{
    char err[512], uri[300];
    snprintf(uri, sizeof uri, "sqlite:%s", db_path);
    struct directory *dir = directory_open(uri, err, sizeof err);
    CHECK(dir != NULL);
    if (!dir)
        return;
    struct dir_mailbox mb;
    CHECK(directory_find_mailbox(dir, "BOB@contoso.TEST", &mb) == 1);
    CHECK_STR(mb.address, "bob@contoso.test");
    CHECK_STR(mb.display_name, "Bob");
    CHECK_STR(mb.legacy_dn, "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/"
                            "cn=Recipients/cn=bob");
    CHECK_STR(mb.organisation, "Contoso");
    CHECK_STR(mb.deployment_id, "0b5a1e52-3a0a-4d4d-9c1f-2b8f4c6a7e11");
    CHECK(mb.target_address == NULL);
    dir_mailbox_free(&mb);

    CHECK(directory_find_mailbox_by_legacy_dn(dir, "/O=x/CN=ALICE", &mb) == 1);
    CHECK_STR(mb.address, "alice@contoso.test");
    CHECK_STR(mb.target_address, "alice@contoso.mail.onmicrosoft.test");
    dir_mailbox_free(&mb);
    CHECK(directory_find_mailbox(dir, "nobody@contoso.test", &mb) == 0);
    CHECK(directory_find_mailbox_by_legacy_dn(dir, "/o=none", &mb) == 0);

    struct pox_response resp = {0};
    CHECK(directory_add_protocols(dir, "Contoso", &resp) == 0);
    CHECK(resp.nprotocols == 3);
    if (resp.nprotocols == 3) {
        CHECK_STR(resp.protocols[0].type, "EXCH");
        CHECK(resp.protocols[0].nfields == 2);
        CHECK_STR(resp.protocols[0].fields[0].path, "Server");
        CHECK_STR(resp.protocols[0].fields[1].path, "EwsUrl");
        CHECK_STR(resp.protocols[1].type, "WEB");
        CHECK(resp.protocols[1].fields[0].nattrs == 1);
        CHECK_STR(resp.protocols[1].fields[0].attrs[0].name, "AuthenticationMethod");
        CHECK_STR(resp.protocols[1].fields[0].attrs[0].value, "Basic, Fba");
        CHECK_STR(resp.protocols[2].type, "mapiHttp");
        CHECK(resp.protocols[2].type_as_attr);
        CHECK_STR(resp.protocols[2].version, "1");
        CHECK(resp.protocols[2].nfields == 0);
    }
    pox_response_free(&resp);

    CHECK(verify(dir, "bob@contoso.test", "correct horse") == 1);
    CHECK(verify(dir, "BOB@CONTOSO.TEST", "correct horse") == 1);
    CHECK(verify(dir, "bob@contoso.test", "correct horse ") == 0);
    CHECK(verify(dir, "bob@contoso.test", "") == 0);
    CHECK(verify(dir, "nobody@contoso.test", "correct horse") == 0);
    directory_close(dir);
}

static void test_protocol_clear(void)
{
    char err[512];
    struct dir_sqlite *ds = dir_sqlite_open(db_path, false, err, sizeof err);
    CHECK(ds != NULL);
    if (!ds)
        return;
    sqlite3 *db = dir_sqlite_db(ds);
    CHECK(dir_admin_protocol_clear(db, "contoso", err, sizeof err) == 0);
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM protocol_fields", -1, &st, NULL) ==
          SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1); /* fabrikam's */
    sqlite3_finalize(st);
    dir_sqlite_close(ds);
}

static void test_open_errors(void)
{
    char err[512];
    CHECK(directory_open("sqlite:/nonexistent/dir.db", err, sizeof err) == NULL);
    CHECK(directory_open("ldap://x", err, sizeof err) == NULL);
    CHECK(strstr(err, "unknown directory type") != NULL);
}

static void test_syntax(void)
{
    CHECK(dir_valid_address("a.b+c@x-y.test"));
    CHECK(!dir_valid_address("@x.test"));
    CHECK(!dir_valid_address("a@"));
    CHECK(!dir_valid_address("a b@x.test"));
    CHECK(!dir_valid_address("a..b@x.test"));
    CHECK(!dir_valid_address("a@-x.test"));
    CHECK(dir_valid_guid("0b5a1e52-3a0a-4d4d-9c1f-2b8f4c6a7e11"));
    CHECK(!dir_valid_guid("0b5a1e52-3a0a-4d4d-9c1f-2b8f4c6a7e1"));
    char guid[DIR_GUID_LEN + 1];
    CHECK(dir_new_guid(guid) == 0 && dir_valid_guid(guid) && guid[14] == '4');
    CHECK(!password_verify("x", "not a hash"));
    CHECK(!password_verify("x", "$y$broken"));
}

/* Tenants, pods, aliases, enabled, migrate: what the provider's roles read. */
static void test_tenants(void)
{
    char err[512], hash[256], uri[300], cloud[256], url[512];
    struct dir_sqlite *ds = dir_sqlite_open(db_path, false, err, sizeof err);
    CHECK(ds != NULL);
    if (!ds)
        return;
    sqlite3 *db = dir_sqlite_db(ds);
    CHECK(password_hash("tenant pw", hash, sizeof hash) == 0);
    CHECK(dir_admin_pod_add(db, "pod1", "https://pod1.outlook.test/autodiscover/autodiscover.xml",
                            err, sizeof err) == 0);
    CHECK(dir_admin_pod_add(db, "pod2", "http://pod2.test/", err, sizeof err) < 0);
    CHECK(dir_admin_pod_add(db, "pod3", "https://bad host/", err, sizeof err) < 0);
    CHECK(dir_admin_tenant_add(db, "Cloud", NULL, "pod1", "contoso.mail.onmicrosoft.test", err,
                               sizeof err) == 0);
    CHECK(dir_admin_tenant_add(db, "Cloud2", NULL, "nopod", NULL, err, sizeof err) < 0);
    CHECK(strstr(err, "no pod nopod") != NULL);
    CHECK(dir_admin_pod_remove(db, "pod1", err, sizeof err) < 0); /* still serves Cloud */
    CHECK(dir_admin_alias_add(db, "bob@contoso.test", "bobby@contoso.test", err, sizeof err) == 0);
    CHECK(dir_admin_alias_add(db, "bob@contoso.test", "alice@contoso.test", err, sizeof err) < 0);
    CHECK(dir_admin_alias_add(db, "bob@contoso.test", "b@nowhere.test", err, sizeof err) < 0);
    CHECK(dir_admin_migrate(db, "Bob@contoso.test", "cloud", cloud, sizeof cloud, err,
                            sizeof err) == 0);
    CHECK_STR(cloud, "bob@contoso.mail.onmicrosoft.test");
    CHECK(dir_admin_migrate(db, "bob@contoso.test", "cloud", cloud, sizeof cloud, err,
                            sizeof err) < 0); /* already moved */
    CHECK(dir_admin_migrate(db, "x@contoso.test", "cloud", cloud, sizeof cloud, err, sizeof err) <
          0);
    /* A synced mailbox of the tenant's own domain: the cloud mailbox gets a legacy DN of its own. */
    CHECK(dir_admin_domain_add(db, "cloud.test", "Cloud", err, sizeof err) == 0);
    CHECK(dir_admin_mailbox_add(db, "carl@cloud.test", "Carl", NULL, NULL, hash, err, sizeof err) ==
          0);
    CHECK(dir_admin_migrate(db, "carl@cloud.test", "cloud", cloud, sizeof cloud, err,
                            sizeof err) == 0);
    CHECK_STR(cloud, "carl@contoso.mail.onmicrosoft.test");
    dir_sqlite_close(ds);

    snprintf(uri, sizeof uri, "sqlite:%s", db_path);
    struct directory *dir = directory_open(uri, err, sizeof err);
    CHECK(dir != NULL);
    if (!dir)
        return;
    struct dir_mailbox mb;
    CHECK(directory_find_mailbox(dir, "BOBBY@contoso.test", &mb) == 1);
    CHECK_STR(mb.address, "bob@contoso.test");
    CHECK_STR(mb.target_address, "bob@contoso.mail.onmicrosoft.test");
    dir_mailbox_free(&mb);
    /* The primary address wins over the migrated mailbox's alias. */
    CHECK(directory_find_mailbox(dir, "bob@contoso.test", &mb) == 1);
    CHECK_STR(mb.address, "bob@contoso.test");
    dir_mailbox_free(&mb);
    CHECK(directory_find_mailbox(dir, "bob@contoso.mail.onmicrosoft.test", &mb) == 1);
    CHECK_STR(mb.organisation, "Cloud");
    CHECK_STR(mb.display_name, "Bob");
    CHECK(mb.target_address == NULL);
    CHECK(dir_mailbox_answers_to(&mb, "BOB@contoso.test"));
    CHECK(!dir_mailbox_answers_to(&mb, "alice@contoso.test"));
    dir_mailbox_free(&mb);
    char primary[256];
    CHECK(directory_verify_password(dir, "bobby@contoso.test", "correct horse", primary,
                                    sizeof primary) == 1);
    CHECK_STR(primary, "bob@contoso.test");
    CHECK(directory_find_pod_url(dir, "x@contoso.mail.onmicrosoft.test", url, sizeof url) == 1);
    CHECK_STR(url, "https://pod1.outlook.test/autodiscover/autodiscover.xml");
    CHECK(directory_find_pod_url(dir, "x@contoso.test", url, sizeof url) == 0);
    CHECK(directory_find_pod_url(dir, "no-at-sign", url, sizeof url) == 0);

    /* Disabled: unknown at once, through the open read-only handle. */
    ds = dir_sqlite_open(db_path, false, err, sizeof err);
    CHECK(ds && dir_admin_mailbox_change(dir_sqlite_db(ds), "alice@contoso.test", NULL, NULL, 0,
                                         err, sizeof err) == 0);
    CHECK(directory_find_mailbox(dir, "alice@contoso.test", &mb) == 0);
    CHECK(verify(dir, "alice@contoso.test", "correct horse") == 0);
    /* A disabled migrated mailbox leaves its address to the cloud mailbox's alias. */
    CHECK(ds && dir_admin_mailbox_change(dir_sqlite_db(ds), "bob@contoso.test", NULL, NULL, 0, err,
                                         sizeof err) == 0);
    CHECK(directory_find_mailbox(dir, "bob@contoso.test", &mb) == 1);
    CHECK_STR(mb.address, "bob@contoso.mail.onmicrosoft.test");
    dir_mailbox_free(&mb);
    CHECK(ds && dir_admin_mailbox_change(dir_sqlite_db(ds), "bob@contoso.test", "Robert", "", 1,
                                         err, sizeof err) == 0);
    CHECK(directory_find_mailbox(dir, "bob@contoso.test", &mb) == 1);
    CHECK_STR(mb.display_name, "Robert");
    CHECK(mb.target_address == NULL);
    dir_mailbox_free(&mb);
    CHECK(ds && dir_admin_mailbox_remove(dir_sqlite_db(ds), "bob@contoso.test", err,
                                         sizeof err) == 0);
    CHECK(directory_find_mailbox(dir, "bobby@contoso.test", &mb) == 0); /* alias went too */
    dir_sqlite_close(ds);
    directory_close(dir);
}

/* A version 1 file is upgraded in place by a read-write open, refused by a read-only one. */
static void test_upgrade(void)
{
    char err[512], path[300];
    snprintf(path, sizeof path, "%s.v1", db_path);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "CREATE TABLE schema_version(version INTEGER NOT NULL);"
                       "INSERT INTO schema_version VALUES(1);"
                       "CREATE TABLE organisations(name TEXT PRIMARY KEY COLLATE NOCASE,"
                       " deployment_id TEXT NOT NULL);"
                       "CREATE TABLE domains(name TEXT PRIMARY KEY, organisation TEXT NOT NULL);"
                       "CREATE TABLE mailboxes(address TEXT PRIMARY KEY, domain TEXT NOT NULL,"
                       " display_name TEXT NOT NULL, legacy_dn TEXT NOT NULL UNIQUE COLLATE NOCASE,"
                       " password_hash TEXT NOT NULL, target_address TEXT);"
                       "CREATE TABLE protocols(id INTEGER PRIMARY KEY, organisation TEXT NOT NULL,"
                       " position INTEGER NOT NULL, type TEXT NOT NULL, version TEXT);"
                       "CREATE TABLE protocol_fields(protocol INTEGER NOT NULL, position INTEGER,"
                       " path TEXT, value TEXT, attributes TEXT);"
                       "INSERT INTO organisations VALUES('o', '0b5a1e52-3a0a-4d4d-9c1f-2b8f4c6a7e11');"
                       "INSERT INTO domains VALUES('o.test', 'o');"
                       "INSERT INTO mailboxes VALUES('m@o.test', 'o.test', 'M', '/o=o/cn=m', '$y$x',"
                       " NULL);",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(dir_sqlite_open(path, true, err, sizeof err) == NULL);
    CHECK(strstr(err, "autodiscoverctl upgrade") != NULL);
    struct dir_sqlite *ds = dir_sqlite_open(path, false, err, sizeof err);
    CHECK(ds != NULL);
    dir_sqlite_close(ds);
    ds = dir_sqlite_open(path, true, err, sizeof err);
    CHECK(ds != NULL);
    dir_sqlite_close(ds);
    /* Every upgrade ran: version 4's delegates table is there. */
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "SELECT mailbox, delegate FROM delegates", NULL, NULL, NULL) ==
          SQLITE_OK);
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &st, NULL) ==
          SQLITE_OK);
    CHECK(st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == DIR_SCHEMA_VERSION);
    CHECK(DIR_SCHEMA_VERSION == 4);
    sqlite3_finalize(st);
    sqlite3_close(db);
    unlink(path);
}

/* The rows delegate list prints for address (NULL: all), in buf. */
static int delegate_rows(sqlite3 *db, const char *address, char *buf, size_t len)
{
    char err[512];
    buf[0] = '\0';
    FILE *f = fmemopen(buf, len, "w");
    if (!f)
        return -1;
    int rc = dir_admin_delegate_list(db, address, f, false, err, sizeof err);
    fclose(f);
    return rc;
}

/* FullAccess: a delegate reads another mailbox's settings; nobody else does. */
static void test_delegates(void)
{
    char err[512], hash[256], rows[1024];
    struct dir_sqlite *ds = dir_sqlite_open(db_path, false, err, sizeof err);
    CHECK(ds != NULL);
    if (!ds)
        return;
    sqlite3 *db = dir_sqlite_db(ds);
    CHECK(password_hash("pw", hash, sizeof hash) == 0);
    CHECK(dir_admin_mailbox_add(db, "dave@contoso.test", "Dave", NULL, NULL, hash, err,
                                sizeof err) == 0);
    CHECK(dir_admin_alias_add(db, "dave@contoso.test", "d@contoso.test", err, sizeof err) == 0);
    CHECK(dir_admin_delegate_add(db, "Bob@Contoso.test", "d@contoso.test", err, sizeof err) == 0);
    CHECK(dir_admin_delegate_add(db, "bob@contoso.test", "dave@contoso.test", err, sizeof err) <
          0);
    CHECK(strstr(err, "already a delegate") != NULL);
    CHECK(dir_admin_delegate_add(db, "bob@contoso.test", "bob@contoso.test", err, sizeof err) < 0);
    CHECK(dir_admin_delegate_add(db, "bob@contoso.test", "eve@contoso.test", err, sizeof err) < 0);
    CHECK(strstr(err, "no mailbox eve@contoso.test") != NULL);
    CHECK(dir_admin_delegate_add(db, "eve@contoso.test", "bob@contoso.test", err, sizeof err) < 0);
    CHECK(delegate_rows(db, NULL, rows, sizeof rows) == 0);
    /* bob@contoso.test is by now an alias of the migrated cloud mailbox (test_tenants). */
    CHECK_STR(rows, "bob@contoso.mail.onmicrosoft.test\tdave@contoso.test\n");
    CHECK(delegate_rows(db, "dave@contoso.test", rows, sizeof rows) == 0);
    CHECK_STR(rows, "");
    CHECK(delegate_rows(db, "eve@contoso.test", rows, sizeof rows) < 0);

    char uri[300];
    snprintf(uri, sizeof uri, "sqlite:%s", db_path);
    struct directory *dir = directory_open(uri, err, sizeof err);
    CHECK(dir != NULL);
    struct dir_mailbox bob = {0}, dave = {0};
    CHECK(dir && directory_find_mailbox(dir, "bob@contoso.test", &bob) == 1);
    CHECK(dir && directory_find_mailbox(dir, "dave@contoso.test", &dave) == 1);
    if (dir) {
        CHECK(directory_may_read(dir, &bob, "bob@contoso.test") == 1);
        CHECK(directory_may_read(dir, &bob, "DAVE@contoso.test") == 1);
        CHECK(directory_may_read(dir, &bob, "alice@contoso.test") == 0);
        CHECK(directory_may_read(dir, &dave, "bob@contoso.test") == 0); /* one way only */
        CHECK(directory_may_read(dir, &dave, "d@contoso.test") == 1);   /* its own alias */
    }
    CHECK(dir_admin_delegate_remove(db, "bob@contoso.test", "dave@contoso.test", err,
                                    sizeof err) == 0);
    CHECK(dir_admin_delegate_remove(db, "bob@contoso.test", "dave@contoso.test", err,
                                    sizeof err) < 0);
    CHECK(strstr(err, "not a delegate") != NULL);
    if (dir) /* seen at once by the read-only handle */
        CHECK(directory_may_read(dir, &bob, "dave@contoso.test") == 0);
    /* A removed mailbox takes its delegations with it. */
    CHECK(dir_admin_delegate_add(db, "bob@contoso.test", "dave@contoso.test", err, sizeof err) ==
          0);
    CHECK(dir_admin_mailbox_remove(db, "dave@contoso.test", err, sizeof err) == 0);
    CHECK(delegate_rows(db, NULL, rows, sizeof rows) == 0);
    CHECK_STR(rows, "");
    dir_mailbox_free(&bob);
    dir_mailbox_free(&dave);
    directory_close(dir);
    dir_sqlite_close(ds);
}

/* A mailbox's own sections replace its organisation's of the same type, in place. */
static void test_overrides(void)
{
    char err[512];
    struct dir_sqlite *ds = dir_sqlite_open(db_path, false, err, sizeof err);
    CHECK(ds != NULL);
    if (!ds)
        return;
    sqlite3 *db = dir_sqlite_db(ds);
    CHECK(dir_admin_mailbox_add(db, "ovr@contoso.test", "Ovr", NULL, NULL,
                                "$6$saltsalt$abcdefghijklmnopqrstuv", err, sizeof err) == 0);
    CHECK(dir_admin_mailbox_add(db, "plain@contoso.test", "Plain", NULL, NULL,
                                "$6$saltsalt$abcdefghijklmnopqrstuv", err, sizeof err) == 0);
    /* test_protocol_clear emptied contoso: EXCH (2 fields), WEB, mapiHttp again. */
    struct dir_admin_field exch[] = {{"Server", "cas.contoso.test", NULL},
                                     {"EwsUrl", "https://cas.contoso.test/EWS/Exchange.asmx", NULL}};
    struct dir_admin_field web[] = {{"Internal/OWAUrl", "https://cas.contoso.test/owa/", NULL}};
    CHECK(dir_admin_protocol_add(db, "Contoso", "EXCH", NULL, exch, 2, err, sizeof err) == 0);
    CHECK(dir_admin_protocol_add(db, "Contoso", "WEB", NULL, web, 1, err, sizeof err) == 0);
    CHECK(dir_admin_protocol_add(db, "Contoso", "mapiHttp", "1", NULL, 0, err, sizeof err) == 0);
    struct dir_admin_field own[] = {{"Server", "own.contoso.test", NULL}};
    struct dir_admin_field imap[] = {{"Server", "imap.own.test", NULL}};
    CHECK(dir_admin_protocol_add_to(db, true, "OVR@contoso.test", "EXCH", NULL, own, 1, err,
                                    sizeof err) == 0);
    CHECK(dir_admin_protocol_add_to(db, true, "ovr@contoso.test", "IMAP", NULL, imap, 1, err,
                                    sizeof err) == 0);
    CHECK(dir_admin_protocol_add_to(db, true, "nobody@contoso.test", "EXCH", NULL, own, 1, err,
                                    sizeof err) < 0);
    CHECK(strstr(err, "no mailbox") != NULL);
    dir_sqlite_close(ds);

    struct directory *dir = directory_open(db_path[0] ? db_path : "", err, sizeof err);
    CHECK(dir == NULL); /* not a sqlite: URI */
    char uri[300];
    snprintf(uri, sizeof uri, "sqlite:%s", db_path);
    dir = directory_open(uri, err, sizeof err);
    CHECK(dir != NULL);
    if (!dir)
        return;
    struct dir_mailbox mb = {0};
    struct pox_response resp = {0};
    CHECK(directory_find_mailbox(dir, "ovr@contoso.test", &mb) == 1);
    CHECK(directory_add_mailbox_protocols(dir, &mb, &resp) == 0);
    CHECK(resp.nprotocols == 4); /* EXCH (own), WEB, mapiHttp, IMAP (own, appended) */
    if (resp.nprotocols == 4) {
        CHECK_STR(resp.protocols[0].type, "EXCH");
        CHECK(resp.protocols[0].nfields == 1);
        CHECK_STR(pox_protocol_get(&resp.protocols[0], "Server"), "own.contoso.test");
        CHECK_STR(resp.protocols[1].type, "WEB");
        CHECK_STR(resp.protocols[2].type, "mapiHttp");
        CHECK_STR(resp.protocols[3].type, "IMAP");
    }
    pox_response_free(&resp);
    dir_mailbox_free(&mb);
    memset(&resp, 0, sizeof resp);
    CHECK(directory_find_mailbox(dir, "plain@contoso.test", &mb) == 1);
    CHECK(directory_add_mailbox_protocols(dir, &mb, &resp) == 0);
    CHECK(resp.nprotocols == 3);
    if (resp.nprotocols == 3)
        CHECK(resp.protocols[0].nfields == 2); /* the organisation's EXCH */
    pox_response_free(&resp);
    dir_mailbox_free(&mb);
    directory_close(dir);
}

/* The whole directory exported in format, into a malloc'd string. */
static char *export_string(const char *path, enum dir_format format)
{
    char err[512], *text = NULL;
    size_t len = 0;
    struct dir_sqlite *ds = dir_sqlite_open(path, false, err, sizeof err);
    FILE *out = open_memstream(&text, &len);
    CHECK(ds && out);
    if (ds && out)
        CHECK(dir_export(dir_sqlite_db(ds), format, out, err, sizeof err) == 0);
    if (out)
        fclose(out);
    dir_sqlite_close(ds);
    return text;
}

/* 0 or -1 (err set): text imported into the directory at path. */
static int import_string(const char *path, enum dir_format format, const char *text,
                         size_t *mailboxes, char *err, size_t errlen)
{
    struct dir_sqlite *ds = dir_sqlite_open(path, false, err, errlen);
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    int rc = ds && in ? dir_import(dir_sqlite_db(ds), format, in, "t", mailboxes, err, errlen)
                      : -1;
    if (in)
        fclose(in);
    dir_sqlite_close(ds);
    return rc;
}

static void test_transfer(void)
{
    static const enum dir_format formats[] = {DIR_FORMAT_JSON, DIR_FORMAT_CSV};
    char err[512], path[300];
    for (size_t f = 0; f < 2; f++) {
        snprintf(path, sizeof path, "%s.copy%zu", db_path, f);
        CHECK(dir_sqlite_create(path, err, sizeof err) == 0);
        char *first = export_string(db_path, formats[f]);
        size_t n = 0;
        CHECK(first && strstr(first, "ovr@contoso.test") && strstr(first, "own.contoso.test"));
        CHECK(import_string(path, formats[f], first ? first : "", &n, err, sizeof err) == 0);
        CHECK(n >= 3);
        char *second = export_string(path, formats[f]);
        CHECK(first && second && strcmp(first, second) == 0); /* byte for byte */
        /* Importing the same again collides on the first record: nothing changes. */
        CHECK(import_string(path, formats[f], first ? first : "", &n, err, sizeof err) < 0);
        char *third = export_string(path, formats[f]);
        CHECK(second && third && strcmp(second, third) == 0);
        free(first);
        free(second);
        free(third);
        unlink(path);
    }
    /* A bad record rolls back everything before it, and the error names its line. */
    snprintf(path, sizeof path, "%s.bad", db_path);
    CHECK(dir_sqlite_create(path, err, sizeof err) == 0);
    const char *csv = "org,o,0b5a1e52-3a0a-4d4d-9c1f-2b8f4c6a7e11,,\n"
                      "domain,o.test,o\n"
                      "mailbox,a@o.test,A,/o=o/cn=a,$6$saltsalt$abcdefghijklmnopqrstuv,,1\n"
                      "# a comment\n"
                      "mailbox,b@o.test,B,/o=o/cn=b,plaintext-password,,1\n";
    size_t n = 7;
    CHECK(import_string(path, DIR_FORMAT_CSV, csv, &n, err, sizeof err) < 0);
    CHECK(strstr(err, "line 5") != NULL && strstr(err, "b@o.test") != NULL);
    CHECK(strstr(err, "crypt") != NULL);
    CHECK(n == 0);
    char *after = export_string(path, DIR_FORMAT_CSV);
    CHECK(after && !strstr(after, "a@o.test") && !strstr(after, "org,o,")); /* rolled back */
    free(after);
    const char *json = "{\"format\": 1, \"mailboxes\": [{\"address\": \"x@nowhere.test\","
                       " \"display_name\": \"X\", \"legacy_dn\": \"/o=x\", \"password_hash\":"
                       " \"$2b$12$abcdefghijklmnopqrstuv\", \"enabled\": true}]}";
    CHECK(import_string(path, DIR_FORMAT_JSON, json, &n, err, sizeof err) < 0);
    CHECK(strstr(err, "mailboxes[0]") != NULL); /* no such domain: FOREIGN KEY */
    CHECK(dir_valid_crypt_hash("$y$j9T$aEZP45oEpjR92rUQBX3UL0$raAqMySnTK.gQYa8Otg"));
    CHECK(!dir_valid_crypt_hash("$1$md5isnotaccepted$xxxxxxxxxxxxxxxxxx"));
    CHECK(!dir_valid_crypt_hash("$y$ space inside the hash value"));
    unlink(path);
}

/*
 * directory_version: the same while nobody commits (wal_watch.h: no statement needed then),
 * another after every commit of another connection, before and after a checkpoint that
 * empties the WAL.
 */
static void test_version(void)
{
    char err[512], uri[300], domain[64];
    snprintf(uri, sizeof uri, "sqlite:%s", db_path);
    struct directory *dir = directory_open(uri, err, sizeof err);
    struct dir_sqlite *writer = dir_sqlite_open(db_path, false, err, sizeof err);
    CHECK(dir && writer && directory_answer_cache(dir));
    if (dir && writer) {
        sqlite3 *db = dir_sqlite_db(writer);
        int64_t v = directory_version(dir);
        CHECK(v >= 0 && directory_version(dir) == v && directory_version(dir) == v);
        for (int i = 0; i < 6; i++) {
            if (i == 3)
                CHECK(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) ==
                      SQLITE_OK);
            snprintf(domain, sizeof domain, "version%d.test", i);
            CHECK(dir_admin_domain_add(db, domain, NULL, err, sizeof err) == 0);
            int64_t next = directory_version(dir);
            CHECK(next >= 0 && next != v);
            CHECK(directory_version(dir) == next);
            v = next;
        }
    }
    dir_sqlite_close(writer);
    directory_close(dir);
}

int main(void)
{
    char dir_template[] = "/tmp/test_dir_sqlite.XXXXXX";
    CHECK(mkdtemp(dir_template) != NULL);
    snprintf(db_path, sizeof db_path, "%s/directory.db", dir_template);
    populate();
    test_lookups();
    test_protocol_clear();
    test_open_errors();
    test_syntax();
    test_tenants();
    test_upgrade();
    test_delegates();
    test_overrides();
    test_transfer();
    test_version();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir_template);
    CHECK(system(cmd) == 0);
    return test_done("dir_sqlite");
}
