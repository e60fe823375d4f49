/*
** cmd_inspect.c -- `vitae inspect PATH [--top N] [--json]`: a quick look
** inside a cohort database, vitae's native format or OMOP CDM 5.3/5.4.
**
** PATH is a SQLite database, opened read-only (never modified), or a folder
** of OMOP CDM CSV files (PERSON.csv, CONDITION_OCCURRENCE.csv, ...), whose
** needed columns are streamed into an in-memory SQLite database.  The report:
**   - the format, and what the database says about itself (run_info of a
**     vitae cohort; the CDM version of an OMOP database);
**   - the row count of every table, the main tables first;
**   - the N most frequent codes of each clinical table (native) or concepts
**     of each domain (OMOP), with their rows, share and distinct patients;
**     OMOP concept names come from the concept table when there is one, else
**     from the most frequent source value; concept 0 (no standard concept)
**     is always shown, with its most frequent source values below the table;
**   - native: the module_states summary (share of states visited); both:
**     the observation window / observation_period table when there is one.
** The report is built as one JSON value (--json prints it); the text output
** is printed from the same value as aligned tables.
**
** Speed: row counts are COUNT(*); the frequencies come from one sequential
** scan per table, aggregated here in hash tables (SQLite's GROUP BY sorts,
** which is several times slower on millions of rows), with distinct patients
** counted in a set of (code, patient) pairs; past a size limit that set
** gives way to one COUNT(DISTINCT) query for the codes shown.
**
** Exit status: 0 on success; 1 if PATH is missing, not a SQLite database, not
** a cohort in either format, or cannot be read; 2 on usage errors.
*/
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "sim/arena.h"
#include "sim/cli/cli.h"
#include "sim/strbuf.h"


#define TOP_DEFAULT 10
#define TOP_MAX 100000
#ifndef MAX_PAIRS
#define MAX_PAIRS (4u << 20)      /* (code, patient) pairs kept per table */
#endif
#ifndef MAX_SUBS
#define MAX_SUBS (1u << 20)       /* (code, description) pairs kept per table */
#endif
#define NAME_WIDTH 60             /* text output: names longer than this are cut */
#define CSV_BUF (1u << 20)

static const char *usage_text =
  "usage: vitae inspect PATH [--top N] [--json]\n"
  "\n"
  "Show what a cohort holds: the row count of every table and the most\n"
  "frequent codes or concepts.  PATH is a SQLite database in vitae's native\n"
  "format or in OMOP CDM 5.3/5.4 (with or without a concept table), or a\n"
  "folder of OMOP CSV files (PERSON.csv, CONDITION_OCCURRENCE.csv, ...).\n"
  "The database is opened read-only and never modified.\n"
  "\n"
  "options:\n"
  "      --top N      the N most frequent codes per table or domain\n"
  "                   (default 10; 0 shows only the tables)\n"
  "      --json       print the report as one JSON object\n"
  "  -h, --help       show this help\n"
  "\n"
  "Exit status: 0 done; 1 PATH missing, unreadable or not a cohort; 2 usage.\n";

/* ---- memory, strings, buffers ------------------------------------------- */

static void oom(void) {
  fputs("vitae inspect: out of memory\n", stderr);
  exit(VT_EXIT_FAIL);
}

/* qsort for arrays that may be empty: an empty array here is often NULL,
** which qsort must not be given even with a count of 0 (C11 7.22.5). */
static void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
  if (n > 1) qsort(base, n, size, cmp);
}










/* s as a whole decimal integer (sign allowed, nothing else); 1 if it is. */
static int parse_i64(const char *s, int64_t *out) {
  const char *p = s;
  if (*p == '-' || *p == '+') p++;
  if (!isdigit((unsigned char)*p)) return 0;
  while (isdigit((unsigned char)*p)) p++;
  if (*p) return 0;
  errno = 0;
  long long v = strtoll(s, NULL, 10);
  if (errno) return 0;
  *out = v;
  return 1;
}

/* s quoted as an SQL identifier: "name" with inner quotes doubled. */
static char *qident(const char *s) {
  vt_sbuf b = { 0 };
  vt_sb_puts(&b, "\"");
  for (; *s; s++) vt_sb_add(&b, *s == '"' ? "\"\"" : s, 1 + (*s == '"'));
  vt_sb_puts(&b, "\"");
  return b.p;
}

/* Append key as an SQL literal: an integer in its canonical form as is
** (it matches an integer, and the same text in a TEXT column), anything
** else quoted (so that a code "08" stays "08"). */
static void sb_sql_literal(vt_sbuf *b, const char *key) {
  int64_t v;
  char canon[32];
  if (parse_i64(key, &v)) {
    snprintf(canon, sizeof canon, "%lld", (long long)v);
    if (strcmp(canon, key) == 0) { vt_sb_puts(b, canon); return; }
  }
  vt_sb_puts(b, "'");
  for (; *key; key++) vt_sb_add(b, *key == '\'' ? "''" : key, 1 + (*key == '\''));
  vt_sb_puts(b, "'");
}

/* ---- the report as a JSON value ------------------------------------------ */

enum { J_NULL, J_BOOL, J_INT, J_REAL, J_STR, J_ARR, J_OBJ };

typedef struct jv {
  int t;
  int64_t i;              /* J_BOOL, J_INT */
  double d;               /* J_REAL */
  char *s;                /* J_STR */
  size_t n, cap;          /* J_ARR, J_OBJ: members */
  char **keys;            /* J_OBJ */
  struct jv **items;
} jv;

static jv *jnew(int t) { jv *v = vt_xcalloc(1, sizeof *v); v->t = t; return v; }
static jv *jint(int64_t i) { jv *v = jnew(J_INT); v->i = i; return v; }
static jv *jbool(int b) { jv *v = jnew(J_BOOL); v->i = b != 0; return v; }
static jv *jreal(double d) { jv *v = jnew(J_REAL); v->d = d; return v; }
static jv *jstr(const char *s) { if (!s) return jnew(J_NULL); jv *v = jnew(J_STR); v->s = vt_xstrdup(s); return v; }
static jv *jstr_own(char *s) { if (!s) return jnew(J_NULL); jv *v = jnew(J_STR); v->s = s; return v; }

static jv *jpush(jv *a, jv *v) {
  if (a->n == a->cap) {
    a->cap = a->cap ? a->cap * 2 : 8;
    a->items = vt_xrealloc(a->items, a->cap * sizeof *a->items);
    if (a->t == J_OBJ) a->keys = vt_xrealloc(a->keys, a->cap * sizeof *a->keys);
  }
  a->items[a->n++] = v;
  return v;
}

/* Add member key to object o (keys are not checked for repeats); returns v. */
static jv *jadd(jv *o, const char *key, jv *v) {
  jpush(o, v);
  o->keys[o->n - 1] = vt_xstrdup(key);
  return v;
}

static const jv *jget(const jv *o, const char *key) {
  if (!o || o->t != J_OBJ) return NULL;
  for (size_t k = 0; k < o->n; k++) if (strcmp(o->keys[k], key) == 0) return o->items[k];
  return NULL;
}

static int64_t jget_int(const jv *o, const char *key, int64_t dflt) {
  const jv *v = jget(o, key);
  return v && (v->t == J_INT || v->t == J_BOOL) ? v->i : dflt;
}

static const char *jget_str(const jv *o, const char *key) {
  const jv *v = jget(o, key);
  return v && v->t == J_STR ? v->s : NULL;
}

static void jfree(jv *v) {
  if (!v) return;
  for (size_t k = 0; k < v->n; k++) {
    jfree(v->items[k]);
    if (v->t == J_OBJ) free(v->keys[k]);
  }
  free(v->items);
  free(v->keys);
  free(v->s);
  free(v);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static int utf8_len(const unsigned char *s) {
  if (s[0] < 0x80) return 1;
  int n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
  for (int k = 1; k < n; k++) if ((s[k] & 0xC0) != 0x80) return 0;
  return n;
}

/* Print s as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static void json_string(FILE *f, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  fputc('"', f);
  while (*p) {
    if (*p == '"' || *p == '\\') { fputc('\\', f); fputc(*p++, f); continue; }
    if (*p < 0x20) {
      if (*p == '\n') fputs("\\n", f);
      else if (*p == '\t') fputs("\\t", f);
      else if (*p == '\r') fputs("\\r", f);
      else fprintf(f, "\\u%04x", *p);
      p++;
      continue;
    }
    int n = utf8_len(p);
    if (n == 0) { fputs("\xEF\xBF\xBD", f); p++; continue; }
    fwrite(p, 1, (size_t)n, f);
    p += n;
  }
  fputc('"', f);
}

/* 1 if v has no member that is a non-empty array or object. */
static int jflat(const jv *v) {
  for (size_t k = 0; k < v->n; k++)
    if ((v->items[k]->t == J_ARR || v->items[k]->t == J_OBJ) && v->items[k]->n) return 0;
  return 1;
}

/* Print v as JSON; an array or object of scalars on one line, others one
** member per line indented by two spaces a level. */
static void json_print(FILE *f, const jv *v, int indent) {
  switch (v->t) {
  case J_NULL: fputs("null", f); return;
  case J_BOOL: fputs(v->i ? "true" : "false", f); return;
  case J_INT: fprintf(f, "%lld", (long long)v->i); return;
  case J_REAL:
    if (v->d != v->d || v->d > 1e300 || v->d < -1e300) fputs("null", f);
    else fprintf(f, "%.6g", v->d);
    return;
  case J_STR: json_string(f, v->s); return;
  default: break;
  }
  int obj = v->t == J_OBJ, flat = jflat(v);
  fputc(obj ? '{' : '[', f);
  for (size_t k = 0; k < v->n; k++) {
    if (k) fputc(',', f);
    if (flat) { if (k) fputc(' ', f); }
    else fprintf(f, "\n%*s", indent + 2, "");
    if (obj) { json_string(f, v->keys[k]); fputs(": ", f); }
    json_print(f, v->items[k], indent + 2);
  }
  if (!flat && v->n) fprintf(f, "\n%*s", indent, "");
  fputc(obj ? '}' : ']', f);
}

/* ---- text tables --------------------------------------------------------- */

/* A column of a text table: the member `key` of each row object, shown as
** kind 'i' (integer with separators), 'n' (integer as is: an id), 'p' (a
** share 0..1 as a percentage), 'y' (a real, one decimal), 't' (text, cut at
** maxw characters if maxw > 0), 'T' (the same, NULL shown as "(null)", as
** 'n' shows it) or 'c' (an OMOP concept's name, see concept_label). */
typedef struct tcol { const char *key, *head; char kind; int maxw; } tcol;

/* Display width of UTF-8 text: its code points. */
static int text_width(const char *s) {
  int w = 0;
  for (; *s; s++) if (((unsigned char)*s & 0xC0) != 0x80) w++;
  return w;
}

/* s with control characters as spaces, cut to maxw code points ("..." at
** the end) when maxw > 0; malloc'd. */
static char *text_cell(const char *s, int maxw) {
  vt_sbuf b = { 0 };
  int w = 0, cut = maxw > 0 && text_width(s) > maxw;
  vt_sb_add(&b, "", 0);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p & 0xC0) != 0x80) {
      if (cut && w == maxw - 3) { vt_sb_puts(&b, "..."); break; }
      w++;
    }
    char ch = *p < 0x20 ? ' ' : (char)*p;
    vt_sb_add(&b, &ch, 1);
  }
  return b.p;
}

static const char *concept_label(const jv *row, char *buf, size_t len);

static char *cell_of(const jv *row, const tcol *c) {
  char buf[256];
  if (c->kind == 'c') return text_cell(concept_label(row, buf, sizeof buf), c->maxw);
  const jv *v = jget(row, c->key);
  if (!v || v->t == J_NULL) return vt_xstrdup(v && (c->kind == 'T' || c->kind == 'n') ? "(null)" : "");
  switch (c->kind) {
  case 'i': if (v->t == J_INT) return vt_xstrdup(vt_commas(v->i, buf)); break;
  case 'n': if (v->t == J_INT) return vt_xprintf("%lld", (long long)v->i); break;
  case 'p':
    if (v->t == J_REAL) {
      double pc = v->d * 100;
      if (pc > 0 && pc < 0.05) return vt_xstrdup("<0.1%");
      return vt_xprintf("%.1f%%", pc);
    }
    break;
  case 'y': if (v->t == J_REAL) return vt_xprintf("%.1f", v->d); break;
  default: break;
  }
  if (v->t == J_STR) return text_cell(v->s, c->maxw);
  if (v->t == J_INT) return vt_xstrdup(vt_commas(v->i, buf));
  if (v->t == J_REAL) return vt_xprintf("%g", v->d);
  return vt_xstrdup("");
}

/* Print the objects of array rows as an aligned table, `indent` spaces in:
** a header line, then a line per row.  Numbers are right-aligned. */
static void print_rows(FILE *f, const jv *rows, const tcol *cols, int ncols, int indent) {
  size_t nr = rows ? rows->n : 0;
  char **cell = vt_xcalloc((nr + 1) * (size_t)ncols, sizeof *cell);
  int *width = vt_xcalloc((size_t)ncols, sizeof *width);
  for (int c = 0; c < ncols; c++) cell[c] = vt_xstrdup(cols[c].head);
  for (size_t r = 0; r < nr; r++)
    for (int c = 0; c < ncols; c++) cell[(r + 1) * (size_t)ncols + (size_t)c] = cell_of(rows->items[r], &cols[c]);
  for (size_t r = 0; r <= nr; r++)
    for (int c = 0; c < ncols; c++) {
      int w = text_width(cell[r * (size_t)ncols + (size_t)c]);
      if (w > width[c]) width[c] = w;
    }
  vt_sbuf line = { 0 };
  for (size_t r = 0; r <= nr; r++) {
    line.n = 0;
    vt_sb_printf(&line, "%*s", indent, "");
    for (int c = 0; c < ncols; c++) {
      const char *s = cell[r * (size_t)ncols + (size_t)c];
      int pad = width[c] - text_width(s), right = !strchr("tTc", cols[c].kind);
      if (c) vt_sb_puts(&line, "  ");
      if (right) vt_sb_printf(&line, "%*s", pad, "");
      vt_sb_puts(&line, s);
      if (!right) vt_sb_printf(&line, "%*s", pad, "");
    }
    while (line.n && line.p[line.n - 1] == ' ') line.p[--line.n] = 0;
    fprintf(f, "%s\n", line.p);
  }
  for (size_t k = 0; k < (nr + 1) * (size_t)ncols; k++) free(cell[k]);
  free(cell);
  free(width);
  free(line.p);
}

/* ---- counting codes: a hash table of groups ------------------------------- */

/* One distinct key (a code, a concept id, a class and code). */
typedef struct tgroup {
  char *key;              /* in the tally's arena; NULL for SQL NULL */
  size_t keylen;
  uint64_t hash;
  int64_t rows, persons;
  int64_t last_person;    /* the person of this group's previous row */
  int has_last;
  int64_t best_sub;       /* index of its most frequent sub value, or -1 */
  int64_t last_sub;       /* index of the sub value of its previous row, or -1 */
} tgroup;

/* A (group, sub value) pair: a code's description and its rows. */
typedef struct tsub { uint32_t g; uint64_t hash; char *s; size_t len; int64_t rows; } tsub;

/* A (group, person) pair, for distinct persons per group. */
typedef struct tpair { uint32_t g, used; int64_t p; } tpair;

typedef struct tally {
  vt_arena *arena;
  tgroup *g; size_t ng, capg;
  uint32_t *slot; size_t nslot;          /* group index + 1, 0 = free */
  tpair *pair; size_t npair, npairslot;
  int pairs_overflow;                    /* persons must be counted by SQL */
  tsub *sub; size_t nsub, capsub;
  uint32_t *subslot; size_t nsubslot;
  int subs_overflow;                     /* some sub values were not kept */
  int64_t total;                         /* rows scanned */
  size_t *order; size_t norder;          /* groups by rows, most first */
} tally;

static uint64_t hash_bytes(const char *s, size_t n, uint64_t h) {
  for (size_t k = 0; k < n; k++) { h ^= (unsigned char)s[k]; h *= 0x100000001b3ULL; }
  return h;
}

static uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static void tally_init(tally *t) {
  memset(t, 0, sizeof *t);
  t->arena = vt_arena_new();
  if (!t->arena) oom();
}

static void tally_free(tally *t) {
  if (t->arena) vt_arena_free(t->arena);
  free(t->g); free(t->slot); free(t->pair); free(t->sub); free(t->subslot); free(t->order);
  memset(t, 0, sizeof *t);
}

static void group_rehash(tally *t) {
  size_t n = t->nslot ? t->nslot * 2 : 1024;
  free(t->slot);
  t->slot = vt_xcalloc(n, sizeof *t->slot);
  t->nslot = n;
  for (size_t k = 0; k < t->ng; k++) {
    size_t i = (size_t)t->g[k].hash & (n - 1);
    while (t->slot[i]) i = (i + 1) & (n - 1);
    t->slot[i] = (uint32_t)k + 1;
  }
}

/* The group of key (len bytes; NULL for SQL NULL), made if new. */
static uint64_t key_hash(const char *key, size_t len) {
  return key ? hash_bytes(key, len, 0xcbf29ce484222325ULL) : 0x5bd1e995ULL;
}

/* The slot where key is, or the free slot where it would go. */
static size_t group_slot(const tally *t, const char *key, size_t len, uint64_t h) {
  size_t i = (size_t)h & (t->nslot - 1);
  for (; t->slot[i]; i = (i + 1) & (t->nslot - 1)) {
    const tgroup *g = &t->g[t->slot[i] - 1];
    if (g->hash != h) continue;
    if (!key ? !g->key : g->key && g->keylen == len && memcmp(g->key, key, len) == 0) break;
  }
  return i;
}

static uint32_t tally_group(tally *t, const char *key, size_t len) {
  uint64_t h = key_hash(key, len);
  if ((t->ng + 1) * 2 > t->nslot) group_rehash(t);
  size_t i = group_slot(t, key, len, h);
  if (t->slot[i]) return t->slot[i] - 1;
  if (t->ng == t->capg) {
    t->capg = t->capg ? t->capg * 2 : 256;
    t->g = vt_xrealloc(t->g, t->capg * sizeof *t->g);
  }
  tgroup *g = &t->g[t->ng];
  memset(g, 0, sizeof *g);
  g->hash = h;
  g->best_sub = -1;
  g->last_sub = -1;
  g->keylen = len;
  if (key) {
    g->key = vt_arena_alloc(t->arena, len + 1);
    memcpy(g->key, key, len);
    g->key[len] = 0;
  }
  t->slot[i] = (uint32_t)t->ng + 1;
  return (uint32_t)t->ng++;
}

static void pair_rehash(tally *t) {
  size_t n = t->npairslot ? t->npairslot * 2 : 4096;
  tpair *np = vt_xcalloc(n, sizeof *np);
  for (size_t k = 0; k < t->npairslot; k++) {
    if (!t->pair[k].used) continue;
    size_t i = (size_t)mix64((uint64_t)t->pair[k].p ^ ((uint64_t)t->pair[k].g << 40)) & (n - 1);
    while (np[i].used) i = (i + 1) & (n - 1);
    np[i] = t->pair[k];
  }
  free(t->pair);
  t->pair = np;
  t->npairslot = n;
}

/* Count person p for group gi, once per (group, person). */
static void tally_person(tally *t, uint32_t gi, int64_t p) {
  tgroup *g = &t->g[gi];
  if (g->has_last && g->last_person == p) return;
  g->has_last = 1;
  g->last_person = p;
  if (t->pairs_overflow) return;
  if ((t->npair + 1) * 2 > t->npairslot) {
    if (t->npair >= MAX_PAIRS) { t->pairs_overflow = 1; return; }
    pair_rehash(t);
  }
  size_t i = (size_t)mix64((uint64_t)p ^ ((uint64_t)gi << 40)) & (t->npairslot - 1);
  for (; t->pair[i].used; i = (i + 1) & (t->npairslot - 1))
    if (t->pair[i].g == gi && t->pair[i].p == p) return;
  t->pair[i].used = 1;
  t->pair[i].g = gi;
  t->pair[i].p = p;
  t->npair++;
  g->persons++;
}

static void sub_rehash(tally *t) {
  size_t n = t->nsubslot ? t->nsubslot * 2 : 1024;
  free(t->subslot);
  t->subslot = vt_xcalloc(n, sizeof *t->subslot);
  t->nsubslot = n;
  for (size_t k = 0; k < t->nsub; k++) {
    size_t i = (size_t)t->sub[k].hash & (n - 1);
    while (t->subslot[i]) i = (i + 1) & (n - 1);
    t->subslot[i] = (uint32_t)k + 1;
  }
}

/* Count one row of sub value s (a description) for group gi. */
static void tally_sub(tally *t, uint32_t gi, const char *s, size_t len) {
  tgroup *g = &t->g[gi];
  if (g->last_sub >= 0) {   /* most rows of a code repeat its description */
    tsub *x = &t->sub[g->last_sub];
    if (x->len == len && memcmp(x->s, s, len) == 0) { x->rows++; return; }
  }
  uint64_t h = hash_bytes(s, len, mix64(gi));
  if ((t->nsub + 1) * 2 > t->nsubslot) sub_rehash(t);
  size_t i = (size_t)h & (t->nsubslot - 1);
  for (; t->subslot[i]; i = (i + 1) & (t->nsubslot - 1)) {
    tsub *x = &t->sub[t->subslot[i] - 1];
    if (x->hash == h && x->g == gi && x->len == len && memcmp(x->s, s, len) == 0) {
      x->rows++;
      g->last_sub = (int64_t)(t->subslot[i] - 1);
      return;
    }
  }
  if (t->nsub >= MAX_SUBS) { t->subs_overflow = 1; return; }
  if (t->nsub == t->capsub) {
    t->capsub = t->capsub ? t->capsub * 2 : 256;
    t->sub = vt_xrealloc(t->sub, t->capsub * sizeof *t->sub);
  }
  tsub *x = &t->sub[t->nsub];
  x->g = gi;
  x->hash = h;
  x->rows = 1;
  x->len = len;
  x->s = vt_arena_alloc(t->arena, len + 1);
  memcpy(x->s, s, len);
  x->s[len] = 0;
  t->subslot[i] = (uint32_t)t->nsub + 1;
  g->last_sub = (int64_t)t->nsub;
  t->nsub++;
}

/* Keys in report order: integers numerically, else bytewise; NULL last. */
static int key_cmp(const char *a, const char *b) {
  if (!a || !b) return !a - !b;
  int64_t x, y;
  if (parse_i64(a, &x) && parse_i64(b, &y)) return (x > y) - (x < y);
  return strcmp(a, b);
}

static const tally *sort_tally;
static int order_cmp(const void *pa, const void *pb) {
  const tgroup *a = &sort_tally->g[*(const size_t *)pa], *b = &sort_tally->g[*(const size_t *)pb];
  if (a->rows != b->rows) return a->rows < b->rows ? 1 : -1;
  return key_cmp(a->key, b->key);
}

/* Sort the groups by rows and pick each group's most frequent sub value. */
static void tally_finish(tally *t) {
  t->order = vt_xmalloc(t->ng * sizeof *t->order);
  for (size_t k = 0; k < t->ng; k++) t->order[k] = k;
  t->norder = t->ng;
  sort_tally = t;
  sort_n(t->order, t->ng, sizeof *t->order, order_cmp);
  sort_tally = NULL;
  for (size_t k = 0; k < t->nsub; k++) {
    tgroup *g = &t->g[t->sub[k].g];
    const tsub *best = g->best_sub >= 0 ? &t->sub[g->best_sub] : NULL;
    if (!best || t->sub[k].rows > best->rows || (t->sub[k].rows == best->rows && strcmp(t->sub[k].s, best->s) < 0))
      g->best_sub = (int64_t)k;
  }
}

/* The group of key (not NULL), or -1. */
static int64_t tally_find(const tally *t, const char *key) {
  if (!t->nslot) return -1;
  size_t len = strlen(key), i = group_slot(t, key, len, key_hash(key, len));
  return t->slot[i] ? (int64_t)t->slot[i] - 1 : -1;
}

/* ---- the inspection context ---------------------------------------------- */

/* One CSV file of an OMOP folder. */
typedef struct csvfile {
  char *path, *file, *table;   /* full path, file name, table name (lower case) */
  char **cols; int ncols;      /* header, lower case */
  int64_t rows;                /* records, header excluded; -1 until read */
  int empty;                   /* a file of 0 bytes: a table without columns or rows */
} csvfile;

/* One table of the database, with its row count. */
typedef struct tinfo { char *name; char *file; int64_t rows; char *err; } tinfo;

typedef struct ictx {
  const char *path;
  int top, json;
  sqlite3 *db;
  int csv;                     /* PATH is a folder of CSV files */
  csvfile *files; size_t nfiles;
  tinfo *tables; size_t ntables;
  int omop;                    /* 1 OMOP, 0 native */
  jv *report;
  char err[2048];              /* the error being returned */
} ictx;

static void seterr(ictx *c, const char *fmt, ...) VT_PRINTF(2, 3);
static void seterr(ictx *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err, sizeof c->err, fmt, ap);
  va_end(ap);
}

static int has_table(const ictx *c, const char *name) {
  for (size_t k = 0; k < c->ntables; k++) if (strcasecmp(c->tables[k].name, name) == 0) return 1;
  return 0;
}

static int64_t table_rows(const ictx *c, const char *name) {
  for (size_t k = 0; k < c->ntables; k++) if (strcasecmp(c->tables[k].name, name) == 0) return c->tables[k].rows;
  return -1;
}

/* 1 if table has column col in the database being queried (in a CSV folder:
** the in-memory copy, which has only the columns loaded). */
static int has_column(ictx *c, const char *table, const char *col) {
  char *qt = qident(table), *sql = vt_xprintf("PRAGMA table_info(%s)", qt);
  sqlite3_stmt *st = NULL;
  int found = 0;
  if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK) {
    while (!found && sqlite3_step(st) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(st, 1);
      if (name && strcasecmp(name, col) == 0) found = 1;
    }
  }
  sqlite3_finalize(st);
  free(sql);
  free(qt);
  return found;
}

/* Prepare sql; on failure set the error naming what and return NULL. */
static sqlite3_stmt *prepare(ictx *c, const char *sql, const char *what) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
    seterr(c, "%s: %s: %s", c->path, what, sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    return NULL;
  }
  return st;
}

/* The single integer sql returns, in *out; 0, or -1 with the error set. */
static int query_int(ictx *c, const char *sql, const char *what, int64_t *out) {
  sqlite3_stmt *st = prepare(c, sql, what);
  if (!st) return -1;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
  else if (rc != SQLITE_DONE) seterr(c, "%s: %s: %s", c->path, what, sqlite3_errmsg(c->db));
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Scan the rows of sql into t.  Its columns: nkeys key columns (1 or 2, a
** pair joined by "\x1f"), then the person column if has_person, then the
** sub value column if has_sub.  0, or -1 with the error set. */
static int tally_scan(ictx *c, tally *t, const char *sql, int nkeys, int has_person, int has_sub, const char *what) {
  sqlite3_stmt *st = prepare(c, sql, what);
  if (!st) return -1;
  vt_sbuf key = { 0 };
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint32_t gi;
    if (nkeys == 1) {
      if (sqlite3_column_type(st, 0) == SQLITE_NULL) gi = tally_group(t, NULL, 0);
      else {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        if (!k) { rc = SQLITE_NOMEM; break; }
        gi = tally_group(t, k, (size_t)sqlite3_column_bytes(st, 0));
      }
    } else {
      key.n = 0;
      for (int k = 0; k < nkeys; k++) {
        const char *s = (const char *)sqlite3_column_text(st, k);
        if (k) vt_sb_add(&key, "\x1f", 1);
        vt_sb_add(&key, s ? s : "", s ? (size_t)sqlite3_column_bytes(st, k) : 0);
      }
      gi = tally_group(t, key.p, key.n);
    }
    t->g[gi].rows++;
    t->total++;
    int col = nkeys;
    if (has_person) {
      if (sqlite3_column_type(st, col) != SQLITE_NULL) tally_person(t, gi, sqlite3_column_int64(st, col));
      col++;
    }
    if (has_sub && sqlite3_column_type(st, col) != SQLITE_NULL) {
      const char *s = (const char *)sqlite3_column_text(st, col);
      if (s) tally_sub(t, gi, s, (size_t)sqlite3_column_bytes(st, col));
    }
  }
  if (rc != SQLITE_DONE) seterr(c, "%s: %s: %s", c->path, what, sqlite3_errmsg(c->db));
  sqlite3_finalize(st);
  free(key.p);
  if (rc != SQLITE_DONE) return -1;
  tally_finish(t);
  return 0;
}

/* The groups shown: the first `top` of t's order, plus group `always` (an
** index, or -1) if it is not among them.  Returns how many, in idx[]. */
static size_t tally_shown(const tally *t, int top, int64_t always, size_t *idx) {
  size_t n = 0;
  for (size_t k = 0; k < t->norder && k < (size_t)top; k++) idx[n++] = t->order[k];
  if (always >= 0 && top > 0) {
    for (size_t k = 0; k < n; k++) if (idx[k] == (size_t)always) return n;
    idx[n++] = (size_t)always;
  }
  return n;
}

/* The rank (from 1) of group gi in t's order. */
static int64_t tally_rank(const tally *t, size_t gi) {
  for (size_t k = 0; k < t->norder; k++) if (t->order[k] == gi) return (int64_t)k + 1;
  return 0;
}

/* The SQL expression of a tally's key: the column, or two joined by
** "\x1f" as tally_scan joins them (NULL as empty).  malloc'd. */
static char *key_sql(const char *const *keys, int nkeys) {
  char *a = qident(keys[0]);
  if (nkeys == 1) return a;
  char *b = qident(keys[1]);
  char *e = vt_xprintf("(COALESCE(%s, '') || char(31) || COALESCE(%s, ''))", a, b);
  free(a);
  free(b);
  return e;
}

/* Run "SELECT keyexpr, <what> FROM table WHERE keyexpr IN (the keys of the
** groups shown) <tail>" and pass each row with its group to fn.  0, or -1. */
static int query_shown(ictx *c, tally *t, const size_t *idx, size_t n, const char *keyexpr, const char *cols,
                       const char *table, const char *tail, const char *what,
                       void (*fn)(tally *, size_t, sqlite3_stmt *)) {
  char *qt = qident(table);
  vt_sbuf sql = { 0 };
  vt_sb_printf(&sql, "SELECT %s, %s FROM %s WHERE %s IN (", keyexpr, cols, qt, keyexpr);
  free(qt);
  int any = 0;
  for (size_t k = 0; k < n; k++) {
    if (!t->g[idx[k]].key) continue;
    if (any++) vt_sb_puts(&sql, ", ");
    sb_sql_literal(&sql, t->g[idx[k]].key);
  }
  vt_sb_printf(&sql, ") %s", tail);
  if (!any) { free(sql.p); return 0; }
  sqlite3_stmt *st = prepare(c, sql.p, what);
  free(sql.p);
  if (!st) return -1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(st, 0);
    int64_t gi = k ? tally_find(t, k) : -1;
    if (gi >= 0) fn(t, (size_t)gi, st);
  }
  if (rc != SQLITE_DONE) seterr(c, "%s: %s: %s", c->path, what, sqlite3_errmsg(c->db));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

static void set_persons(tally *t, size_t gi, sqlite3_stmt *st) { t->g[gi].persons = sqlite3_column_int64(st, 1); }

/* A (group, description, rows) row: keep it if it is the group's most
** frequent description so far (ties: the smaller text). */
static void set_best_sub(tally *t, size_t gi, sqlite3_stmt *st) {
  const char *s = (const char *)sqlite3_column_text(st, 1);
  int64_t rows = sqlite3_column_int64(st, 2);
  tgroup *g = &t->g[gi];
  if (!s) return;
  if (g->best_sub >= 0) {
    const tsub *b = &t->sub[g->best_sub];
    if (rows < b->rows || (rows == b->rows && strcmp(s, b->s) >= 0)) return;
  }
  if (t->nsub == t->capsub) {
    t->capsub = t->capsub ? t->capsub * 2 : 256;
    t->sub = vt_xrealloc(t->sub, t->capsub * sizeof *t->sub);
  }
  tsub *x = &t->sub[t->nsub];
  size_t len = strlen(s);
  x->g = (uint32_t)gi;
  x->hash = 0;
  x->len = len;
  x->rows = rows;
  x->s = vt_arena_alloc(t->arena, len + 1);
  memcpy(x->s, s, len + 1);
  g->best_sub = (int64_t)t->nsub++;
}

/* Where the scan's sets overflowed, count exactly for the groups shown:
** their distinct persons (personcol), their most frequent sub value
** (subcol, a description).  Either may be NULL.  0, or -1. */
static int exact_for_shown(ictx *c, tally *t, const size_t *idx, size_t n, const char *keyexpr,
                           const char *personcol, const char *subcol, const char *table, const char *what) {
  if (n == 0) return 0;
  if (t->pairs_overflow && personcol) {
    char *qp = qident(personcol), *cols = vt_xprintf("COUNT(DISTINCT %s)", qp);
    int rc = query_shown(c, t, idx, n, keyexpr, cols, table, "GROUP BY 1", what, set_persons);
    free(cols);
    free(qp);
    if (rc < 0) return -1;
    t->pairs_overflow = 0;
  }
  if (t->subs_overflow && subcol) {
    char *qs = qident(subcol), *cols = vt_xprintf("%s, COUNT(*)", qs);
    for (size_t k = 0; k < n; k++) t->g[idx[k]].best_sub = -1;
    int rc = query_shown(c, t, idx, n, keyexpr, cols, table, "GROUP BY 1, 2", what, set_best_sub);
    free(cols);
    free(qs);
    if (rc < 0) return -1;
    t->subs_overflow = 0;
  }
  return 0;
}

/* ---- opening a SQLite database read-only --------------------------------- */

/* "file:" URI of path with ?immutable=1, for a database in a read-only
** folder that SQLite cannot open otherwise (a WAL database needs its -shm). */
static char *immutable_uri(const char *path) {
  vt_sbuf b = { 0 };
  vt_sb_puts(&b, "file:");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if (isalnum(*p) || strchr("/-_.~", *p)) vt_sb_add(&b, (const char *)p, 1);
    else vt_sb_printf(&b, "%%%02X", *p);
  }
  vt_sb_puts(&b, "?immutable=1");
  return b.p;
}

/* Check that path starts with the SQLite header; 0, or -1 with the error.
** *wal is set if the database is in WAL mode (header bytes 18 and 19). */
static int check_sqlite_file(ictx *c, const char *path, int *wal) {
  FILE *f = fopen(path, "rb");
  if (!f) { seterr(c, "%s: cannot open: %s", path, strerror(errno)); return -1; }
  unsigned char head[20];
  size_t n = fread(head, 1, sizeof head, f);
  int rerr = ferror(f);
  fclose(f);
  if (rerr) { seterr(c, "%s: cannot read: %s", path, strerror(errno)); return -1; }
  if (n == 0) { seterr(c, "%s: an empty file, not a SQLite database", path); return -1; }
  if (n < sizeof head || memcmp(head, "SQLite format 3", 16) != 0) {
    seterr(c, "%s: not a SQLite database (no SQLite header) nor a folder of OMOP CSV files", path);
    return -1;
  }
  *wal = head[18] == 2 || head[19] == 2;
  return 0;
}

/* Open c->path read-only, with query_only set; 0, or -1 with the error.
** A WAL database without a write-ahead log (no writer has it open) is
** opened immutable, so that no -wal or -shm file is left beside it; one
** that SQLite cannot open read-only (a WAL database in a read-only folder)
** is tried again immutable. */
static int open_db(ictx *c) {
  int wal = 0;
  if (check_sqlite_file(c, c->path, &wal) < 0) return -1;
  if (wal) {
    char *w = vt_xprintf("%s-wal", c->path);
    struct stat sb;
    if (stat(w, &sb) == 0 && sb.st_size > 0) wal = 0;
    free(w);
  }
  for (int attempt = wal ? 1 : 0; attempt < 2; attempt++) {
    char *uri = attempt ? immutable_uri(c->path) : NULL;
    int rc = sqlite3_open_v2(uri ? uri : c->path, &c->db,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0), NULL);
    free(uri);
    if (rc == SQLITE_OK) rc = sqlite3_exec(c->db, "PRAGMA query_only = 1; SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    if (rc == SQLITE_OK) return 0;
    int ext = sqlite3_extended_errcode(c->db);
    seterr(c, "%s: %s", c->path, c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
    sqlite3_close(c->db);
    c->db = NULL;
    if (!(rc == SQLITE_CANTOPEN || (ext & 0xff) == SQLITE_READONLY)) break;
  }
  return -1;
}

/* ---- the tables and their row counts ------------------------------------- */

static const char *native_order[] = {
  "patients", "encounters", "conditions", "medications", "observations", "procedures", "immunizations",
  "careplans", "allergies", "devices", "imaging_studies", "supplies", "observation_windows",
  "observation_window", "observation_periods", "observation_period", "organizations", "providers",
  "payers", "module_states", "state_trace", "run_info", "privacy_ledger", NULL
};

static const char *omop_order[] = {
  "person", "observation_period", "visit_occurrence", "visit_detail", "condition_occurrence",
  "drug_exposure", "procedure_occurrence", "device_exposure", "measurement", "observation", "death",
  "note", "note_nlp", "specimen", "fact_relationship", "location", "care_site", "provider",
  "payer_plan_period", "cost", "drug_era", "dose_era", "condition_era", "episode", "episode_event",
  "metadata", "cdm_source", "concept", "vocabulary", "domain", "concept_class", "concept_relationship",
  "relationship", "concept_synonym", "concept_ancestor", "source_to_concept_map", "drug_strength",
  "cohort", "cohort_definition", "attribute_definition", "cohort_attribute", NULL
};

static const char **table_order;
static int order_rank(const char *name) {
  int k = 0;
  for (; table_order[k]; k++) if (strcasecmp(table_order[k], name) == 0) return k;
  return k;
}

static int tinfo_cmp(const void *pa, const void *pb) {
  const tinfo *a = pa, *b = pb;
  int ra = order_rank(a->name), rb = order_rank(b->name);
  if (ra != rb) return ra - rb;
  return strcasecmp(a->name, b->name);
}

static void add_table(ictx *c, const char *name) {
  c->tables = vt_xrealloc(c->tables, (c->ntables + 1) * sizeof *c->tables);
  tinfo *t = &c->tables[c->ntables++];
  memset(t, 0, sizeof *t);
  t->name = vt_xstrdup(name);
  t->rows = -1;
}

/* The tables of the database (not SQLite's own); 0, or -1 with the error. */
static int list_tables(ictx *c) {
  sqlite3_stmt *st = prepare(c, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name", "listing the tables");
  if (!st) return -1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (name) add_table(c, name);
  }
  if (rc != SQLITE_DONE) seterr(c, "%s: listing the tables: %s", c->path, sqlite3_errmsg(c->db));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* COUNT(*) of every table; a table that cannot be counted (a virtual table
** whose module is missing) keeps its error, reported with it. */
static void count_tables(ictx *c) {
  for (size_t k = 0; k < c->ntables; k++) {
    tinfo *t = &c->tables[k];
    char *qt = qident(t->name), *sql = vt_xprintf("SELECT COUNT(*) FROM %s", qt);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) t->rows = sqlite3_column_int64(st, 0);
    else t->err = vt_xstrdup(sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    free(sql);
    free(qt);
  }
}

/* Fill arr (the report's "tables") with the tables in order, and total
** (its "total_rows") with the sum of their rows. */
static void report_tables(ictx *c, jv *arr, jv *total) {
  table_order = c->omop ? omop_order : native_order;
  sort_n(c->tables, c->ntables, sizeof *c->tables, tinfo_cmp);
  total->i = 0;
  for (size_t k = 0; k < c->ntables; k++) {
    const tinfo *t = &c->tables[k];
    jv *o = jpush(arr, jnew(J_OBJ));
    jadd(o, "table", jstr(t->name));
    if (t->file) jadd(o, "file", jstr(t->file));
    jadd(o, "rows", t->rows >= 0 ? jint(t->rows) : jnew(J_NULL));
    if (t->err) {
      jadd(o, "error", jstr(t->err));
      fprintf(stderr, "vitae inspect: %s: table %s: cannot count its rows: %s\n", c->path, t->name, t->err);
    }
    if (t->rows > 0) total->i += t->rows;
  }
}

/* ---- OMOP CSV folders ----------------------------------------------------- */

/* A streaming CSV reader: RFC 4180 quoting (quoted fields may hold the
** delimiter, "" and line breaks), LF or CRLF line ends, blank lines skipped,
** a UTF-8 byte order mark skipped.  A tab-separated file (Athena's
** vocabulary download) is read without quoting, as Athena writes it. */
typedef struct csvr {
  FILE *f;
  const char *path;
  char *buf; size_t len, pos;
  int eof, ioerr;
  char delim; int quotes;
  long line;                   /* physical line of the next byte, from 1 */
  long rec_line;               /* first line of the last record */
  char *fld; size_t nfld, capfld;   /* the last record's fields, NUL-separated */
  size_t *off; size_t nf, capf;     /* where each field starts in fld */
} csvr;

static int csv_fill(csvr *r) {
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

static inline int csv_getc(csvr *r) {
  if (r->pos == r->len && !csv_fill(r)) return EOF;
  return (unsigned char)r->buf[r->pos++];
}

static inline int csv_peek(csvr *r) {
  if (r->pos == r->len && !csv_fill(r)) return EOF;
  return (unsigned char)r->buf[r->pos];
}

static inline void csv_put(csvr *r, char ch) {
  if (r->nfld + 1 >= r->capfld) {
    r->capfld = r->capfld ? r->capfld * 2 : 4096;
    r->fld = vt_xrealloc(r->fld, r->capfld);
  }
  r->fld[r->nfld++] = ch;
}

static void csv_field_start(csvr *r) {
  if (r->nf == r->capf) {
    r->capf = r->capf ? r->capf * 2 : 64;
    r->off = vt_xrealloc(r->off, r->capf * sizeof *r->off);
  }
  r->off[r->nf++] = r->nfld;
}

static const char *csv_field(const csvr *r, size_t k) { return r->fld + r->off[k]; }

/* Open path; the delimiter is a tab if the first line has more tabs than
** vt_commas.  0, or -1 with err. */
static int csv_open(csvr *r, const char *path, char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  r->path = path;
  r->line = 1;
  r->f = fopen(path, "rb");
  if (!r->f) { snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno)); return -1; }
  r->buf = vt_xmalloc(CSV_BUF);
  csv_fill(r);
  if (r->ioerr) { snprintf(err, errlen, "%s: cannot read: %s", path, strerror(r->ioerr)); return -1; }
  if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
  size_t tabs = 0, commas_n = 0;
  for (size_t k = r->pos; k < r->len && r->buf[k] != '\n'; k++) {
    if (r->buf[k] == '\t') tabs++;
    else if (r->buf[k] == ',') commas_n++;
  }
  r->delim = tabs > commas_n ? '\t' : ',';
  r->quotes = r->delim == ',';
  return 0;
}

static void csv_close(csvr *r) {
  if (r->f) fclose(r->f);
  free(r->buf);
  free(r->fld);
  free(r->off);
  memset(r, 0, sizeof *r);
}

/* Read the next record.  1 with its fields, 0 at the end, -1 with err (an
** unclosed quote, a NUL byte, a read error). */
static int csv_next(csvr *r, char *err, size_t errlen) {
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
        for (;;) {
          c = csv_getc(r);
          if (c == EOF) {
            if (r->ioerr) break;
            snprintf(err, errlen, "%s:%ld: a quoted field is not closed before the end of the file", r->path, r->rec_line);
            return -1;
          }
          if (c == '"') {
            if (csv_peek(r) == '"') { csv_getc(r); csv_put(r, '"'); continue; }
            c = csv_getc(r);
            break;
          }
          if (c == '\n') r->line++;
          if (c == 0) goto nul;
          csv_put(r, (char)c);
        }
      }
      while (c != EOF && c != r->delim && c != '\n') {
        if (c == '\r' && csv_peek(r) == '\n') { c = csv_getc(r); break; }
        if (c == 0) goto nul;
        csv_put(r, (char)c);
        c = csv_getc(r);
      }
      csv_put(r, 0);
      if (c == r->delim) { c = csv_getc(r); continue; }
      if (c == '\n') r->line++;
      if (r->ioerr) break;
      return 1;
    }
    break;
  }
  if (r->ioerr) { snprintf(err, errlen, "%s: cannot read: %s", r->path, strerror(r->ioerr)); return -1; }
  return 0;
nul:  /* fields are C strings: a NUL would silently cut one short */
  snprintf(err, errlen, "%s:%ld: a NUL byte: not a CSV text file", r->path, r->line);
  return -1;
}

/* Count the records left without keeping them.  0, or -1 with err. */
static int csv_count(csvr *r, int64_t *n, char *err, size_t errlen) {
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
  return 0;
}

/* Read the header of r into f->cols (lower case, spaces trimmed).  0, or -1
** with err. */
static int csv_header(csvr *r, csvfile *f, char *err, size_t errlen) {
  int rc = csv_next(r, err, errlen);
  if (rc < 0) return -1;
  if (rc == 0) { snprintf(err, errlen, "%s: empty file (no header line)", r->path); return -1; }
  f->ncols = (int)r->nf;
  f->cols = vt_xcalloc(r->nf, sizeof *f->cols);
  for (size_t k = 0; k < r->nf; k++) {
    const char *s = csv_field(r, k);
    while (*s == ' ') s++;
    char *d = vt_xstrdup(s);
    size_t n = strlen(d);
    while (n && (d[n - 1] == ' ' || d[n - 1] == '\r')) d[--n] = 0;
    for (char *p = d; *p; p++) *p = (char)tolower((unsigned char)*p);
    f->cols[k] = d;
  }
  return 0;
}

static int csv_col(const csvfile *f, const char *name) {
  for (int k = 0; k < f->ncols; k++) if (strcmp(f->cols[k], name) == 0) return k;
  return -1;
}

static csvfile *csv_find(ictx *c, const char *table) {
  for (size_t k = 0; k < c->nfiles; k++) if (strcmp(c->files[k].table, table) == 0) return &c->files[k];
  return NULL;
}

/* The columns of the OMOP tables that inspect reads; a CSV folder's copy in
** memory has only these. */
static const struct { const char *table; const char *cols[4]; } csv_needs[] = {
  { "condition_occurrence", { "person_id", "condition_concept_id", "condition_source_value", NULL } },
  { "drug_exposure", { "person_id", "drug_concept_id", "drug_source_value", NULL } },
  { "procedure_occurrence", { "person_id", "procedure_concept_id", "procedure_source_value", NULL } },
  { "measurement", { "person_id", "measurement_concept_id", "measurement_source_value", NULL } },
  { "observation", { "person_id", "observation_concept_id", "observation_source_value", NULL } },
  { "device_exposure", { "person_id", "device_concept_id", "device_source_value", NULL } },
  { "visit_occurrence", { "person_id", "visit_concept_id", "visit_source_value", NULL } },
  { "observation_period", { "person_id", "observation_period_start_date", "observation_period_end_date", NULL } },
  { "cdm_source", { "cdm_version", NULL, NULL, NULL } },
  { "death", { "person_id", NULL, NULL, NULL } },
};

/* Bind field s to parameter k: empty is NULL; an *_id column's integer is
** an integer; anything else text. */
static int bind_field(sqlite3_stmt *st, int k, const char *s, int idcol) {
  int64_t v;
  if (!*s) return sqlite3_bind_null(st, k);
  if (idcol && parse_i64(s, &v)) return sqlite3_bind_int64(st, k, v);
  return sqlite3_bind_text(st, k, s, -1, SQLITE_TRANSIENT);
}

static int ends_with_id(const char *col) {
  size_t n = strlen(col);
  return n >= 3 && strcmp(col + n - 3, "_id") == 0;
}

/* Stream the records of r (its header read into f) into table f->table of
** the in-memory database, the columns named in cols[] that the file has;
** with keep_ids (sorted, nkeep), only the records whose first column's
** integer is one of them.  Counts every record in f->rows.  0, or -1. */
static int csv_load(ictx *c, csvr *r, csvfile *f, const char *const *cols, int ncols,
                    const int64_t *keep_ids, size_t nkeep, int filter) {
  int idx[8], n = 0;
  const char *names[8];
  for (int k = 0; k < ncols && cols[k]; k++) {
    int i = csv_col(f, cols[k]);
    if (i >= 0) { idx[n] = i; names[n] = cols[k]; n++; }
  }
  if (filter && (n == 0 || idx[0] != csv_col(f, cols[0]))) {
    seterr(c, "%s: no column %s", f->path, cols[0]);
    return -1;
  }
  vt_sbuf ddl = { 0 }, ins = { 0 };
  char *qt = qident(f->table);
  vt_sb_printf(&ddl, "CREATE TABLE %s (", qt);
  vt_sb_printf(&ins, "INSERT INTO %s VALUES (", qt);
  for (int k = 0; k < n; k++) {
    vt_sb_printf(&ddl, "%s%s", k ? ", " : "", names[k]);
    vt_sb_printf(&ins, "%s?", k ? ", " : "");
  }
  if (n == 0) vt_sb_puts(&ddl, "_none");
  vt_sb_puts(&ddl, ")");
  vt_sb_puts(&ins, ")");
  free(qt);
  int ok = sqlite3_exec(c->db, ddl.p, NULL, NULL, NULL) == SQLITE_OK;
  sqlite3_stmt *st = NULL;
  if (!ok) seterr(c, "%s: creating its table in memory: %s", f->path, sqlite3_errmsg(c->db));
  else if (n > 0 && !(st = prepare(c, ins.p, "loading a CSV file"))) ok = 0;
  free(ddl.p);
  free(ins.p);
  int64_t rows = 0;
  char err[1024];
  while (ok) {
    int rc = csv_next(r, err, sizeof err);
    if (rc < 0) { seterr(c, "%s", err); ok = 0; break; }
    if (rc == 0) break;
    if ((int)r->nf != f->ncols) {
      seterr(c, "%s:%ld: %zu fields, the header has %d", f->path, r->rec_line, r->nf, f->ncols);
      ok = 0;
      break;
    }
    rows++;
    if (n == 0) continue;
    if (filter) {
      int64_t id;
      if (!parse_i64(csv_field(r, (size_t)idx[0]), &id)) continue;
      size_t lo = 0, hi = nkeep;
      while (lo < hi) { size_t mid = (lo + hi) / 2; if (keep_ids[mid] < id) lo = mid + 1; else hi = mid; }
      if (lo == nkeep || keep_ids[lo] != id) continue;
    }
    int rc2 = SQLITE_OK;
    for (int k = 0; k < n && rc2 == SQLITE_OK; k++) rc2 = bind_field(st, k + 1, csv_field(r, (size_t)idx[k]), ends_with_id(names[k]));
    if (rc2 == SQLITE_OK) rc2 = sqlite3_step(st);
    if (rc2 != SQLITE_DONE) {
      seterr(c, "%s:%ld: loading the record: %s", f->path, r->rec_line, sqlite3_errmsg(c->db));
      ok = 0;
      break;
    }
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  f->rows = rows;
  return ok ? 0 : -1;
}

/* Read a folder of OMOP CSV files: list them, load the columns inspect
** needs into an in-memory database, count the records of the others
** (CONCEPT.csv is read later, by csv_load_concepts).  0, or -1. */
static int open_csv_folder(ictx *c) {
  DIR *d = opendir(c->path);
  if (!d) { seterr(c, "%s: cannot open the folder: %s", c->path, strerror(errno)); return -1; }
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n <= 4 || strcasecmp(e->d_name + n - 4, ".csv") != 0) continue;
    size_t dl = strlen(c->path);
    while (dl > 1 && c->path[dl - 1] == '/') dl--;
    char *path = vt_xprintf("%.*s/%s", (int)dl, c->path, e->d_name);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) { free(path); continue; }
    c->files = vt_xrealloc(c->files, (c->nfiles + 1) * sizeof *c->files);
    csvfile *f = &c->files[c->nfiles++];
    memset(f, 0, sizeof *f);
    f->path = path;
    f->file = vt_xstrdup(e->d_name);
    f->table = vt_xstrdup(e->d_name);
    f->table[n - 4] = 0;
    for (char *p = f->table; *p; p++) *p = (char)tolower((unsigned char)*p);
    f->rows = -1;
    f->empty = sb.st_size == 0;
    errno = 0;
  }
  int derr = errno;
  closedir(d);
  if (derr) { seterr(c, "%s: reading the folder: %s", c->path, strerror(derr)); return -1; }
  for (size_t a = 0; a < c->nfiles; a++)
    for (size_t b = a + 1; b < c->nfiles; b++)
      if (strcmp(c->files[a].table, c->files[b].table) == 0) {
        seterr(c, "%s: two files for table %s: %s and %s", c->path, c->files[a].table, c->files[a].file, c->files[b].file);
        return -1;
      }
  if (!csv_find(c, "person")) {
    seterr(c, "%s: a folder without PERSON.csv: not a folder of OMOP CDM CSV files", c->path);
    return -1;
  }
  if (sqlite3_open_v2(":memory:", &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      sqlite3_exec(c->db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
    seterr(c, "in-memory database: %s", c->db ? sqlite3_errmsg(c->db) : "cannot open");
    return -1;
  }
  for (size_t k = 0; k < c->nfiles; k++) {
    csvfile *f = &c->files[k];
    add_table(c, f->table);
    c->tables[c->ntables - 1].file = vt_xstrdup(f->file);
    if (f->empty) { c->tables[c->ntables - 1].rows = f->rows = 0; continue; }
    if (strcmp(f->table, "concept") == 0) continue;
    csvr r;
    char err[1024];
    int rc = csv_open(&r, f->path, err, sizeof err);
    if (rc == 0) rc = csv_header(&r, f, err, sizeof err);
    if (rc < 0) { seterr(c, "%s", err); csv_close(&r); return -1; }
    int need = -1;
    for (size_t n = 0; n < sizeof csv_needs / sizeof csv_needs[0]; n++)
      if (strcmp(csv_needs[n].table, f->table) == 0) need = (int)n;
    if (need >= 0) rc = csv_load(c, &r, f, csv_needs[need].cols, 4, NULL, 0, 0);
    else if (csv_count(&r, &f->rows, err, sizeof err) < 0) { seterr(c, "%s", err); rc = -1; }
    csv_close(&r);
    if (rc < 0) return -1;
    c->tables[c->ntables - 1].rows = f->rows;
  }
  return 0;
}

/* Load the rows of CONCEPT.csv whose concept_id is in ids (sorted) into the
** in-memory database, and count all its rows.  0, or -1. */
static int csv_load_concepts(ictx *c, const int64_t *ids, size_t n) {
  csvfile *f = csv_find(c, "concept");
  if (!f || f->empty) return 0;
  static const char *const cols[] = { "concept_id", "concept_name", "vocabulary_id", "concept_code" };
  csvr r;
  char err[1024];
  int rc = csv_open(&r, f->path, err, sizeof err);
  if (rc == 0) rc = csv_header(&r, f, err, sizeof err);
  if (rc < 0) { seterr(c, "%s", err); csv_close(&r); return -1; }
  rc = csv_load(c, &r, f, cols, 4, ids, n, 1);
  csv_close(&r);
  for (size_t k = 0; k < c->ntables; k++)
    if (strcmp(c->tables[k].name, "concept") == 0) c->tables[k].rows = f->rows;
  return rc;
}

/* ---- observation windows / periods --------------------------------------- */

/* A date column as a Julian day: ISO text, or a number (Unix seconds, days
** since 1970, or already a Julian day, as various OMOP loaders store it). */
static char *julian_expr(const char *col) {
  char *q = qident(col);
  char *e = vt_xprintf("(CASE WHEN typeof(%s) IN ('integer', 'real') THEN "
                    "(CASE WHEN abs(%s) > 1e8 THEN %s / 86400.0 + 2440587.5 "
                    "WHEN %s >= 1000000 THEN %s ELSE %s + 2440587.5 END) "
                    "ELSE julianday(%s) END)", q, q, q, q, q, q, q);
  free(q);
  return e;
}

/* The column of table whose (lower case) name holds `part` and not `not`,
** first found; malloc'd, or NULL. */
static char *find_column(ictx *c, const char *table, const char *part, const char *not) {
  char *qt = qident(table), *sql = vt_xprintf("PRAGMA table_info(%s)", qt);
  sqlite3_stmt *st = NULL;
  char *found = NULL;
  if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK) {
    while (!found && sqlite3_step(st) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(st, 1);
      if (!name) continue;
      char *low = vt_xstrdup(name);
      for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
      if (strstr(low, part) && !(not && strstr(low, not))) found = vt_xstrdup(name);
      free(low);
    }
  }
  sqlite3_finalize(st);
  free(sql);
  free(qt);
  return found;
}

/* A summary of an observation window table into obj: rows, persons (when
** there is a person column), earliest start, latest end, mean length in
** years (when start and end columns are found), windows that are the whole
** life (vitae's observation_periods.whole_life).  0, or -1. */
static int window_summary(ictx *c, const char *table, const char *personkey, jv *obj) {
  char *pcol = find_column(c, table, "person", NULL);
  if (!pcol) pcol = find_column(c, table, "patient", NULL);
  char *scol = find_column(c, table, "start", NULL);
  char *ecol = find_column(c, table, "end", "start");
  if (!ecol) ecol = find_column(c, table, "stop", "start");
  char *qt = qident(table), *qp = pcol ? qident(pcol) : NULL;
  char *js = scol ? julian_expr(scol) : NULL, *je = ecol ? julian_expr(ecol) : NULL;
  vt_sbuf q = { 0 };
  vt_sb_printf(&q, "SELECT COUNT(*), ");
  if (qp) vt_sb_printf(&q, "COUNT(DISTINCT %s), ", qp); else vt_sb_puts(&q, "NULL, ");
  if (js) vt_sb_printf(&q, "date(MIN(%s)), ", js); else vt_sb_puts(&q, "NULL, ");
  if (je) vt_sb_printf(&q, "date(MAX(%s)), ", je); else vt_sb_puts(&q, "NULL, ");
  if (js && je) vt_sb_printf(&q, "AVG(%s - %s) / 365.25, ", je, js); else vt_sb_puts(&q, "NULL, ");
  int whole = has_column(c, table, "whole_life");
  vt_sb_printf(&q, "%s FROM %s", whole ? "SUM(whole_life <> 0)" : "NULL", qt);
  sqlite3_stmt *st = prepare(c, q.p, "summarizing the observation window");
  int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
  if (rc == SQLITE_ROW) {
    jadd(obj, "table", jstr(table));
    jadd(obj, "rows", jint(sqlite3_column_int64(st, 0)));
    if (qp) jadd(obj, personkey, jint(sqlite3_column_int64(st, 1)));
    if (js) jadd(obj, "earliest_start", jstr((const char *)sqlite3_column_text(st, 2)));
    if (je) jadd(obj, "latest_end", jstr((const char *)sqlite3_column_text(st, 3)));
    if (js && je) jadd(obj, "mean_years", sqlite3_column_type(st, 4) == SQLITE_NULL ? jnew(J_NULL) : jreal(sqlite3_column_double(st, 4)));
    if (whole) jadd(obj, "whole_life", jint(sqlite3_column_int64(st, 5)));
    if (scol) jadd(obj, "start_column", jstr(scol));
    if (ecol) jadd(obj, "end_column", jstr(ecol));
  } else if (st) seterr(c, "%s: summarizing the observation window: %s", c->path, sqlite3_errmsg(c->db));
  sqlite3_finalize(st);
  free(q.p); free(qt); free(qp); free(js); free(je); free(pcol); free(scol); free(ecol);
  return rc == SQLITE_ROW ? 0 : -1;
}

/* ---- vitae's native format ------------------------------------------------ */

/* Add the top codes of a tally to obj: "rows", "distinct", "top".  keys
** names the key columns (one, or two joined by "\x1f") as JSON members;
** subkey the sub value's member (a description), personkey the distinct
** persons' member; either may be NULL (not counted). */
static void report_codes(const tally *t, int top, jv *obj, const char *const *keys, int nkeys,
                         const char *subkey, const char *personkey) {
  jadd(obj, "rows", jint(t->total));
  jadd(obj, "distinct", jint((int64_t)t->ng));
  jv *arr = jadd(obj, "top", jnew(J_ARR));
  size_t *idx = vt_xmalloc(((size_t)top + 1) * sizeof *idx);
  size_t n = tally_shown(t, top, -1, idx);
  for (size_t k = 0; k < n; k++) {
    const tgroup *g = &t->g[idx[k]];
    jv *o = jpush(arr, jnew(J_OBJ));
    jadd(o, "rank", jint((int64_t)k + 1));
    const char *p = g->key;
    for (int i = 0; i < nkeys; i++) {
      const char *sep = p ? strchr(p, '\x1f') : NULL;
      size_t len = p ? (sep && i < nkeys - 1 ? (size_t)(sep - p) : strlen(p)) : 0;
      char *v = p ? memcpy(vt_xmalloc(len + 1), p, len) : NULL;
      if (v) v[len] = 0;
      if (v && nkeys > 1 && !*v) { free(v); v = NULL; }
      jadd(o, keys[i], jstr_own(v));
      p = p && sep && i < nkeys - 1 ? sep + 1 : NULL;
    }
    if (subkey) jadd(o, subkey, g->best_sub >= 0 ? jstr(t->sub[g->best_sub].s) : jnew(J_NULL));
    jadd(o, "rows", jint(g->rows));
    jadd(o, "share", jreal(t->total ? (double)g->rows / (double)t->total : 0));
    if (personkey) jadd(o, personkey, jint(g->persons));
  }
  free(idx);
}

typedef struct codespec {
  const char *table, *title;
  const char *keys[2]; int nkeys;    /* key columns */
  const char *json_keys[2];          /* their names in the report */
  const char *desc;                  /* description column, or NULL */
} codespec;

static const codespec native_codes[] = {
  { "conditions", "Conditions", { "code" }, 1, { "code" }, "description" },
  { "medications", "Medications", { "code" }, 1, { "code" }, "description" },
  { "procedures", "Procedures", { "code" }, 1, { "code" }, "description" },
  { "observations", "Observations", { "code" }, 1, { "code" }, "description" },
  { "immunizations", "Immunizations", { "code" }, 1, { "code" }, "description" },
  { "careplans", "Care plans", { "code" }, 1, { "code" }, "description" },
  { "allergies", "Allergies", { "code" }, 1, { "code" }, "description" },
  { "devices", "Devices", { "code" }, 1, { "code" }, "description" },
  { "supplies", "Supplies", { "code" }, 1, { "code" }, "description" },
  { "encounters", "Encounters by class", { "encounterclass" }, 1, { "class" }, NULL },
  { "encounters", "Encounters by class and code", { "encounterclass", "code" }, 2, { "class", "code" }, "description" },
};

/* The native report: run_info, patients, codes per clinical table, module
** states, observation window.  0, or -1. */
static int inspect_native(ictx *c) {
  jv *r = c->report;
  if (has_table(c, "run_info") && has_column(c, "run_info", "key") && has_column(c, "run_info", "value")) {
    jv *ri = jadd(r, "run_info", jnew(J_OBJ));
    sqlite3_stmt *st = prepare(c, "SELECT key, value FROM run_info ORDER BY rowid", "reading run_info");
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const char *k = (const char *)sqlite3_column_text(st, 0), *v = (const char *)sqlite3_column_text(st, 1);
      if (k) jadd(ri, k, jstr(v));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) { seterr(c, "%s: reading run_info: %s", c->path, sqlite3_errmsg(c->db)); return -1; }
  }
  jv *pt = jadd(r, "patients", jnew(J_OBJ));
  jadd(pt, "total", jint(table_rows(c, "patients")));
  if (has_column(c, "patients", "deathdate")) {
    int64_t dead = 0;
    if (query_int(c, "SELECT COUNT(deathdate) FROM patients", "counting deaths", &dead) < 0) return -1;
    jadd(pt, "alive", jint(table_rows(c, "patients") - dead));
    jadd(pt, "dead", jint(dead));
  }
  if (has_column(c, "patients", "gender")) {
    int64_t f = 0, m = 0;
    if (query_int(c, "SELECT COUNT(*) FROM patients WHERE gender = 'F'", "counting by gender", &f) < 0 ||
        query_int(c, "SELECT COUNT(*) FROM patients WHERE gender = 'M'", "counting by gender", &m) < 0) return -1;
    jadd(pt, "female", jint(f));
    jadd(pt, "male", jint(m));
  }
  jv *tables = jadd(r, "tables", jnew(J_ARR));
  jv *total = jadd(r, "total_rows", jint(0));
  report_tables(c, tables, total);
  jadd(r, "top_n", jint(c->top));

  jv *codes = jadd(r, "codes", jnew(J_ARR));
  for (size_t s = 0; s < sizeof native_codes / sizeof native_codes[0]; s++) {
    const codespec *cs = &native_codes[s];
    if (!has_table(c, cs->table)) continue;
    jv *o = jpush(codes, jnew(J_OBJ));
    jadd(o, "table", jstr(cs->table));
    jadd(o, "title", jstr(cs->title));
    vt_sbuf by = { 0 };
    for (int k = 0; k < cs->nkeys; k++) vt_sb_printf(&by, "%s%s", k ? ", " : "", cs->keys[k]);
    jadd(o, "by", jstr(by.p));
    free(by.p);
    const char *missing = NULL;
    for (int k = 0; k < cs->nkeys && !missing; k++) if (!has_column(c, cs->table, cs->keys[k])) missing = cs->keys[k];
    int hp = has_column(c, cs->table, "patient"), hd = cs->desc && has_column(c, cs->table, cs->desc);
    if (missing) { jadd(o, "skipped", jstr_own(vt_xprintf("%s has no column %s", cs->table, missing))); continue; }
    if (c->top == 0 && table_rows(c, cs->table) >= 0) { jadd(o, "rows", jint(table_rows(c, cs->table))); continue; }
    vt_sbuf sql = { 0 };
    char *qt = qident(cs->table);
    vt_sb_puts(&sql, "SELECT ");
    for (int k = 0; k < cs->nkeys; k++) vt_sb_printf(&sql, "%s%s", k ? ", " : "", cs->keys[k]);
    if (hp) vt_sb_puts(&sql, ", patient");
    if (hd) vt_sb_printf(&sql, ", %s", cs->desc);
    vt_sb_printf(&sql, " FROM %s", qt);
    free(qt);
    tally t;
    tally_init(&t);
    char *what = vt_xprintf("counting the codes of %s", cs->table);
    int rc = tally_scan(c, &t, sql.p, cs->nkeys, hp, hd, what);
    free(sql.p);
    if (rc == 0) {
      size_t *idx = vt_xmalloc(((size_t)c->top + 1) * sizeof *idx);
      size_t n = tally_shown(&t, c->top, -1, idx);
      char *ke = key_sql(cs->keys, cs->nkeys);
      rc = exact_for_shown(c, &t, idx, n, ke, hp ? "patient" : NULL, hd ? cs->desc : NULL, cs->table, what);
      free(ke);
      free(idx);
    }
    if (rc == 0) report_codes(&t, c->top, o, cs->json_keys, cs->nkeys, hd ? "description" : NULL, hp ? "patients" : NULL);
    free(what);
    tally_free(&t);
    if (rc < 0) return -1;
  }

  if (has_table(c, "module_states") && has_column(c, "module_states", "module") &&
      has_column(c, "module_states", "patients")) {
    int hpath = has_column(c, "module_states", "path"), htype = has_column(c, "module_states", "type");
    char *sql = vt_xprintf("SELECT module, %s, COUNT(*), SUM(patients > 0), %s FROM module_states "
                        "GROUP BY module%s ORDER BY module%s",
                        hpath ? "path" : "NULL",
                        htype ? "COALESCE(MAX(CASE WHEN type = 'Initial' THEN patients END), MAX(patients))" : "MAX(patients)",
                        hpath ? ", path" : "", hpath ? ", path" : "");
    sqlite3_stmt *st = prepare(c, sql, "summarizing module_states");
    free(sql);
    if (!st) return -1;
    jv *ms = jadd(r, "module_states", jnew(J_OBJ));
    jv *mods = jnew(J_ARR);
    int64_t states = 0, visited = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      jv *o = jpush(mods, jnew(J_OBJ));
      int64_t ns = sqlite3_column_int64(st, 2), nv = sqlite3_column_int64(st, 3);
      jadd(o, "module", jstr((const char *)sqlite3_column_text(st, 0)));
      jadd(o, "path", jstr((const char *)sqlite3_column_text(st, 1)));
      jadd(o, "states", jint(ns));
      jadd(o, "visited", jint(nv));
      jadd(o, "share", jreal(ns ? (double)nv / (double)ns : 0));
      jadd(o, "patients", jint(sqlite3_column_int64(st, 4)));
      states += ns;
      visited += nv;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
      jfree(mods);
      seterr(c, "%s: summarizing module_states: %s", c->path, sqlite3_errmsg(c->db));
      return -1;
    }
    jadd(ms, "modules", jint((int64_t)mods->n));
    jadd(ms, "states", jint(states));
    jadd(ms, "visited", jint(visited));
    jadd(ms, "share", jreal(states ? (double)visited / (double)states : 0));
    jadd(ms, "per_module", mods);
  }

  for (size_t k = 0; k < c->ntables; k++) {
    char *low = vt_xstrdup(c->tables[k].name);
    for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
    int win = strstr(low, "window") || strcmp(low, "observation_period") == 0 || strcmp(low, "observation_periods") == 0;
    free(low);
    if (!win) continue;
    jv *o = jadd(r, "observation_window", jnew(J_OBJ));
    if (window_summary(c, c->tables[k].name, "patients", o) < 0) return -1;
    break;
  }
  return 0;
}

/* ---- OMOP CDM ------------------------------------------------------------- */

typedef struct domspec { const char *domain, *table, *concept, *source; } domspec;

static const domspec omop_domains[] = {
  { "Condition", "condition_occurrence", "condition_concept_id", "condition_source_value" },
  { "Drug", "drug_exposure", "drug_concept_id", "drug_source_value" },
  { "Procedure", "procedure_occurrence", "procedure_concept_id", "procedure_source_value" },
  { "Measurement", "measurement", "measurement_concept_id", "measurement_source_value" },
  { "Observation", "observation", "observation_concept_id", "observation_source_value" },
  { "Device", "device_exposure", "device_concept_id", "device_source_value" },
  { "Visit", "visit_occurrence", "visit_concept_id", "visit_source_value" },
};
#define NDOMAINS (sizeof omop_domains / sizeof omop_domains[0])

static const char *omop_clinical[] = {
  "observation_period", "visit_occurrence", "condition_occurrence", "drug_exposure",
  "procedure_occurrence", "measurement", "observation", "death", "device_exposure", NULL
};

/* The CDM version: cdm_source.cdm_version if the database has it, else told
** by the columns (5.4 renamed visit_occurrence.admitting_source_concept_id
** to admitted_from_concept_id and added episode).  Adds "cdm_version" and
** "cdm_version_from" to the report. */
static void omop_version(ictx *c) {
  char *version = NULL, *from = NULL;
  if (has_table(c, "cdm_source") && has_column(c, "cdm_source", "cdm_version")) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT cdm_version FROM cdm_source WHERE cdm_version IS NOT NULL "
                                  "AND cdm_version <> '' LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      const char *v = (const char *)sqlite3_column_text(st, 0);
      const char *p = v;
      while (p && *p && !isdigit((unsigned char)*p)) p++;
      if (p && isdigit((unsigned char)p[0]) && p[1] == '.' && isdigit((unsigned char)p[2])) {
        version = vt_xprintf("%c.%c", p[0], p[2]);
        from = vt_xprintf("cdm_source.cdm_version '%s'", v);
      }
    }
    sqlite3_finalize(st);
  }
  if (!version) {
    int v54 = has_table(c, "episode"), v53 = 0;
    if (c->csv) {
      csvfile *f = csv_find(c, "visit_occurrence");
      if (f && csv_col(f, "admitted_from_concept_id") >= 0) v54 = 1;
      if (f && csv_col(f, "admitting_source_concept_id") >= 0) v53 = 1;
    } else if (has_table(c, "visit_occurrence")) {
      if (has_column(c, "visit_occurrence", "admitted_from_concept_id")) v54 = 1;
      if (has_column(c, "visit_occurrence", "admitting_source_concept_id")) v53 = 1;
    }
    if (v54 && !v53) { version = vt_xstrdup("5.4"); from = vt_xstrdup("5.4 table and column names"); }
    else if (v53 && !v54) { version = vt_xstrdup("5.3"); from = vt_xstrdup("5.3 table and column names"); }
  }
  jadd(c->report, "cdm_version", jstr_own(version));
  jadd(c->report, "cdm_version_from", jstr_own(from));
}

/* The label of an OMOP concept row in the text output: its concept name;
** concept 0: where to look; else the most frequent source value. */
static const char *concept_label(const jv *row, char *buf, size_t len) {
  const char *name = jget_str(row, "concept_name");
  const jv *id = jget(row, "concept_id");
  if (id && id->t == J_INT && id->i == 0) return "[unmapped: source values below]";
  if (name) return name;
  const char *sv = jget_str(row, "source_value");
  int64_t nsv = jget_int(row, "source_values", 0);
  if (sv && (jget_int(row, "source_value_rows", 0) > 1 || nsv <= 1)) { snprintf(buf, len, "[source value] %s", sv); return buf; }
  if (nsv > 1) { char n[32]; snprintf(buf, len, "[no name; %s distinct source values]", vt_commas(nsv, n)); return buf; }
  return "";
}

/* One domain being inspected. */
typedef struct domain {
  const domspec *spec;
  jv *obj;
  tally t;
  size_t *idx; size_t n;   /* groups shown */
  int64_t zero;            /* group of concept 0, or -1 */
  int scanned;
} domain;

typedef struct cname { int64_t id; char *name, *vocab, *code; } cname;

static int i64_cmp(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int cname_cmp(const void *a, const void *b) { return i64_cmp(&((const cname *)a)->id, &((const cname *)b)->id); }

/* The names of the concepts in ids (sorted, distinct) from the concept
** table, into *out (sorted by id).  0, or -1. */
static int concept_names(ictx *c, const int64_t *ids, size_t n, cname **out, size_t *nout) {
  *out = NULL;
  *nout = 0;
  if (n == 0 || !has_table(c, "concept") || !has_column(c, "concept", "concept_id") || !has_column(c, "concept", "concept_name"))
    return 0;
  int hv = has_column(c, "concept", "vocabulary_id"), hc = has_column(c, "concept", "concept_code");
  size_t cap = 0;
  for (size_t start = 0; start < n; start += 500) {
    vt_sbuf sql = { 0 };
    vt_sb_printf(&sql, "SELECT concept_id, concept_name, %s, %s FROM concept WHERE concept_id IN (",
              hv ? "vocabulary_id" : "NULL", hc ? "concept_code" : "NULL");
    for (size_t k = start; k < n && k < start + 500; k++) vt_sb_printf(&sql, "%s%lld", k > start ? ", " : "", (long long)ids[k]);
    vt_sb_puts(&sql, ")");
    sqlite3_stmt *st = prepare(c, sql.p, "reading concept names");
    free(sql.p);
    if (!st) return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      /* concept_id as an integer, or as text holding one (a CSV import) */
      const char *s = (const char *)sqlite3_column_text(st, 0);
      int64_t id;
      if (!s || !parse_i64(s, &id)) continue;
      if (*nout == cap) { cap = cap ? cap * 2 : 64; *out = vt_xrealloc(*out, cap * sizeof **out); }
      cname *cn = &(*out)[(*nout)++];
      cn->id = id;
      cn->name = (s = (const char *)sqlite3_column_text(st, 1)) ? vt_xstrdup(s) : NULL;
      cn->vocab = (s = (const char *)sqlite3_column_text(st, 2)) ? vt_xstrdup(s) : NULL;
      cn->code = (s = (const char *)sqlite3_column_text(st, 3)) ? vt_xstrdup(s) : NULL;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) { seterr(c, "%s: reading concept names: %s", c->path, sqlite3_errmsg(c->db)); return -1; }
  }
  sort_n(*out, *nout, sizeof **out, cname_cmp);   /* none when the concept table is empty */
  return 0;
}

static const cname *cname_find(const cname *names, size_t n, int64_t id) {
  size_t lo = 0, hi = n;
  while (lo < hi) { size_t mid = (lo + hi) / 2; if (names[mid].id < id) lo = mid + 1; else hi = mid; }
  return lo < n && names[lo].id == id ? &names[lo] : NULL;
}

/* Source values per concept for the concepts of d listed in need (group
** indexes): for each, its most frequent source value and the number of
** distinct ones, in best[]/bestrows[]/distinct[]; concept 0's values go to
** the "unmapped" member.  0, or -1. */
typedef struct srcval { char *s; int64_t rows; } srcval;

/* Most rows first, then by value; NULL (no source value) last among equals. */
static int srcval_cmp(const void *pa, const void *pb) {
  const srcval *a = pa, *b = pb;
  if (a->rows != b->rows) return a->rows < b->rows ? 1 : -1;
  return key_cmp(a->s, b->s);
}

static int source_values(ictx *c, domain *d, const size_t *need, size_t nneed, const size_t *pos,
                         char **best, int64_t *bestrows, int64_t *distinct) {
  const domspec *s = d->spec;
  if (nneed == 0 || !has_column(c, s->table, s->source)) return 0;
  char *qt = qident(s->table), *qc = qident(s->concept), *qs = qident(s->source);
  vt_sbuf sql = { 0 };
  vt_sb_printf(&sql, "SELECT %s, %s, COUNT(*) FROM %s WHERE %s IN (", qc, qs, qt, qc);
  for (size_t k = 0; k < nneed; k++) {
    if (k) vt_sb_puts(&sql, ", ");
    sb_sql_literal(&sql, d->t.g[need[k]].key);
  }
  vt_sb_printf(&sql, ") GROUP BY 1, 2");
  free(qt); free(qc); free(qs);
  char *what = vt_xprintf("reading the source values of %s", s->table);
  sqlite3_stmt *st = prepare(c, sql.p, what);
  free(sql.p);
  if (!st) { free(what); return -1; }
  srcval *zero = NULL;
  size_t nzero = 0, capzero = 0;
  int64_t zrows = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(st, 0);
    const char *v = (const char *)sqlite3_column_text(st, 1);
    int64_t rows = sqlite3_column_int64(st, 2);
    int64_t gi = k ? tally_find(&d->t, k) : -1;
    if (gi < 0 || pos[gi] == SIZE_MAX) continue;
    size_t j = pos[gi];
    if (gi == d->zero) {
      zrows += rows;
      if (nzero == capzero) { capzero = capzero ? capzero * 2 : 64; zero = vt_xrealloc(zero, capzero * sizeof *zero); }
      zero[nzero].s = v ? vt_xstrdup(v) : NULL;
      zero[nzero].rows = rows;
      nzero++;
      continue;
    }
    distinct[j]++;
    if (v && (!best[j] || rows > bestrows[j] || (rows == bestrows[j] && strcmp(v, best[j]) < 0))) {
      free(best[j]);
      best[j] = vt_xstrdup(v);
      bestrows[j] = rows;
    }
  }
  if (rc != SQLITE_DONE) seterr(c, "%s: %s: %s", c->path, what, sqlite3_errmsg(c->db));
  sqlite3_finalize(st);
  free(what);
  if (rc == SQLITE_DONE && d->zero >= 0) {
    sort_n(zero, nzero, sizeof *zero, srcval_cmp);
    jv *u = jadd(d->obj, "unmapped", jnew(J_OBJ));
    jadd(u, "rows", jint(zrows));
    jadd(u, "distinct_source_values", jint((int64_t)nzero));
    jv *arr = jadd(u, "top", jnew(J_ARR));
    for (size_t k = 0; k < nzero && k < (size_t)c->top; k++) {
      jv *o = jpush(arr, jnew(J_OBJ));
      jadd(o, "rank", jint((int64_t)k + 1));
      jadd(o, "source_value", jstr(zero[k].s));
      jadd(o, "rows", jint(zero[k].rows));
      jadd(o, "share", jreal(zrows ? (double)zero[k].rows / (double)zrows : 0));
    }
  }
  for (size_t k = 0; k < nzero; k++) free(zero[k].s);
  free(zero);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* Scan one domain's table into d->t and pick the concepts shown.  0, or -1. */
static int scan_domain(ictx *c, domain *d) {
  const domspec *s = d->spec;
  jadd(d->obj, "domain", jstr(s->domain));
  jadd(d->obj, "table", jstr(s->table));
  jadd(d->obj, "column", jstr(s->concept));
  if (!has_column(c, s->table, s->concept)) {
    char *why = vt_xprintf("%s has no column %s", s->table, s->concept);
    jadd(d->obj, "skipped", jstr_own(why));
    return 0;
  }
  if (c->top == 0) { jadd(d->obj, "rows", jint(table_rows(c, s->table))); return 0; }
  int hp = has_column(c, s->table, "person_id");
  char *qt = qident(s->table), *qc = qident(s->concept);
  char *sql = vt_xprintf("SELECT %s%s FROM %s", qc, hp ? ", person_id" : "", qt);
  char *what = vt_xprintf("counting the concepts of %s", s->table);
  tally_init(&d->t);
  int rc = tally_scan(c, &d->t, sql, 1, hp, 0, what);
  free(sql); free(qt); free(qc);
  if (rc == 0) {
    d->scanned = 1;
    d->zero = tally_find(&d->t, "0");
    d->idx = vt_xmalloc(((size_t)c->top + 1) * sizeof *d->idx);
    d->n = tally_shown(&d->t, c->top, d->zero, d->idx);
    if (hp) {
      char *ke = qident(s->concept);
      rc = exact_for_shown(c, &d->t, d->idx, d->n, ke, "person_id", NULL, s->table, what);
      free(ke);
    }
  }
  free(what);
  return rc;
}

/* The OMOP report.  0, or -1.  Every exit goes through the one cleanup at
** the end, which frees each domain's tally whether or not its scan got
** through (a scan that fails half-way has allocated already). */
static int inspect_omop(ictx *c) {
  jv *r = c->report;
  domain d[NDOMAINS];
  size_t nd = 0;
  int64_t *ids = NULL;
  size_t nids = 0;
  cname *names = NULL;
  size_t nnames = 0;
  int rc = 0;
  memset(d, 0, sizeof d);
  omop_version(c);
  int has_concept = has_table(c, "concept");
  jadd(r, "concept_table", jbool(has_concept));
  jadd(r, "persons", jint(table_rows(c, "person")));
  if (has_table(c, "death")) jadd(r, "deaths", jint(table_rows(c, "death")));
  jv *tables = jadd(r, "tables", jnew(J_ARR));    /* filled at the end, once CONCEPT.csv is counted */
  jv *total = jadd(r, "total_rows", jint(0));
  jadd(r, "top_n", jint(c->top));
  if (has_table(c, "observation_period")) {
    jv *o = jadd(r, "observation_period", jnew(J_OBJ));
    if (window_summary(c, "observation_period", "persons", o) < 0) { rc = -1; goto done; }
  }

  jv *doms = jadd(r, "domains", jnew(J_ARR));
  for (size_t k = 0; k < NDOMAINS && rc == 0; k++) {
    if (!has_table(c, omop_domains[k].table)) continue;
    d[nd].spec = &omop_domains[k];
    d[nd].obj = jpush(doms, jnew(J_OBJ));
    d[nd].zero = -1;
    rc = scan_domain(c, &d[nd]);
    nd++;
  }

  /* concept names, for every concept shown */
  if (rc == 0) {
    size_t cap = 0;
    for (size_t k = 0; k < nd; k++)
      for (size_t j = 0; j < d[k].n; j++) {
        int64_t id;
        const char *key = d[k].t.g[d[k].idx[j]].key;
        if (!key || !parse_i64(key, &id)) continue;
        if (nids == cap) { cap = cap ? cap * 2 : 64; ids = vt_xrealloc(ids, cap * sizeof *ids); }
        ids[nids++] = id;
      }
    sort_n(ids, nids, sizeof *ids, i64_cmp);
    size_t m = 0;
    for (size_t k = 0; k < nids; k++) if (m == 0 || ids[m - 1] != ids[k]) ids[m++] = ids[k];
    nids = m;
    if (c->csv) rc = csv_load_concepts(c, ids, nids);
    if (rc == 0 && has_concept) rc = concept_names(c, ids, nids, &names, &nnames);
  }
  if (has_concept) {
    int64_t nc = table_rows(c, "concept");
    jadd(r, "concepts", nc >= 0 ? jint(nc) : jnew(J_NULL));
  }

  for (size_t k = 0; k < nd && rc == 0; k++) {
    domain *dm = &d[k];
    if (!dm->scanned) continue;
    jadd(dm->obj, "rows", jint(dm->t.total));
    jadd(dm->obj, "distinct", jint((int64_t)dm->t.ng));
    /* which concepts need their source values: 0, and those without a name */
    size_t *need = vt_xmalloc((dm->n + 1) * sizeof *need), *pos = vt_xmalloc((dm->t.ng + 1) * sizeof *pos);
    size_t nneed = 0;
    for (size_t j = 0; j < dm->t.ng; j++) pos[j] = SIZE_MAX;
    for (size_t j = 0; j < dm->n; j++) {
      const tgroup *g = &dm->t.g[dm->idx[j]];
      int64_t id;
      if (!g->key) continue;
      if ((int64_t)dm->idx[j] == dm->zero || !parse_i64(g->key, &id) || !cname_find(names, nnames, id)) {
        pos[dm->idx[j]] = nneed;
        need[nneed++] = dm->idx[j];
      }
    }
    char **best = vt_xcalloc(nneed + 1, sizeof *best);
    int64_t *bestrows = vt_xcalloc(nneed + 1, sizeof *bestrows), *distinct = vt_xcalloc(nneed + 1, sizeof *distinct);
    rc = source_values(c, dm, need, nneed, pos, best, bestrows, distinct);
    jv *arr = jnew(J_ARR);
    int hp = has_column(c, dm->spec->table, "person_id");
    for (size_t j = 0; j < dm->n && rc == 0; j++) {
      const tgroup *g = &dm->t.g[dm->idx[j]];
      jv *o = jpush(arr, jnew(J_OBJ));
      int64_t id;
      int isint = g->key && parse_i64(g->key, &id);
      const cname *cn = isint ? cname_find(names, nnames, id) : NULL;
      jadd(o, "rank", jint(j < dm->t.norder && dm->t.order[j] == dm->idx[j] ? (int64_t)j + 1 : tally_rank(&dm->t, dm->idx[j])));
      jadd(o, "concept_id", isint ? jint(id) : jstr(g->key));
      jadd(o, "concept_name", jstr(cn ? cn->name : NULL));
      jadd(o, "vocabulary_id", jstr(cn ? cn->vocab : NULL));
      jadd(o, "concept_code", jstr(cn ? cn->code : NULL));
      size_t q = pos[dm->idx[j]];
      if (q != SIZE_MAX && (int64_t)dm->idx[j] != dm->zero) {
        jadd(o, "source_value", jstr(best[q]));
        jadd(o, "source_value_rows", jint(bestrows[q]));
        jadd(o, "source_values", jint(distinct[q]));
      }
      jadd(o, "rows", jint(g->rows));
      jadd(o, "share", jreal(dm->t.total ? (double)g->rows / (double)dm->t.total : 0));
      if (hp) jadd(o, "persons", jint(g->persons));
    }
    /* "top" goes before "unmapped", which source_values added */
    jv *u = NULL;
    if (dm->obj->n && strcmp(dm->obj->keys[dm->obj->n - 1], "unmapped") == 0) {
      u = dm->obj->items[--dm->obj->n];
      free(dm->obj->keys[dm->obj->n]);
    }
    jadd(dm->obj, "top", arr);
    if (u) jadd(dm->obj, "unmapped", u);
    for (size_t j = 0; j < nneed; j++) free(best[j]);
    free(best); free(bestrows); free(distinct); free(need); free(pos);
  }

  if (rc == 0) report_tables(c, tables, total);
done:
  for (size_t k = 0; k < nd; k++) { tally_free(&d[k].t); free(d[k].idx); }   /* a zeroed tally frees nothing */
  for (size_t k = 0; k < nnames; k++) { free(names[k].name); free(names[k].vocab); free(names[k].code); }
  free(names);
  free(ids);
  return rc < 0 ? -1 : 0;
}

/* ---- text output ---------------------------------------------------------- */

/* "1 row", "1,234 rows": n with separators and the word for it. */
static const char *count_text(int64_t n, const char *one, const char *many, char buf[96]) {
  char c[32];
  snprintf(buf, 96, "%s %s", vt_commas(n, c), n == 1 ? one : many);
  return buf;
}

static const char *rows_text(int64_t n, char buf[96]) { return count_text(n, "row", "rows", buf); }

static void print_tables(FILE *f, const jv *r) {
  const jv *tables = jget(r, "tables");
  char a[96];
  fprintf(f, "\nTables: %zu, %s\n", tables ? tables->n : 0, rows_text(jget_int(r, "total_rows", 0), a));
  int files = tables && tables->n && jget(tables->items[0], "file");
  static const tcol cols[] = { { "table", "table", 't', 0 }, { "rows", "rows", 'i', 0 }, { "file", "file", 't', 0 } };
  print_rows(f, tables, cols, files ? 3 : 2, 2);
}

static void print_window(FILE *f, const jv *w, const char *personkey, const char *people) {
  char a[96], b[32];
  if (!w) return;
  fprintf(f, "%s: %s", jget_str(w, "table"), rows_text(jget_int(w, "rows", 0), a));
  if (jget(w, personkey)) fprintf(f, " for %s %s", vt_commas(jget_int(w, personkey, 0), b), people);
  if (jget(w, "whole_life")) fprintf(f, " (%s of them whole-life windows)", vt_commas(jget_int(w, "whole_life", 0), b));
  const char *s = jget_str(w, "earliest_start"), *e = jget_str(w, "latest_end");
  if (s || e) fprintf(f, ", %s to %s", s ? s : "?", e ? e : "?");
  const jv *m = jget(w, "mean_years");
  if (m && m->t == J_REAL) fprintf(f, ", mean %.1f years", m->d);
  fputc('\n', f);
}

static void print_native(FILE *f, const ictx *c) {
  const jv *r = c->report;
  char a[32], b[32], d[32], ra[96], rb[96];
  fprintf(f, "%s: vitae cohort (native format)\n", c->path);
  const jv *ri = jget(r, "run_info");
  if (ri) {
    const char *v = jget_str(ri, "vitae_version"), *seed = jget_str(ri, "seed"), *pop = jget_str(ri, "population");
    const char *ref = jget_str(ri, "reference_date");
    int64_t popn;
    vt_sbuf line = { 0 };
    vt_sb_add(&line, "", 0);
    if (v) vt_sb_printf(&line, "vitae %s", v);
    if (seed) vt_sb_printf(&line, "%sseed %s", line.n ? ", " : "", seed);
    if (pop) vt_sb_printf(&line, "%spopulation %s", line.n ? ", " : "", parse_i64(pop, &popn) ? vt_commas(popn, a) : pop);
    if (ref) vt_sb_printf(&line, "%sreference date %s", line.n ? ", " : "", ref);
    if (line.n) fprintf(f, "%s\n", line.p);
    free(line.p);
  }
  const jv *pt = jget(r, "patients");
  fprintf(f, "patients: %s", vt_commas(jget_int(pt, "total", 0), a));
  if (jget(pt, "alive")) fprintf(f, " (%s alive, %s dead", vt_commas(jget_int(pt, "alive", 0), b), vt_commas(jget_int(pt, "dead", 0), d));
  if (jget(pt, "female")) fprintf(f, "%s%s female, %s male", jget(pt, "alive") ? "; " : " (",
                                  vt_commas(jget_int(pt, "female", 0), a), vt_commas(jget_int(pt, "male", 0), b));
  fputs(jget(pt, "alive") || jget(pt, "female") ? ")\n" : "\n", f);
  print_window(f, jget(r, "observation_window"), "patients", "patients");
  print_tables(f, r);

  const jv *codes = jget(r, "codes");
  int top = (int)jget_int(r, "top_n", TOP_DEFAULT);
  for (size_t k = 0; codes && k < codes->n; k++) {
    const jv *o = codes->items[k];
    const char *title = jget_str(o, "title"), *table = jget_str(o, "table"), *by = jget_str(o, "by");
    if (jget(o, "skipped")) { fprintf(f, "\n%s (%s): skipped: %s\n", title, table, jget_str(o, "skipped")); continue; }
    int64_t rows = jget_int(o, "rows", 0);
    if (top == 0 || rows == 0) { fprintf(f, "\n%s (%s): %s\n", title, table, rows_text(rows, ra)); continue; }
    int cls = by && strncmp(by, "encounterclass", 14) == 0, two = by && strchr(by, ',');
    fprintf(f, "\n%s (%s): %s, %s\n", title, table, rows_text(rows, ra),
            two ? count_text(jget_int(o, "distinct", 0), "distinct pair", "distinct pairs", rb)
            : cls ? count_text(jget_int(o, "distinct", 0), "distinct class", "distinct classes", rb)
            : count_text(jget_int(o, "distinct", 0), "distinct code", "distinct codes", rb));
    tcol cols[8];
    int n = 0;
    cols[n++] = (tcol){ "rank", "#", 'n', 0 };
    if (cls) cols[n++] = (tcol){ "class", "class", 'T', 0 };
    if (!cls || two) cols[n++] = (tcol){ "code", "code", 'T', 20 };
    const jv *tv = jget(o, "top");
    if (tv && tv->n && jget(tv->items[0], "description")) cols[n++] = (tcol){ "description", "description", 't', NAME_WIDTH };
    cols[n++] = (tcol){ "rows", "rows", 'i', 0 };
    cols[n++] = (tcol){ "share", "share", 'p', 0 };
    if (tv && tv->n && jget(tv->items[0], "patients")) cols[n++] = (tcol){ "patients", "patients", 'i', 0 };
    print_rows(f, tv, cols, n, 2);
  }

  const jv *ms = jget(r, "module_states");
  if (ms) {
    const jv *sh = jget(ms, "share");
    fprintf(f, "\nModules (module_states): %s modules, %s states, %s visited (%.1f%%)\n",
            vt_commas(jget_int(ms, "modules", 0), a), vt_commas(jget_int(ms, "states", 0), b),
            vt_commas(jget_int(ms, "visited", 0), d), sh && sh->t == J_REAL ? sh->d * 100 : 0.0);
    static const tcol cols[] = {
      { "module", "module", 't', 40 }, { "path", "path", 't', 40 }, { "states", "states", 'i', 0 },
      { "visited", "visited", 'i', 0 }, { "share", "share", 'p', 0 }, { "patients", "patients", 'i', 0 },
    };
    print_rows(f, jget(ms, "per_module"), cols, 6, 2);
  }
}

static void print_omop(FILE *f, const ictx *c) {
  const jv *r = c->report;
  char a[32], b[32], ra[96], rb[96];
  const char *v = jget_str(r, "cdm_version"), *from = jget_str(r, "cdm_version_from");
  fprintf(f, "%s: OMOP CDM %s%s%s%s%s\n", c->path, v ? v : "(version unknown)", from ? " (from " : "", from ? from : "",
          from ? ")" : "", c->csv ? ", CSV files" : "");
  fprintf(f, "persons: %s", vt_commas(jget_int(r, "persons", 0), a));
  if (jget(r, "deaths")) fprintf(f, "; deaths: %s", vt_commas(jget_int(r, "deaths", 0), b));
  if (jget_int(r, "concept_table", 0)) fprintf(f, "; concept table: %s concepts\n", vt_commas(jget_int(r, "concepts", 0), a));
  else fputs("; no concept table: names are the most frequent source values\n", f);
  print_window(f, jget(r, "observation_period"), "persons", "persons");
  print_tables(f, r);

  const jv *doms = jget(r, "domains");
  int top = (int)jget_int(r, "top_n", TOP_DEFAULT);
  static const tcol cols[] = {
    { "rank", "#", 'n', 0 }, { "concept_id", "concept_id", 'n', 0 }, { "concept_name", "concept_name", 'c', NAME_WIDTH },
    { "rows", "rows", 'i', 0 }, { "share", "share", 'p', 0 }, { "persons", "persons", 'i', 0 },
  };
  static const tcol ucols[] = {
    { "rank", "#", 'n', 0 }, { "source_value", "source_value", 'T', NAME_WIDTH }, { "rows", "rows", 'i', 0 },
    { "share", "share", 'p', 0 },
  };
  for (size_t k = 0; doms && k < doms->n; k++) {
    const jv *o = doms->items[k];
    const char *dom = jget_str(o, "domain"), *table = jget_str(o, "table"), *col = jget_str(o, "column");
    if (jget(o, "skipped")) { fprintf(f, "\n%s (%s): skipped: %s\n", dom, table, jget_str(o, "skipped")); continue; }
    int64_t rows = jget_int(o, "rows", 0);
    if (top == 0 || rows == 0) { fprintf(f, "\n%s (%s.%s): %s\n", dom, table, col, rows_text(rows, ra)); continue; }
    fprintf(f, "\n%s (%s.%s): %s, %s\n", dom, table, col, rows_text(rows, ra),
            count_text(jget_int(o, "distinct", 0), "distinct concept", "distinct concepts", rb));
    const jv *topv = jget(o, "top");
    print_rows(f, topv, cols, jget(topv->n ? topv->items[0] : NULL, "persons") ? 6 : 5, 2);
    const jv *u = jget(o, "unmapped");
    if (u) {
      const jv *ut = jget(u, "top");
      fprintf(f, "  unmapped (concept 0): %s, %s%s\n", rows_text(jget_int(u, "rows", 0), ra),
              count_text(jget_int(u, "distinct_source_values", 0), "distinct source value", "distinct source values", rb),
              ut && ut->n ? "; the most frequent:" : "");
      if (ut && ut->n) print_rows(f, ut, ucols, 4, 4);
    }
  }
}

/* ---- the command ----------------------------------------------------------- */

/* Parse the arguments into c; 1 for --help, 0 to go on, -1 on a usage error
** (message printed). */
static int parse_args(int argc, char **argv, ictx *c) {
  c->top = TOP_DEFAULT;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = NULL;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return 1;
    if (strcmp(a, "--json") == 0) { c->json = 1; continue; }
    if (strcmp(a, "--top") == 0 || strncmp(a, "--top=", 6) == 0) {
      if (a[5] == '=') val = a + 6;
      else if (i + 1 < argc) val = argv[++i];
      else { fputs("vitae inspect: --top needs a number\n", stderr); return -1; }
      int64_t n;
      if (!parse_i64(val, &n) || n < 0 || n > TOP_MAX) {
        fprintf(stderr, "vitae inspect: --top: '%s' is not a number from 0 to %d\n", val, TOP_MAX);
        return -1;
      }
      c->top = (int)n;
      continue;
    }
    if (a[0] == '-' && a[1]) { fprintf(stderr, "vitae inspect: unknown option '%s'\n", a); return -1; }
    if (c->path) { fprintf(stderr, "vitae inspect: one PATH only ('%s' and '%s')\n", c->path, a); return -1; }
    c->path = a;
  }
  if (!c->path) { fputs("vitae inspect: no PATH given\n", stderr); return -1; }
  return 0;
}

static void ictx_free(ictx *c) {
  for (size_t k = 0; k < c->nfiles; k++) {
    for (int j = 0; j < c->files[k].ncols; j++) free(c->files[k].cols[j]);
    free(c->files[k].cols);
    free(c->files[k].path);
    free(c->files[k].file);
    free(c->files[k].table);
  }
  free(c->files);
  for (size_t k = 0; k < c->ntables; k++) { free(c->tables[k].name); free(c->tables[k].file); free(c->tables[k].err); }
  free(c->tables);
  jfree(c->report);
  if (c->db) sqlite3_close(c->db);
}

/* Open PATH, tell its format, build the report.  0, or -1 with c->err. */
static int inspect(ictx *c) {
  struct stat sb;
  if (stat(c->path, &sb) != 0) { seterr(c, "%s: %s", c->path, strerror(errno)); return -1; }
  c->csv = S_ISDIR(sb.st_mode);
  if (c->csv ? open_csv_folder(c) < 0 : open_db(c) < 0 || list_tables(c) < 0) return -1;

  int omop = 0;
  if (has_table(c, "person"))
    for (int k = 0; omop_clinical[k]; k++) if (has_table(c, omop_clinical[k])) omop = 1;
  if (!omop && !has_table(c, "patients")) {
    if (c->csv) seterr(c, "%s: PERSON.csv but none of the OMOP clinical tables (OBSERVATION_PERIOD.csv, "
                          "CONDITION_OCCURRENCE.csv, ...): not a folder of OMOP CDM CSV files", c->path);
    else seterr(c, "%s: a SQLite database, but neither a vitae cohort (no table 'patients') nor an OMOP CDM "
                   "database (no table 'person' with observation_period, condition_occurrence, ...)", c->path);
    return -1;
  }
  c->omop = omop;
  if (!c->csv) count_tables(c);
  c->report = jnew(J_OBJ);
  jadd(c->report, "path", jstr(c->path));
  jadd(c->report, "source", jstr(c->csv ? "csv_folder" : "sqlite"));
  jadd(c->report, "format", jstr(omop ? "omop" : "native"));
  return omop ? inspect_omop(c) : inspect_native(c);
}

int vt_cmd_inspect(int argc, char **argv) {
  ictx c;
  memset(&c, 0, sizeof c);
  int pr = parse_args(argc, argv, &c);
  if (pr == 1) { fputs(usage_text, stdout); return VT_EXIT_OK; }
  if (pr < 0) { fputs("(vitae inspect --help shows the usage)\n", stderr); return VT_EXIT_USAGE; }
  int rc = inspect(&c);
  if (rc < 0) {
    fprintf(stderr, "vitae inspect: %s\n", c.err);
    ictx_free(&c);
    return VT_EXIT_FAIL;
  }
  if (c.json) { json_print(stdout, c.report, 0); fputc('\n', stdout); }
  else if (c.omop) print_omop(stdout, &c);
  else print_native(stdout, &c);
  int werr = fflush(stdout) != 0 || ferror(stdout);
  ictx_free(&c);
  if (werr) { fprintf(stderr, "vitae inspect: writing the report: %s\n", strerror(errno)); return VT_EXIT_FAIL; }
  return VT_EXIT_OK;
}
