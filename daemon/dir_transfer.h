/*
 * dir_transfer: the whole SQLite directory out to a file and back (autodiscoverctl export
 * and import), as JSON or CSV (doc/autodiscoverctl.md, "Import and export").
 *
 * Both formats carry the same flat stream of records, in an order that satisfies every
 * reference: pods; each organisation followed by its Protocol sections (each followed by
 * its fields); domains; each mailbox followed by its aliases and its own Protocol sections.
 * JSON nests them (protocols inside their owner, fields inside their protocol, aliases as
 * strings inside their mailbox); CSV writes one record a line, its kind first.
 *
 * Import is one transaction: every record is checked as autodiscoverctl's commands check
 * them (names, addresses, GUIDs, Protocol types and paths, and password hashes that must
 * look like crypt(3) hashes, stored as they are: no hashing on import), then inserted with
 * prepared statements; the first bad record rolls everything back and err names it.
 * Export orders everything, so export -> import -> export gives the same bytes.
 */
#ifndef AD_DAEMON_DIR_TRANSFER_H
#define AD_DAEMON_DIR_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>

enum dir_format { DIR_FORMAT_JSON, DIR_FORMAT_CSV };

enum dir_rec_kind {
    DIR_REC_POD,      /* name, url */
    DIR_REC_ORG,      /* name, deployment_id, pod?, routing_domain? */
    DIR_REC_PROTOCOL, /* owner kind ("org"|"mailbox"), owner, type, version? */
    DIR_REC_FIELD,    /* path, value, attributes? ("name=value" lines) */
    DIR_REC_DOMAIN,   /* name, organisation */
    DIR_REC_MAILBOX,  /* address, display_name, legacy_dn, password_hash, target_address?,
                         enabled ("1"|"0") */
    DIR_REC_ALIAS,    /* address, mailbox */
    DIR_REC_KINDS
};

#define DIR_REC_MAX_VALUES 6

/* One record; values NULL where optional and absent. */
struct dir_rec {
    enum dir_rec_kind kind;
    const char *v[DIR_REC_MAX_VALUES];
};

/* Names and value counts per kind, shared by the formats. */
extern const char *const dir_rec_kind_name[DIR_REC_KINDS];
extern const unsigned dir_rec_nvalues[DIR_REC_KINDS];
/* Bit i set: value i may be NULL (JSON null or absent, an empty CSV cell). */
extern const unsigned dir_rec_optional[DIR_REC_KINDS];
/* JSON member names of each value (the CSV column order is the same). */
extern const char *const dir_rec_keys[DIR_REC_KINDS][DIR_REC_MAX_VALUES];

/* A consumer of records: a format writer on export, the directory on import. */
struct dir_sink {
    /* 0, or -1 with a reason in err (without the record's location: the caller adds it). */
    int (*put)(struct dir_sink *sink, const struct dir_rec *rec, char *err, size_t errlen);
};

/* Looks like a crypt(3) hash this system can check: $y$, $gy$, $7$, $2b$/$2a$/$2y$, $6$, $5$. */
bool dir_valid_crypt_hash(const char *hash);

int dir_export(sqlite3 *db, enum dir_format format, FILE *out, char *err, size_t errlen);
/* name is used in messages; *mailboxes gets the number of mailboxes imported. */
int dir_import(sqlite3 *db, enum dir_format format, FILE *in, const char *name, size_t *mailboxes,
               char *err, size_t errlen);

/* The formats (dir_transfer_json.c, dir_transfer_csv.c). */
struct dir_sink *dir_json_writer_new(FILE *out);
int dir_json_writer_finish(struct dir_sink *sink); /* writes and frees; 0 or -1 */
void dir_json_writer_free(struct dir_sink *sink);
struct dir_sink *dir_csv_writer_new(FILE *out);
void dir_csv_writer_free(struct dir_sink *sink);
/* Read every record of in into sink; on failure err says where (name, line or index). */
int dir_json_read(FILE *in, const char *name, struct dir_sink *sink, char *err, size_t errlen);
int dir_csv_read(FILE *in, const char *name, struct dir_sink *sink, char *err, size_t errlen);

#endif
