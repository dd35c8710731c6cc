/*
 * A real SQLite directory for the handler targets, built once per process in the fuzz
 * temporary directory: organisation Contoso (contoso.test, fabrikam.test, Protocol sections),
 * bob (alias robert@fabrikam.test, password "secret"), alice moved to a tenant served by a
 * pod (the router's and v2 redirect's paths), carol disabled.
 * The password hash is sha256crypt with 1,000 rounds, not the service's yescrypt: the
 * verification code is the same, and a fuzzer cannot afford yescrypt's cost per input.
 */
#ifndef AD_FUZZ_DIRECTORY_H
#define AD_FUZZ_DIRECTORY_H

#include <crypt.h>

#include "dir_admin.h"
#include "dir_sqlite.h"
#include "directory.h"
#include "fuzz_common.h"

#define FUZZ_DIR_PASSWORD "secret"

static inline void fuzz_dir_ok(int rc, const char *err)
{
    if (rc != 0) {
        fprintf(stderr, "fuzz directory: %s\n", err);
        abort();
    }
}

static inline void fuzz_directory_fill(sqlite3 *db)
{
    char err[512], cloud[256];
    struct crypt_data *cd = calloc(1, sizeof *cd);
    FUZZ_ASSERT(cd != NULL);
    const char *hash = crypt_rn(FUZZ_DIR_PASSWORD, "$5$rounds=1000$fuzzsalt", cd, sizeof *cd);
    FUZZ_ASSERT(hash && hash[0] == '$');
    fuzz_dir_ok(
        dir_admin_org_add(db, "Contoso", "11111111-2222-4333-8444-555555555555", err, sizeof err),
        err);
    fuzz_dir_ok(dir_admin_domain_add(db, "contoso.test", "Contoso", err, sizeof err), err);
    fuzz_dir_ok(dir_admin_domain_add(db, "fabrikam.test", "Contoso", err, sizeof err), err);
    fuzz_dir_ok(dir_admin_mailbox_add(db, "bob@contoso.test", "Bob Example", "/o=Contoso/cn=bob",
                                      NULL, hash, err, sizeof err),
                err);
    fuzz_dir_ok(
        dir_admin_alias_add(db, "bob@contoso.test", "robert@fabrikam.test", err, sizeof err), err);
    fuzz_dir_ok(
        dir_admin_mailbox_add(db, "alice@contoso.test", "Alice", NULL, NULL, hash, err, sizeof err),
        err);
    fuzz_dir_ok(dir_admin_mailbox_add(db, "carol@fabrikam.test", "Carol", NULL, NULL, hash, err,
                                      sizeof err),
                err);
    fuzz_dir_ok(dir_admin_mailbox_change(db, "carol@fabrikam.test", NULL, NULL, 0, err, sizeof err),
                err);
    struct dir_admin_field f[] = {
        {"EwsUrl", "https://cas.contoso.test/EWS/Exchange.asmx", NULL},
        {"Server", "cas.contoso.test", NULL},
    };
    fuzz_dir_ok(dir_admin_protocol_add(db, "Contoso", "EXCH", NULL, f, 2, err, sizeof err), err);
    fuzz_dir_ok(dir_admin_protocol_add(db, "Contoso", "EXPR", NULL, f, 2, err, sizeof err), err);
    fuzz_dir_ok(dir_admin_protocol_add(db, "Contoso", "WEB", NULL, f, 1, err, sizeof err), err);
    fuzz_dir_ok(dir_admin_pod_add(db, "pod1",
                                  "https://pod1.outlook.test/autodiscover/autodiscover.xml", err,
                                  sizeof err),
                err);
    fuzz_dir_ok(dir_admin_tenant_add(db, "Cloud", NULL, "pod1", "contoso.mail.onmicrosoft.test",
                                     err, sizeof err),
                err);
    fuzz_dir_ok(dir_admin_protocol_add(db, "Cloud", "EXHTTP", NULL, f, 2, err, sizeof err), err);
    fuzz_dir_ok(
        dir_admin_migrate(db, "alice@contoso.test", "Cloud", cloud, sizeof cloud, err, sizeof err),
        err);
    free(cd);
}

/* The directory, opened read-only like the service opens it; built on the first call. */
static inline struct directory *fuzz_directory(void)
{
    static struct directory *dir;
    if (dir)
        return dir;
    char path[256], uri[300], err[512];
    snprintf(path, sizeof path, "%s/directory.db", fuzz_tempdir());
    fuzz_dir_ok(dir_sqlite_create(path, err, sizeof err), err);
    struct dir_sqlite *ds = dir_sqlite_open(path, false, err, sizeof err);
    fuzz_dir_ok(ds ? 0 : -1, err);
    fuzz_directory_fill(dir_sqlite_db(ds));
    dir_sqlite_close(ds);
    snprintf(uri, sizeof uri, "sqlite:%s", path);
    dir = directory_open(uri, err, sizeof err);
    fuzz_dir_ok(dir ? 0 : -1, err);
    return dir;
}

#endif
