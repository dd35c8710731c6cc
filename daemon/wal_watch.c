/* wal_watch: commits seen in the wal-index header (see wal_watch.h). */
#include "wal_watch.h"

#include <string.h>

#define WAL_INDEX_REGION_BYTES 32768 /* SQLite maps the wal-index in regions of this size */

bool wal_watch_open(struct wal_watch *w, sqlite3 *db)
{
    w->header = NULL;
    sqlite3_stmt *st = NULL;
    bool wal = sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
               sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
               strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    sqlite3_finalize(st);
    sqlite3_file *f = NULL;
    if (!wal || sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
        !f || !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap)
        return false;
    void volatile *region = NULL;
    /* Region 0, not extended: only a wal-index this connection already shares. SQLITE_OK
     * only: a read-only wal-index (SQLITE_READONLY) may be a private copy. */
    if (f->pMethods->xShmMap(f, 0, WAL_INDEX_REGION_BYTES, 0, &region) != SQLITE_OK || !region)
        return false;
    w->header = region;
    return true;
}

bool wal_watch_read(const struct wal_watch *w, unsigned char out[WAL_WATCH_HEADER_BYTES])
{
    if (!w->header)
        return false;
    /* The first copy, then the second: a writer writes the second, then the first. */
    const size_t half = WAL_WATCH_HEADER_BYTES / 2;
    for (size_t i = 0; i < half; i++)
        out[i] = w->header[i];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (size_t i = half; i < WAL_WATCH_HEADER_BYTES; i++)
        out[i] = w->header[i];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return memcmp(out, out + half, half) == 0;
}
