/*
** csv.c -- the CSV reader (see csv.h).
**
** Two paths over one 1 MiB read buffer:
**  - the fast path takes a record that lies whole in the buffer and has no
**    quote (or no quoting at all: Athena's tab files), no lone CR and no
**    NUL: its line end and separators are found 32 bytes at a time
**    (SSE2 where there is one), and its fields are split in place, the
**    separators overwritten with NULs: no byte is copied;
**  - the copying path takes every other record (quoted fields, a record
**    longer than the buffer, errors): byte by byte into a growing buffer,
**    the fields NUL-separated.
** Every record first tries the fast path; one that fails it has consumed
** nothing and goes the copying way, which also finds and reports errors.
*/
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/csv.h"
#include "sim/strbuf.h"

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define VT_CSV_SSE2 1
#endif

#define CSV_BUF (1u << 20)             /* read buffer */
#define CSV_PAD 64                     /* after it: a sentinel and the overreach of 32-byte loads */
#define CSV_MAX_RECORD (64u << 20)     /* the longest record the copying path keeps */

struct vt_csv {
  FILE *f;
  char *path;
  char *buf; size_t len, pos;       /* CSV_BUF + CSV_PAD bytes; unread: [pos, len) */
  int eof, ioerr;
  char delim; int quotes;
  long line;                        /* physical line of the next byte, from 1 */
  long rec_line;                    /* first line of the last record */
  int64_t records;
  char *fld; size_t nfld, capfld;   /* copying path: the fields, NUL-separated */
  int toolong;                      /* copying path: the record passed CSV_MAX_RECORD */
  size_t *off; size_t capoff;       /* copying path: where each field starts in fld */
  vt_csv_span *sp; size_t nf, capf; /* the last record's fields */
  char **cols; int ncols;           /* the header, lower case */
};

/* ---- buffer ----------------------------------------------------------- */

/* Read up to CSV_BUF - len more bytes after buf[len].  Returns the count
** (0 at the end of the file or on an error: eof, ioerr set). */
static size_t csv_read(vt_csv *r) {
  if (r->eof) return 0;
  size_t k = fread(r->buf + r->len, 1, CSV_BUF - r->len, r->f);
  if (k == 0) {
    if (ferror(r->f)) r->ioerr = errno ? errno : EIO;
    r->eof = 1;
  }
  r->len += k;
  return k;
}

/* Copying path: refill the whole buffer once it is consumed.  1, or 0 at the end. */
static int csv_fill(vt_csv *r) {
  r->len = r->pos = 0;
  return csv_read(r) > 0;
}

/* Fast path: move the unread bytes to the front and read more after them. */
static size_t csv_more(vt_csv *r) {
  if (r->pos) {
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
  }
  return csv_read(r);
}

static inline int csv_getc(vt_csv *r) {
  if (r->pos == r->len && !csv_fill(r)) return EOF;
  return (unsigned char)r->buf[r->pos++];
}

static inline int csv_peek(vt_csv *r) {
  if (r->pos == r->len && !csv_fill(r)) return EOF;
  return (unsigned char)r->buf[r->pos];
}

/* ---- fields ----------------------------------------------------------- */

static inline void csv_span(vt_csv *r, const char *s, size_t n) {
  if (r->nf == r->capf) {
    r->capf = r->capf ? r->capf * 2 : 64;
    r->sp = vt_xrealloc(r->sp, r->capf * sizeof *r->sp);
  }
  r->sp[r->nf].s = s;
  r->sp[r->nf].n = n;
  r->nf++;
}

static inline void csv_put(vt_csv *r, char ch) {
  if (r->nfld + 1 >= r->capfld) {
    if (r->capfld >= CSV_MAX_RECORD) { r->toolong = 1; return; }
    r->capfld = r->capfld ? r->capfld * 2 : 4096;
    r->fld = vt_xrealloc(r->fld, r->capfld);
  }
  r->fld[r->nfld++] = ch;
}

static void csv_field_start(vt_csv *r) {
  if (r->nf == r->capoff) {
    r->capoff = r->capoff ? r->capoff * 2 : 64;
    r->off = vt_xrealloc(r->off, r->capoff * sizeof *r->off);
  }
  r->off[r->nf++] = r->nfld;
}

/* ---- open, close ------------------------------------------------------ */

vt_csv *vt_csv_open(const char *path, int flags, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) { snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno)); return NULL; }
  vt_csv *r = vt_xcalloc(1, sizeof *r);
  r->f = f;
  r->path = vt_xstrdup(path);
  r->line = 1;
  r->buf = vt_xcalloc(1, CSV_BUF + CSV_PAD);   /* zeroed: the loads past the data read defined bytes */
  csv_read(r);
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
  free(r->sp);
  free(r);
}

/* ---- the fast path ---------------------------------------------------- */

/* Two bit masks of the 32 bytes at p: *md the delimiters, *mo the other
** bytes that may end a record or need the copying path: every byte up to
** CR (13: LF, CR, NUL and a few rare control characters) and '"' when
** quoting. */
static inline void csv_masks(const char *p, char delim, int quotes, uint32_t *md, uint32_t *mo) {
#ifdef VT_CSV_SSE2
  const __m128i lim = _mm_set1_epi8('\r'), d = _mm_set1_epi8(delim), qt = _mm_set1_epi8('"');
  __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
  __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
  __m128i ox = _mm_cmpeq_epi8(_mm_min_epu8(x, lim), x), oy = _mm_cmpeq_epi8(_mm_min_epu8(y, lim), y);
  if (quotes) {
    ox = _mm_or_si128(ox, _mm_cmpeq_epi8(x, qt));
    oy = _mm_or_si128(oy, _mm_cmpeq_epi8(y, qt));
  }
  *md = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, d)) | (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(y, d)) << 16;
  *mo = ((uint32_t)_mm_movemask_epi8(ox) | (uint32_t)_mm_movemask_epi8(oy) << 16) & ~*md;
#else
  uint32_t d = 0, o = 0;
  for (int i = 0; i < 32; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == (unsigned char)delim) d |= 1u << i;
    else if (c <= '\r' || (c == '"' && quotes)) o |= 1u << i;
  }
  *md = d;
  *mo = o;
#endif
}

/* Put back the delimiters of the nf fields split so far (the record goes
** to the copying path after all). */
static void csv_unsplit(vt_csv *r, size_t nf) {
  for (size_t k = 0; k < nf; k++) ((char *)r->sp[k].s)[r->sp[k].n] = r->delim;
}

/* Split the record at buf[pos] in place if it can be: 1 (a record), 0 (the
** copying path must read it; nothing consumed), or -1 at the end of the
** file.  Blank lines are skipped. */
static int csv_fast(vt_csv *r) {
  const char delim = r->delim;
  const int quotes = r->quotes;
  for (;;) {
    if (r->pos == r->len && csv_more(r) == 0) return r->ioerr ? 0 : -1;
    char *s = r->buf + r->pos, *end = r->buf + r->len, *fs = s, *p = s, *eol = NULL;
    *end = '\n';                                 /* sentinel: the scan stops at the data's end */
    size_t nf = 0, cap = r->capf;
    vt_csv_span *sp = r->sp;                     /* in locals: the NUL stores may alias r */
    while (!eol) {
      uint32_t md, mo;
      csv_masks(p, delim, quotes, &md, &mo);
      for (;;) {
        uint32_t first = mo & -mo;               /* the first other byte, 0 if none */
        uint32_t fields = first ? md & (first - 1) : md;
        for (; fields; fields &= fields - 1) {   /* the delimiters before it */
          char *q = p + __builtin_ctz(fields);
          if (nf == cap) {
            r->nf = nf;
            csv_span(r, NULL, 0);
            sp = r->sp;
            cap = r->capf;
          }
          sp[nf].s = fs;
          sp[nf].n = (size_t)(q - fs);
          nf++;
          *q = 0;
          fs = q + 1;
        }
        if (!first) break;
        md &= ~(first - 1);
        mo &= mo - 1;
        char *q = p + __builtin_ctz(first);
        if (*q == '\n') { eol = q; break; }
        if (*q == '\r' && q[1] == '\n' && q + 1 < end) { eol = q + 1; break; }
        if (*q == '\r' || *q == 0 || *q == '"') {
          csv_unsplit(r, nf);                    /* a lone CR, a NUL, a quote */
          return 0;
        }
      }
      p += 32;
    }
    if (eol == end && !r->eof) {                 /* the record goes on after the buffer */
      csv_unsplit(r, nf);
      if (r->pos == 0 && r->len == CSV_BUF) return 0;
      csv_more(r);
      if (r->ioerr) return 0;
      continue;
    }
    char *fe = eol > fs && eol[-1] == '\r' && eol < end ? eol - 1 : eol;
    r->nf = nf;
    csv_span(r, fs, (size_t)(fe - fs));
    *fe = 0;
    r->pos = (size_t)(eol - r->buf) + (eol < end);
    r->rec_line = r->line++;
    if (nf == 0 && fe == fs) continue;           /* a blank line */
    return 1;
  }
}

/* ---- the copying path ------------------------------------------------- */

/* Read one quoted field's content after its opening quote; returns the
** character after the closing quote, or -2 on an unclosed quote / NUL (err
** set), EOF on a read error. */
static int csv_quoted(vt_csv *r, char *err, size_t errlen) {
  for (;;) {
    int c = csv_getc(r);
    if (c == EOF) {
      if (r->ioerr) return EOF;
      snprintf(err, errlen, "%s:%ld: a quoted field has no closing quote before the end of the file", r->path,
               r->rec_line);
      return -2;
    }
    if (c == '"') {
      if (csv_peek(r) == '"') { csv_getc(r); csv_put(r, '"'); continue; }
      return csv_getc(r);
    }
    if (c == '\n' || (c == '\r' && csv_peek(r) != '\n')) r->line++;
    if (c == 0) {
      snprintf(err, errlen, "%s:%ld: a NUL byte: not a text file", r->path, r->line);
      return -2;
    }
    csv_put(r, (char)c);
  }
}

/* The rest of an unquoted field from c on, up to the delimiter or the line
** end (returned as '\n'; a CR or CRLF is consumed) or EOF; -2 on a NUL. */
static int csv_plain(vt_csv *r, int c, char *err, size_t errlen) {
  while (c != EOF && c != r->delim && c != '\n') {
    if (c == '\r') {
      if (csv_peek(r) == '\n') csv_getc(r);
      return '\n';
    }
    if (c == 0) {  /* fields are C strings: a NUL would silently cut one short */
      snprintf(err, errlen, "%s:%ld: a NUL byte: not a text file", r->path, r->line);
      return -2;
    }
    csv_put(r, (char)c);
    c = csv_getc(r);
  }
  return c;
}

/* The copying path: read the record at the cursor.  1, 0 at the end, -1 with err. */
static int csv_slow(vt_csv *r, char *err, size_t errlen) {
  for (;;) {
    r->nfld = 0;
    r->nf = 0;
    r->toolong = 0;
    int c = csv_getc(r);
    if (c == EOF) break;
    r->rec_line = r->line;
    if (c == '\n') { r->line++; continue; }
    if (c == '\r') { if (csv_peek(r) == '\n') csv_getc(r); r->line++; continue; }
    for (;;) {
      csv_field_start(r);
      if (r->quotes && c == '"') {
        c = csv_quoted(r, err, errlen);
        if (c == -2) return -1;
        if (c != EOF && c != r->delim && c != '\n' && c != '\r') {
          snprintf(err, errlen, "%s:%ld: text after the closing quote of a field", r->path, r->line);
          return -1;
        }
      }
      c = csv_plain(r, c, err, errlen);
      if (c == -2) return -1;
      csv_put(r, 0);
      if (c == r->delim) { c = csv_getc(r); continue; }
      if (c == '\n') r->line++;
      if (r->ioerr) break;
      if (r->toolong) {
        snprintf(err, errlen, "%s:%ld: a record longer than %u MiB", r->path, r->rec_line, CSV_MAX_RECORD >> 20);
        return -1;
      }
      size_t nf = r->nf;
      r->nf = 0;
      for (size_t k = 0; k < nf; k++) {
        size_t e = k + 1 < nf ? r->off[k + 1] - 1 : r->nfld - 1;
        csv_span(r, r->fld + r->off[k], e - r->off[k]);
      }
      return 1;
    }
    break;
  }
  if (r->ioerr) { snprintf(err, errlen, "%s: cannot read: %s", r->path, strerror(r->ioerr)); return -1; }
  return 0;
}

int vt_csv_next(vt_csv *r, char *err, size_t errlen) {
  int rc = csv_fast(r);
  if (rc < 0) return 0;
  if (rc == 0) rc = csv_slow(r, err, errlen);
  if (rc == 1) r->records++;
  return rc;
}

int vt_csv_count_rest(vt_csv *r, int64_t *n, char *err, size_t errlen) {
  int64_t records = 0;
  int inq = 0, nonempty = 0, cr = 0;
  long qline = 0;
  const char q = r->quotes ? '"' : 0;
  do {
    const char *p = r->buf + r->pos, *end = r->buf + r->len;
    for (; p < end; p++) {
      char ch = *p;
      if (ch == '\n' || ch == '\r') {
        if (!(ch == '\n' && cr)) {               /* the LF of a CRLF ends nothing more */
          r->line++;
          if (!inq) { records += nonempty; nonempty = 0; }
        }
      } else if (ch == q && q) {
        if (!inq) qline = r->line;
        inq = !inq;
        nonempty = 1;
      } else nonempty = 1;
      cr = ch == '\r';
    }
    r->pos = r->len;
  } while (csv_fill(r));
  if (r->ioerr) { snprintf(err, errlen, "%s: cannot read: %s", r->path, strerror(r->ioerr)); return -1; }
  if (inq) {
    snprintf(err, errlen, "%s:%ld: a quoted field has no closing quote before the end of the file", r->path, qline);
    return -1;
  }
  *n = records + nonempty;
  r->records += *n;
  return 0;
}

/* ---- header and accessors --------------------------------------------- */

int vt_csv_header(vt_csv *r, char *err, size_t errlen) {
  int rc = vt_csv_next(r, err, errlen);
  if (rc < 0) return -1;
  if (rc == 0) { snprintf(err, errlen, "%s: empty file (no header line)", r->path); return -1; }
  for (int k = 0; k < r->ncols; k++) free(r->cols[k]);
  free(r->cols);
  r->ncols = (int)r->nf;
  r->cols = vt_xcalloc(r->nf ? r->nf : 1, sizeof *r->cols);
  for (size_t k = 0; k < r->nf; k++) {
    const char *s = r->sp[k].s;
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
const char *vt_csv_field(const vt_csv *r, size_t k) { return k < r->nf ? r->sp[k].s : ""; }
size_t vt_csv_field_len(const vt_csv *r, size_t k) { return k < r->nf ? r->sp[k].n : 0; }
const vt_csv_span *vt_csv_spans(const vt_csv *r, size_t *n) {
  if (n) *n = r->nf;
  return r->sp;
}

long vt_csv_line(const vt_csv *r) { return r->rec_line; }
int64_t vt_csv_records(const vt_csv *r) { return r->records; }
const char *vt_csv_path(const vt_csv *r) { return r->path; }
char vt_csv_delimiter(const vt_csv *r) { return r->delim; }
