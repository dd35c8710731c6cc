/* dir_transfer: the export walker and the import sink (see dir_transfer.h). */
#include "dir_transfer.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dir_admin.h"
#include "directory.h"
#include "protocol_schema.h"

const char *const dir_rec_kind_name[DIR_REC_KINDS] = {
    [DIR_REC_POD] = "pod",     [DIR_REC_ORG] = "org",       [DIR_REC_PROTOCOL] = "protocol",
    [DIR_REC_FIELD] = "field", [DIR_REC_DOMAIN] = "domain", [DIR_REC_MAILBOX] = "mailbox",
    [DIR_REC_ALIAS] = "alias",
};
const unsigned dir_rec_nvalues[DIR_REC_KINDS] = {
    [DIR_REC_POD] = 2,    [DIR_REC_ORG] = 4,     [DIR_REC_PROTOCOL] = 4, [DIR_REC_FIELD] = 3,
    [DIR_REC_DOMAIN] = 2, [DIR_REC_MAILBOX] = 6, [DIR_REC_ALIAS] = 2,
};
const unsigned dir_rec_optional[DIR_REC_KINDS] = {
    [DIR_REC_ORG] = 1u << 2 | 1u << 3,
    [DIR_REC_PROTOCOL] = 1u << 3,
    [DIR_REC_FIELD] = 1u << 2,
    [DIR_REC_MAILBOX] = 1u << 4,
};
const char *const dir_rec_keys[DIR_REC_KINDS][DIR_REC_MAX_VALUES] = {
    [DIR_REC_POD] = {"name", "url"},
    [DIR_REC_ORG] = {"name", "deployment_id", "pod", "routing_domain"},
    [DIR_REC_PROTOCOL] = {"owner_kind", "owner", "type", "version"},
    [DIR_REC_FIELD] = {"path", "value", "attributes"},
    [DIR_REC_DOMAIN] = {"name", "organisation"},
    [DIR_REC_MAILBOX] = {"address", "display_name", "legacy_dn", "password_hash", "target_address",
                         "enabled"},
    [DIR_REC_ALIAS] = {"address", "mailbox"},
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

bool dir_valid_crypt_hash(const char *hash)
{
    static const char *const prefixes[] = {"$y$",  "$gy$", "$7$", "$2b$",
                                           "$2a$", "$2y$", "$6$", "$5$"};
    size_t len = strlen(hash);
    bool known = false;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(hash, prefixes[i], strlen(prefixes[i])) == 0)
            known = true;
    if (!known || len < 20 || len > 255)
        return false;
    /* crypt(3) output is drawn from this alphabet: no space, quote or control character. */
    return strspn(hash, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./$=,-+") ==
           len;
}

/* --- export: the directory, in order, as records --- */

struct walker {
    sqlite3 *db;
    struct dir_sink *sink;
    sqlite3_stmt *fields[2];    /* org, mailbox */
    sqlite3_stmt *protocols[2]; /* org, mailbox */
    sqlite3_stmt *aliases;
    char *err;
    size_t errlen;
};

static const char *text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static int db_fail(sqlite3 *db, char *err, size_t errlen)
{
    return fail(err, errlen, "directory: %s", sqlite3_errmsg(db));
}

static int put(struct walker *w, enum dir_rec_kind kind, const char *a, const char *b,
               const char *c, const char *d, const char *e, const char *f)
{
    struct dir_rec rec = {kind, {a, b, c, d, e, f}};
    return w->sink->put(w->sink, &rec, w->err, w->errlen);
}

/* Runs st (bound by the caller) to the end, then resets it. step_row: one row. */
static int each_row(struct walker *w, sqlite3_stmt *st,
                    int (*row)(struct walker *, sqlite3_stmt *, void *), void *ctx)
{
    int step, rc = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = row(w, st, ctx);
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_fail(w->db, w->err, w->errlen);
    sqlite3_reset(st);
    return rc;
}

static int field_row(struct walker *w, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    return put(w, DIR_REC_FIELD, text(st, 0), text(st, 1), text(st, 2), NULL, NULL, NULL);
}

static int protocol_row(struct walker *w, sqlite3_stmt *st, void *ctx)
{
    const char *const *owner = ctx; /* kind, name */
    int k = strcmp(owner[0], "org") == 0 ? 0 : 1;
    if (put(w, DIR_REC_PROTOCOL, owner[0], owner[1], text(st, 1), text(st, 2), NULL, NULL) < 0)
        return -1;
    sqlite3_stmt *f = w->fields[k];
    if (sqlite3_bind_int64(f, 1, sqlite3_column_int64(st, 0)) != SQLITE_OK)
        return db_fail(w->db, w->err, w->errlen);
    return each_row(w, f, field_row, NULL);
}

static int protocols_of(struct walker *w, const char *kind, const char *owner)
{
    const char *ctx[2] = {kind, owner};
    sqlite3_stmt *st = w->protocols[strcmp(kind, "org") == 0 ? 0 : 1];
    if (sqlite3_bind_text(st, 1, owner, -1, SQLITE_TRANSIENT) != SQLITE_OK)
        return db_fail(w->db, w->err, w->errlen);
    return each_row(w, st, protocol_row, (void *)ctx);
}

static int pod_row(struct walker *w, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    return put(w, DIR_REC_POD, text(st, 0), text(st, 1), NULL, NULL, NULL, NULL);
}

static int org_row(struct walker *w, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    if (put(w, DIR_REC_ORG, text(st, 0), text(st, 1), text(st, 2), text(st, 3), NULL, NULL) < 0)
        return -1;
    return protocols_of(w, "org", text(st, 0));
}

static int domain_row(struct walker *w, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    return put(w, DIR_REC_DOMAIN, text(st, 0), text(st, 1), NULL, NULL, NULL, NULL);
}

static int alias_row(struct walker *w, sqlite3_stmt *st, void *ctx)
{
    return put(w, DIR_REC_ALIAS, text(st, 0), ctx, NULL, NULL, NULL, NULL);
}

static int mailbox_row(struct walker *w, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    const char *address = text(st, 0);
    if (put(w, DIR_REC_MAILBOX, address, text(st, 1), text(st, 2), text(st, 3), text(st, 4),
            sqlite3_column_int(st, 5) ? "1" : "0") < 0)
        return -1;
    if (sqlite3_bind_text(w->aliases, 1, address, -1, SQLITE_TRANSIENT) != SQLITE_OK)
        return db_fail(w->db, w->err, w->errlen);
    if (each_row(w, w->aliases, alias_row, (void *)address) < 0)
        return -1;
    return protocols_of(w, "mailbox", address);
}

static const char *const walk_sql[] = {
    "SELECT name, url FROM pods ORDER BY name",
    "SELECT name, deployment_id, pod, routing_domain FROM organisations ORDER BY name",
    "SELECT name, organisation FROM domains ORDER BY name",
    "SELECT address, display_name, legacy_dn, password_hash, target_address, enabled "
    "FROM mailboxes ORDER BY address",
};

static int walk(struct walker *w)
{
    static const char *const helper_sql[] = {
        "SELECT path, value, attributes FROM protocol_fields WHERE protocol = ?1 ORDER BY position",
        "SELECT path, value, attributes FROM mailbox_protocol_fields WHERE protocol = ?1 "
        "ORDER BY position",
        "SELECT id, type, version FROM protocols WHERE organisation = ?1 ORDER BY position",
        "SELECT id, type, version FROM mailbox_protocols WHERE mailbox = ?1 ORDER BY position",
        "SELECT address FROM aliases WHERE mailbox = ?1 ORDER BY address",
    };
    sqlite3_stmt **helpers[] = {&w->fields[0], &w->fields[1], &w->protocols[0], &w->protocols[1],
                                &w->aliases};
    int (*rows[])(struct walker *, sqlite3_stmt *, void *) = {pod_row, org_row, domain_row,
                                                              mailbox_row};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof helpers / sizeof helpers[0]; i++)
        if (sqlite3_prepare_v2(w->db, helper_sql[i], -1, helpers[i], NULL) != SQLITE_OK)
            rc = db_fail(w->db, w->err, w->errlen);
    for (size_t i = 0; rc == 0 && i < sizeof walk_sql / sizeof walk_sql[0]; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(w->db, walk_sql[i], -1, &st, NULL) != SQLITE_OK)
            return db_fail(w->db, w->err, w->errlen);
        rc = each_row(w, st, rows[i], NULL);
        sqlite3_finalize(st);
    }
    for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
        sqlite3_finalize(*helpers[i]);
    return rc;
}

int dir_export(sqlite3 *db, enum dir_format format, FILE *out, char *err, size_t errlen)
{
    struct dir_sink *sink =
        format == DIR_FORMAT_JSON ? dir_json_writer_new(out) : dir_csv_writer_new(out);
    if (!sink)
        return fail(err, errlen, "out of memory");
    struct walker w = {.db = db, .sink = sink, .err = err, .errlen = errlen};
    /* One read transaction: a consistent snapshot even while the daemon or others write. */
    int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? walk(&w)
                                                                      : db_fail(db, err, errlen);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (format == DIR_FORMAT_JSON) {
        if (rc == 0 && dir_json_writer_finish(sink) < 0)
            rc = fail(err, errlen, "cannot write the JSON document");
        else if (rc != 0)
            dir_json_writer_free(sink);
    } else {
        dir_csv_writer_free(sink);
    }
    if (rc == 0 && (fflush(out) != 0 || ferror(out)))
        rc = fail(err, errlen, "write error");
    return rc;
}

/* --- import: records into the directory --- */

enum import_stmt {
    IS_POD,
    IS_ORG,
    IS_ORG_PROTOCOL,
    IS_ORG_FIELD,
    IS_DOMAIN,
    IS_MAILBOX,
    IS_ALIAS,
    IS_MAILBOX_PROTOCOL,
    IS_MAILBOX_FIELD,
    IS_COUNT
};

static const char *const import_sql[IS_COUNT] = {
    [IS_POD] = "INSERT INTO pods(name, url) VALUES(?1, ?2)",
    [IS_ORG] = "INSERT INTO organisations(name, deployment_id, pod, routing_domain) "
               "VALUES(?1, lower(?2), ?3, lower(?4))",
    [IS_ORG_PROTOCOL] = "INSERT INTO protocols(organisation, position, type, version) "
                        "SELECT o.name, (SELECT COALESCE(MAX(position), 0) + 1 FROM protocols "
                        "WHERE organisation = o.name), ?3, ?4 FROM organisations o "
                        "WHERE o.name = ?2",
    [IS_ORG_FIELD] = "INSERT INTO protocol_fields(protocol, position, path, value, attributes) "
                     "VALUES(?4, ?5, ?1, ?2, ?3)",
    [IS_DOMAIN] = "INSERT INTO domains(name, organisation) "
                  "SELECT lower(?1), name FROM organisations WHERE name = ?2",
    [IS_MAILBOX] = "INSERT INTO mailboxes(address, domain, display_name, legacy_dn, "
                   "password_hash, target_address, enabled) "
                   "VALUES(lower(?1), substr(lower(?1), instr(?1, '@') + 1), ?2, ?3, ?4, "
                   "lower(?5), CAST(?6 AS INTEGER))",
    [IS_ALIAS] = "INSERT INTO aliases(address, mailbox) VALUES(lower(?1), lower(?2))",
    [IS_MAILBOX_PROTOCOL] = "INSERT INTO mailbox_protocols(mailbox, position, type, version) "
                            "SELECT lower(?2), (SELECT COALESCE(MAX(position), 0) + 1 FROM "
                            "mailbox_protocols WHERE mailbox = lower(?2)), ?3, ?4",
    [IS_MAILBOX_FIELD] = "INSERT INTO mailbox_protocol_fields(protocol, position, path, value, "
                         "attributes) VALUES(?4, ?5, ?1, ?2, ?3)",
};

struct importer {
    struct dir_sink sink;
    sqlite3 *db;
    sqlite3_stmt *st[IS_COUNT];
    size_t mailboxes;
    /* The Protocol the next fields belong to. */
    sqlite3_int64 protocol_id;
    bool protocol_is_mailbox;
    char protocol_type[64];
    int field_position;
};

/* Syntax of one record, as the commands check it. 0, or -1 with the reason. */
static int check_record(const struct dir_rec *r, const char *protocol_type, char *err,
                        size_t errlen)
{
    const char *const *v = r->v;
    if ((unsigned)r->kind >= DIR_REC_KINDS)
        return fail(err, errlen, "unknown record");
    for (unsigned i = 0; i < dir_rec_nvalues[r->kind]; i++)
        if (!v[i] && !(dir_rec_optional[r->kind] & 1u << i))
            return fail(err, errlen, "%s: %s is missing", dir_rec_kind_name[r->kind],
                        dir_rec_keys[r->kind][i]);
    switch (r->kind) {
    case DIR_REC_POD:
        if (!dir_valid_name(v[0]))
            return fail(err, errlen, "pod name \"%s\" is empty, too long or has a '/'", v[0]);
        if (!dir_valid_pod_url(v[1]))
            return fail(err, errlen, "pod URL \"%s\" is not an https:// URL with a host", v[1]);
        return 0;
    case DIR_REC_ORG:
        if (!dir_valid_name(v[0]))
            return fail(err, errlen, "organisation name \"%s\" is not valid", v[0]);
        if (!dir_valid_guid(v[1]))
            return fail(err, errlen, "deployment id \"%s\" is not a GUID", v[1]);
        if (v[3] && !dir_valid_domain(v[3]))
            return fail(err, errlen, "routing domain \"%s\" is not a domain name", v[3]);
        return 0;
    case DIR_REC_PROTOCOL:
        if (strcmp(v[0], "org") != 0 && strcmp(v[0], "mailbox") != 0)
            return fail(err, errlen, "protocol owner kind \"%s\" is not org or mailbox", v[0]);
        if (!protocol_type_known(v[2]))
            return fail(err, errlen, "unknown Protocol type \"%s\"", v[2]);
        return 0;
    case DIR_REC_FIELD:
        if (!protocol_type[0])
            return fail(err, errlen, "a field outside any protocol");
        if (!protocol_path_known(protocol_type, v[0]))
            return fail(err, errlen, "unknown element \"%s\" for a %s Protocol", v[0],
                        protocol_type);
        return 0;
    case DIR_REC_DOMAIN:
        return dir_valid_domain(v[0])
                   ? 0
                   : fail(err, errlen, "\"%s\" is not a valid domain name", v[0]);
    case DIR_REC_MAILBOX:
        if (!dir_valid_address(v[0]))
            return fail(err, errlen, "\"%s\" is not a valid e-mail address", v[0]);
        if (!*v[1])
            return fail(err, errlen, "the display name is empty");
        if (v[2][0] != '/')
            return fail(err, errlen, "legacy DN \"%s\" does not start with '/'", v[2]);
        if (!dir_valid_crypt_hash(v[3]))
            return fail(err, errlen,
                        "the password hash is not a crypt(3) hash ($y$, $2b$, $6$...)");
        if (v[4] && !dir_valid_address(v[4]))
            return fail(err, errlen, "target address \"%s\" is not valid", v[4]);
        if (strcmp(v[5], "1") != 0 && strcmp(v[5], "0") != 0)
            return fail(err, errlen, "enabled \"%s\" is not 1 or 0", v[5]);
        return 0;
    case DIR_REC_ALIAS:
        return dir_valid_address(v[0])
                   ? 0
                   : fail(err, errlen, "alias \"%s\" is not a valid e-mail address", v[0]);
    default:
        return fail(err, errlen, "unknown record");
    }
}

static enum import_stmt stmt_for(struct importer *im, const struct dir_rec *r)
{
    switch (r->kind) {
    case DIR_REC_POD:
        return IS_POD;
    case DIR_REC_ORG:
        return IS_ORG;
    case DIR_REC_PROTOCOL:
        return strcmp(r->v[0], "org") == 0 ? IS_ORG_PROTOCOL : IS_MAILBOX_PROTOCOL;
    case DIR_REC_FIELD:
        return im->protocol_is_mailbox ? IS_MAILBOX_FIELD : IS_ORG_FIELD;
    case DIR_REC_DOMAIN:
        return IS_DOMAIN;
    case DIR_REC_MAILBOX:
        return IS_MAILBOX;
    default:
        return IS_ALIAS;
    }
}

static int import_put(struct dir_sink *sink, const struct dir_rec *r, char *err, size_t errlen)
{
    struct importer *im = (struct importer *)sink;
    if (r->kind == DIR_REC_PROTOCOL && strlen(r->v[2]) >= sizeof im->protocol_type)
        return fail(err, errlen, "unknown Protocol type");
    if (check_record(r, im->protocol_type, err, errlen) < 0)
        return -1;
    enum import_stmt which = stmt_for(im, r);
    sqlite3_stmt *st = im->st[which];
    int ok = SQLITE_OK;
    for (unsigned i = 0; ok == SQLITE_OK && i < dir_rec_nvalues[r->kind]; i++)
        ok = r->v[i] ? sqlite3_bind_text(st, (int)i + 1, r->v[i], -1, SQLITE_STATIC)
                     : sqlite3_bind_null(st, (int)i + 1);
    if (ok == SQLITE_OK && r->kind == DIR_REC_FIELD)
        ok = sqlite3_bind_int64(st, 4, im->protocol_id) |
             sqlite3_bind_int(st, 5, ++im->field_position);
    int rc = ok == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(im->db, err, errlen);
    /* An INSERT ... SELECT that found no owner inserts nothing. */
    if (rc == 0 && sqlite3_changes(im->db) != 1)
        rc = fail(err, errlen, "%s",
                  r->kind == DIR_REC_DOMAIN ? "no such organisation" : "no such owner");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == 0 && r->kind == DIR_REC_PROTOCOL) {
        im->protocol_id = sqlite3_last_insert_rowid(im->db);
        im->protocol_is_mailbox = which == IS_MAILBOX_PROTOCOL;
        snprintf(im->protocol_type, sizeof im->protocol_type, "%s", r->v[2]);
        im->field_position = 0;
    } else if (rc == 0 && r->kind != DIR_REC_FIELD) {
        im->protocol_type[0] = '\0'; /* fields only directly after their protocol */
    }
    if (rc == 0 && r->kind == DIR_REC_MAILBOX)
        im->mailboxes++;
    return rc;
}

int dir_import(sqlite3 *db, enum dir_format format, FILE *in, const char *name, size_t *mailboxes,
               char *err, size_t errlen)
{
    struct importer im = {.sink = {import_put}, .db = db};
    int rc = 0;
    for (int i = 0; rc == 0 && i < IS_COUNT; i++)
        if (sqlite3_prepare_v3(db, import_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &im.st[i], NULL) !=
            SQLITE_OK)
            rc = db_fail(db, err, errlen);
    if (rc == 0 && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        rc = db_fail(db, err, errlen);
    else if (rc == 0) {
        rc = format == DIR_FORMAT_JSON ? dir_json_read(in, name, &im.sink, err, errlen)
                                       : dir_csv_read(in, name, &im.sink, err, errlen);
        if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            rc = db_fail(db, err, errlen);
        if (rc != 0)
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    for (int i = 0; i < IS_COUNT; i++)
        sqlite3_finalize(im.st[i]);
    *mailboxes = rc == 0 ? im.mailboxes : 0;
    return rc;
}
