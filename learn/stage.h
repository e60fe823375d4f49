/*
** stage.h -- staging CSV files into a temporary SQLite database, so that a
** CSV source (omop-csv:, synthea-csv:, events:) can be read like a SQLite
** one: one ordered cursor per table, merged person by person, with memory
** bounded by SQLite's page cache, never by the size of the files.
**
**   vt_stage *s;
**   if (vt_stage_open(&s, err, sizeof err) != 0) ...
**   static const char *const cols[] = { "id", "birthdate", "gender" };
**   if (vt_stage_table(s, "x/patients.csv", "patients", cols, 3, VT_STAGE_COL(0) | VT_STAGE_COL(1),
**                      NULL, NULL, err, sizeof err) != 0) ...
**   vt_stage_index(s, "patients", "id", err, sizeof err);
**   sqlite3_prepare_v2(vt_stage_db(s), "SELECT ... ORDER BY id", ...);
**   vt_stage_close(s);
**
** The database is SQLite's own private temporary database (opened with an
** empty file name): SQLite creates its file under $SQLITE_TMPDIR, $TMPDIR,
** /var/tmp, /usr/tmp or /tmp only once the page cache spills, and unlinks
** it the moment it has opened it, so nothing is left behind when the
** process ends in any way (even by SIGKILL), and no other process can open
** it.  Pages beyond the bounded cache (VT_STAGE_CACHE_KIB) live in that
** file.  Writes are unjournaled and unsynced: a staged database is never
** kept.
*/
#ifndef VT_STAGE_H
#define VT_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

typedef struct vt_stage vt_stage;

/* The bit of column k in a required / present mask (k < 64). */
#define VT_STAGE_COL(k) ((uint64_t)1 << (k))
#define VT_STAGE_MAX_COLUMNS 64
/* The page cache of a staged database, in KiB. */
#define VT_STAGE_CACHE_KIB (32 * 1024)

/* Open an empty staging database: 0 and *out, or -1 with err. */
int vt_stage_open(vt_stage **out, char *err, size_t errlen);

/* Stage the CSV file csv_path (comma- or tab-separated, RFC 4180, through
** learn/csv.h) as table `table`: a column `line` (INTEGER, the CSV line
** where the row begins, for messages) and the ncols columns named in
** columns (lower case; matched against the header case-insensitively), all
** TEXT; an empty field, a field the row is too short to have, and a column
** the file lacks are NULL.  The rows go in one transaction through one
** prepared statement.
**
** required: the mask of the columns the file must have (VT_STAGE_COL(k)).
** present (may be NULL): set to the mask of the columns the file has.
** rows (may be NULL): set to the number of rows staged (header excluded).
**
** 0, or -1 with err: "FILE: no column 'x' (the columns: a, b, c)" for a
** missing required column, "FILE:LINE: ..." for broken quoting or a NUL
** byte, "FILE: empty file (no header line)", "FILE: cannot open: ...". */
int vt_stage_table(vt_stage *s, const char *csv_path, const char *table, const char *const *columns, int ncols,
                   uint64_t required, uint64_t *present, int64_t *rows, char *err, size_t errlen);

/* Index table(column) (ascending): 0, or -1 with err. */
int vt_stage_index(vt_stage *s, const char *table, const char *column, char *err, size_t errlen);

/* The database handle (for the source's queries; owned by the stage). */
sqlite3 *vt_stage_db(vt_stage *s);

/* Close and free (NULL is fine); the temporary file goes with it. */
void vt_stage_close(vt_stage *s);

/* Find the file called name in folder dir, the case of the name ignored
** (PERSON.csv, person.csv, Person.CSV): 1 and its path in out, 0 if the
** folder has none (out empty), -1 with err when the folder cannot be read
** or the path does not fit in out. */
int vt_stage_find_file(const char *dir, const char *name, char *out, size_t outlen, char *err, size_t errlen);

/* A cursor over a query on staged tables whose first column is a person id
** and whose rows come in person order (vt_stage_person_order): sources
** merge one cursor per table person by person (a merge join). */
typedef struct vt_stage_cursor {
  sqlite3_stmt *st;
  int on_row;                    /* 1 while st is on a row */
} vt_stage_cursor;

/* Prepare sql and step to its first row: 0, or -1 with err. */
int vt_stage_cursor_open(vt_stage *s, vt_stage_cursor *c, const char *sql, char *err, size_t errlen);
/* Step to the next row (c->on_row says whether there is one): 0, or -1
** with err. */
int vt_stage_cursor_next(vt_stage_cursor *c, char *err, size_t errlen);
/* The person id of the current row (NULL when the field is empty). */
const char *vt_stage_cursor_id(const vt_stage_cursor *c);
void vt_stage_cursor_close(vt_stage_cursor *c);

/* The ORDER BY terms (into out) that sort the ids of column col: as text
** (byte order), or, when numeric, as numbers written in digits (shorter
** after leading zeros first, then by digits, then as text), for ids that
** are all digits.  NULL ids come first either way. */
void vt_stage_person_order(const char *col, int numeric, char *out, size_t outlen);
/* Compare two ids exactly as that ORDER BY sorts them (NULL first). */
int vt_stage_id_cmp(const char *a, const char *b, int numeric);

#endif
