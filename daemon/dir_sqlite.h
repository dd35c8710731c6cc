/*
 * dir_sqlite: the SQLite directory (WAL mode). The daemon reaches it through directory.h;
 * autodiscoverctl also uses dir_sqlite_db() to write (dir_admin.c).
 *
 * Threads: one connection per handle, serialised by a mutex held only for the duration of
 * one lookup (microseconds), or of the lookups of one request between
 * dir_sqlite_read_begin and dir_sqlite_read_end (one read transaction instead of one per
 * statement). The expensive step of a request, yescrypt, runs outside the lock, so a pool
 * of connections would buy little; measure before changing it. Each organisation's
 * Protocol sections are cached until PRAGMA data_version says the file changed; the
 * directory_version op reads data_version only when the wal-index header has moved since
 * the last read (wal_watch.h).
 */
#ifndef AD_DAEMON_DIR_SQLITE_H
#define AD_DAEMON_DIR_SQLITE_H

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

#include "directory.h"

#define DIR_SCHEMA_VERSION 4

struct dir_sqlite;

extern const struct directory_ops dir_sqlite_ops;

/* Opens an existing directory; read_only for the daemon. NULL with a reason in err. */
struct dir_sqlite *dir_sqlite_open(const char *path, bool read_only, char *err, size_t errlen);
void dir_sqlite_close(struct dir_sqlite *ds);
sqlite3 *dir_sqlite_db(struct dir_sqlite *ds);
/*
 * The calling thread's next lookups on ds share one read transaction, opened at the first
 * of them and closed (with the lock it holds) by dir_sqlite_read_end. Never across a wait.
 */
void dir_sqlite_read_begin(struct dir_sqlite *ds);
void dir_sqlite_read_end(struct dir_sqlite *ds);

/*
 * The organisation owning domain (any case) and its deployment GUID, for backends that
 * keep mailboxes elsewhere (dir_ldap.c). 1 with both set (caller frees), 0 no such domain,
 * -1 error.
 */
int dir_sqlite_find_organisation(struct dir_sqlite *ds, const char *domain, char **name,
                                 char **deployment_id);

/* Creates the schema in a new or empty file. 0, or -1 with a reason in err. */
int dir_sqlite_create(const char *path, char *err, size_t errlen);

#endif
