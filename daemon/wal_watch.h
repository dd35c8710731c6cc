/*
 * wal_watch: whether anyone has committed to a SQLite file in WAL mode since a moment, told
 * without a system call, so that directory_version need not open a read transaction (two
 * fcntl and an fstat, about 2.5 µs) for every request (doc/decisions.md, "The answer cache").
 *
 * Every commit in WAL mode rewrites the wal-index header, the first 2 x 48 bytes of the
 * "-shm" file (https://www.sqlite.org/walformat.html, "The WAL-Index Header"; its iChange
 * field counts transactions), before the commit returns: that is how SQLite's own readers
 * learn of it, and PRAGMA data_version moves only when they see the header change. So while
 * the header's bytes are those seen just before a data_version was read, that version is
 * still current. The header is read through the connection's own mapping of the wal-index
 * (the VFS's xShmMap, a public interface), both copies, as SQLite's readers do: copies that
 * differ (a commit in progress) count as a change.
 *
 * Only for a connection in WAL mode with a writable shared wal-index; otherwise
 * wal_watch_open says no and the caller reads data_version every time. The mapping lives as
 * long as the connection; a file cannot leave WAL mode while a reader has it open.
 */
#ifndef AD_DAEMON_WAL_WATCH_H
#define AD_DAEMON_WAL_WATCH_H

#include <stdbool.h>
#include <sqlite3.h>

#define WAL_WATCH_HEADER_BYTES 96 /* both copies of the wal-index header */

struct wal_watch {
    volatile const unsigned char *header; /* NULL: not watched */
};

/* Maps db's wal-index (call with db idle, after a first read). false: not watchable. */
bool wal_watch_open(struct wal_watch *w, sqlite3 *db);

/* Copies the header into out; false when unwatched or its two copies differ. */
bool wal_watch_read(const struct wal_watch *w, unsigned char out[WAL_WATCH_HEADER_BYTES]);

#endif
