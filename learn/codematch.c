/*
** codematch.c -- module codes against data events, with or without concept
** ancestry (see codematch.h and docs/codes.md).
**
** Three tables: the module codes by "VOCABULARY\0CODE" (the vocabulary as
** OMOP names it, through vt_vocab_id), entry i being module code i or an
** alias of an earlier one; the concepts of the module codes (concept id ->
** module code); and the descendants of those concepts (concept id -> the
** lowest module code it descends from).
*/
#include "learn/codematch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/csv.h"
#include "learn/vocab.h"
#include "sim/hash.h"

struct vt_codematch {
  vt_strmap bycode;     /* "VOCAB\0CODE" -> module code index */
  vt_idmap byconcept;   /* concept of a module code -> module code index */
  vt_idmap desc;        /* descendant concept -> lowest module code index */
  int ancestry;
};

/* The key of (vocabulary, code) in buf (cap bytes) or malloc'd; its length
** in *len.  NULL when out of memory. */
static char *code_key(const char *vocabulary, const char *code, char *buf, size_t cap, size_t *len) {
  const char *v = vt_vocab_id(vocabulary);
  if (!v) v = "";
  size_t nv = strlen(v), nc = strlen(code);
  char *k = nv + nc + 1 <= cap ? buf : malloc(nv + nc + 1);
  if (!k) return NULL;
  memcpy(k, v, nv);
  k[nv] = '\0';
  memcpy(k + nv + 1, code, nc);
  *len = nv + nc + 1;
  return k;
}

/* The module code of (vocabulary, code), or -1. */
static long find_code(const vt_codematch *m, const char *vocabulary, const char *code) {
  if (!code) return -1;
  char buf[256];
  size_t len;
  char *k = code_key(vocabulary, code, buf, sizeof buf, &len);
  if (!k) return -1;
  long e = vt_strmap_find(&m->bycode, k, len);
  if (k != buf) free(k);
  return e < 0 ? -1 : (long)*vt_strmap_value((vt_strmap *)&m->bycode, (size_t)e);
}

vt_codematch *vt_codematch_new(const char *const *systems, const char *const *codes, size_t n) {
  vt_codematch *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (!codes[i]) continue;
    char buf[256];
    size_t len;
    int added;
    char *k = code_key(systems ? systems[i] : NULL, codes[i], buf, sizeof buf, &len);
    long e = k ? vt_strmap_add(&m->bycode, k, len, &added) : -1;
    if (k != buf) free(k);
    if (e < 0) { vt_codematch_free(m); return NULL; }
    if (added) *vt_strmap_value(&m->bycode, (size_t)e) = i;
  }
  return m;
}

int vt_codematch_add_concept(vt_codematch *m, int64_t concept_id, const char *vocabulary_id,
                             const char *concept_code) {
  long i = find_code(m, vocabulary_id, concept_code);
  if (i < 0 || concept_id == 0) return 0;
  uint64_t *v = vt_idmap_slot(&m->byconcept, concept_id);
  if (!v) return -1;
  *v = (uint64_t)i + 1;   /* + 1: 0 is a fresh slot */
  return 0;
}

int vt_codematch_add_ancestry(vt_codematch *m, int64_t ancestor_id, int64_t descendant_id) {
  uint64_t a;
  m->ancestry = 1;
  if (ancestor_id == descendant_id || !vt_idmap_get(&m->byconcept, ancestor_id, &a)) return 0;
  uint64_t *d = vt_idmap_slot(&m->desc, descendant_id);
  if (!d) return -1;
  if (*d == 0 || a < *d) *d = a;
  return 0;
}

/* The column of name in r's header, or -1 with "PATH: no column NAME". */
static int need_column(vt_csv *r, const char *name, char *err, size_t errlen) {
  int c = vt_csv_column(r, name);
  if (c < 0) snprintf(err, errlen, "%s: no column %s in the header", vt_csv_path(r), name);
  return c;
}

/* An integer field of the current row: 0 and *out, or -1 with err. */
static int int_field(vt_csv *r, int col, const char *name, int64_t *out, char *err, size_t errlen) {
  const char *s = vt_csv_field(r, (size_t)col);
  char *end;
  long long x = strtoll(s, &end, 10);
  if (!*s || *end) {
    snprintf(err, errlen, "%s:%ld: column %s: not an integer: '%.40s'", vt_csv_path(r), vt_csv_line(r), name, s);
    return -1;
  }
  *out = (int64_t)x;
  return 0;
}

/* "PATH:LINE: out of memory" for the current row.  Returns -1. */
static int row_oom(vt_csv *r, char *err, size_t errlen) {
  snprintf(err, errlen, "%s:%ld: out of memory", vt_csv_path(r), vt_csv_line(r));
  return -1;
}

/* A CONCEPT.csv row (columns concept_id, vocabulary_id, concept_code):
** kept when it is a module code's.  0 or -1 with err. */
static int concept_row(vt_codematch *m, vt_csv *r, const int *col, char *err, size_t errlen) {
  const char *voc = vt_csv_field(r, (size_t)col[1]), *code = vt_csv_field(r, (size_t)col[2]);
  if (find_code(m, voc, code) < 0) return 0;
  int64_t id;
  if (int_field(r, col[0], "concept_id", &id, err, errlen) != 0) return -1;
  return vt_codematch_add_concept(m, id, voc, code) != 0 ? row_oom(r, err, errlen) : 0;
}

/* A CONCEPT_ANCESTOR.csv row (ancestor_concept_id, descendant_concept_id):
** kept when the ancestor is a module code's concept.  0 or -1 with err. */
static int ancestor_row(vt_codematch *m, vt_csv *r, const int *col, char *err, size_t errlen) {
  int64_t a, d;
  if (int_field(r, col[0], "ancestor_concept_id", &a, err, errlen) != 0) return -1;
  if (!vt_idmap_get(&m->byconcept, a, NULL)) return 0;
  if (int_field(r, col[1], "descendant_concept_id", &d, err, errlen) != 0) return -1;
  return vt_codematch_add_ancestry(m, a, d) != 0 ? row_oom(r, err, errlen) : 0;
}

/* Read the file at path, whose header must have the n columns `names`,
** handing every row to fn with the columns' numbers.  0 or -1 with err. */
static int load_table(vt_codematch *m, const char *path, const char *const *names, int n,
                      int (*fn)(vt_codematch *, vt_csv *, const int *, char *, size_t), char *err, size_t errlen) {
  vt_csv *r = vt_csv_open(path, VT_CSV_AUTO, err, errlen);
  if (!r) return -1;
  int rc = -1, col[4], k;
  if (vt_csv_header(r, err, errlen) != 0) goto done;
  for (int i = 0; i < n; i++)
    if ((col[i] = need_column(r, names[i], err, errlen)) < 0) goto done;
  while ((k = vt_csv_next(r, err, errlen)) == 1)
    if (fn(m, r, col, err, errlen) != 0) goto done;
  rc = k < 0 ? -1 : 0;
done:
  vt_csv_close(r);
  return rc;
}

int vt_codematch_load_files(vt_codematch *m, const char *concept_path, const char *ancestor_path,
                            char *err, size_t errlen) {
  static const char *const cnames[] = { "concept_id", "vocabulary_id", "concept_code" };
  static const char *const anames[] = { "ancestor_concept_id", "descendant_concept_id" };
  if (load_table(m, concept_path, cnames, 3, concept_row, err, errlen) != 0) return -1;
  if (!ancestor_path) return 0;
  m->ancestry = 1;
  return load_table(m, ancestor_path, anames, 2, ancestor_row, err, errlen);
}

int vt_codematch_load_vocab(vt_codematch *m, const char *dir, char *err, size_t errlen) {
  size_t n = strlen(dir) + 32;
  char *c = malloc(n), *a = malloc(n);
  int rc = -1;
  if (!c || !a) { snprintf(err, errlen, "%s: out of memory", dir); goto done; }
  snprintf(c, n, "%s/CONCEPT.csv", dir);
  snprintf(a, n, "%s/CONCEPT_ANCESTOR.csv", dir);
  FILE *f = fopen(a, "rb");   /* an optional file: read it only if it is there */
  if (f) fclose(f);
  rc = vt_codematch_load_files(m, c, f ? a : NULL, err, errlen);
done:
  free(c);
  free(a);
  return rc;
}

long vt_codematch_find(const vt_codematch *m, int64_t concept_id, const char *vocabulary_id, const char *code) {
  if (!m) return -1;
  if (concept_id != 0) {
    uint64_t v;
    if (vt_idmap_get(&m->byconcept, concept_id, &v)) return (long)v - 1;
    if (m->ancestry && vt_idmap_get(&m->desc, concept_id, &v)) return (long)v - 1;
  }
  return find_code(m, vocabulary_id, code);
}

int vt_codematch_has_ancestry(const vt_codematch *m) { return m ? m->ancestry : 0; }
size_t vt_codematch_concepts(const vt_codematch *m) { return m ? m->byconcept.n : 0; }
size_t vt_codematch_descendants(const vt_codematch *m) { return m ? m->desc.n : 0; }

void vt_codematch_free(vt_codematch *m) {
  if (!m) return;
  vt_strmap_free(&m->bycode);
  vt_idmap_free(&m->byconcept);
  vt_idmap_free(&m->desc);
  free(m);
}
