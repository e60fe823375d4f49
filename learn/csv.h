/*
** csv.h -- the one CSV reader of vitae: RFC 4180 files (quoted fields may
** hold the delimiter, "" and line breaks), comma- or tab-separated, read in
** a streaming way with the line number of every record for messages.
**
** Used by every reader of CSV data: the EHR sources of learn/ (omop-csv:,
** synthea-csv:, events:), the OHDSI vocabulary (learn/vocab.c) and the GMF
** lookup tables (sim/lookup.c).
**
**   vt_csv *r = vt_csv_open(path, 0, err, sizeof err);
**   if (vt_csv_header(r, err, sizeof err) != 0) ...
**   int col = vt_csv_column(r, "person_id");
**   while ((rc = vt_csv_next(r, err, sizeof err)) == 1)
**     use(vt_csv_field(r, col), vt_csv_line(r));
**   vt_csv_close(r);
*/
#ifndef VT_CSV_H
#define VT_CSV_H

#include <stddef.h>
#include <stdint.h>

typedef struct vt_csv vt_csv;

/* How to read the file.  VT_CSV_AUTO: a tab-separated file if the first line
** has more tabs than commas, else comma-separated.  A tab-separated file is
** read without quoting (as Athena writes its vocabulary download) unless
** VT_CSV_QUOTED_TABS is given too. */
enum {
  VT_CSV_AUTO = 0,
  VT_CSV_COMMA = 1,
  VT_CSV_TAB = 2,
  VT_CSV_QUOTED_TABS = 4,
};

/* Open `path` (copied) for reading; a UTF-8 byte order mark is skipped.
** NULL and "PATH: cannot open: REASON" in err on failure. */
vt_csv *vt_csv_open(const char *path, int flags, char *err, size_t errlen);

/* Read the next record: 1 with its fields, 0 at the end of the file, -1 with
** "PATH:LINE: message" in err (a quoted field not closed, text after the
** closing quote of a field, a NUL byte, a record over 64 MiB, a read
** error).  Blank lines are skipped.  A line ends with LF, CRLF or a lone CR
** (old Mac files); a line break inside a quoted field is part of it.
** Outside quotes a '"' inside a field is kept as text. */
int vt_csv_next(vt_csv *r, char *err, size_t errlen);

/* Read the first record as the header: the names, trimmed of spaces and
** lower-cased, are what vt_csv_column looks up.  0, or -1 with err (also
** "PATH: empty file (no header line)"). */
int vt_csv_header(vt_csv *r, char *err, size_t errlen);

/* The column of a header name (lower case), or -1. */
int vt_csv_column(const vt_csv *r, const char *name);
/* The header's number of columns and names (after vt_csv_header). */
int vt_csv_columns(const vt_csv *r);
const char *vt_csv_column_name(const vt_csv *r, int k);

/* Fields of the last record read: how many, and field k as a NUL-terminated
** string ("" for k out of range, so that a short row reads as empty fields;
** vt_csv_count tells whether the row was short). */
size_t vt_csv_count(const vt_csv *r);
const char *vt_csv_field(const vt_csv *r, size_t k);
/* The length of field k (0 out of range). */
size_t vt_csv_field_len(const vt_csv *r, size_t k);

/* The fields of the last record without a call per field: *n (if n is
** not NULL; vt_csv_count) spans, each a pointer (NUL-terminated too) and a
** length.  Valid until the next vt_csv_next or vt_csv_close. */
typedef struct vt_csv_span { const char *s; size_t n; } vt_csv_span;
const vt_csv_span *vt_csv_spans(const vt_csv *r, size_t *n);

/* The line on which the last record began (from 1), the number of records
** read so far (the header included), the file's path and its delimiter. */
long vt_csv_line(const vt_csv *r);
int64_t vt_csv_records(const vt_csv *r);
const char *vt_csv_path(const vt_csv *r);
char vt_csv_delimiter(const vt_csv *r);

/* Count the records left without keeping them (fast: no field is copied).
** 0 and *n, or -1 with err. */
int vt_csv_count_rest(vt_csv *r, int64_t *n, char *err, size_t errlen);

void vt_csv_close(vt_csv *r);

#endif
