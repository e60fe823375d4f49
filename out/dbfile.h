/*
** dbfile.h -- file-system and SQLite helpers the writers share (native and
** OMOP): making the output folder, syncing, running SQL text with a message
** that names the database.
*/
#ifndef VT_DBFILE_H
#define VT_DBFILE_H

#include <stddef.h>
#include <sqlite3.h>

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

#endif
