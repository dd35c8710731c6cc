/* dir_admin: directory writes for autodiscoverctl (see dir_admin.h). */
#include "dir_admin.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "directory.h"

#define LEGACY_DN_FORMAT                                                                           \
    "/o=%s/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=%s%s"

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

static int db_fail(sqlite3 *db, char *err, size_t errlen)
{
    return fail(err, errlen, "directory: %s", sqlite3_errmsg(db));
}

/* --- syntax --- */

bool dir_valid_domain(const char *domain)
{
    size_t len = strlen(domain), label = 0;
    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i <= len; i++) {
        char c = domain[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63 || domain[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)c) && !(c == '-' && label > 0))
            return false;
        label++;
    }
    return true;
}

bool dir_valid_address(const char *address)
{
    const char *at = strchr(address, '@');
    if (!at || at == address || strchr(at + 1, '@') || at - address > 64)
        return false;
    for (const char *p = address; p < at; p++) {
        unsigned char c = (unsigned char)*p;
        /* Dot-atom text of RFC 5322, without quoting. */
        if (!isalnum(c) && !strchr("!#$%&'*+-/=?^_`{|}~.", c))
            return false;
    }
    if (address[0] == '.' || at[-1] == '.' || strstr(address, ".."))
        return false;
    return dir_valid_domain(at + 1);
}

bool dir_valid_guid(const char *guid)
{
    if (strlen(guid) != DIR_GUID_LEN)
        return false;
    for (int i = 0; i < DIR_GUID_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? guid[i] != '-' : !isxdigit((unsigned char)guid[i]))
            return false;
    }
    return true;
}

bool dir_valid_name(const char *name)
{
    return *name && strlen(name) <= 256 && !strchr(name, '/');
}

int dir_new_guid(char *out)
{
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        return -1;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, DIR_GUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return 0;
}

/* --- statement helpers --- */

/* Prepares sql and binds the NULL-terminated text arguments (NULL binds SQL NULL). */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, int nargs, ...)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    va_list ap;
    va_start(ap, nargs);
    for (int i = 1; i <= nargs; i++) {
        const char *v = va_arg(ap, const char *);
        int rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
        if (rc != SQLITE_OK) {
            va_end(ap);
            sqlite3_finalize(st);
            return NULL;
        }
    }
    va_end(ap);
    return st;
}

/* Runs a statement that returns no rows. 0, or -1 with err set. */
static int run(sqlite3 *db, sqlite3_stmt *st, char *err, size_t errlen)
{
    if (!st)
        return db_fail(db, err, errlen);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, err, errlen);
    sqlite3_finalize(st);
    return rc;
}

/* Runs a one-row, one-column query; copies the text into out. 1 found, 0 none, -1 error. */
static int query_text(sqlite3 *db, sqlite3_stmt *st, char *out, size_t outlen, char *err,
                      size_t errlen)
{
    if (!st)
        return db_fail(db, err, errlen);
    int rc = -1;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        snprintf(out, outlen, "%s", v ? v : "");
        rc = 1;
    } else if (step == SQLITE_DONE) {
        rc = 0;
    } else {
        db_fail(db, err, errlen);
    }
    sqlite3_finalize(st);
    return rc;
}

static int org_exists(sqlite3 *db, const char *name, char *canonical, size_t len, char *err,
                      size_t errlen)
{
    return query_text(db, prepare(db, "SELECT name FROM organisations WHERE name = ?1", 1, name),
                      canonical, len, err, errlen);
}

static void json_string(FILE *out, const char *v)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/*
 * Prints every row of st: columns separated by tabs, NULL as "-"; or, with json, one
 * array of objects keyed by column name, NULL as null.
 */
static int print_rows(sqlite3 *db, sqlite3_stmt *st, FILE *out, bool json, char *err,
                      size_t errlen)
{
    if (!st)
        return db_fail(db, err, errlen);
    int step;
    bool first = true;
    if (json)
        fputc('[', out);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int n = sqlite3_column_count(st);
        if (json)
            fputs(first ? "{" : ",\n{", out);
        for (int i = 0; i < n; i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            if (!json) {
                fprintf(out, "%s%s", i ? "\t" : "", v ? v : "-");
                continue;
            }
            if (i)
                fputs(", ", out);
            json_string(out, sqlite3_column_name(st, i));
            fputs(": ", out);
            if (!v)
                fputs("null", out);
            else if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
                fputs(v, out);
            else
                json_string(out, v);
        }
        fputc(json ? '}' : '\n', out);
        first = false;
    }
    if (json)
        fputs("]\n", out);
    int rc = step == SQLITE_DONE ? 0 : db_fail(db, err, errlen);
    sqlite3_finalize(st);
    return rc;
}

/* Runs a change that must touch exactly one row; "no THING NAME" otherwise. */
static int change_one(sqlite3 *db, sqlite3_stmt *st, const char *thing, const char *name,
                      char *err, size_t errlen)
{
    if (run(db, st, err, errlen) < 0)
        return -1;
    return sqlite3_changes(db) == 1 ? 0 : fail(err, errlen, "no %s %s", thing, name);
}

/* A lower-case copy, or NULL (out of memory reported in err). */
static char *lower_dup(const char *s, char *err, size_t errlen)
{
    char *copy = strdup(s);
    if (!copy)
        fail(err, errlen, "out of memory");
    else
        dir_lowercase(copy);
    return copy;
}

static int begin(sqlite3 *db, char *err, size_t errlen)
{
    return sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : db_fail(db, err, errlen);
}

/* Commits when rc is 0, else rolls back; returns rc (or -1 when the commit fails). */
static int finish(sqlite3 *db, int rc, char *err, size_t errlen)
{
    if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = db_fail(db, err, errlen);
    if (rc != 0)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* --- organisations and domains --- */

int dir_admin_org_add(sqlite3 *db, const char *name, const char *deployment_id, char *err,
                      size_t errlen)
{
    char guid[DIR_GUID_LEN + 1];
    if (!*name || strchr(name, '/') || strlen(name) > 256)
        return fail(err, errlen, "organisation name \"%s\" is empty, too long or has a '/'", name);
    if (deployment_id) {
        if (!dir_valid_guid(deployment_id))
            return fail(err, errlen, "deployment id \"%s\" is not a GUID", deployment_id);
        snprintf(guid, sizeof guid, "%s", deployment_id);
        dir_lowercase(guid);
    } else if (dir_new_guid(guid) < 0) {
        return fail(err, errlen, "cannot generate a GUID");
    }
    char existing[512];
    int found = org_exists(db, name, existing, sizeof existing, err, errlen);
    if (found != 0)
        return found < 0 ? -1 : fail(err, errlen, "organisation %s already exists", existing);
    return run(
        db,
        prepare(db, "INSERT INTO organisations(name, deployment_id) VALUES(?1, ?2)", 2, name, guid),
        err, errlen);
}

int dir_admin_org_list(sqlite3 *db, FILE *out, bool json, char *err, size_t errlen)
{
    return print_rows(db,
                      prepare(db,
                              "SELECT name, deployment_id, pod, routing_domain "
                              "FROM organisations ORDER BY name",
                              0),
                      out, json, err, errlen);
}

int dir_admin_domain_add(sqlite3 *db, const char *domain, const char *org, char *err, size_t errlen)
{
    char *lower = strdup(domain);
    if (!lower)
        return fail(err, errlen, "out of memory");
    dir_lowercase(lower);
    int rc = -1;
    char canonical[512], owner[512];
    if (!dir_valid_domain(lower)) {
        fail(err, errlen, "\"%s\" is not a valid domain name", domain);
        goto out;
    }
    int found =
        query_text(db, prepare(db, "SELECT organisation FROM domains WHERE name = ?1", 1, lower),
                   owner, sizeof owner, err, errlen);
    if (found != 0) {
        if (found > 0)
            fail(err, errlen, "domain %s already exists (organisation %s)", lower, owner);
        goto out;
    }
    const char *org_name = org ? org : lower;
    found = org_exists(db, org_name, canonical, sizeof canonical, err, errlen);
    if (found < 0)
        goto out;
    if (found == 0) {
        if (dir_admin_org_add(db, org_name, NULL, err, errlen) < 0)
            goto out;
        snprintf(canonical, sizeof canonical, "%s", org_name);
    }
    rc = run(
        db,
        prepare(db, "INSERT INTO domains(name, organisation) VALUES(?1, ?2)", 2, lower, canonical),
        err, errlen);
out:
    free(lower);
    return rc;
}

int dir_admin_domain_list(sqlite3 *db, FILE *out, bool json, char *err, size_t errlen)
{
    return print_rows(db, prepare(db, "SELECT name, organisation FROM domains ORDER BY name", 0),
                      out, json, err, errlen);
}

/* --- mailboxes --- */

/*
 * The legacy DN Exchange would give the mailbox: cn=<local part> under the organisation's
 * recipients, or, when another mailbox already holds that (alice@contoso.test and the cloud
 * alice@contoso.mail.onmicrosoft.test of the same tenant), cn=<random hex>-<local part>, as
 * Exchange Online names its recipients. NULL on failure, with err set.
 */
static char *default_legacy_dn(sqlite3 *db, const char *org, char *address, char *at, char *err,
                               size_t errlen)
{
    char prefix[DIR_GUID_LEN + 2] = ""; /* "" or "<8 hex>-" */
    char *dn = NULL;
    *at = '\0'; /* address now holds the local part */
    for (int attempt = 0; attempt < 2 && !dn; attempt++) {
        if (asprintf(&dn, LEGACY_DN_FORMAT, org, prefix, address) < 0) {
            dn = NULL;
            fail(err, errlen, "out of memory");
            break;
        }
        char existing[512];
        int taken = query_text(
            db, prepare(db, "SELECT address FROM mailboxes WHERE legacy_dn = ?1", 1, dn),
            existing, sizeof existing, err, errlen);
        if (taken == 0)
            break;
        free(dn);
        dn = NULL;
        if (taken < 0)
            break; /* query_text said why */
        if (attempt == 1 || dir_new_guid(prefix) < 0) {
            fail(err, errlen, "cannot choose a legacy DN for %s: give one with --legacy-dn",
                 address);
            break;
        }
        strcpy(prefix + 8, "-"); /* the first 8 hex digits of a fresh GUID, and a dash */
    }
    *at = '@';
    return dn;
}

int dir_admin_mailbox_add(sqlite3 *db, const char *address, const char *display_name,
                          const char *legacy_dn, const char *target_address,
                          const char *password_hash, char *err, size_t errlen)
{
    if (!dir_valid_address(address))
        return fail(err, errlen, "\"%s\" is not a valid e-mail address", address);
    if (target_address && !dir_valid_address(target_address))
        return fail(err, errlen, "target address \"%s\" is not a valid e-mail address",
                    target_address);
    if (!*display_name)
        return fail(err, errlen, "the display name is empty");
    if (legacy_dn && legacy_dn[0] != '/')
        return fail(err, errlen, "legacy DN \"%s\" does not start with '/'", legacy_dn);
    char *lower = strdup(address);
    char *target = target_address ? strdup(target_address) : NULL;
    char *dn = NULL;
    int rc = -1;
    if (!lower || (target_address && !target)) {
        fail(err, errlen, "out of memory");
        goto out;
    }
    dir_lowercase(lower);
    if (target)
        dir_lowercase(target);
    char *at = strchr(lower, '@');
    char org[512];
    int found =
        query_text(db, prepare(db, "SELECT organisation FROM domains WHERE name = ?1", 1, at + 1),
                   org, sizeof org, err, errlen);
    if (found <= 0) {
        if (found == 0)
            fail(err, errlen, "no domain %s (add it with: domain add %s)", at + 1, at + 1);
        goto out;
    }
    if (!legacy_dn && !(dn = default_legacy_dn(db, org, lower, at, err, errlen)))
        goto out;
    char existing[512];
    found =
        query_text(db, prepare(db, "SELECT address FROM mailboxes WHERE address = ?1", 1, lower),
                   existing, sizeof existing, err, errlen);
    if (found != 0) {
        if (found > 0)
            fail(err, errlen, "mailbox %s already exists", lower);
        goto out;
    }
    rc = run(db,
             prepare(db,
                     "INSERT INTO mailboxes(address, domain, display_name, legacy_dn, "
                     "password_hash, target_address) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                     6, lower, at + 1, display_name, legacy_dn ? legacy_dn : dn, password_hash,
                     target),
             err, errlen);
out:
    free(lower);
    free(target);
    free(dn);
    return rc;
}

int dir_admin_mailbox_passwd(sqlite3 *db, const char *address, const char *password_hash, char *err,
                             size_t errlen)
{
    char *lower = strdup(address);
    if (!lower)
        return fail(err, errlen, "out of memory");
    dir_lowercase(lower);
    int rc = run(db,
                 prepare(db, "UPDATE mailboxes SET password_hash = ?2 WHERE address = ?1", 2, lower,
                         password_hash),
                 err, errlen);
    if (rc == 0 && sqlite3_changes(db) == 0)
        rc = fail(err, errlen, "no mailbox %s", lower);
    free(lower);
    return rc;
}

int dir_admin_mailbox_list(sqlite3 *db, FILE *out, bool json, char *err, size_t errlen)
{
    /* Aliases as one comma-separated column, so the text form stays one line a mailbox. */
    return print_rows(db,
                      prepare(db,
                              "SELECT m.address, m.display_name, m.legacy_dn, m.target_address, "
                              "m.enabled, (SELECT group_concat(a.address, ',') FROM "
                              "(SELECT address FROM aliases WHERE mailbox = m.address "
                              "ORDER BY address) a) AS aliases FROM mailboxes m ORDER BY m.address",
                              0),
                      out, json, err, errlen);
}

/* --- protocols --- */

/* Where an owner's Protocol sections live: an organisation's, or a mailbox's own. */
struct protocol_tables {
    const char *insert_protocol; /* ?1 owner, ?2 type, ?3 version */
    const char *insert_field;
    const char *list;  /* ?1 owner: id, position, type, version, path, value, attributes */
    const char *clear; /* ?1 owner */
};

static const struct protocol_tables org_tables = {
    "INSERT INTO protocols(organisation, position, type, version) "
    "SELECT ?1, COALESCE(MAX(position), 0) + 1, ?2, ?3 FROM protocols WHERE organisation = ?1",
    "INSERT INTO protocol_fields(protocol, position, path, value, attributes) "
    "VALUES(?1, ?2, ?3, ?4, ?5)",
    "SELECT p.id, p.position, p.type, p.version, f.path, f.value, f.attributes FROM protocols p "
    "LEFT JOIN protocol_fields f ON f.protocol = p.id WHERE p.organisation = ?1 "
    "ORDER BY p.position, f.position",
    "DELETE FROM protocols WHERE organisation = ?1",
};

static const struct protocol_tables mailbox_tables = {
    "INSERT INTO mailbox_protocols(mailbox, position, type, version) "
    "SELECT ?1, COALESCE(MAX(position), 0) + 1, ?2, ?3 FROM mailbox_protocols WHERE mailbox = ?1",
    "INSERT INTO mailbox_protocol_fields(protocol, position, path, value, attributes) "
    "VALUES(?1, ?2, ?3, ?4, ?5)",
    "SELECT p.id, p.position, p.type, p.version, f.path, f.value, f.attributes "
    "FROM mailbox_protocols p LEFT JOIN mailbox_protocol_fields f ON f.protocol = p.id "
    "WHERE p.mailbox = ?1 ORDER BY p.position, f.position",
    "DELETE FROM mailbox_protocols WHERE mailbox = ?1",
};

static int protocol_insert(sqlite3 *db, const struct protocol_tables *t, const char *org,
                           const char *type, const char *version,
                           const struct dir_admin_field *fields, size_t nfields, char *err,
                           size_t errlen)
{
    sqlite3_stmt *st = prepare(db, t->insert_protocol, 3, org, type, version);
    if (run(db, st, err, errlen) < 0)
        return -1;
    sqlite3_int64 id = sqlite3_last_insert_rowid(db);
    for (size_t i = 0; i < nfields; i++) {
        st = prepare(db, t->insert_field, 0);
        if (!st)
            return db_fail(db, err, errlen);
        if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
            sqlite3_bind_int64(st, 2, (sqlite3_int64)i + 1) != SQLITE_OK ||
            sqlite3_bind_text(st, 3, fields[i].path, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_bind_text(st, 4, fields[i].value, -1, SQLITE_STATIC) != SQLITE_OK ||
            (fields[i].attributes
                 ? sqlite3_bind_text(st, 5, fields[i].attributes, -1, SQLITE_STATIC)
                 : sqlite3_bind_null(st, 5)) != SQLITE_OK) {
            sqlite3_finalize(st);
            return db_fail(db, err, errlen);
        }
        if (run(db, st, err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* The canonical owner: an organisation's stored name, or an existing mailbox's address. */
static int protocol_owner(sqlite3 *db, bool mailbox, const char *owner, char *canonical,
                          size_t len, char *err, size_t errlen)
{
    int found;
    if (mailbox) {
        char *lower = lower_dup(owner, err, errlen);
        if (!lower)
            return -1;
        found = query_text(db, prepare(db, "SELECT address FROM mailboxes WHERE address = ?1", 1,
                                       lower),
                           canonical, len, err, errlen);
        free(lower);
    } else {
        found = org_exists(db, owner, canonical, len, err, errlen);
    }
    if (found == 0)
        return fail(err, errlen, "no %s %s", mailbox ? "mailbox" : "organisation", owner);
    return found < 0 ? -1 : 0;
}

int dir_admin_protocol_add_to(sqlite3 *db, bool mailbox, const char *owner, const char *type,
                              const char *version, const struct dir_admin_field *fields,
                              size_t nfields, char *err, size_t errlen)
{
    char canonical[512];
    if (protocol_owner(db, mailbox, owner, canonical, sizeof canonical, err, errlen) < 0 ||
        begin(db, err, errlen) < 0)
        return -1;
    return finish(db,
                  protocol_insert(db, mailbox ? &mailbox_tables : &org_tables, canonical, type,
                                  version, fields, nfields, err, errlen),
                  err, errlen);
}

int dir_admin_protocol_add(sqlite3 *db, const char *org, const char *type, const char *version,
                           const struct dir_admin_field *fields, size_t nfields, char *err,
                           size_t errlen)
{
    return dir_admin_protocol_add_to(db, false, org, type, version, fields, nfields, err, errlen);
}

/* One section as JSON: {"position", "type", "version", "fields": [{path, value, attributes}]}. */
static void json_protocol_open(FILE *out, sqlite3_stmt *st, bool first)
{
    const char *version = (const char *)sqlite3_column_text(st, 3);
    fprintf(out, "%s{\"position\": %d, \"type\": ", first ? "" : "]},\n", sqlite3_column_int(st, 1));
    json_string(out, (const char *)sqlite3_column_text(st, 2));
    fputs(", \"version\": ", out);
    if (version)
        json_string(out, version);
    else
        fputs("null", out);
    fputs(", \"fields\": [", out);
}

static void json_field(FILE *out, sqlite3_stmt *st, bool first)
{
    const char *attrs = (const char *)sqlite3_column_text(st, 6);
    fputs(first ? "{\"path\": " : ", {\"path\": ", out);
    json_string(out, (const char *)sqlite3_column_text(st, 4));
    fputs(", \"value\": ", out);
    json_string(out, (const char *)sqlite3_column_text(st, 5));
    fputs(", \"attributes\": ", out);
    if (attrs)
        json_string(out, attrs);
    else
        fputs("null", out);
    fputc('}', out);
}

static void text_protocol(FILE *out, sqlite3_stmt *st, bool new_section)
{
    if (new_section) {
        const char *version = (const char *)sqlite3_column_text(st, 3);
        fprintf(out, "%d %s%s%s\n", sqlite3_column_int(st, 1), sqlite3_column_text(st, 2),
                version ? " Version=" : "", version ? version : "");
    }
    if (sqlite3_column_type(st, 4) == SQLITE_NULL)
        return;
    fprintf(out, "  %s=%s\n", sqlite3_column_text(st, 4), sqlite3_column_text(st, 5));
    const char *attrs = (const char *)sqlite3_column_text(st, 6);
    while (attrs && *attrs) {
        int len = (int)strcspn(attrs, "\n");
        fprintf(out, "  %s@%.*s\n", sqlite3_column_text(st, 4), len, attrs);
        attrs += len + (attrs[len] == '\n');
    }
}

static int protocol_print(sqlite3 *db, const struct protocol_tables *t, const char *owner,
                          FILE *out, bool json, char *err, size_t errlen)
{
    sqlite3_stmt *st = prepare(db, t->list, 1, owner);
    if (!st)
        return db_fail(db, err, errlen);
    sqlite3_int64 current = -1;
    bool any = false, first_field = true;
    int step;
    if (json)
        fputc('[', out);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        bool new_section = sqlite3_column_int64(st, 0) != current;
        current = sqlite3_column_int64(st, 0);
        if (!json) {
            text_protocol(out, st, new_section);
            continue;
        }
        if (new_section) {
            json_protocol_open(out, st, !any);
            first_field = true;
        }
        any = true;
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            json_field(out, st, first_field);
            first_field = false;
        }
    }
    if (json)
        fputs(any ? "]}]\n" : "]\n", out);
    int rc = step == SQLITE_DONE ? 0 : db_fail(db, err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int dir_admin_protocol_list_of(sqlite3 *db, bool mailbox, const char *owner, FILE *out,
                               bool json, char *err, size_t errlen)
{
    char canonical[512];
    if (protocol_owner(db, mailbox, owner, canonical, sizeof canonical, err, errlen) < 0)
        return -1;
    return protocol_print(db, mailbox ? &mailbox_tables : &org_tables, canonical, out, json, err,
                          errlen);
}

int dir_admin_protocol_list(sqlite3 *db, const char *org, FILE *out, char *err, size_t errlen)
{
    return dir_admin_protocol_list_of(db, false, org, out, false, err, errlen);
}

int dir_admin_protocol_clear_of(sqlite3 *db, bool mailbox, const char *owner, char *err,
                                size_t errlen)
{
    char canonical[512];
    if (protocol_owner(db, mailbox, owner, canonical, sizeof canonical, err, errlen) < 0)
        return -1;
    /* The fields go with their protocol (ON DELETE CASCADE). */
    return run(db, prepare(db, (mailbox ? &mailbox_tables : &org_tables)->clear, 1, canonical),
               err, errlen);
}

int dir_admin_protocol_clear(sqlite3 *db, const char *org, char *err, size_t errlen)
{
    return dir_admin_protocol_clear_of(db, false, org, err, errlen);
}

/* --- one mailbox --- */

int dir_admin_mailbox_show(sqlite3 *db, const char *address, FILE *out, bool json, char *err,
                           size_t errlen)
{
    char canonical[512];
    if (protocol_owner(db, true, address, canonical, sizeof canonical, err, errlen) < 0)
        return -1;
    sqlite3_stmt *st = prepare(
        db,
        "SELECT m.address, m.display_name, m.legacy_dn, m.target_address, m.enabled, "
        "d.organisation, o.deployment_id, o.pod, (SELECT group_concat(a.address, ',') FROM "
        "(SELECT address FROM aliases WHERE mailbox = m.address ORDER BY address) a) AS aliases "
        "FROM mailboxes m JOIN domains d ON d.name = m.domain JOIN organisations o "
        "ON o.name = d.organisation WHERE m.address = ?1",
        1, canonical);
    if (!st || sqlite3_step(st) != SQLITE_ROW) {
        if (st)
            sqlite3_finalize(st);
        return db_fail(db, err, errlen);
    }
    int n = sqlite3_column_count(st);
    if (json)
        fputc('{', out);
    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(st, i);
        const char *v = (const char *)sqlite3_column_text(st, i);
        if (!json) {
            fprintf(out, "%s: %s\n", name, v ? v : "-");
            continue;
        }
        fprintf(out, "%s", i ? ", " : "");
        json_string(out, name);
        fputs(": ", out);
        if (!v)
            fputs("null", out);
        else if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
            fputs(v, out);
        else
            json_string(out, v);
    }
    sqlite3_finalize(st);
    /* Its own Protocol sections: they replace the organisation's of the same type. */
    if (json)
        fputs(", \"protocols\": ", out);
    else
        fputs("protocols (own, replacing the organisation's of the same type):\n", out);
    int rc = protocol_print(db, &mailbox_tables, canonical, out, json, err, errlen);
    if (json && rc == 0)
        fputs("}\n", out);
    return rc;
}

/* --- pods and tenants --- */

/* https://HOST[:PORT][/PATH]: printable, no spaces or quotes, a valid host name. */
bool dir_valid_pod_url(const char *url)
{
    if (strncmp(url, "https://", 8) != 0 || strlen(url) > 1024)
        return false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("\"'<>\\", *p))
            return false;
    const char *host = url + 8;
    size_t hlen = strcspn(host, ":/?#");
    char name[256];
    if (hlen == 0 || hlen >= sizeof name)
        return false;
    memcpy(name, host, hlen);
    name[hlen] = '\0';
    if (host[hlen] == ':') {
        const char *port = host + hlen + 1;
        size_t plen = strspn(port, "0123456789");
        if (plen == 0 || plen > 5 || (port[plen] != '\0' && port[plen] != '/'))
            return false;
    }
    return dir_valid_domain(name);
}

static int pod_exists(sqlite3 *db, const char *name, char *canonical, size_t len, char *err,
                      size_t errlen)
{
    return query_text(db, prepare(db, "SELECT name FROM pods WHERE name = ?1", 1, name), canonical,
                      len, err, errlen);
}

int dir_admin_pod_add(sqlite3 *db, const char *name, const char *url, char *err, size_t errlen)
{
    if (!*name || strlen(name) > 256 || strchr(name, '/'))
        return fail(err, errlen, "pod name \"%s\" is empty, too long or has a '/'", name);
    if (!dir_valid_pod_url(url))
        return fail(err, errlen, "pod URL \"%s\" is not an https:// URL with a host name", url);
    char existing[512];
    int found = pod_exists(db, name, existing, sizeof existing, err, errlen);
    if (found != 0)
        return found < 0 ? -1 : fail(err, errlen, "pod %s already exists", existing);
    return run(db, prepare(db, "INSERT INTO pods(name, url) VALUES(?1, ?2)", 2, name, url), err,
               errlen);
}

int dir_admin_pod_change(sqlite3 *db, const char *name, const char *url, char *err, size_t errlen)
{
    if (!dir_valid_pod_url(url))
        return fail(err, errlen, "pod URL \"%s\" is not an https:// URL with a host name", url);
    return change_one(db, prepare(db, "UPDATE pods SET url = ?2 WHERE name = ?1", 2, name, url),
                      "pod", name, err, errlen);
}

int dir_admin_pod_remove(sqlite3 *db, const char *name, char *err, size_t errlen)
{
    char user[512];
    int used = query_text(db, prepare(db, "SELECT name FROM organisations WHERE pod = ?1", 1, name),
                          user, sizeof user, err, errlen);
    if (used != 0)
        return used < 0 ? -1 : fail(err, errlen, "pod %s serves organisation %s", name, user);
    return change_one(db, prepare(db, "DELETE FROM pods WHERE name = ?1", 1, name), "pod", name,
                      err, errlen);
}

int dir_admin_pod_list(sqlite3 *db, FILE *out, bool json, char *err, size_t errlen)
{
    return print_rows(db, prepare(db, "SELECT name, url FROM pods ORDER BY name", 0), out, json,
                      err, errlen);
}

/* Makes domain (lower-case) an accepted domain of org, creating it when missing. */
static int ensure_domain_of(sqlite3 *db, const char *domain, const char *org, char *err,
                            size_t errlen)
{
    char owner[512];
    int found =
        query_text(db, prepare(db, "SELECT organisation FROM domains WHERE name = ?1", 1, domain),
                   owner, sizeof owner, err, errlen);
    if (found < 0)
        return -1;
    if (found == 0)
        return dir_admin_domain_add(db, domain, org, err, errlen);
    if (strcasecmp(owner, org) != 0)
        return fail(err, errlen, "domain %s belongs to organisation %s", domain, owner);
    return 0;
}

static int org_set(sqlite3 *db, const char *canonical, const char *pod, const char *routing_domain,
                   char *err, size_t errlen)
{
    if (pod) {
        char pod_name[512];
        int found = *pod ? pod_exists(db, pod, pod_name, sizeof pod_name, err, errlen) : 1;
        if (found <= 0)
            return found < 0 ? -1 : fail(err, errlen, "no pod %s (add it with: pod add)", pod);
        if (run(db,
                prepare(db, "UPDATE organisations SET pod = ?2 WHERE name = ?1", 2, canonical,
                        *pod ? pod_name : NULL),
                err, errlen) < 0)
            return -1;
    }
    if (routing_domain) {
        char *lower = lower_dup(routing_domain, err, errlen);
        if (!lower)
            return -1;
        int rc = 0;
        if (*lower && !dir_valid_domain(lower))
            rc = fail(err, errlen, "\"%s\" is not a valid domain name", routing_domain);
        else if (*lower)
            rc = ensure_domain_of(db, lower, canonical, err, errlen);
        if (rc == 0)
            rc = run(db,
                     prepare(db, "UPDATE organisations SET routing_domain = ?2 WHERE name = ?1", 2,
                             canonical, *lower ? lower : NULL),
                     err, errlen);
        free(lower);
        return rc;
    }
    return 0;
}

int dir_admin_org_change(sqlite3 *db, const char *name, const char *pod,
                         const char *routing_domain, char *err, size_t errlen)
{
    char canonical[512];
    int found = org_exists(db, name, canonical, sizeof canonical, err, errlen);
    if (found <= 0)
        return found < 0 ? -1 : fail(err, errlen, "no organisation %s", name);
    if (begin(db, err, errlen) < 0)
        return -1;
    return finish(db, org_set(db, canonical, pod, routing_domain, err, errlen), err, errlen);
}

int dir_admin_tenant_add(sqlite3 *db, const char *name, const char *deployment_id, const char *pod,
                         const char *routing_domain, char *err, size_t errlen)
{
    if (begin(db, err, errlen) < 0)
        return -1;
    int rc = dir_admin_org_add(db, name, deployment_id, err, errlen);
    if (rc == 0)
        rc = org_set(db, name, pod, routing_domain, err, errlen);
    return finish(db, rc, err, errlen);
}

int dir_admin_org_remove(sqlite3 *db, const char *name, char *err, size_t errlen)
{
    char canonical[512], domain[512];
    int found = org_exists(db, name, canonical, sizeof canonical, err, errlen);
    if (found <= 0)
        return found < 0 ? -1 : fail(err, errlen, "no organisation %s", name);
    found = query_text(db,
                       prepare(db, "SELECT name FROM domains WHERE organisation = ?1", 1, canonical),
                       domain, sizeof domain, err, errlen);
    if (found != 0)
        return found < 0 ? -1
                         : fail(err, errlen, "organisation %s still has domain %s", canonical,
                                domain);
    if (begin(db, err, errlen) < 0)
        return -1;
    int rc = run(db, prepare(db, "DELETE FROM protocols WHERE organisation = ?1", 1, canonical),
                 err, errlen);
    if (rc == 0)
        rc = run(db, prepare(db, "DELETE FROM organisations WHERE name = ?1", 1, canonical), err,
                 errlen);
    return finish(db, rc, err, errlen);
}

int dir_admin_domain_remove(sqlite3 *db, const char *domain, char *err, size_t errlen)
{
    char *lower = lower_dup(domain, err, errlen);
    if (!lower)
        return -1;
    char mailbox[512];
    int rc = query_text(db,
                        prepare(db, "SELECT address FROM mailboxes WHERE domain = ?1", 1, lower),
                        mailbox, sizeof mailbox, err, errlen);
    if (rc > 0)
        rc = fail(err, errlen, "domain %s still has mailbox %s", lower, mailbox);
    else if (rc == 0)
        rc = change_one(db, prepare(db, "DELETE FROM domains WHERE name = ?1", 1, lower),
                        "domain", lower, err, errlen);
    free(lower);
    return rc;
}

/* --- mailbox changes and aliases --- */

int dir_admin_mailbox_remove(sqlite3 *db, const char *address, char *err, size_t errlen)
{
    char *lower = lower_dup(address, err, errlen);
    if (!lower)
        return -1;
    /* Its aliases go with it (ON DELETE CASCADE). */
    int rc = change_one(db, prepare(db, "DELETE FROM mailboxes WHERE address = ?1", 1, lower),
                        "mailbox", lower, err, errlen);
    free(lower);
    return rc;
}

int dir_admin_mailbox_change(sqlite3 *db, const char *address, const char *display_name,
                             const char *target_address, int enabled, char *err, size_t errlen)
{
    if (display_name && !*display_name)
        return fail(err, errlen, "the display name is empty");
    if (target_address && *target_address && !dir_valid_address(target_address))
        return fail(err, errlen, "target address \"%s\" is not a valid e-mail address",
                    target_address);
    char *lower = lower_dup(address, err, errlen);
    char *target = target_address && *target_address ? lower_dup(target_address, err, errlen)
                                                      : NULL;
    int rc = -1;
    if (!lower || (target_address && *target_address && !target))
        goto out;
    char en[2] = {enabled ? '1' : '0', '\0'};
    /* Each column changes only when asked: ?3 = 1 means "set the target address". */
    rc = change_one(db,
                    prepare(db,
                            "UPDATE mailboxes SET display_name = COALESCE(?2, display_name), "
                            "target_address = CASE WHEN ?3 = '1' THEN ?4 ELSE target_address END, "
                            "enabled = COALESCE(CAST(?5 AS INTEGER), enabled) WHERE address = ?1",
                            5, lower, display_name, target_address ? "1" : "0", target,
                            enabled < 0 ? NULL : en),
                    "mailbox", lower, err, errlen);
out:
    free(lower);
    free(target);
    return rc;
}

/* allow_primary: a migration's alias is the on-premises mailbox's primary address. */
static int alias_add(sqlite3 *db, const char *address, const char *alias, bool allow_primary,
                     char *err, size_t errlen)
{
    if (!dir_valid_address(alias))
        return fail(err, errlen, "alias \"%s\" is not a valid e-mail address", alias);
    char *mailbox = lower_dup(address, err, errlen);
    char *lower = lower_dup(alias, err, errlen);
    char found_text[512];
    int rc = -1;
    if (!mailbox || !lower)
        goto out;
    int found = query_text(db,
                           prepare(db, "SELECT address FROM mailboxes WHERE address = ?1", 1,
                                   mailbox),
                           found_text, sizeof found_text, err, errlen);
    if (found <= 0) {
        if (found == 0)
            fail(err, errlen, "no mailbox %s", mailbox);
        goto out;
    }
    found = query_text(db, prepare(db, "SELECT name FROM domains WHERE name = ?1", 1,
                                   strchr(lower, '@') + 1),
                       found_text, sizeof found_text, err, errlen);
    if (found <= 0) {
        if (found == 0)
            fail(err, errlen, "no domain %s (add it with: domain add)", strchr(lower, '@') + 1);
        goto out;
    }
    found = query_text(db, prepare(db, "SELECT mailbox FROM aliases WHERE address = ?1", 1, lower),
                       found_text, sizeof found_text, err, errlen);
    if (found != 0) {
        if (found > 0)
            fail(err, errlen, "%s is already an alias of %s", lower, found_text);
        goto out;
    }
    if (!allow_primary) {
        found = query_text(db,
                           prepare(db, "SELECT address FROM mailboxes WHERE address = ?1", 1,
                                   lower),
                           found_text, sizeof found_text, err, errlen);
        if (found != 0) {
            if (found > 0)
                fail(err, errlen, "%s is a mailbox's primary address", lower);
            goto out;
        }
    }
    rc = run(db,
             prepare(db, "INSERT INTO aliases(address, mailbox) VALUES(?1, ?2)", 2, lower, mailbox),
             err, errlen);
out:
    free(mailbox);
    free(lower);
    return rc;
}

int dir_admin_alias_add(sqlite3 *db, const char *address, const char *alias, char *err,
                        size_t errlen)
{
    return alias_add(db, address, alias, false, err, errlen);
}

int dir_admin_alias_remove(sqlite3 *db, const char *address, const char *alias, char *err,
                           size_t errlen)
{
    char *mailbox = lower_dup(address, err, errlen);
    char *lower = lower_dup(alias, err, errlen);
    int rc = -1;
    if (mailbox && lower)
        rc = change_one(db,
                        prepare(db, "DELETE FROM aliases WHERE address = ?1 AND mailbox = ?2", 2,
                                lower, mailbox),
                        "alias", lower, err, errlen);
    free(mailbox);
    free(lower);
    return rc;
}

/* The steps of a migration, inside the caller's transaction. */
static int migrate(sqlite3 *db, const char *address, const char *tenant, char *cloud,
                   size_t cloudlen, char *err, size_t errlen)
{
    char canonical[512], routing[512], name[1024], hash[512], target[512];
    int found = org_exists(db, tenant, canonical, sizeof canonical, err, errlen);
    if (found <= 0)
        return found < 0 ? -1 : fail(err, errlen, "no organisation %s", tenant);
    found = query_text(db,
                       prepare(db, "SELECT routing_domain FROM organisations WHERE name = ?1", 1,
                               canonical),
                       routing, sizeof routing, err, errlen);
    if (found < 0)
        return -1;
    if (!routing[0])
        return fail(err, errlen,
                    "organisation %s has no routing domain (org change %s --routing-domain D)",
                    canonical, canonical);
    found = query_text(db,
                       prepare(db, "SELECT display_name FROM mailboxes WHERE address = ?1", 1,
                               address),
                       name, sizeof name, err, errlen);
    if (found <= 0)
        return found < 0 ? -1 : fail(err, errlen, "no mailbox %s", address);
    if (query_text(db,
                   prepare(db, "SELECT password_hash FROM mailboxes WHERE address = ?1", 1,
                           address),
                   hash, sizeof hash, err, errlen) <= 0 ||
        query_text(db,
                   prepare(db,
                           "SELECT COALESCE(target_address, '') FROM mailboxes WHERE address = ?1",
                           1, address),
                   target, sizeof target, err, errlen) <= 0)
        return -1;
    if (target[0])
        return fail(err, errlen, "mailbox %s has already moved to %s", address, target);
    const char *at = strchr(address, '@');
    if (snprintf(cloud, cloudlen, "%.*s@%s", (int)(at - address), address, routing) >=
        (int)cloudlen)
        return fail(err, errlen, "address too long");
    if (ensure_domain_of(db, routing, canonical, err, errlen) < 0 ||
        dir_admin_mailbox_add(db, cloud, name, NULL, NULL, hash, err, errlen) < 0 ||
        alias_add(db, cloud, address, true, err, errlen) < 0)
        return -1;
    return change_one(db,
                      prepare(db, "UPDATE mailboxes SET target_address = ?2 WHERE address = ?1",
                              2, address, cloud),
                      "mailbox", address, err, errlen);
}

int dir_admin_migrate(sqlite3 *db, const char *address, const char *tenant, char *cloud,
                      size_t cloudlen, char *err, size_t errlen)
{
    char *lower = lower_dup(address, err, errlen);
    if (!lower)
        return -1;
    int rc = begin(db, err, errlen);
    if (rc == 0)
        rc = finish(db, migrate(db, lower, tenant, cloud, cloudlen, err, errlen), err, errlen);
    free(lower);
    return rc;
}

/* --- delegates (FullAccess: DELEGATE may read ADDRESS's settings) --- */

/* The primary address of the mailbox address names (primary first, then alias). 1, 0, -1. */
static int mailbox_primary(sqlite3 *db, const char *address, char *out, size_t outlen,
                           char *err, size_t errlen)
{
    return query_text(db,
                      prepare(db,
                              "SELECT address FROM mailboxes WHERE address = ?1 UNION ALL "
                              "SELECT mailbox FROM aliases WHERE address = ?1 LIMIT 1",
                              1, address),
                      out, outlen, err, errlen);
}

/* Both addresses as primary addresses of existing mailboxes. 0, or -1 with err set. */
static int delegate_pair(sqlite3 *db, const char *address, const char *delegate, char *mailbox,
                         char *holder, size_t len, char *err, size_t errlen)
{
    const char *names[2] = {address, delegate};
    char *outs[2] = {mailbox, holder};
    for (int i = 0; i < 2; i++) {
        char *lower = lower_dup(names[i], err, errlen);
        if (!lower)
            return -1;
        int found = mailbox_primary(db, lower, outs[i], len, err, errlen);
        if (found == 0)
            fail(err, errlen, "no mailbox %s", lower);
        free(lower);
        if (found <= 0)
            return -1;
    }
    return 0;
}

int dir_admin_delegate_add(sqlite3 *db, const char *address, const char *delegate, char *err,
                           size_t errlen)
{
    char mailbox[512], holder[512];
    if (delegate_pair(db, address, delegate, mailbox, holder, sizeof mailbox, err, errlen) < 0)
        return -1;
    if (strcmp(mailbox, holder) == 0)
        return fail(err, errlen, "%s cannot be its own delegate", mailbox);
    if (run(db,
            prepare(db, "INSERT OR IGNORE INTO delegates(mailbox, delegate) VALUES(?1, ?2)", 2,
                    mailbox, holder),
            err, errlen) < 0)
        return -1;
    return sqlite3_changes(db) == 1
               ? 0
               : fail(err, errlen, "%s is already a delegate of %s", holder, mailbox);
}

int dir_admin_delegate_remove(sqlite3 *db, const char *address, const char *delegate, char *err,
                              size_t errlen)
{
    char mailbox[512], holder[512];
    if (delegate_pair(db, address, delegate, mailbox, holder, sizeof mailbox, err, errlen) < 0)
        return -1;
    if (run(db,
            prepare(db, "DELETE FROM delegates WHERE mailbox = ?1 AND delegate = ?2", 2, mailbox,
                    holder),
            err, errlen) < 0)
        return -1;
    return sqlite3_changes(db) == 1
               ? 0
               : fail(err, errlen, "%s is not a delegate of %s", holder, mailbox);
}

int dir_admin_delegate_list(sqlite3 *db, const char *address, FILE *out, bool json, char *err,
                            size_t errlen)
{
    char mailbox[512];
    if (address) {
        char *lower = lower_dup(address, err, errlen);
        if (!lower)
            return -1;
        int found = mailbox_primary(db, lower, mailbox, sizeof mailbox, err, errlen);
        if (found == 0)
            fail(err, errlen, "no mailbox %s", lower);
        free(lower);
        if (found <= 0)
            return -1;
    }
    return print_rows(db,
                      address ? prepare(db,
                                        "SELECT mailbox, delegate FROM delegates WHERE "
                                        "mailbox = ?1 ORDER BY delegate",
                                        1, mailbox)
                              : prepare(db,
                                        "SELECT mailbox, delegate FROM delegates "
                                        "ORDER BY mailbox, delegate",
                                        0),
                      out, json, err, errlen);
}
