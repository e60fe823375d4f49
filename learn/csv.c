/*
** csv.c -- the CSV reader (see csv.h): a 1 MiB read buffer, fields copied
** into one growing buffer, NUL-separated, with their offsets.
*/
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/csv.h"
#include "sim/strbuf.h"

#define CSV_BUF (1u << 20)

struct vt_csv {
  FILE *f;
  char *path;
  char *buf; size_t len, pos;
  int eof, ioerr;
  char delim; int quotes;
  long line;                        /* physical line of the next byte, from 1 */
  long rec_line;                    /* first line of the last record */
  int64_t records;
  char *fld; size_t nfld, capfld;   /* the last record's fields, NUL-separated */
  size_t *off; size_t nf, capf;     /* where each field starts in fld */
  char **cols; int ncols;           /* the header, lower case */
};

static int csv_fill(vt_csv *r) {
  if (r->eof) return 0;
  r->len = fread(r->buf, 1, CSV_BUF, r->f);
  r->pos = 0;
  if (r->len == 0) {
    if (ferror(r->f)) r->ioerr = errno ? errno : EIO;
    r->eof = 1;
    return 0;
  }
  return 1;
}

static inline int csv_getc(vt_csv *r) {
  if (r->pos == r->len && !csv_fill(r)) return EOF;
  return (unsigned char)r->buf[r->pos++];
}

static inline int csv_peek(vt_csv *r) {
  if (r->pos == r->len && !csv_fill(r)) return EOF;
  return (unsigned char)r->buf[r->pos];
}

static inline void csv_put(vt_csv *r, char ch) {
  if (r->nfld + 1 >= r->capfld) {
    r->capfld = r->capfld ? r->capfld * 2 : 4096;
    r->fld = vt_xrealloc(r->fld, r->capfld);
  }
  r->fld[r->nfld++] = ch;
}

static void csv_field_start(vt_csv *r) {
  if (r->nf == r->capf) {
    r->capf = r->capf ? r->capf * 2 : 64;
    r->off = vt_xrealloc(r->off, r->capf * sizeof *r->off);
  }
  r->off[r->nf++] = r->nfld;
}

vt_csv *vt_csv_open(const char *path, int flags, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) { snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno)); return NULL; }
  vt_csv *r = vt_xcalloc(1, sizeof *r);
  r->f = f;
  r->path = vt_xstrdup(path);
  r->line = 1;
  r->buf = vt_xmalloc(CSV_BUF);
  csv_fill(r);
  if (r->ioerr) {
    snprintf(err, errlen, "%s: cannot read: %s", path, strerror(r->ioerr));
    vt_csv_close(r);
    return NULL;
  }
  if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
  if (flags & VT_CSV_COMMA) r->delim = ',';
  else if (flags & VT_CSV_TAB) r->delim = '\t';
  else {
    size_t tabs = 0, commas = 0;
    for (size_t k = r->pos; k < r->len && r->buf[k] != '\n'; k++) {
      if (r->buf[k] == '\t') tabs++;
      else if (r->buf[k] == ',') commas++;
    }
    r->delim = tabs > commas ? '\t' : ',';
  }
  r->quotes = r->delim == ',' || (flags & VT_CSV_QUOTED_TABS);
  return r;
}

void vt_csv_close(vt_csv *r) {
  if (!r) return;
  if (r->f) fclose(r->f);
  for (int k = 0; k < r->ncols; k++) free(r->cols[k]);
  free(r->cols);
  free(r->path);
  free(r->buf);
  free(r->fld);
  free(r->off);
  free(r);
}

/* Read one quoted field's content after its opening quote; returns the
** character after the closing quote, or -2 on an unclosed quote / NUL (err
** set), EOF on a read error. */
static int csv_quoted(vt_csv *r, char *err, size_t errlen) {
  for (;;) {
    int c = csv_getc(r);
    if (c == EOF) {
      if (r->ioerr) return EOF;
      snprintf(err, errlen, "%s:%ld: a quoted field is not closed before the end of the file", r->path, r->rec_line);
      return -2;
    }
    if (c == '"') {
      if (csv_peek(r) == '"') { csv_getc(r); csv_put(r, '"'); continue; }
      return csv_getc(r);
    }
    if (c == '\n') r->line++;
    if (c == 0) {
      snprintf(err, errlen, "%s:%ld: a NUL byte: not a CSV text file", r->path, r->line);
      return -2;
    }
    csv_put(r, (char)c);
  }
}

int vt_csv_next(vt_csv *r, char *err, size_t errlen) {
  for (;;) {
    r->nfld = 0;
    r->nf = 0;
    int c = csv_getc(r);
    if (c == EOF) break;
    r->rec_line = r->line;
    if (c == '\n') { r->line++; continue; }
    if (c == '\r' && csv_peek(r) == '\n') { csv_getc(r); r->line++; continue; }
    for (;;) {
      csv_field_start(r);
      if (r->quotes && c == '"') {
        c = csv_quoted(r, err, errlen);
        if (c == -2) return -1;
      }
      while (c != EOF && c != r->delim && c != '\n') {
        if (c == '\r' && csv_peek(r) == '\n') { c = csv_getc(r); break; }
        if (c == 0) {  /* fields are C strings: a NUL would silently cut one short */
          snprintf(err, errlen, "%s:%ld: a NUL byte: not a CSV text file", r->path, r->line);
          return -1;
        }
        csv_put(r, (char)c);
        c = csv_getc(r);
      }
      csv_put(r, 0);
      if (c == r->delim) { c = csv_getc(r); continue; }
      if (c == '\n') r->line++;
      if (r->ioerr) break;
      r->records++;
      return 1;
    }
    break;
  }
  if (r->ioerr) { snprintf(err, errlen, "%s: cannot read: %s", r->path, strerror(r->ioerr)); return -1; }
  return 0;
}

int vt_csv_count_rest(vt_csv *r, int64_t *n, char *err, size_t errlen) {
  int64_t records = 0;
  int inq = 0, nonempty = 0;
  long qline = 0;
  const char q = r->quotes ? '"' : 0;
  do {
    const char *p = r->buf + r->pos, *end = r->buf + r->len;
    for (; p < end; p++) {
      char ch = *p;
      if (ch == '\n') {
        r->line++;
        if (!inq) { records += nonempty; nonempty = 0; }
      } else if (ch == q && q) {
        if (!inq) qline = r->line;
        inq = !inq;
        nonempty = 1;
      } else if (ch != '\r') nonempty = 1;
    }
    r->pos = r->len;
  } while (csv_fill(r));
  if (r->ioerr) { snprintf(err, errlen, "%s: cannot read: %s", r->path, strerror(r->ioerr)); return -1; }
  if (inq) { snprintf(err, errlen, "%s:%ld: a quoted field is not closed before the end of the file", r->path, qline); return -1; }
  *n = records + nonempty;
  r->records += *n;
  return 0;
}

int vt_csv_header(vt_csv *r, char *err, size_t errlen) {
  int rc = vt_csv_next(r, err, errlen);
  if (rc < 0) return -1;
  if (rc == 0) { snprintf(err, errlen, "%s: empty file (no header line)", r->path); return -1; }
  for (int k = 0; k < r->ncols; k++) free(r->cols[k]);
  free(r->cols);
  r->ncols = (int)r->nf;
  r->cols = vt_xcalloc(r->nf ? r->nf : 1, sizeof *r->cols);
  for (size_t k = 0; k < r->nf; k++) {
    const char *s = r->fld + r->off[k];
    while (*s == ' ') s++;
    char *d = vt_xstrdup(s);
    size_t n = strlen(d);
    while (n && (d[n - 1] == ' ' || d[n - 1] == '\r')) d[--n] = 0;
    for (char *p = d; *p; p++) *p = (char)tolower((unsigned char)*p);
    r->cols[k] = d;
  }
  return 0;
}

int vt_csv_column(const vt_csv *r, const char *name) {
  for (int k = 0; k < r->ncols; k++)
    if (strcmp(r->cols[k], name) == 0) return k;
  return -1;
}

int vt_csv_columns(const vt_csv *r) { return r->ncols; }
const char *vt_csv_column_name(const vt_csv *r, int k) { return k >= 0 && k < r->ncols ? r->cols[k] : NULL; }
size_t vt_csv_count(const vt_csv *r) { return r->nf; }
const char *vt_csv_field(const vt_csv *r, size_t k) { return k < r->nf ? r->fld + r->off[k] : ""; }

size_t vt_csv_field_len(const vt_csv *r, size_t k) {
  if (k >= r->nf) return 0;
  size_t end = k + 1 < r->nf ? r->off[k + 1] - 1 : r->nfld - 1;
  return end - r->off[k];
}

long vt_csv_line(const vt_csv *r) { return r->rec_line; }
int64_t vt_csv_records(const vt_csv *r) { return r->records; }
const char *vt_csv_path(const vt_csv *r) { return r->path; }
char vt_csv_delimiter(const vt_csv *r) { return r->delim; }
