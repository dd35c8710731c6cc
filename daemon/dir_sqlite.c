/* dir_sqlite: the SQLite directory backend (see dir_sqlite.h for the thread model). */
#include "dir_sqlite.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wal_watch.h"

/*
 * Addresses and domains are stored lower-case; legacy DNs compare case-insensitively.
 * A new file gets the version 1 schema and then every upgrade below, so the upgrade path
 * is the one always exercised.
 */
static const char schema_sql[] =
    "PRAGMA journal_mode=WAL;"
    "BEGIN;"
    "CREATE TABLE schema_version(version INTEGER NOT NULL);"
    "INSERT INTO schema_version VALUES(1);"
    "CREATE TABLE organisations("
    "  name TEXT PRIMARY KEY COLLATE NOCASE,"
    "  deployment_id TEXT NOT NULL);"
    "CREATE TABLE domains("
    "  name TEXT PRIMARY KEY,"
    "  organisation TEXT NOT NULL REFERENCES organisations(name));"
    "CREATE TABLE mailboxes("
    "  address TEXT PRIMARY KEY,"
    "  domain TEXT NOT NULL REFERENCES domains(name),"
    "  display_name TEXT NOT NULL,"
    "  legacy_dn TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  password_hash TEXT NOT NULL,"
    "  target_address TEXT);"
    "CREATE TABLE protocols("
    "  id INTEGER PRIMARY KEY,"
    "  organisation TEXT NOT NULL REFERENCES organisations(name),"
    "  position INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  version TEXT," /* set for <Protocol Type=.. Version=..> (mapiHttp) */
    "  UNIQUE(organisation, position));"
    "CREATE TABLE protocol_fields("
    "  protocol INTEGER NOT NULL REFERENCES protocols(id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  path TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  attributes TEXT," /* "name=value" lines separated by '\n' */
    "  PRIMARY KEY(protocol, position));"
    "COMMIT;";

/*
 * upgrades[i] takes a file from version i + 1 to i + 2, inside one transaction that also
 * sets the new version: an upgrade is all or nothing.
 */
static const char *const upgrades[] = {
    /* 2: tenants served by pods, aliases, disabled mailboxes. */
    "CREATE TABLE pods("
    "  name TEXT PRIMARY KEY COLLATE NOCASE,"
    "  url TEXT NOT NULL);" /* https://pod/autodiscover/autodiscover.xml */
    "ALTER TABLE organisations ADD COLUMN pod TEXT REFERENCES pods(name);"
    "ALTER TABLE organisations ADD COLUMN routing_domain TEXT;"
    "ALTER TABLE mailboxes ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;"
    "CREATE TABLE aliases("
    "  address TEXT PRIMARY KEY,"
    "  mailbox TEXT NOT NULL REFERENCES mailboxes(address) ON DELETE CASCADE);"
    "CREATE INDEX aliases_by_mailbox ON aliases(mailbox);",
    /*
     * 3: a mailbox's own Protocol sections, replacing its organisation's sections of the same
     * type in its answers. Own tables rather than an owner column on protocols: SQLite cannot
     * drop protocols' UNIQUE(organisation, position) in place, and a mailbox's sections go
     * with it (ON DELETE CASCADE) without touching the organisation's.
     */
    "CREATE TABLE mailbox_protocols("
    "  id INTEGER PRIMARY KEY,"
    "  mailbox TEXT NOT NULL REFERENCES mailboxes(address) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  version TEXT,"
    "  UNIQUE(mailbox, position));"
    "CREATE TABLE mailbox_protocol_fields("
    "  protocol INTEGER NOT NULL REFERENCES mailbox_protocols(id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  path TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  attributes TEXT,"
    "  PRIMARY KEY(protocol, position));",
    /* 4: delegates (FullAccess): delegate may read mailbox's settings (primary addresses). */
    "CREATE TABLE delegates("
    "  mailbox TEXT NOT NULL REFERENCES mailboxes(address) ON DELETE CASCADE,"
    "  delegate TEXT NOT NULL REFERENCES mailboxes(address) ON DELETE CASCADE,"
    "  PRIMARY KEY(mailbox, delegate));"
    "CREATE INDEX delegates_by_delegate ON delegates(delegate);",
};

enum stmt_id {
    STMT_BY_ADDRESS,
    STMT_BY_LEGACY_DN,
    STMT_ALIASES,
    STMT_PROTOCOLS,
    STMT_MAILBOX_PROTOCOLS,
    STMT_HASH,
    STMT_POD,
    STMT_DOMAIN,
    STMT_ORGANISATION,
    STMT_DELEGATE,
    STMT_BY_ALIAS,
    STMT_HASH_ALIAS,
    STMT_BEGIN,
    STMT_COMMIT,
    STMT_DATA_VERSION,
    STMT_COUNT
};

#define MAILBOX_COLUMNS \
    "SELECT m.address, m.display_name, m.legacy_dn, m.target_address, o.name, " \
    "o.deployment_id FROM mailboxes m JOIN domains d ON d.name = m.domain " \
    "JOIN organisations o ON o.name = d.organisation "

/*
 * An address names an enabled mailbox by its primary address or one of its aliases. A
 * primary address wins over an alias: after a migration the cloud mailbox carries the
 * on-premises address as an alias while the on-premises mailbox still answers for it.
 * So BY_PRIMARY is tried first and BY_ALIAS only when it finds nothing (two index lookups;
 * one query with ORDER BY needed a temporary B-tree on every request).
 */
#define BY_PRIMARY "WHERE m.enabled = 1 AND m.address = ?1"
#define BY_ALIAS \
    "WHERE m.enabled = 1 AND m.address = (SELECT mailbox FROM aliases WHERE address = ?1)"

static const char *const stmt_sql[STMT_COUNT] = {
    [STMT_BY_ADDRESS] = MAILBOX_COLUMNS BY_PRIMARY,
    [STMT_BY_ALIAS] = MAILBOX_COLUMNS BY_ALIAS,
    [STMT_BY_LEGACY_DN] = MAILBOX_COLUMNS "WHERE m.enabled = 1 AND m.legacy_dn = ?1",
    [STMT_ALIASES] = "SELECT address FROM aliases WHERE mailbox = ?1 ORDER BY address",
    [STMT_PROTOCOLS] = "SELECT p.id, p.type, p.version, f.path, f.value, f.attributes "
                       "FROM protocols p LEFT JOIN protocol_fields f ON f.protocol = p.id "
                       "WHERE p.organisation = ?1 ORDER BY p.position, f.position",
    [STMT_MAILBOX_PROTOCOLS] =
        "SELECT p.id, p.type, p.version, f.path, f.value, f.attributes "
        "FROM mailbox_protocols p LEFT JOIN mailbox_protocol_fields f ON f.protocol = p.id "
        "WHERE p.mailbox = ?1 ORDER BY p.position, f.position",
    [STMT_HASH] = "SELECT m.password_hash, m.address FROM mailboxes m " BY_PRIMARY,
    [STMT_HASH_ALIAS] = "SELECT m.password_hash, m.address FROM mailboxes m " BY_ALIAS,
    [STMT_POD] = "SELECT p.url FROM domains d JOIN organisations o ON o.name = d.organisation "
                 "JOIN pods p ON p.name = o.pod WHERE d.name = ?1",
    [STMT_DOMAIN] = "SELECT organisation FROM domains WHERE name = ?1",
    [STMT_ORGANISATION] = "SELECT o.name, o.deployment_id FROM domains d "
                          "JOIN organisations o ON o.name = d.organisation WHERE d.name = ?1",
    [STMT_DELEGATE] = "SELECT 1 FROM delegates WHERE mailbox = ?1 AND delegate = ?2",
    [STMT_BEGIN] = "BEGIN",
    [STMT_COMMIT] = "COMMIT",
    [STMT_DATA_VERSION] = "PRAGMA data_version",
};

/*
 * An organisation's Protocol sections as last read, valid while the file's data version
 * (PRAGMA data_version: changes when another connection commits) and this connection's
 * own change count are what they were then.
 */
struct protocols_entry {
    char *organisation;
    sqlite3_int64 version;
    struct pox_response sections;
};

#define PROTOCOLS_CACHE_MAX 64

struct dir_sqlite {
    sqlite3 *db;
    pthread_mutex_t lock; /* recursive: a read transaction holds it across lookups */
    sqlite3_stmt *stmt[STMT_COUNT];
    struct protocols_entry cache[PROTOCOLS_CACHE_MAX]; /* under lock */
    size_t ncache, next_evict;
    /*
     * directory_version without a read transaction (wal_watch.h): the version last read,
     * the wal-index header and change count seen just before it (under lock).
     */
    struct wal_watch wal;
    sqlite3_int64 seen_version; /* -1: none */
    unsigned char seen_header[WAL_WATCH_HEADER_BYTES];
    int seen_changes;
};

/*
 * The read transaction of the calling thread (dir_sqlite_read_begin): requested on ds, and
 * whether it is open. It opens at the first lookup after the request, so the work before
 * it (parsing) runs without the lock.
 */
static _Thread_local struct {
    struct dir_sqlite *ds;
    bool open;
} batch;

/* Takes ds->lock; inside a requested read transaction, opens it on the first lookup. */
static void ds_lock(struct dir_sqlite *ds)
{
    pthread_mutex_lock(&ds->lock);
    if (batch.ds != ds || batch.open)
        return;
    sqlite3_stmt *st = ds->stmt[STMT_BEGIN];
    if (sqlite3_get_autocommit(ds->db) && sqlite3_step(st) == SQLITE_DONE) {
        batch.open = true;
        pthread_mutex_lock(&ds->lock); /* held until dir_sqlite_read_end */
    } else {
        batch.ds = NULL; /* lookups go on one by one */
    }
    sqlite3_reset(st);
}

static void ds_unlock(struct dir_sqlite *ds)
{
    pthread_mutex_unlock(&ds->lock);
}

static void set_error(char *err, size_t errlen, const char *what, sqlite3 *db)
{
    snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

/* The file's schema version, or -1 with err set. */
static int schema_version(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &st, NULL) != SQLITE_OK) {
        set_error(err, errlen, "not an autodiscover directory (run autodiscoverctl init)", db);
        return -1;
    }
    int version = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    else
        snprintf(err, errlen, "the directory has no schema version");
    sqlite3_finalize(st);
    return version;
}

/* Brings the file up to DIR_SCHEMA_VERSION, one version per transaction. */
static int upgrade_schema(sqlite3 *db, int version, char *err, size_t errlen)
{
    for (; version < DIR_SCHEMA_VERSION; version++) {
        char *sql = sqlite3_mprintf("BEGIN IMMEDIATE;%sUPDATE schema_version SET version = %d;"
                                    "COMMIT;",
                                    upgrades[version - 1], version + 1);
        char *msg = NULL;
        int rc = sql ? sqlite3_exec(db, sql, NULL, NULL, &msg) : SQLITE_NOMEM;
        sqlite3_free(sql);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "upgrading the directory to version %d: %s", version + 1,
                     msg ? msg : "out of memory");
            sqlite3_free(msg);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

/* Read-write handles upgrade an older file in place; the read-only daemon refuses it. */
static int check_schema_version(sqlite3 *db, bool read_only, char *err, size_t errlen)
{
    int version = schema_version(db, err, errlen);
    if (version < 0)
        return -1;
    if (version == DIR_SCHEMA_VERSION)
        return 0;
    if (version < 1 || version > DIR_SCHEMA_VERSION) {
        snprintf(err, errlen, "directory schema version %d is not supported (this build: %d)",
                 version, DIR_SCHEMA_VERSION);
        return -1;
    }
    if (read_only) {
        snprintf(err, errlen,
                 "directory schema version %d is older than %d: upgrade it with "
                 "autodiscoverctl upgrade",
                 version, DIR_SCHEMA_VERSION);
        return -1;
    }
    return upgrade_schema(db, version, err, errlen);
}

struct dir_sqlite *dir_sqlite_open(const char *path, bool read_only, char *err, size_t errlen)
{
    struct dir_sqlite *ds = calloc(1, sizeof *ds);
    if (!ds) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutexattr_t attr;
    bool locked = pthread_mutexattr_init(&attr) == 0 &&
                  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE) == 0 &&
                  pthread_mutex_init(&ds->lock, &attr) == 0;
    pthread_mutexattr_destroy(&attr);
    if (!locked) {
        free(ds);
        snprintf(err, errlen, "cannot create a mutex");
        return NULL;
    }
    /* NOMUTEX: this handle serialises its own use (ds->lock). */
    int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
    char what[512];
    snprintf(what, sizeof what, "%s", path);
    if (sqlite3_open_v2(path, &ds->db, flags, NULL) != SQLITE_OK) {
        set_error(err, errlen, what, ds->db);
        goto fail;
    }
    sqlite3_busy_timeout(ds->db, 5000);
    if (sqlite3_exec(ds->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL) != SQLITE_OK) {
        set_error(err, errlen, what, ds->db);
        goto fail;
    }
    if (check_schema_version(ds->db, read_only, err, errlen) < 0)
        goto fail;
    for (int i = 0; i < STMT_COUNT; i++) {
        if (sqlite3_prepare_v3(ds->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ds->stmt[i],
                               NULL) != SQLITE_OK) {
            set_error(err, errlen, "preparing a query", ds->db);
            goto fail;
        }
    }
    ds->seen_version = -1;
    wal_watch_open(&ds->wal, ds->db); /* else every version is read with PRAGMA data_version */
    return ds;
fail:
    dir_sqlite_close(ds);
    return NULL;
}

void dir_sqlite_close(struct dir_sqlite *ds)
{
    if (!ds)
        return;
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(ds->stmt[i]);
    for (size_t i = 0; i < ds->ncache; i++) {
        free(ds->cache[i].organisation);
        pox_response_free(&ds->cache[i].sections);
    }
    sqlite3_close(ds->db);
    pthread_mutex_destroy(&ds->lock);
    free(ds);
}

sqlite3 *dir_sqlite_db(struct dir_sqlite *ds)
{
    return ds->db;
}

int dir_sqlite_create(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        set_error(err, errlen, path, db);
        sqlite3_close(db);
        return -1;
    }
    int rc = 0;
    char *msg = NULL;
    if (sqlite3_exec(db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, msg ? msg : "cannot create the schema");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        rc = -1;
    } else if (upgrade_schema(db, 1, err, errlen) < 0) {
        rc = -1;
    }
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc;
}

/* --- lookups (each one holds ds->lock from bind to reset) --- */

static char *column_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? strdup((const char *)s) : NULL;
}

/* Copies a row into the caller's structure: 1 taken, -1 unusable (a NULL or too long). */
typedef int (*row_reader)(sqlite3_stmt *st, void *ctx);

/* Runs statement id with key bound to ?1, hands its first row to read. Called with the lock
 * held. 0 no row, 1 a row taken, -1 error. */
static int read_one_row(struct dir_sqlite *ds, enum stmt_id id, const char *key, row_reader read,
                        void *ctx)
{
    int rc = -1;
    sqlite3_stmt *st = ds->stmt[id];
    if (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK) {
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            rc = 0;
        else if (step == SQLITE_ROW)
            rc = read(st, ctx);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/*
 * read_one_row for a key compared in lower case (addresses, domains), taking the lock; when
 * id finds nothing and fallback is not STMT_COUNT, fallback is tried with the same key (the
 * primary address, then an alias).
 */
static int lookup_lower(struct dir_sqlite *ds, enum stmt_id id, enum stmt_id fallback,
                        const char *key, row_reader read, void *ctx)
{
    char *lower = strdup(key);
    if (!lower)
        return -1;
    dir_lowercase(lower);
    ds_lock(ds);
    int rc = read_one_row(ds, id, lower, read, ctx);
    if (rc == 0 && fallback != STMT_COUNT)
        rc = read_one_row(ds, fallback, lower, read, ctx);
    ds_unlock(ds);
    free(lower);
    return rc;
}

/* Copies column 0 into a caller's buffer of ctx->len bytes. */
struct text_out {
    char *buf;
    size_t len;
};

static int copy_text(sqlite3_stmt *st, int col, struct text_out *out)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    if (!text || strlen(text) >= out->len)
        return -1;
    memcpy(out->buf, text, strlen(text) + 1);
    return 1;
}

/* Fills out->aliases; called with ds->lock held. 0 or -1. */
static int load_aliases(struct dir_sqlite *ds, struct dir_mailbox *out)
{
    sqlite3_stmt *st = ds->stmt[STMT_ALIASES];
    int rc = 0, step = SQLITE_DONE;
    if (sqlite3_bind_text(st, 1, out->address, -1, SQLITE_STATIC) != SQLITE_OK)
        rc = -1;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        char **grown = realloc(out->aliases, (out->naliases + 1) * sizeof *grown);
        if (!grown) {
            rc = -1;
            break;
        }
        out->aliases = grown;
        if (!(grown[out->naliases] = column_dup(st, 0)))
            rc = -1;
        else
            out->naliases++;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int read_mailbox(sqlite3_stmt *st, void *ctx)
{
    struct dir_mailbox *out = ctx;
    out->address = column_dup(st, 0);
    out->display_name = column_dup(st, 1);
    out->legacy_dn = column_dup(st, 2);
    out->target_address = column_dup(st, 3);
    out->organisation = column_dup(st, 4);
    out->deployment_id = column_dup(st, 5);
    bool complete = out->address && out->display_name && out->legacy_dn && out->organisation &&
                    out->deployment_id &&
                    (out->target_address || sqlite3_column_type(st, 3) == SQLITE_NULL);
    return complete ? 1 : -1;
}

static int find_mailbox_with(struct dir_sqlite *ds, enum stmt_id id, const char *key,
                             struct dir_mailbox *out)
{
    memset(out, 0, sizeof *out);
    char *lower = strdup(key);
    if (!lower)
        return -1;
    if (id == STMT_BY_ADDRESS)
        dir_lowercase(lower); /* addresses compare in lower case; legacy DNs as stored */
    ds_lock(ds);
    int rc = read_one_row(ds, id, lower, read_mailbox, out);
    if (rc == 0 && id == STMT_BY_ADDRESS) /* no such primary address: an alias? */
        rc = read_one_row(ds, STMT_BY_ALIAS, lower, read_mailbox, out);
    if (rc == 1 && load_aliases(ds, out) < 0)
        rc = -1;
    ds_unlock(ds);
    free(lower);
    if (rc < 0)
        dir_mailbox_free(out);
    return rc;
}

static int sqlite_find_mailbox(void *impl, const char *address, struct dir_mailbox *out)
{
    return find_mailbox_with(impl, STMT_BY_ADDRESS, address, out);
}

static int sqlite_find_mailbox_by_legacy_dn(void *impl, const char *legacy_dn,
                                            struct dir_mailbox *out)
{
    return find_mailbox_with(impl, STMT_BY_LEGACY_DN, legacy_dn, out);
}

/* Adds the "name=value" lines of attrs to field. */
static int field_add_attributes(struct pox_field *field, const char *attrs)
{
    while (*attrs) {
        size_t len = strcspn(attrs, "\n");
        const char *eq = memchr(attrs, '=', len);
        if (eq) {
            struct pox_attr *grown = realloc(field->attrs, (field->nattrs + 1) * sizeof *grown);
            if (!grown)
                return -1;
            field->attrs = grown;
            struct pox_attr *a = &field->attrs[field->nattrs];
            a->name = strndup(attrs, (size_t)(eq - attrs));
            a->value = strndup(eq + 1, len - (size_t)(eq - attrs) - 1);
            if (!a->name || !a->value) {
                free(a->name);
                free(a->value);
                return -1;
            }
            field->nattrs++;
        }
        attrs += len;
        if (*attrs == '\n')
            attrs++;
    }
    return 0;
}

/* The Protocol sections st selects for key (an organisation or a mailbox), appended to resp. */
static int add_protocols_with(struct dir_sqlite *ds, enum stmt_id which, const char *key,
                              struct pox_response *resp)
{
    sqlite3_stmt *st = ds->stmt[which];
    int rc = 0;
    sqlite3_int64 current = -1;
    struct pox_protocol *proto = NULL;
    ds_lock(ds);
    if (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK)
        rc = -1;
    int step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 id = sqlite3_column_int64(st, 0);
        if (id != current || !proto) {
            const char *type = (const char *)sqlite3_column_text(st, 1);
            const char *version = (const char *)sqlite3_column_text(st, 2);
            proto = pox_response_add_protocol(resp, type ? type : "");
            if (!proto || (version && !(proto->version = strdup(version)))) {
                rc = -1;
                break;
            }
            proto->type_as_attr = version != NULL;
            current = id;
        }
        if (sqlite3_column_type(st, 3) == SQLITE_NULL)
            continue; /* a Protocol with no fields (LEFT JOIN) */
        const char *path = (const char *)sqlite3_column_text(st, 3);
        const char *value = (const char *)sqlite3_column_text(st, 4);
        const char *attrs = (const char *)sqlite3_column_text(st, 5);
        if (!path || pox_protocol_add_field(proto, path, value ? value : "") < 0 ||
            (attrs && field_add_attributes(&proto->fields[proto->nfields - 1], attrs) < 0))
            rc = -1;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    ds_unlock(ds);
    return rc;
}

/* Appends copies of src's sections to resp. 0 or -1. */
static int copy_protocols(const struct pox_response *src, struct pox_response *resp)
{
    for (size_t i = 0; i < src->nprotocols; i++) {
        const struct pox_protocol *sp = &src->protocols[i];
        struct pox_protocol *proto = pox_response_add_protocol(resp, sp->type ? sp->type : "");
        if (!proto || (sp->version && !(proto->version = strdup(sp->version))))
            return -1;
        proto->type_as_attr = sp->type_as_attr;
        for (size_t f = 0; f < sp->nfields; f++) {
            const struct pox_field *sf = &sp->fields[f];
            if (pox_protocol_add_field(proto, sf->path, sf->value ? sf->value : "") < 0)
                return -1;
            struct pox_field *field = &proto->fields[proto->nfields - 1];
            if (sf->nattrs == 0)
                continue;
            if (!(field->attrs = calloc(sf->nattrs, sizeof *field->attrs)))
                return -1;
            for (size_t a = 0; a < sf->nattrs; a++) {
                struct pox_attr *at = &field->attrs[a];
                at->name = strdup(sf->attrs[a].name);
                at->value = strdup(sf->attrs[a].value);
                field->nattrs++;
                if (!at->name || !at->value)
                    return -1;
            }
        }
    }
    return 0;
}

/*
 * What the cache is valid for: PRAGMA data_version (other connections' commits) plus this
 * connection's own changes (autodiscoverctl's read-write handle). -1 on error.
 */
static sqlite3_int64 cache_version(struct dir_sqlite *ds)
{
    sqlite3_stmt *st = ds->stmt[STMT_DATA_VERSION];
    sqlite3_int64 v = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = (sqlite3_column_int64(st, 0) << 32) + (sqlite3_total_changes(ds->db) & 0xffffffff);
    sqlite3_reset(st);
    return v;
}

/* The organisation's sections, from the cache while the file has not changed. */
static int sqlite_add_protocols(void *impl, const char *organisation, struct pox_response *resp)
{
    struct dir_sqlite *ds = impl;
    int rc = -1;
    ds_lock(ds);
    sqlite3_int64 version = cache_version(ds);
    struct protocols_entry *e = NULL;
    for (size_t i = 0; i < ds->ncache && !e; i++)
        if (strcmp(ds->cache[i].organisation, organisation) == 0)
            e = &ds->cache[i];
    if (version < 0 || !e || e->version != version) {
        struct pox_response fresh = {0};
        char *name = strdup(organisation);
        if (!name || add_protocols_with(ds, STMT_PROTOCOLS, organisation, &fresh) < 0) {
            free(name);
            pox_response_free(&fresh);
            ds_unlock(ds);
            return -1;
        }
        if (!e && ds->ncache < PROTOCOLS_CACHE_MAX) {
            e = &ds->cache[ds->ncache++];
        } else if (!e) {
            e = &ds->cache[ds->next_evict++ % PROTOCOLS_CACHE_MAX];
        }
        if (e->organisation) {
            free(e->organisation);
            pox_response_free(&e->sections);
        }
        e->organisation = name;
        e->sections = fresh;
        e->version = version; /* -1 (unknown) never matches */
    }
    rc = copy_protocols(&e->sections, resp);
    ds_unlock(ds);
    return rc;
}

void dir_sqlite_read_begin(struct dir_sqlite *ds)
{
    batch.ds = ds;
    batch.open = false;
}

void dir_sqlite_read_end(struct dir_sqlite *ds)
{
    if (batch.ds == ds && batch.open) {
        sqlite3_stmt *st = ds->stmt[STMT_COMMIT];
        sqlite3_step(st); /* a read transaction: nothing to lose */
        sqlite3_reset(st);
        pthread_mutex_unlock(&ds->lock);
    }
    batch.ds = NULL;
    batch.open = false;
}

static void sqlite_read_begin(void *impl)
{
    dir_sqlite_read_begin(impl);
}

static void sqlite_read_end(void *impl)
{
    dir_sqlite_read_end(impl);
}

/*
 * directory_version: the last version read while the wal-index header and this
 * connection's change count are what they were just before it was read (no commit since:
 * wal_watch.h), else one PRAGMA data_version of its own (autocommit), not the request's read
 * transaction. Lookups that follow see this version or a later one, never an earlier one,
 * which is the safe side. Inside an open transaction the version is the snapshot's, older
 * than the header may be, so it is read but not remembered.
 */
static int64_t sqlite_version(void *impl)
{
    struct dir_sqlite *ds = impl;
    pthread_mutex_lock(&ds->lock);
    unsigned char header[WAL_WATCH_HEADER_BYTES];
    bool watched = sqlite3_get_autocommit(ds->db) && wal_watch_read(&ds->wal, header);
    int changes = sqlite3_total_changes(ds->db);
    int64_t v;
    if (watched && ds->seen_version >= 0 && changes == ds->seen_changes &&
        memcmp(header, ds->seen_header, sizeof header) == 0) {
        v = ds->seen_version;
    } else {
        v = cache_version(ds);
        ds->seen_version = watched ? v : -1;
        if (watched)
            memcpy(ds->seen_header, header, sizeof header);
        ds->seen_changes = changes;
    }
    pthread_mutex_unlock(&ds->lock);
    return v;
}

static int sqlite_add_mailbox_protocols(void *impl, const char *address, struct pox_response *resp)
{
    return add_protocols_with(impl, STMT_MAILBOX_PROTOCOLS, address, resp);
}

struct hash_out {
    struct text_out hash;
    struct text_out primary;
};

static int read_hash(sqlite3_stmt *st, void *ctx)
{
    struct hash_out *out = ctx;
    return copy_text(st, 0, &out->hash) == 1 && copy_text(st, 1, &out->primary) == 1 ? 1 : -1;
}

static int sqlite_password_hash(void *impl, const char *address, char *out, size_t outlen,
                                char *canonical, size_t canonlen)
{
    struct hash_out h = {{out, outlen}, {canonical, canonlen}};
    return lookup_lower(impl, STMT_HASH, STMT_HASH_ALIAS, address, read_hash, &h);
}

static int read_organisation_name(sqlite3_stmt *st, void *ctx)
{
    char **organisation = ctx;
    return (*organisation = column_dup(st, 0)) ? 1 : -1;
}

static int sqlite_find_domain(void *impl, const char *domain, char **organisation)
{
    *organisation = NULL;
    return lookup_lower(impl, STMT_DOMAIN, STMT_COUNT, domain, read_organisation_name,
                        organisation);
}

struct organisation_out {
    char **name;
    char **deployment_id;
};

static int read_organisation(sqlite3_stmt *st, void *ctx)
{
    struct organisation_out *out = ctx;
    return (*out->name = column_dup(st, 0)) && (*out->deployment_id = column_dup(st, 1)) ? 1
                                                                                         : -1;
}

int dir_sqlite_find_organisation(struct dir_sqlite *ds, const char *domain, char **name,
                                 char **deployment_id)
{
    *name = *deployment_id = NULL;
    struct organisation_out out = {name, deployment_id};
    int rc = lookup_lower(ds, STMT_ORGANISATION, STMT_COUNT, domain, read_organisation, &out);
    if (rc < 0) {
        free(*name);
        free(*deployment_id);
        *name = *deployment_id = NULL;
    }
    return rc;
}

static int read_pod_url(sqlite3_stmt *st, void *ctx)
{
    return copy_text(st, 0, ctx);
}

static int sqlite_find_pod_url(void *impl, const char *domain, char *out, size_t outlen)
{
    struct text_out url = {out, outlen};
    return lookup_lower(impl, STMT_POD, STMT_COUNT, domain, read_pod_url, &url);
}

static int sqlite_is_delegate(void *impl, const char *mailbox, const char *delegate)
{
    struct dir_sqlite *ds = impl;
    char *lower = strdup(delegate);
    if (!lower)
        return -1;
    dir_lowercase(lower);
    int rc = -1;
    sqlite3_stmt *st = ds->stmt[STMT_DELEGATE];
    ds_lock(ds);
    if (sqlite3_bind_text(st, 1, mailbox, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_bind_text(st, 2, lower, -1, SQLITE_STATIC) == SQLITE_OK) {
        int step = sqlite3_step(st);
        rc = step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    ds_unlock(ds);
    free(lower);
    return rc;
}

static void sqlite_close(void *impl)
{
    dir_sqlite_close(impl);
}

const struct directory_ops dir_sqlite_ops = {
    .close = sqlite_close,
    .find_mailbox = sqlite_find_mailbox,
    .find_mailbox_by_legacy_dn = sqlite_find_mailbox_by_legacy_dn,
    .add_protocols = sqlite_add_protocols,
    .add_mailbox_protocols = sqlite_add_mailbox_protocols,
    .password_hash = sqlite_password_hash,
    .find_pod_url = sqlite_find_pod_url,
    .find_domain = sqlite_find_domain,
    .is_delegate = sqlite_is_delegate,
    .read_begin = sqlite_read_begin,
    .read_end = sqlite_read_end,
    .version = sqlite_version,
};
