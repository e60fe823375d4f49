/*
** lookup.c -- Synthea lookup tables (see lookup.h): read the CSV behind a
** lookup_table_transition once, check it, and index it so that finding a
** patient's row costs one hash of the string keys and a binary search over
** the range boundaries of the rows that share those strings.
**
** The file is read through learn/csv.h.  Layout: every row keeps its
** string key values (pointers into one buffer of their texts), its ranges (at most two: age and time) and
** its effective probabilities in target order.  Rows with equal string keys
** form a group, found through an open-addressing hash table.  A large group
** is cut into segments at every range boundary of one range column; each
** segment lists, in file order, the rows whose range covers it.
*/
#include "lookup.h"
#include "learn/csv.h"
#include "sim/hash.h"
#include "sim/strbuf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest range bound accepted: leaves room for hi + 1 in half-open form. */
#define RANGE_MAX ((int64_t)1 << 62)
/* Groups with at most this many rows are scanned rather than segmented. */
#define SCAN_ROWS 8
/* At most two range columns: "age" and "time" (column names are unique). */
#define MAX_RANGES 2

typedef struct {
  int row0;          /* first row of the group: its string values are the group's */
  int first, n;      /* live rows: t->grow[first .. first + n), in file order */
  int segslot;       /* range slot the segments cut, -1 to scan the rows */
  int nseg;          /* segment i is [segstart[i], segstart[i + 1]) */
  int64_t *segstart; /* nseg + 1 boundaries */
  int *segoff;       /* nseg + 1 offsets into segrows */
  int *segrows;      /* rows covering each segment, file order */
} group;

struct vt_lookup {
  int nkeys, ntargets, nrows;
  int nstr, nrange;
  char **key_names;       /* nkeys names, lowercased */
  int *key_kind;          /* nkeys VT_LOOKUP_* */
  int *str_key;           /* string slot -> key column */
  int range_key[MAX_RANGES]; /* range slot -> key column */
  char *text;             /* the string values, NUL-separated */
  const char **cells;     /* nrows * nstr string values */
  size_t *celloff;        /* while loading: where each value starts in text */
  int64_t *ranges;        /* nrows * nrange * 2: lo, hi (inclusive) */
  double *probs;          /* nrows * ntargets, target order */
  int *grow;              /* live rows ordered by group, file order inside */
  int ngroups;
  group *groups;
  vt_strmap bykey;        /* string values -> group (entry i is group i) */
};

/* Write "PATH:LINE: message" (or "PATH: message" when line is 0) to err.
** Returns -1. */
static int fail(char *err, size_t errlen, const char *path, int line, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  if (!err || errlen == 0) return -1;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (line > 0) snprintf(err, errlen, "%s:%d: %s", path, line, msg);
  else snprintf(err, errlen, "%s: %s", path, msg);
  return -1;
}

static char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static int ascii_ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (ascii_lower(*a) != ascii_lower(*b)) return 0;
  return *a == *b;
}

/* ------------------------------------------------------------------ */
/* Cells                                                               */
/* ------------------------------------------------------------------ */

/* A whole number of n digits at s, at most RANGE_MAX.  0, or -1. */
static int parse_bound(const char *s, size_t n, int64_t *v) {
  int64_t x = 0;
  if (n == 0) return -1;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    if (x > (RANGE_MAX - (s[i] - '0')) / 10) return -1;
    x = x * 10 + (s[i] - '0');
  }
  *v = x;
  return 0;
}

/* "lo-hi" split at the first '-'; the bounds are put in order (Synthea's
** Range.between accepts them either way).  0, or -1 if malformed. */
static int parse_range(const char *s, int64_t *lo, int64_t *hi) {
  const char *dash = strchr(s, '-');
  if (!dash) return -1;
  if (parse_bound(s, (size_t)(dash - s), lo) < 0) return -1;
  if (parse_bound(dash + 1, strlen(dash + 1), hi) < 0) return -1;
  if (*lo > *hi) { int64_t x = *lo; *lo = *hi; *hi = x; }
  return 0;
}

/* A probability: a finite number >= 0, blanks around it allowed (as Java's
** Double.parseDouble allows).  0, or -1. */
static int parse_prob(const char *s, double *v) {
  char *endp;
  while (*s == ' ' || *s == '\t') s++;
  if (*s == '\0') return -1;
  *v = strtod(s, &endp);
  if (endp == s) return -1;
  while (*endp == ' ' || *endp == '\t') endp++;
  if (*endp != '\0' || !isfinite(*v) || *v < 0) return -1;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Index                                                               */
/* ------------------------------------------------------------------ */

/* The key of a group in t->bykey: its string values (v[idx[k]] when idx is
** not NULL), each followed by a NUL.  Written to buf (cap bytes) when it
** fits, else malloc'd; the key and its length in *len, or NULL when out of
** memory. */
static char *group_key(const vt_lookup *t, const char *const *v, const int *idx, char *buf, size_t cap,
                       size_t *len) {
  size_t n = 0;
  for (int k = 0; k < t->nstr; k++) n += strlen(v[idx ? idx[k] : k]) + 1;
  char *key = n <= cap ? buf : malloc(n ? n : 1);
  if (!key) return NULL;
  char *p = key;
  for (int k = 0; k < t->nstr; k++) {
    const char *s = v[idx ? idx[k] : k];
    size_t m = strlen(s) + 1;
    memcpy(p, s, m);
    p += m;
  }
  *len = n;
  return key;
}

/* Group whose strings equal v (indexed through idx when not NULL); -1 when
** there is none or no memory. */
static int find_group(const vt_lookup *t, const char *const *v, const int *idx) {
  char buf[256];
  size_t len;
  char *key = group_key(t, v, idx, buf, sizeof buf, &len);
  if (!key) return -1;
  long g = vt_strmap_find(&t->bykey, key, len);
  if (key != buf) free(key);
  return (int)g;
}

typedef struct { int64_t r[2 * MAX_RANGES]; int row; } rowkey;

static int cmp_rowkey(const void *a, const void *b) {
  const rowkey *x = a, *y = b;
  for (int i = 0; i < 2 * MAX_RANGES; i++)
    if (x->r[i] != y->r[i]) return x->r[i] < y->r[i] ? -1 : 1;
  return (x->row > y->row) - (x->row < y->row);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Index of the last boundary <= v among pts[0..n), or -1. */
static int seg_find(const int64_t *pts, int n, int64_t v) {
  int lo = 0, hi = n; /* answer in [lo - 1, hi - 1] */
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (pts[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/* Sorted distinct boundaries (lo and hi + 1) of range slot s over the rows
** of g; returns their count, the array in *out (malloc'd), -1 on no memory. */
static int seg_points(const vt_lookup *t, const group *g, int s, int64_t **out) {
  int64_t *pts = malloc((size_t)g->n * 2 * sizeof *pts);
  int m = 0;
  if (!pts) return -1;
  for (int i = 0; i < g->n; i++) {
    const int64_t *r = t->ranges + ((size_t)t->grow[g->first + i] * (size_t)t->nrange + (size_t)s) * 2;
    pts[m++] = r[0];
    pts[m++] = r[1] + 1;
  }
  if (m > 1) qsort(pts, (size_t)m, sizeof *pts, cmp_i64);
  int u = 0;
  for (int i = 0; i < m; i++)
    if (u == 0 || pts[u - 1] != pts[i]) pts[u++] = pts[i];
  *out = pts;
  return u;
}

/* Cut group g into segments along the range slot whose segments hold the
** fewest rows at worst.  Leaves g scanned when segmenting does not pay.
** 0, or -1 on no memory. */
static int segment_group(vt_lookup *t, group *g) {
  int best = -1, bestmax = 0;
  long besttotal = 0;
  g->segslot = -1;
  if (g->n <= SCAN_ROWS || t->nrange == 0) return 0;
  for (int s = 0; s < t->nrange; s++) {
    int64_t *pts;
    int m = seg_points(t, g, s, &pts), mx = 0;
    long total = 0;
    int *cnt;
    if (m < 0) return -1;
    cnt = calloc((size_t)m, sizeof *cnt);
    if (!cnt) { free(pts); return -1; }
    for (int i = 0; i < g->n; i++) {
      const int64_t *r = t->ranges + ((size_t)t->grow[g->first + i] * (size_t)t->nrange + (size_t)s) * 2;
      int a = seg_find(pts, m, r[0]), b = seg_find(pts, m, r[1] + 1);
      for (int k = a; k < b; k++) cnt[k]++;
      total += b - a;
    }
    for (int k = 0; k < m; k++) if (cnt[k] > mx) mx = cnt[k];
    free(cnt);
    free(pts);
    if (best < 0 || mx < bestmax || (mx == bestmax && total < besttotal)) {
      best = s; bestmax = mx; besttotal = total;
    }
  }
  /* Nested ranges can make the lists long: then a plain scan is as good. */
  if (bestmax * 2 > g->n || besttotal > 16L * g->n) return 0;

  int64_t *pts;
  int m = seg_points(t, g, best, &pts);
  if (m < 0) return -1;
  int *off = calloc((size_t)m + 1, sizeof *off);
  int *rows = malloc((size_t)besttotal * sizeof *rows + 1);
  if (!off || !rows) { free(pts); free(off); free(rows); return -1; }
  for (int i = 0; i < g->n; i++) {
    const int64_t *r = t->ranges + ((size_t)t->grow[g->first + i] * (size_t)t->nrange + (size_t)best) * 2;
    int a = seg_find(pts, m, r[0]), b = seg_find(pts, m, r[1] + 1);
    for (int k = a; k < b; k++) off[k + 1]++;
  }
  for (int k = 0; k < m; k++) off[k + 1] += off[k];
  int *fill = malloc((size_t)m * sizeof *fill);
  if (!fill) { free(pts); free(off); free(rows); return -1; }
  memcpy(fill, off, (size_t)m * sizeof *fill);
  for (int i = 0; i < g->n; i++) {
    int row = t->grow[g->first + i];
    const int64_t *r = t->ranges + ((size_t)row * (size_t)t->nrange + (size_t)best) * 2;
    int a = seg_find(pts, m, r[0]), b = seg_find(pts, m, r[1] + 1);
    for (int k = a; k < b; k++) rows[fill[k]++] = row;
  }
  free(fill);
  g->segslot = best;
  g->nseg = m - 1;
  g->segstart = pts;
  g->segoff = off;
  g->segrows = rows;
  return 0;
}

/* Group the rows by string keys, fold exact repeats into the earlier row
** (the later row's probabilities win, as with Java's HashMap.put) and build
** the segments.  0, or -1 on no memory. */
static int build_index(vt_lookup *t) {
  int n = t->nrows;
  int *rowgroup = NULL, *count = NULL;
  rowkey *keys = NULL;
  int rc = -1;

  t->groups = calloc((size_t)n, sizeof *t->groups);
  t->grow = malloc((size_t)n * sizeof *t->grow);
  rowgroup = malloc((size_t)n * sizeof *rowgroup);
  keys = malloc((size_t)n * sizeof *keys);
  if (!t->groups || !t->grow || !rowgroup || !keys) goto out;

  for (int r = 0; r < n; r++) {
    const char *const *v = t->cells + (size_t)r * (size_t)t->nstr;
    char buf[256];
    size_t len;
    char *key = group_key(t, v, NULL, buf, sizeof buf, &len);
    int added;
    long e = key ? vt_strmap_add(&t->bykey, key, len, &added) : -1;
    if (key != buf) free(key);
    if (e < 0) goto out;
    int g = (int)e;
    if (added) {
      t->ngroups++;
      t->groups[g].row0 = r;
      t->groups[g].segslot = -1;
    }
    rowgroup[r] = g;
    t->groups[g].n++;
  }
  count = calloc((size_t)t->ngroups + 1, sizeof *count);
  if (!count) goto out;
  for (int g = 0, at = 0; g < t->ngroups; g++) {
    t->groups[g].first = at;
    count[g] = at;
    at += t->groups[g].n;
  }
  for (int r = 0; r < n; r++) t->grow[count[rowgroup[r]]++] = r;

  /* Exact repeats: sort each group's rows by ranges, then file order. */
  for (int g = 0; g < t->ngroups; g++) {
    group *gr = &t->groups[g];
    int live = 0;
    for (int i = 0; i < gr->n; i++) {
      rowkey *k = &keys[i];
      int row = t->grow[gr->first + i];
      memset(k->r, 0, sizeof k->r);
      for (int s = 0; s < t->nrange; s++) {
        k->r[2 * s] = t->ranges[((size_t)row * (size_t)t->nrange + (size_t)s) * 2];
        k->r[2 * s + 1] = t->ranges[((size_t)row * (size_t)t->nrange + (size_t)s) * 2 + 1];
      }
      k->row = row;
    }
    if (gr->n > 1) qsort(keys, (size_t)gr->n, sizeof *keys, cmp_rowkey);
    for (int i = 0; i < gr->n;) {
      int j = i + 1;
      while (j < gr->n && memcmp(keys[j].r, keys[i].r, sizeof keys[i].r) == 0) j++;
      if (j - i > 1) {
        memcpy(t->probs + (size_t)keys[i].row * (size_t)t->ntargets,
               t->probs + (size_t)keys[j - 1].row * (size_t)t->ntargets,
               (size_t)t->ntargets * sizeof *t->probs);
        for (int k = i + 1; k < j; k++) rowgroup[keys[k].row] = -1; /* folded */
      }
      i = j;
    }
    for (int i = 0; i < gr->n; i++) {
      int row = t->grow[gr->first + i];
      if (rowgroup[row] >= 0) t->grow[gr->first + live++] = row;
    }
    gr->n = live;
    if (segment_group(t, gr) < 0) goto out;
  }
  rc = 0;
out:
  free(rowgroup);
  free(count);
  free(keys);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

void vt_lookup_free(vt_lookup *t) {
  if (!t) return;
  if (t->key_names)
    for (int k = 0; k < t->nkeys; k++) free(t->key_names[k]);
  free(t->key_names);
  free(t->key_kind);
  free(t->str_key);
  free(t->text);
  free(t->cells);
  free(t->celloff);
  free(t->ranges);
  free(t->probs);
  free(t->grow);
  if (t->groups)
    for (int g = 0; g < t->ngroups; g++) {
      free(t->groups[g].segstart);
      free(t->groups[g].segoff);
      free(t->groups[g].segrows);
    }
  free(t->groups);
  vt_strmap_free(&t->bykey);
  free(t);
}

/* Check the header against the targets: the last ntargets columns must be
** the targets, in any order.  Fills colmap[c] (target of probability column
** c).  0, or -1 with err set. */
static int match_targets(char **hdr, int ncols, const char *const *targets, int ntargets,
                         int *colmap, const char *path, char *err, size_t errlen) {
  int nkeys = ncols - ntargets;
  for (int j = 0; j < ntargets; j++) {
    if (!targets[j] || !targets[j][0]) {
      fail(err, errlen, path, 0, "transition %d has no name", j + 1);
      return -1;
    }
    for (int i = 0; i < j; i++)
      if (strcmp(targets[i], targets[j]) == 0) {
        fail(err, errlen, path, 0, "transition '%.100s' is listed twice", targets[j]);
        return -1;
      }
  }
  if (ncols < ntargets) {
    fail(err, errlen, path, 1, "%d columns, fewer than the %d transitions that should be the last columns",
         ncols, ntargets);
    return -1;
  }
  for (int c = 0; c < ntargets; c++) {
    const char *name = hdr[nkeys + c];
    colmap[c] = -1;
    for (int j = 0; j < ntargets; j++)
      if (strcmp(name, targets[j]) == 0) colmap[c] = j;
    for (int i = 0; i < c; i++)
      if (colmap[c] >= 0 && colmap[i] == colmap[c]) {
        fail(err, errlen, path, 1, "column '%.100s' appears twice", name);
        return -1;
      }
    if (colmap[c] < 0) {
      /* Name the option left without a column too (there is one). */
      const char *orphan = NULL;
      for (int j = 0; j < ntargets && !orphan; j++) {
        int found = 0;
        for (int i = nkeys; i < ncols; i++)
          if (strcmp(hdr[i], targets[j]) == 0) found = 1;
        if (!found) orphan = targets[j];
      }
      fail(err, errlen, path, 1,
           "probability column '%.100s' matches no transition; transition '%.100s' has no column "
           "(the last %d columns must be named after the %d transitions)",
           name, orphan ? orphan : "?", ntargets, ntargets);
      return -1;
    }
  }
  return 0;
}

/* Make room for `need` rows in the row arrays (capacity *cap rows).
** 0, or -1 on no memory (the arrays stay valid for vt_lookup_free). */
static int reserve_rows(vt_lookup *t, int *cap, int need) {
  size_t ncap;
  void *p;
  if (need <= *cap) return 0;
  ncap = *cap ? (size_t)*cap * 2 : 64;
  if ((p = realloc(t->cells, ncap * ((size_t)t->nstr + 1) * sizeof *t->cells)) == NULL) return -1;
  t->cells = p;
  if ((p = realloc(t->celloff, ncap * ((size_t)t->nstr + 1) * sizeof *t->celloff)) == NULL) return -1;
  t->celloff = p;
  if ((p = realloc(t->ranges, ncap * ((size_t)t->nrange * 2 + 1) * sizeof *t->ranges)) == NULL) return -1;
  t->ranges = p;
  if ((p = realloc(t->probs, ncap * (size_t)t->ntargets * sizeof *t->probs)) == NULL) return -1;
  t->probs = p;
  *cap = (int)ncap;
  return 0;
}

/* The state of a load: the reader, the header's names as written. */
typedef struct {
  vt_csv *r;
  const char *path;
  char **hdr;
  int ncols;
  int *colmap;         /* probability column c -> target */
  double *raw;         /* the row's probabilities as written */
  vt_sbuf pool;        /* the string values */
  char *err;
  size_t errlen;
} loader;

/* vt_csv_next with its message in err: 1, 0 at the end, or -1. */
static int next_record(loader *ld) {
  char msg[4400];
  int rc = vt_csv_next(ld->r, msg, sizeof msg);
  if (rc < 0 && ld->err && ld->errlen) snprintf(ld->err, ld->errlen, "%s", msg);
  return rc;
}

/* Read the header: the targets' columns (ld->colmap), the key columns'
** names and kinds.  0, or -1 with err set. */
static int load_header(vt_lookup *t, loader *ld, const char *const *targets, int ntargets) {
  const char *path = ld->path;
  int rc = next_record(ld);
  if (rc <= 0) {
    if (rc == 0) fail(ld->err, ld->errlen, path, 1, "empty file: no header line");
    return -1;
  }
  int ncols = ld->ncols = (int)vt_csv_count(ld->r);
  ld->hdr = vt_xcalloc((size_t)ncols, sizeof *ld->hdr);
  for (int k = 0; k < ncols; k++) ld->hdr[k] = vt_xstrdup(vt_csv_field(ld->r, (size_t)k));
  ld->colmap = vt_xmalloc((size_t)ntargets * sizeof *ld->colmap);
  ld->raw = vt_xmalloc((size_t)ntargets * sizeof *ld->raw);
  char **hdr = ld->hdr;
  if (match_targets(hdr, ncols, targets, ntargets, ld->colmap, path, ld->err, ld->errlen) < 0) return -1;

  int nkeys = t->nkeys = ncols - ntargets;
  t->key_names = vt_xcalloc((size_t)nkeys + 1, sizeof *t->key_names);
  t->key_kind = vt_xcalloc((size_t)nkeys + 1, sizeof *t->key_kind);
  t->str_key = vt_xcalloc((size_t)nkeys + 1, sizeof *t->str_key);
  for (int k = 0; k < nkeys; k++) {
    size_t n = strlen(hdr[k]);
    if (n == 0) return fail(ld->err, ld->errlen, path, 1, "key column %d has no name", k + 1);
    for (int i = 0; i < k; i++)
      if (ascii_ieq(hdr[i], hdr[k])) return fail(ld->err, ld->errlen, path, 1, "column '%.100s' appears twice", hdr[k]);
    t->key_names[k] = vt_xmalloc(n + 1);
    for (size_t i = 0; i <= n; i++) t->key_names[k][i] = ascii_lower(hdr[k][i]);
    if (strcmp(t->key_names[k], "age") == 0) t->key_kind[k] = VT_LOOKUP_AGE;
    else if (strcmp(t->key_names[k], "time") == 0) t->key_kind[k] = VT_LOOKUP_TIME;
    else t->key_kind[k] = VT_LOOKUP_STRING;
    if (t->key_kind[k] == VT_LOOKUP_STRING) t->str_key[t->nstr++] = k;
    else t->range_key[t->nrange++] = k;
  }
  return 0;
}

/* Add the record just read as row t->nrows: its string values, ranges and
** effective probabilities.  0, or -1 with err set. */
static int load_row(vt_lookup *t, loader *ld, int *cap) {
  const vt_csv *r = ld->r;
  const char *path = ld->path;
  int line = (int)vt_csv_line(r), row = t->nrows, nkeys = t->nkeys, ntargets = t->ntargets;
  if ((int)vt_csv_count(r) != ld->ncols)
    return fail(ld->err, ld->errlen, path, line, "%d fields, but the header has %d columns", (int)vt_csv_count(r),
                ld->ncols);
  if (row == INT32_MAX / 4) return fail(ld->err, ld->errlen, path, line, "too many rows");
  if (reserve_rows(t, cap, row + 1) < 0) return fail(ld->err, ld->errlen, path, 0, "not enough memory");
  for (int s = 0; s < t->nstr; s++) {
    t->celloff[(size_t)row * (size_t)t->nstr + (size_t)s] = ld->pool.n;
    size_t k = (size_t)t->str_key[s];
    vt_sb_add(&ld->pool, vt_csv_field(r, k), vt_csv_field_len(r, k) + 1);
  }
  for (int s = 0; s < t->nrange; s++) {
    int k = t->range_key[s];
    int64_t *lh = t->ranges + ((size_t)row * (size_t)t->nrange + (size_t)s) * 2;
    if (parse_range(vt_csv_field(r, (size_t)k), &lh[0], &lh[1]) < 0)
      return fail(ld->err, ld->errlen, path, line,
                  "column '%.100s': a range must be 'low-high' with whole numbers from 0 to %lld, found '%.60s'",
                  ld->hdr[k], (long long)RANGE_MAX, vt_csv_field(r, (size_t)k));
  }
  for (int c = 0; c < ntargets; c++) {
    const char *cell = vt_csv_field(r, (size_t)(nkeys + c));
    if (parse_prob(cell, &ld->raw[c]) < 0)
      return fail(ld->err, ld->errlen, path, line, "column '%.100s': not a probability (a finite number >= 0): '%.60s'",
                  ld->hdr[nkeys + c], cell);
  }
  /* Effective probabilities of Synthea's walk over the columns in file
  ** order: the leftover to the last column, anything past 1 lost.  A
  ** column that is not cut keeps its value exactly. */
  double cum = 0, *out = t->probs + (size_t)row * (size_t)ntargets;
  for (int c = 0; c < ntargets; c++) {
    double e, x = ld->raw[c];
    if (cum >= 1) e = 0;
    else if (c == ntargets - 1) e = 1 - cum;
    else if (cum + x <= 1) e = x;
    else e = 1 - cum;
    cum += x;
    out[ld->colmap[c]] = e;
  }
  t->nrows++;
  return 0;
}

static void loader_free(loader *ld) {
  vt_csv_close(ld->r);
  for (int k = 0; ld->hdr && k < ld->ncols; k++) free(ld->hdr[k]);
  free(ld->hdr);
  free(ld->colmap);
  free(ld->raw);
  free(ld->pool.p);
}

vt_lookup *vt_lookup_load(const char *path, const char *const *targets, int ntargets,
                          char *err, size_t errlen) {
  loader ld = {0};
  int rc, cap = 0;
  vt_lookup *t = NULL;
  if (err && errlen) err[0] = '\0';
  if (!path) path = "(null)";
  if (ntargets <= 0 || !targets) {
    fail(err, errlen, path, 0, "a lookup table transition needs at least one option");
    return NULL;
  }
  ld.path = path;
  ld.err = err;
  ld.errlen = errlen;
  char msg[4400];
  ld.r = vt_csv_open(path, VT_CSV_COMMA, msg, sizeof msg);
  if (!ld.r) {
    if (err && errlen) snprintf(err, errlen, "%s", msg);
    return NULL;
  }
  t = vt_xcalloc(1, sizeof *t);
  t->ntargets = ntargets;
  if (load_header(t, &ld, targets, ntargets) < 0) goto fail;
  while ((rc = next_record(&ld)) == 1)
    if (load_row(t, &ld, &cap) < 0) goto fail;
  if (rc < 0) goto fail;
  if (t->nrows == 0) {
    fail(err, errlen, path, (int)vt_csv_line(ld.r) + 1, "no rows after the header");
    goto fail;
  }
  /* The string values' buffer is complete: point the cells into it. */
  t->text = ld.pool.p;
  ld.pool.p = NULL;
  for (size_t i = 0; i < (size_t)t->nrows * (size_t)t->nstr; i++) t->cells[i] = t->text + t->celloff[i];
  free(t->celloff);
  t->celloff = NULL;
  if (build_index(t) < 0) {
    fail(err, errlen, path, 0, "not enough memory");
    goto fail;
  }
  loader_free(&ld);
  return t;

fail:
  loader_free(&ld);
  vt_lookup_free(t);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */
/* ------------------------------------------------------------------ */

int vt_lookup_nkeys(const vt_lookup *t) { return t->nkeys; }

const char *vt_lookup_key_name(const vt_lookup *t, int k) {
  return (k >= 0 && k < t->nkeys) ? t->key_names[k] : NULL;
}

int vt_lookup_key_kind(const vt_lookup *t, int k) {
  return (k >= 0 && k < t->nkeys) ? t->key_kind[k] : -1;
}

int vt_lookup_key_is_range(const vt_lookup *t, int k) {
  return (k >= 0 && k < t->nkeys) ? t->key_kind[k] != VT_LOOKUP_STRING : 0;
}

int vt_lookup_nrows(const vt_lookup *t) { return t->nrows; }

int vt_lookup_match(const vt_lookup *t, const int64_t *nums, const char *const *strs, double *probs) {
  int64_t v[MAX_RANGES];
  const int *rows;
  int nrows, g;

  for (int s = 0; s < t->nstr; s++)
    if (!strs || !strs[t->str_key[s]]) return -1;
  for (int s = 0; s < t->nrange; s++) {
    if (!nums || nums[t->range_key[s]] == VT_LOOKUP_NONE) return -1;
    v[s] = nums[t->range_key[s]];
  }
  g = find_group(t, strs, t->str_key);
  if (g < 0) return 0;

  const group *gr = &t->groups[g];
  if (gr->segslot >= 0) {
    int i = seg_find(gr->segstart, gr->nseg + 1, v[gr->segslot]);
    if (i < 0 || i >= gr->nseg) return 0;
    rows = gr->segrows + gr->segoff[i];
    nrows = gr->segoff[i + 1] - gr->segoff[i];
  } else {
    rows = t->grow + gr->first;
    nrows = gr->n;
  }
  for (int i = 0; i < nrows; i++) {
    const int64_t *r = t->ranges + (size_t)rows[i] * (size_t)t->nrange * 2;
    int s = 0;
    while (s < t->nrange && v[s] >= r[2 * s] && v[s] <= r[2 * s + 1]) s++;
    if (s == t->nrange) {
      memcpy(probs, t->probs + (size_t)rows[i] * (size_t)t->ntargets, (size_t)t->ntargets * sizeof *probs);
      return 1;
    }
  }
  return 0;
}
