/*
** vocab.c -- OHDSI vocabulary lookups for the OMOP writer (see vocab.h).
**
** An Athena download is gigabytes: CONCEPT.csv has millions of rows,
** CONCEPT_RELATIONSHIP.csv and CONCEPT_ANCESTOR.csv tens of millions.  A
** run needs a few thousand of those concepts.  So every file is streamed
** through one fixed buffer, rows are split in place (no allocation per
** line), and only the rows that matter are copied out: memory is
** proportional to the wanted set, never to the download.
**
** The load makes up to five passes, each skipped when it has nothing to do:
**   1. CONCEPT.csv: the concepts of the wanted (vocabulary, code) pairs,
**      every UCUM unit, and the concept ids the caller asks for as they are
**      (the OMOP writer's own: gender, visit, type concepts...);
**   2. CONCEPT_RELATIONSHIP.csv: the "Maps to" targets of the wanted codes
**      whose own concept is not a valid standard concept;
**   3. CONCEPT_ANCESTOR.csv: the ancestors of the kept drug concepts (and of
**      the targets found in 2 for them): candidates for their ingredient;
**   4. CONCEPT.csv again, for the targets found in 2 and the ingredients
**      among the ancestors found in 3 that pass 1 did not keep (only the
**      concept_id of the other rows is looked at);
**   5. VOCABULARY.csv: the version of the "None" vocabulary.
** Then every wanted code is resolved to its standard concept and every drug
** concept to its ingredient.
**
** Files are tab-separated without quoting (Athena's layout) or
** comma-separated with RFC 4180 quoting; the header line says which.
** Columns are found by name (any order, any case).
**
** A kept concept keeps its whole row for the output's concept table, in 48
** bytes (out of a pool: its name and code; as 16-bit indexes into a table
** of interned strings: its domain, vocabulary, class, standard flag and
** invalid reason, a few hundred distinct values; its dates as YYYYMMDD
** numbers), plus about 24 to 48 bytes in the id index.
*/
#include "learn/vocab.h"
#include "learn/csv.h"
#include "sim/hash.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POOL_BLOCK   (64u << 10)  /* string pool block */

/* ---- errors ---------------------------------------------------------- */

/* Write a message into err (if any).  Returns -1 for `return fail(...)`. */
static int fail(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* ---- the vocabulary -------------------------------------------------- */

/* A kept concept: its CONCEPT.csv row. */
typedef struct con {
  int64_t id;
  const char *name;         /* in the pool */
  const char *code;         /* concept_code, in the pool */
  uint32_t start, end;      /* valid_start_date, valid_end_date: YYYYMMDD */
  uint16_t domain, vocab, cls, stdc, invalid;   /* interned: index in strs */
  uint8_t standard;         /* standard_concept is "S" */
  uint8_t valid;            /* invalid_reason is empty */
  uint8_t drug;             /* domain_id is "Drug" */
  uint8_t ingredient;       /* class Ingredient of RxNorm or RxNorm Extension */
} con;

/* A wanted (vocabulary, code) pair, or a UCUM unit. */
typedef struct entry {
  uint64_t hash;
  const char *code;         /* in the pool */
  uint32_t codelen;
  uint32_t voc;             /* index in vocs */
  int32_t src;              /* the code's own concept in cons, -1 if none */
  int32_t target;           /* its best "Maps to" target in cons, -1 if none */
  vt_concept out;           /* the answer of vt_vocab_find */
} entry;

/* A drug concept whose ingredient is looked for in CONCEPT_ANCESTOR. */
typedef struct drug {
  int32_t best;             /* ingredient in cons, -1 if none */
  int32_t level;            /* its min_levels_of_separation */
} drug;

typedef struct block { struct block *next; size_t used; char data[]; } block;

struct vt_vocab {
  /* The vocabularies the wanted codes belong to; vocs[0] is UCUM. */
  char **vocs;
  size_t *voclen;
  size_t nvoc;

  entry *ents;
  size_t nent, capent;
  uint32_t *etab;           /* hash of ents: index + 1, 0 if empty */
  size_t etabcap;

  con *cons;
  size_t ncon, capcon;
  vt_idmap byid;               /* concept id -> index in cons */

  drug *drugs;
  size_t ndrug, capdrug;
  vt_idmap drugid;             /* drug concept id -> index in drugs */

  const char **strs;        /* interned strings of the concepts; strs[0] is "" */
  size_t nstr, capstr;

  block *pool;              /* strings */
  char *version;
  size_t rows;              /* rows of CONCEPT.csv read */
};

/* The array p of elements of `size` bytes (n used, *cap allocated) with
** room for one more: p itself, or p moved (`first` elements at the first
** allocation).  NULL when out of memory (p is then left as it was). */
static void *grow(void *p, size_t n, size_t *cap, size_t size, size_t first) {
  if (n < *cap) return p;
  size_t c = *cap ? 2 * *cap : first;
  void *q = realloc(p, c * size);
  if (q) *cap = c;
  return q;
}

/* Copy n bytes into the string pool, NUL-terminated; NULL when out of
** memory. */
static char *pool_dup(vt_vocab *v, const char *s, size_t n) {
  block *b = v->pool;
  if (!b || b->used + n + 1 > POOL_BLOCK) {
    size_t cap = n + 1 > POOL_BLOCK ? n + 1 : POOL_BLOCK;
    b = malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->next = v->pool;
    b->used = 0;
    v->pool = b;
  }
  char *d = b->data + b->used;
  memcpy(d, s, n);
  d[n] = '\0';
  b->used += n + 1;
  return d;
}

/* The index in strs of the interned copy of s[0, n) (domain, vocabulary
** and class ids, flags: a few hundred distinct values, so a linear search
** from the latest is enough).  -1 when out of memory, -2 when there are
** more than 65,535 distinct strings. */
static long intern(vt_vocab *v, const char *s, size_t n) {
  if (v->nstr == 0) {               /* strs[0] is the empty string */
    if (!(v->strs = malloc(16 * sizeof *v->strs))) return -1;
    v->capstr = 16;
    v->strs[v->nstr++] = "";
  }
  if (n == 0) return 0;
  for (size_t i = v->nstr; --i > 0; )
    if (strncmp(v->strs[i], s, n) == 0 && v->strs[i][n] == '\0') return (long)i;
  if (v->nstr > UINT16_MAX) return -2;
  void *q = grow(v->strs, v->nstr, &v->capstr, sizeof *v->strs, 16);
  if (!q) return -1;
  v->strs = q;
  char *c = pool_dup(v, s, n);
  if (!c) return -1;
  v->strs[v->nstr] = c;
  return (long)v->nstr++;
}

/* Index of vocabulary_id s in vocs, or -1. */
static int voc_find(const vt_vocab *v, const char *s, size_t n) {
  for (size_t i = 0; i < v->nvoc; i++)
    if (v->voclen[i] == n && memcmp(v->vocs[i], s, n) == 0) return (int)i;
  return -1;
}

/* Index of vocabulary_id s in vocs, added if missing; -1 when out of
** memory. */
static int voc_add(vt_vocab *v, const char *s) {
  size_t n = strlen(s);
  int i = voc_find(v, s, n);
  if (i >= 0) return i;
  char **vocs = realloc(v->vocs, (v->nvoc + 1) * sizeof *vocs);
  if (!vocs) return -1;
  v->vocs = vocs;
  size_t *lens = realloc(v->voclen, (v->nvoc + 1) * sizeof *lens);
  if (!lens) return -1;
  v->voclen = lens;
  char *c = pool_dup(v, s, n);
  if (!c) return -1;
  v->vocs[v->nvoc] = c;
  v->voclen[v->nvoc] = n;
  return (int)v->nvoc++;
}

/* Index of the entry (voc, code) in ents, or -1. */
static long ent_find(const vt_vocab *v, uint32_t voc, const char *code, size_t n, uint64_t h) {
  if (!v->nent) return -1;
  size_t mask = v->etabcap - 1, i = (size_t)h & mask;
  for (uint32_t k; (k = v->etab[i]) != 0; i = (i + 1) & mask) {
    const entry *e = &v->ents[k - 1];
    if (e->hash == h && e->voc == voc && e->codelen == n && memcmp(e->code, code, n) == 0)
      return (long)(k - 1);
  }
  return -1;
}

/* Add the entry (voc, code), which must not be there.  Returns its index,
** or -1 when out of memory. */
static long ent_add(vt_vocab *v, uint32_t voc, const char *code, size_t n, uint64_t h) {
  if (n > UINT32_MAX || v->nent >= INT32_MAX) return -1;
  void *q = grow(v->ents, v->nent, &v->capent, sizeof *v->ents, 256);
  if (!q) return -1;
  v->ents = q;
  if (2 * (v->nent + 1) > v->etabcap) {
    size_t cap = v->etabcap ? 2 * v->etabcap : 512;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t) return -1;
    for (size_t k = 0; k < v->nent; k++) {
      size_t i = (size_t)v->ents[k].hash & (cap - 1);
      while (t[i]) i = (i + 1) & (cap - 1);
      t[i] = (uint32_t)(k + 1);
    }
    free(v->etab);
    v->etab = t;
    v->etabcap = cap;
  }
  const char *c = pool_dup(v, code, n);
  if (!c) return -1;
  entry *e = &v->ents[v->nent];
  memset(e, 0, sizeof *e);
  e->hash = h;
  e->code = c;
  e->codelen = (uint32_t)n;
  e->voc = voc;
  e->src = e->target = -1;
  size_t mask = v->etabcap - 1, i = (size_t)h & mask;
  while (v->etab[i]) i = (i + 1) & mask;
  v->etab[i] = (uint32_t)(v->nent + 1);
  return (long)v->nent++;
}

/* Index of the drug slot of concept id, added if missing; -1 when out of
** memory. */
static long drug_add(vt_vocab *v, int64_t id) {
  uint64_t old;
  if (vt_idmap_get(&v->drugid, id, &old)) return (long)old;
  void *q = grow(v->drugs, v->ndrug, &v->capdrug, sizeof *v->drugs, 64);
  if (!q) return -1;
  v->drugs = q;
  if (vt_idmap_put(&v->drugid, id, (uint32_t)v->ndrug, NULL) < 0) return -1;
  v->drugs[v->ndrug].best = -1;
  v->drugs[v->ndrug].level = 0;
  return (long)v->ndrug++;
}

/* ---- the reader -------------------------------------------------------
** Every file goes through learn/csv.h, whose fast path splits the records
** of Athena's tab files (and of comma files without quotes) in place: a
** pass sees the fields of a row as spans into the read buffer, and copies
** only what it keeps.  This layer adds what every pass wants: columns by
** name, the header's number of fields in every row, "FILE:LINE:" errors. */

#define RD_MAXFIELDS 64           /* columns a file may have */

typedef struct reader {
  vt_csv *c;
  const char *path;
  int nf;                   /* fields of the header */
  const vt_csv_span *f;     /* the current record's fields */
  char *err;
  size_t errlen;
} reader;

/* "FILE:LINE: message" for the current record.  Returns -1. */
static int rd_fail(reader *r, const char *fmt, ...) {
  if (!r->err || !r->errlen) return -1;
  int k = snprintf(r->err, r->errlen, "%s:%ld: ", r->path, vt_csv_line(r->c));
  if (k >= 0 && (size_t)k < r->errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + k, r->errlen - (size_t)k, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* Open path.  Returns 0, 1 if the file does not exist (nothing reported),
** or -1 with the error reported. */
static int rd_open(reader *r, const char *path, char *err, size_t errlen) {
  char msg[4300];
  memset(r, 0, sizeof *r);
  r->path = path;
  r->err = err;
  r->errlen = errlen;
  if (access(path, F_OK) != 0 && errno == ENOENT) return 1;
  r->c = vt_csv_open(path, VT_CSV_AUTO, msg, sizeof msg);
  if (!r->c) return fail(err, errlen, "%s", msg);
  return 0;
}

/* Where a pass reports an error. */
typedef struct io { char *err; size_t errlen; } io;

static void rd_close(reader *r) {
  vt_csv_close(r->c);
  r->c = NULL;
}

/* The next record (blank lines are skipped), with the number of fields of
** the header.  Returns 1, 0 at the end, or -1. */
static int rd_next(reader *r) {
  char msg[4300];
  int k = vt_csv_next(r->c, msg, sizeof msg);
  if (k < 0) return fail(r->err, r->errlen, "%s", msg);
  if (k == 0) return 0;
  size_t n;
  r->f = vt_csv_spans(r->c, &n);
  if (n != (size_t)r->nf) return rd_fail(r, "%zu field%s, the header has %d", n, n == 1 ? "" : "s", r->nf);
  return 1;
}

/* Read the header (a tab in it: tab-separated without quoting, else
** comma-separated with RFC 4180 quoting; learn/csv.h skips a byte order
** mark) and find the column of each of the `n` lower-case names (col[i] =
** -1 for a missing one; an error if it is among the first `required`).
** Returns 0 or -1. */
static int rd_header(reader *r, const char *const *names, int *col, int n, int required) {
  char msg[4300];
  if (vt_csv_header(r->c, msg, sizeof msg) < 0) return fail(r->err, r->errlen, "%s", msg);
  r->nf = vt_csv_columns(r->c);
  if (r->nf == 1) return rd_fail(r, "header has neither tabs nor commas: not a CSV or TSV file");
  if (r->nf > RD_MAXFIELDS) return rd_fail(r, "more than %d columns", RD_MAXFIELDS);
  for (int i = 0; i < n; i++) {
    col[i] = vt_csv_column(r->c, names[i]);
    if (i < required && col[i] < 0) return rd_fail(r, "no column %s in the header", names[i]);
  }
  return 0;
}

/* Parse an integer (optional '-', digits, nothing else) that fits int64_t
** and is not INT64_MIN.  Returns 0 or -1.  (Every row's id is parsed: up
** to 18 digits cannot overflow, so only longer ones are checked digit by
** digit.) */
static int parse_i64(const char *s, size_t n, int64_t *out) {
  int neg = 0;
  uint64_t x = 0;
  if (n && *s == '-') { neg = 1; s++; n--; }
  if (!n) return -1;
  if (n <= 18) {
    for (size_t i = 0; i < n; i++) {
      unsigned d = (unsigned)(unsigned char)s[i] - '0';
      if (d > 9) return -1;
      x = 10 * x + d;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      unsigned d = (unsigned)(unsigned char)s[i] - '0';
      if (d > 9 || x > ((uint64_t)INT64_MAX - d) / 10) return -1;
      x = 10 * x + d;
    }
  }
  *out = neg ? -(int64_t)x : (int64_t)x;
  return 0;
}

/* Field c of the current record as an id; an error naming the column if it
** is not a number. */
static int rd_id(reader *r, int c, const char *name, int64_t *out) {
  if (parse_i64(r->f[c].s, r->f[c].n, out) == 0) return 0;
  size_t n = r->f[c].n > 40 ? 40 : r->f[c].n;
  return rd_fail(r, "%s '%.*s%s' is not a number", name, (int)n, r->f[c].s, n < r->f[c].n ? "..." : "");
}

static int field_is(const reader *r, int c, const char *s) {
  size_t n = strlen(s);
  return c >= 0 && r->f[c].n == n && memcmp(r->f[c].s, s, n) == 0;
}

/* ---- CONCEPT.csv ----------------------------------------------------- */

/* The columns before C_INVALID are required, the others optional. */
enum { C_ID, C_NAME, C_DOMAIN, C_VOCAB, C_CLASS, C_STANDARD, C_CODE, C_INVALID, C_START, C_END, C__N };
static const char *const concept_cols[C__N] = {
  "concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id",
  "standard_concept", "concept_code", "invalid_reason", "valid_start_date", "valid_end_date",
};

/* The dates of a concept without them in the file: OHDSI's bounds for a
** concept valid since the start and for ever. */
#define DATE_FIRST 19700101u
#define DATE_LAST  20991231u

/* Column c (-1: missing) of the current row as a date, YYYYMMDD in *out:
** "YYYYMMDD" (Athena) or "YYYY-MM-DD" (Eunomia's exports); `deflt` when
** missing or empty.  Returns 0, or -1 with the error reported. */
static int rd_date(reader *r, int c, const char *name, uint32_t deflt, uint32_t *out) {
  *out = deflt;
  if (c < 0 || r->f[c].n == 0) return 0;
  const char *s = r->f[c].s;
  size_t n = r->f[c].n;
  char d[8];
  if (n == 8) {
    memcpy(d, s, 8);
  } else if (n == 10 && s[4] == '-' && s[7] == '-') {
    memcpy(d, s, 4);
    memcpy(d + 4, s + 5, 2);
    memcpy(d + 6, s + 8, 2);
  } else {
    goto bad;
  }
  uint32_t x = 0;
  for (int i = 0; i < 8; i++) {
    unsigned k = (unsigned)(unsigned char)d[i] - '0';
    if (k > 9) goto bad;
    x = 10 * x + k;
  }
  uint32_t month = x / 100 % 100, day = x % 100;
  if (month < 1 || month > 12 || day < 1 || day > 31) goto bad;
  *out = x;
  return 0;
bad:
  n = n > 40 ? 40 : n;
  return rd_fail(r, "%s '%.*s%s' is not a date (YYYYMMDD or YYYY-MM-DD)", name, (int)n, s,
                 n < r->f[c].n ? "..." : "");
}

/* Whether the current row is a drug ingredient: class Ingredient of RxNorm
** or RxNorm Extension (the ingredients drug_era is built on). */
static int is_ingredient(const reader *r, const int *col) {
  return field_is(r, col[C_CLASS], "Ingredient") &&
         (field_is(r, col[C_VOCAB], "RxNorm") || field_is(r, col[C_VOCAB], "RxNorm Extension"));
}

/* Copy the concept of the current row (whose id is `id`) into cons.
** Returns its index or -1 (out of memory, reported). */
static long con_add(vt_vocab *v, reader *r, const int *col, int64_t id) {
  if (v->ncon >= INT32_MAX) return rd_fail(r, "too many concepts");
  void *q = grow(v->cons, v->ncon, &v->capcon, sizeof *v->cons, 256);
  if (!q) return rd_fail(r, "out of memory");
  v->cons = q;
  con *c = &v->cons[v->ncon];
  memset(c, 0, sizeof *c);
  c->id = id;
  if (rd_date(r, col[C_START], "valid_start_date", DATE_FIRST, &c->start) < 0 ||
      rd_date(r, col[C_END], "valid_end_date", DATE_LAST, &c->end) < 0)
    return -1;
  static const int interned[5] = { C_DOMAIN, C_VOCAB, C_CLASS, C_STANDARD, C_INVALID };
  long k[5];
  for (int i = 0; i < 5; i++) {
    int f = col[interned[i]];
    k[i] = f < 0 ? 0 : intern(v, r->f[f].s, r->f[f].n);
    if (k[i] == -2) return rd_fail(r, "more than %u distinct domain, vocabulary and class ids", (unsigned)UINT16_MAX);
    if (k[i] < 0) return rd_fail(r, "out of memory");
  }
  c->domain = (uint16_t)k[0];
  c->vocab = (uint16_t)k[1];
  c->cls = (uint16_t)k[2];
  c->stdc = (uint16_t)k[3];
  c->invalid = (uint16_t)k[4];
  c->name = pool_dup(v, r->f[col[C_NAME]].s, r->f[col[C_NAME]].n);
  c->code = pool_dup(v, r->f[col[C_CODE]].s, r->f[col[C_CODE]].n);
  if (!c->name || !c->code) return rd_fail(r, "out of memory");
  c->standard = (uint8_t)field_is(r, col[C_STANDARD], "S");
  c->valid = col[C_INVALID] < 0 || r->f[col[C_INVALID]].n == 0;
  c->drug = strcmp(v->strs[c->domain], "Drug") == 0;
  c->ingredient = (uint8_t)is_ingredient(r, col);
  if (vt_idmap_put(&v->byid, id, (uint32_t)v->ncon, NULL) < 0) return rd_fail(r, "out of memory");
  return (long)v->ncon++;
}

/* How good a concept is as the one of its code: valid and standard first. */
static int con_rank(const con *c) { return 2 * c->valid + c->standard; }

/* One pass over a file: open it, read its header (the columns `names`, the
** first `required` of them required), and call row(r, col, ud) for every
** row, which returns 0 or -1 with the error reported.  A file that is not
** there is skipped when `missing` is NULL, else an error saying `missing`.
** Returns 0 or -1. */
typedef int (*row_fn)(reader *r, const int *col, void *ud);
static int rd_pass(const char *path, const io *o, const char *missing, const char *const *names, int n,
                   int required, row_fn row, void *ud) {
  reader r;
  int col[C__N], k = rd_open(&r, path, o->err, o->errlen);
  if (k > 0) return missing ? fail(o->err, o->errlen, "%s: %s", path, missing) : 0;
  if (k < 0) return -1;
  k = rd_header(&r, names, col, n, required);
  while (k == 0 && (k = rd_next(&r)) > 0) k = row(&r, col, ud);
  rd_close(&r);
  return k < 0 ? -1 : 0;
}

/* What the concept passes look at. */
typedef struct concept_pass {
  vt_vocab *v;
  const vt_idmap *fixed;    /* pass 1: concept ids kept as they are */
  const vt_idmap *targets;  /* pass 4: "Maps to" targets */
  const vt_idmap *ancs;     /* pass 4: ancestors (kept if ingredients) */
} concept_pass;

/* Pass 1, a row of CONCEPT.csv: keep the concept of a wanted code, of UCUM
** and those in `fixed`. */
static int row_concept(reader *r, const int *col, void *ud) {
  const concept_pass *cp = ud;
  vt_vocab *v = cp->v;
  int64_t id;
  uint64_t have;
  v->rows++;
  if (rd_id(r, col[C_ID], "concept_id", &id) < 0) return -1;
  if (vt_idmap_get(cp->fixed, id, &have) && !vt_idmap_get(&v->byid, id, &have) && con_add(v, r, col, id) < 0)
    return -1;
  int voc = voc_find(v, r->f[col[C_VOCAB]].s, r->f[col[C_VOCAB]].n);
  if (voc < 0) return 0;
  const char *code = r->f[col[C_CODE]].s;
  size_t n = r->f[col[C_CODE]].n;
  uint64_t h = vt_hash_bytes(code, n, (uint32_t)voc);
  long e = ent_find(v, (uint32_t)voc, code, n, h);
  if (e < 0) {
    if (voc != 0) return 0;                   /* not wanted; UCUM units all are */
    if ((e = ent_add(v, 0, code, n, h)) < 0) return rd_fail(r, "out of memory");
  }
  long c;
  if (vt_idmap_get(&v->byid, id, &have)) {    /* kept already: a fixed concept, or an id on two rows */
    c = (long)have;
  } else if ((c = con_add(v, r, col, id)) < 0) {
    return -1;
  }
  entry *en = &v->ents[e];
  /* A code on several rows (not in Athena, but possible in an export):
  ** the valid standard concept wins, then the first. */
  if (en->src < 0 || con_rank(&v->cons[c]) > con_rank(&v->cons[en->src])) en->src = (int32_t)c;
  return 0;
}

/* Pass 4, a row of CONCEPT.csv again: keep the "Maps to" targets and the
** ingredients among the ancestors that are not kept yet (only concept_id is
** looked at in the other rows). */
static int row_fetch(reader *r, const int *col, void *ud) {
  const concept_pass *cp = ud;
  int64_t id;
  uint64_t dummy;
  if (rd_id(r, col[C_ID], "concept_id", &id) < 0) return -1;
  int target = vt_idmap_get(cp->targets, id, &dummy);
  if (!target && !vt_idmap_get(cp->ancs, id, &dummy)) return 0;
  if (vt_idmap_get(&cp->v->byid, id, &dummy)) return 0;
  if (!target && !is_ingredient(r, col)) return 0;
  return con_add(cp->v, r, col, id) < 0 ? -1 : 0;
}

/* ---- CONCEPT_RELATIONSHIP.csv ---------------------------------------- */

/* A "Maps to" row of a wanted code: entry index, target concept id. */
typedef struct mapping { uint32_t ent; int64_t to; } mapping;

typedef struct mappings { mapping *m; size_t n, cap; } mappings;

enum { R_ID1, R_ID2, R_REL, R_INVALID, R__N };
static const char *const relationship_cols[R__N] = { "concept_id_1", "concept_id_2", "relationship_id", "invalid_reason" };

/* Pass 2, a row of CONCEPT_RELATIONSHIP.csv: the "Maps to" target of a
** concept in `need` (concept id -> entry). */
typedef struct relationship_pass { const vt_idmap *need; mappings *out; } relationship_pass;
static int row_relationship(reader *r, const int *col, void *ud) {
  const relationship_pass *rp = ud;
  mappings *out = rp->out;
  int64_t id1, id2;
  uint64_t e;
  if (rd_id(r, col[R_ID1], "concept_id_1", &id1) < 0) return -1;
  if (!vt_idmap_get(rp->need, id1, &e)) return 0;
  if (rd_id(r, col[R_ID2], "concept_id_2", &id2) < 0) return -1;
  if (!field_is(r, col[R_REL], "Maps to")) return 0;
  if (col[R_INVALID] >= 0 && r->f[col[R_INVALID]].n != 0) return 0;
  void *q = grow(out->m, out->n, &out->cap, sizeof *out->m, 64);
  if (!q) return rd_fail(r, "out of memory");
  out->m = q;
  out->m[out->n].ent = (uint32_t)e;
  out->m[out->n].to = id2;
  out->n++;
  return 0;
}

/* ---- CONCEPT_ANCESTOR.csv -------------------------------------------- */

/* An ancestor of a drug: index in v->drugs, ancestor id, distance. */
typedef struct ancestor { uint32_t drug; int32_t level; int64_t id; } ancestor;

typedef struct ancestors { ancestor *a; size_t n, cap; } ancestors;

enum { A_ANC, A_DESC, A_LEVEL, A__N };
static const char *const ancestor_cols[A__N] = { "ancestor_concept_id", "descendant_concept_id", "min_levels_of_separation" };

/* Pass 3, a row of CONCEPT_ANCESTOR.csv: an ancestor of a concept in
** v->drugid. */
typedef struct ancestor_pass { vt_vocab *v; ancestors *out; } ancestor_pass;
static int row_ancestor(reader *r, const int *col, void *ud) {
  const ancestor_pass *ap = ud;
  ancestors *out = ap->out;
  int64_t anc, desc, level = 0;
  uint64_t d;
  if (rd_id(r, col[A_DESC], "descendant_concept_id", &desc) < 0) return -1;
  if (!vt_idmap_get(&ap->v->drugid, desc, &d)) return 0;
  if (rd_id(r, col[A_ANC], "ancestor_concept_id", &anc) < 0) return -1;
  if (col[A_LEVEL] >= 0 && rd_id(r, col[A_LEVEL], "min_levels_of_separation", &level) < 0) return -1;
  if (level < 0 || level > INT32_MAX) return rd_fail(r, "min_levels_of_separation out of range");
  void *q = grow(out->a, out->n, &out->cap, sizeof *out->a, 256);
  if (!q) return rd_fail(r, "out of memory");
  out->a = q;
  out->a[out->n].drug = (uint32_t)d;
  out->a[out->n].level = (int32_t)level;
  out->a[out->n].id = anc;
  out->n++;
  return 0;
}

/* ---- VOCABULARY.csv -------------------------------------------------- */

enum { V_ID, V_VERSION, V__N };
static const char *const vocabulary_cols[V__N] = { "vocabulary_id", "vocabulary_version" };

/* Pass 5, a row of VOCABULARY.csv: vocabulary_version of the "None" row. */
static int row_version(reader *r, const int *col, void *ud) {
  vt_vocab *v = ud;
  if (!field_is(r, col[V_ID], "None") || v->version) return 0;
  size_t n = r->f[col[V_VERSION]].n;
  if (!n) return 0;
  if (!(v->version = malloc(n + 1))) return rd_fail(r, "out of memory");
  memcpy(v->version, r->f[col[V_VERSION]].s, n);
  v->version[n] = '\0';
  return 0;
}

/* ---- systems --------------------------------------------------------- */

/* vitae's code systems (and their FHIR URIs) with their OMOP
** vocabulary_id.  Sources: OHDSI's VOCABULARY table (the vocabulary_id
** values); Synthea's modules (the systems vitae inherits).  DICOM-DCM goes
** to "DICOM", the id of the DICOM vocabulary proposed to OHDSI (not in Athena
** downloads at the time of writing: such codes are then simply not found);
** NUBC discharge dispositions are the UB-04 patient discharge status codes. */
static const struct { const char *system, *vocabulary; } systems[] = {
  { "SNOMED-CT", "SNOMED" },
  { "SNOMED CT", "SNOMED" },
  { "http://snomed.info/sct", "SNOMED" },
  { "http://loinc.org", "LOINC" },
  { "RXNORM", "RxNorm" },
  { "http://www.nlm.nih.gov/research/umls/rxnorm", "RxNorm" },
  { "http://hl7.org/fhir/sid/cvx", "CVX" },
  { "NUBC", "UB04 Pt dis status" },
  { "DICOM-DCM", "DICOM" },
  { "http://dicom.nema.org/resources/ontology/DCM", "DICOM" },
  { "http://unitsofmeasure.org", "UCUM" },
  { "ICD-10-CM", "ICD10CM" },
  { "http://hl7.org/fhir/sid/icd-10-cm", "ICD10CM" },
  { "ICD-9-CM", "ICD9CM" },
  { "http://hl7.org/fhir/sid/ndc", "NDC" },
  { "CPT", "CPT4" },
  { "http://www.ama-assn.org/go/cpt", "CPT4" },
};

const char *vt_vocab_id(const char *system) {
  if (!system) return NULL;
  for (size_t i = 0; i < sizeof systems / sizeof systems[0]; i++)
    if (strcmp(system, systems[i].system) == 0) return systems[i].vocabulary;
  return system;
}

/* ---- load and lookups ------------------------------------------------ */

/* dir/name, in buf of size n; -1 if too long. */
static int join(char *buf, size_t n, const char *dir, const char *name, char *err, size_t errlen) {
  int k = snprintf(buf, n, "%s/%s", dir, name);
  if (k < 0 || (size_t)k >= n) return fail(err, errlen, "%s: folder name too long", dir);
  return 0;
}

/* Choose each entry's standard concept and each drug's ingredient, and fill
** the answers of vt_vocab_find. */
static void resolve(vt_vocab *v, const mappings *maps, const ancestors *anc) {
  uint64_t c;
  for (size_t i = 0; i < maps->n; i++) {
    entry *e = &v->ents[maps->m[i].ent];
    if (!vt_idmap_get(&v->byid, maps->m[i].to, &c)) continue;
    const con *t = &v->cons[c];
    if (!t->valid || !t->standard) continue;
    /* Several targets (a one-to-many mapping): the smallest id, so that the
    ** answer does not depend on the order of the file. */
    if (e->target < 0 || t->id < v->cons[e->target].id) e->target = (int32_t)c;
  }
  for (size_t i = 0; i < anc->n; i++) {
    const ancestor *a = &anc->a[i];
    drug *d = &v->drugs[a->drug];
    if (!vt_idmap_get(&v->byid, a->id, &c) || !v->cons[c].ingredient || !v->cons[c].valid) continue;
    /* A combination drug has several ingredients: the nearest, then the
    ** smallest id. */
    if (d->best < 0 || a->level < d->level ||
        (a->level == d->level && v->cons[c].id < v->cons[d->best].id)) {
      d->best = (int32_t)c;
      d->level = a->level;
    }
  }
  for (size_t i = 0; i < v->nent; i++) {
    entry *e = &v->ents[i];
    if (e->src < 0) continue;
    const con *s = &v->cons[e->src], *std = NULL;
    if (s->valid && s->standard) std = s;
    else if (e->target >= 0) std = &v->cons[e->target];
    e->out.concept_id = std ? std->id : 0;
    e->out.source_concept_id = s->id;
    e->out.domain_id = v->strs[std ? std->domain : s->domain];
    e->out.name = std ? std->name : s->name;
  }
}

vt_vocab *vt_vocab_load(const char *dir, const vt_code *const *wanted, size_t n, const int64_t *ids, size_t nids,
                        char *err, size_t errlen) {
  char path[4096];
  io o = { err, errlen };
  vt_idmap need = {0}, targets = {0}, ancs = {0}, fixed = {0};
  mappings maps = {0};
  ancestors anc = {0};
  vt_vocab *v = calloc(1, sizeof *v);
  if (err && errlen) err[0] = '\0';
  if (!v) { fail(err, errlen, "out of memory"); return NULL; }
  if (!dir || !*dir) { fail(err, errlen, "no vocabulary folder given"); goto bad; }

  /* The wanted codes, and UCUM as vocabulary 0. */
  if (voc_add(v, "UCUM") != 0) { fail(err, errlen, "out of memory"); goto bad; }
  for (size_t i = 0; i < n; i++) {
    const vt_code *w = wanted ? wanted[i] : NULL;
    if (!w || !w->system || !w->code) continue;
    int voc = voc_add(v, vt_vocab_id(w->system));
    if (voc < 0) { fail(err, errlen, "out of memory"); goto bad; }
    size_t len = strlen(w->code);
    uint64_t h = vt_hash_bytes(w->code, len, (uint32_t)voc);
    if (ent_find(v, (uint32_t)voc, w->code, len, h) < 0 && ent_add(v, (uint32_t)voc, w->code, len, h) < 0) {
      fail(err, errlen, "out of memory");
      goto bad;
    }
  }

  /* The concept ids asked for as they are (the OMOP writer's own). */
  for (size_t i = 0; ids && i < nids; i++)
    if (ids[i] != 0 && vt_idmap_put(&fixed, ids[i], 0, NULL) < 0) goto oom;
  if (intern(v, "", 0) < 0) goto oom;
  if (join(path, sizeof path, dir, "CONCEPT.csv", err, errlen) < 0) goto bad;
  concept_pass cp = { v, &fixed, &targets, &ancs };
  if (rd_pass(path, &o, "no such file (an Athena download has CONCEPT.csv)", concept_cols, C__N, C_INVALID,
              row_concept, &cp) < 0)
    goto bad;

  /* Codes whose concept is not a valid standard one need their "Maps to";
  ** drug codes need their ingredient. */
  for (size_t i = 0; i < v->nent; i++) {
    const entry *e = &v->ents[i];
    if (e->src < 0 || e->voc == 0) continue;
    const con *s = &v->cons[e->src];
    if ((!s->valid || !s->standard) && vt_idmap_put(&need, s->id, (uint32_t)i, NULL) < 0) goto oom;
    if (s->drug && drug_add(v, s->id) < 0) goto oom;
  }
  if (need.n) {
    if (join(path, sizeof path, dir, "CONCEPT_RELATIONSHIP.csv", err, errlen) < 0) goto bad;
    relationship_pass rp = { &need, &maps };
    if (rd_pass(path, &o, NULL, relationship_cols, R__N, R_INVALID, row_relationship, &rp) < 0) goto bad;
  }
  for (size_t i = 0; i < maps.n; i++) {
    if (vt_idmap_put(&targets, maps.m[i].to, 0, NULL) < 0) goto oom;
    if (v->cons[v->ents[maps.m[i].ent].src].drug && drug_add(v, maps.m[i].to) < 0) goto oom;
  }
  if (v->ndrug) {
    if (join(path, sizeof path, dir, "CONCEPT_ANCESTOR.csv", err, errlen) < 0) goto bad;
    ancestor_pass ap = { v, &anc };
    if (rd_pass(path, &o, NULL, ancestor_cols, A__N, A_LEVEL, row_ancestor, &ap) < 0) goto bad;
  }
  for (size_t i = 0; i < anc.n; i++)
    if (vt_idmap_put(&ancs, anc.a[i].id, 0, NULL) < 0) goto oom;
  /* Fetch what pass 1 did not keep. */
  {
    size_t missing = 0;
    uint64_t dummy;
    for (size_t i = 0; i < targets.cap && !missing; i++)
      if (targets.keys[i] != VT_IDMAP_EMPTY && !vt_idmap_get(&v->byid, targets.keys[i], &dummy)) missing++;
    for (size_t i = 0; i < ancs.cap && !missing; i++)
      if (ancs.keys[i] != VT_IDMAP_EMPTY && !vt_idmap_get(&v->byid, ancs.keys[i], &dummy)) missing++;
    if (missing) {
      if (join(path, sizeof path, dir, "CONCEPT.csv", err, errlen) < 0) goto bad;
      if (rd_pass(path, &o, "no such file (removed while loading?)", concept_cols, C__N, C_INVALID, row_fetch,
                  &cp) < 0)
        goto bad;
    }
  }
  if (join(path, sizeof path, dir, "VOCABULARY.csv", err, errlen) < 0) goto bad;
  if (rd_pass(path, &o, NULL, vocabulary_cols, V__N, V__N, row_version, v) < 0) goto bad;

  resolve(v, &maps, &anc);
  goto done;

oom:
  fail(err, errlen, "out of memory");
bad:
  vt_vocab_free(v);
  v = NULL;
done:
  vt_idmap_free(&need);
  vt_idmap_free(&targets);
  vt_idmap_free(&ancs);
  vt_idmap_free(&fixed);
  free(maps.m);
  free(anc.a);
  return v;
}

/* The entry of (vocabulary_id, code), or NULL. */
static const entry *lookup(const vt_vocab *v, const char *vocabulary, const char *code) {
  if (!v || !vocabulary || !code) return NULL;
  int voc = voc_find(v, vocabulary, strlen(vocabulary));
  if (voc < 0) return NULL;
  size_t n = strlen(code);
  long e = ent_find(v, (uint32_t)voc, code, n, vt_hash_bytes(code, n, (uint32_t)voc));
  return e < 0 || v->ents[e].src < 0 ? NULL : &v->ents[e];
}

const vt_concept *vt_vocab_find(const vt_vocab *v, const char *system, const char *code) {
  const entry *e = lookup(v, vt_vocab_id(system), code);
  return e ? &e->out : NULL;
}

int64_t vt_vocab_unit(const vt_vocab *v, const char *ucum) {
  const entry *e = lookup(v, "UCUM", ucum);
  return e ? e->out.concept_id : 0;
}

int64_t vt_vocab_ingredient(const vt_vocab *v, int64_t drug_concept_id) {
  uint64_t d;
  if (v && vt_idmap_get(&v->drugid, drug_concept_id, &d) && v->drugs[d].best >= 0)
    return v->cons[v->drugs[d].best].id;
  return drug_concept_id;
}

/* "YYYY-MM-DD" of a YYYYMMDD number, in out (11 bytes). */
static void format_date(uint32_t x, char *out) {
  snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(x / 10000 % 10000), (unsigned)(x / 100 % 100), (unsigned)(x % 100));
}

/* The row of cons[i]. */
static void fill_row(const vt_vocab *v, const con *c, vt_concept_row *out) {
  out->concept_id = c->id;
  out->concept_name = c->name;
  out->domain_id = v->strs[c->domain];
  out->vocabulary_id = v->strs[c->vocab];
  out->concept_class_id = v->strs[c->cls];
  out->standard_concept = c->stdc ? v->strs[c->stdc] : NULL;
  out->concept_code = c->code;
  format_date(c->start, out->valid_start_date);
  format_date(c->end, out->valid_end_date);
  out->invalid_reason = c->invalid ? v->strs[c->invalid] : NULL;
}

int vt_vocab_concept(const vt_vocab *v, int64_t id, vt_concept_row *out) {
  uint64_t i;
  if (!v || !out || !vt_idmap_get(&v->byid, id, &i)) return 0;
  fill_row(v, &v->cons[i], out);
  return 1;
}

int vt_vocab_each(const vt_vocab *v, int (*fn)(const vt_concept_row *c, void *ud), void *ud) {
  if (!v || !fn) return 0;
  for (size_t i = 0; i < v->ncon; i++) {
    uint64_t first;
    /* an id on two rows of the file is one concept: its first row */
    if (!vt_idmap_get(&v->byid, v->cons[i].id, &first) || first != i) continue;
    vt_concept_row row;
    fill_row(v, &v->cons[i], &row);
    int rc = fn(&row, ud);
    if (rc) return rc;
  }
  return 0;
}

const char *vt_vocab_version(const vt_vocab *v) { return v ? v->version : NULL; }

size_t vt_vocab_size(const vt_vocab *v) { return v ? v->ncon : 0; }

size_t vt_vocab_rows(const vt_vocab *v) { return v ? v->rows : 0; }

void vt_vocab_free(vt_vocab *v) {
  if (!v) return;
  for (block *b = v->pool, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  free(v->vocs);
  free(v->voclen);
  free(v->ents);
  free(v->etab);
  free(v->cons);
  vt_idmap_free(&v->byid);
  free(v->drugs);
  vt_idmap_free(&v->drugid);
  free(v->strs);
  free(v->version);
  free(v);
}
