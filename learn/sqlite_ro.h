/*
** sqlite_ro.h -- opening a SQLite database strictly for reading, so that a
** read never writes beside the file (no -wal, -shm or -journal left): the
** readers of learn/ (omop:, vitae:) and `vitae inspect` share it.
*/
#ifndef VT_SQLITE_RO_H
#define VT_SQLITE_RO_H

#include <stddef.h>
#include <sqlite3.h>

/* Open path read-only (SQLITE_OPEN_READONLY, PRAGMA query_only), after
** checking that it starts with the SQLite header.  The database is opened
** immutable (no locking, no side files) when the file or its folder is not
** writable, or when it is a WAL database without a live write-ahead log; a
** database SQLite cannot open read-only is tried again immutable.  The
** schema is read once, so a corrupt or truncated file fails here.  0 and
** *db, or -1 with err ("PATH: message"; *db is NULL). */
int vt_sqlite_open_ro(const char *path, sqlite3 **db, char *err, size_t errlen);

#endif
