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

/* Run provenance keys a writer keeps until it finishes: ordered, a key set
** twice keeps its last value, both strings copied. */
typedef struct vt_kv { struct vt_kv_item { char *key, *value; } *items; size_t n, cap; } vt_kv;
/* Set key to value (NULL allowed).  0, or -1 on a NULL key or no memory. */
int vt_kv_set(vt_kv *kv, const char *key, const char *value);
/* The value of key, or NULL. */
const char *vt_kv_get(const vt_kv *kv, const char *key);
void vt_kv_free(vt_kv *kv);

#endif
