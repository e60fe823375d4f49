/*
** dbfile.h -- file-system and SQLite helpers the writers share (native and
** OMOP): making the output folder, syncing, running SQL text with a message
** that names the database.
*/
#ifndef VT_DBFILE_H
#define VT_DBFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "sim/record.h"
#include "sim/strbuf.h"

/* Text s bound SQLITE_STATIC (it must outlive the statement's step), or NULL
** when s is NULL; the sqlite3_bind_* result. */
static inline int vt_bind_text(sqlite3_stmt *st, int i, const char *s) {
  return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

/* "YYYY-MM-DD" of day number `day` (days since 1970-01-01) in out, by
** hand (a writer formats millions of dates): 0, or -1 with nothing written
** when the year is outside 0-9999 (the caller formats those its way). */
int vt_format_day(int64_t day, char out[11]);
/* "HH:MM:SS" of `s` seconds into a day (0-86399) in out, NUL-terminated. */
void vt_format_hms(int s, char out[9]);

/* Create `dir` and its missing parents (mkdir -p); 0 or -1 with errno set. */
int vt_make_dirs(const char *dir);
/* Folder part of a path ("." for a bare file name, "/" for the root);
** malloc'd, or NULL when out of memory. */
char *vt_parent_dir(const char *path);
/* fsync a file or folder by path; 0 or -1 with errno.  Folders on file
** systems that cannot sync them (EINVAL, EBADF) count as synced. */
int vt_sync_path(const char *path, int is_dir);
/* Execute SQL text on db; 0, or -1 with err "WHAT PATH: message". */
int vt_sql_exec(sqlite3 *db, const char *path, const char *sql, const char *what, char *err, size_t errlen);

/* Split an embedded schema at its "-- @indexes" line: a malloc'd copy of the
** part before (the tables), and *index_sql pointing at the part after (built
** once the rows are in).  NULL if there is no such line or no memory. */
char *vt_schema_split(const char *schema, const char **index_sql);

/* Create the temporary database of a writer whose final path is `path`:
** make its folder (mkdir -p), refuse a folder at `path`, create the file
** "<path>.partial-<pid>" ourselves (so that a failure says why), open it
** with SQLite (extended result codes on) and run `pragmas` and `ddl`.
** Returns 0 with *tmp (malloc'd) and *db; or -1 with err naming the path,
** and nothing left behind (*tmp and *db NULL, no file). */
int vt_db_create(const char *path, const char *pragmas, const char *ddl, char **tmp, sqlite3 **db,
                 char *err, size_t errlen);

/* SQLite's message for the last error on db, followed by the system error
** when SQLite kept one (a full disk: "database or disk is full: No space
** left on device"); written to buf, which is returned. */
const char *vt_db_errmsg(sqlite3 *db, char *buf, size_t len);

/* ---- one run per output (see the comment in dbfile.c) ----------------- */

/* The lock a run holds on "<path>.lock" while it writes `path`. */
typedef struct vt_out_lock vt_out_lock;
/* vt_out_lock_take's result when another live run holds the lock. */
#define VT_LOCK_BUSY 1
/* Make the folder of `path` (mkdir -p), take the lock of `path` without
** waiting, then remove the temporary files of runs on `path` that are no
** longer alive, saying so on `note` (if not NULL).  Returns 0 with *lk;
** VT_LOCK_BUSY with err saying which run (pid) holds it; or -1 with err
** naming the file.  On a file system without locks (flock fails with
** ENOLCK, EOPNOTSUPP...) it says so on `note` and returns 0 with *lk set but
** removes nothing. */
int vt_out_lock_take(const char *path, FILE *note, vt_out_lock **lk, char *err, size_t errlen);
/* The lock file's path ("" without a lock file), for a signal handler. */
const char *vt_out_lock_path(const vt_out_lock *lk);
/* Remove the lock file and release the lock; call it once the temporary
** file is renamed or removed.  NULL is allowed. */
void vt_out_lock_release(vt_out_lock *lk);
/* Remove the temporary files "<path>.partial-<digits>" (and the SQLite
** "-journal", "-wal", "-shm" files beside them), saying so on `note` (if
** not NULL).  Only safe while holding the lock of `path`.  Returns how many
** files were removed. */
int vt_sweep_stale_temps(const char *path, FILE *note);

/* ---- one writer's lifecycle (native and OMOP) -------------------------
**
** What both writers share: the temporary file "<path>.partial-<pid>" made
** from an embedded schema (tables first, the part after "-- @indexes"
** built at finish), the bulk-load pragmas (vt_writer_pragmas), one
** prepared insert per table, rows committed in batches of VT_DBOUT_BATCH,
** a failed state after which only close is allowed, and finish = commit,
** indexes, close, fsync, rename, folder sync.  A writer embeds a vt_dbout
** and keeps only what is its own (binding rows, its tail rows). */

#define VT_DBOUT_BATCH 50000   /* rows per transaction */

typedef struct vt_dbout {
  sqlite3 *db;
  char *path, *tmp;
  const char *index_sql;     /* the DDL after the @indexes marker (in the embedded text) */
  sqlite3_stmt **st;         /* nst prepared inserts (NULL where none) */
  int nst;
  int failed;                /* a write failed: only close is allowed */
  int finished;              /* finish succeeded: the file is in place */
  int64_t batch_rows;        /* rows since the last commit */
} vt_dbout;

/* Open o for the final path `path`: split the embedded schema
** `schema_file`, create the temporary database with `pragmas` and the
** tables, prepare insert_sql[0..nst) (NULL entries are skipped; names[i]
** names table i in messages) and begin the first transaction.  0, or -1
** with err ("cannot create output/x.db: Permission denied") and nothing
** left behind. */
int vt_dbout_open(vt_dbout *o, const char *path, const char *schema_file, const char *pragmas,
                  const char *const *insert_sql, const char *const *names, int nst, char *err, size_t errlen);
/* 0 if rows may be written; else -1 with "writing PATH: the writer is
** already finished / failed earlier". */
int vt_dbout_check(const vt_dbout *o, char *err, size_t errlen);
/* Count `rows` written; past VT_DBOUT_BATCH, commit and begin again.  0,
** or -1 with err (o is then failed). */
int vt_dbout_rows(vt_dbout *o, int64_t rows, char *err, size_t errlen);
/* Start finishing: -1 with err if o failed earlier, else 0 with o marked
** failed until vt_dbout_finish succeeds (the writer then adds its last rows
** inside the open transaction). */
int vt_dbout_finish_start(vt_dbout *o, char *err, size_t errlen);
/* Commit, build the indexes, finalize the inserts, close, fsync, rename onto
** the path and sync the folder.  0, or -1 with err (close o then). */
int vt_dbout_finish(vt_dbout *o, char *err, size_t errlen);
/* Close: finalize the inserts, close the database, delete the temporary
** file unless finished, free what o holds.  Safe on a zeroed o. */
void vt_dbout_close(vt_dbout *o);
/* The message of a failed SQLite call (rc) while writing patient `idx`:
** "writing PATH: MESSAGE" for a full disk, an I/O error or no memory (rc
** SQLITE_NOMEM says "out of memory"), else with "(patient IDX, TABLE row
** ROW of the record)", or "(patient IDX, TABLE)" when row is (size_t)-1,
** "(patient IDX)" when table is NULL too. */
void vt_dbout_write_error(const vt_dbout *o, int rc, int64_t idx, const char *table, size_t row, char *err,
                          size_t errlen);
/* Check row i of patient idx's record before it is written: a known table,
** and no negative per-patient number (encounters, care plans, studies).
** 0, or -1 with err and o failed. */
int vt_dbout_check_row(vt_dbout *o, const vt_row *r, size_t i, int64_t idx, char *err, size_t errlen);
/* Execute SQL text on o's database; 0, or -1 with "WHAT PATH: message". */
int vt_dbout_exec(vt_dbout *o, const char *sql, const char *what, char *err, size_t errlen);

/* Run provenance keys a writer keeps until it finishes: ordered, a key set
** twice keeps its last value, both strings copied. */
typedef struct vt_kv { struct vt_kv_item { char *key, *value; } *items; size_t n, cap; } vt_kv;
/* Set key to value (NULL allowed).  0, or -1 on a NULL key or no memory. */
int vt_kv_set(vt_kv *kv, const char *key, const char *value);
/* The value of key, or NULL. */
const char *vt_kv_get(const vt_kv *kv, const char *key);
void vt_kv_free(vt_kv *kv);

#endif
