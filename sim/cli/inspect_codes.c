/*
** inspect_codes.c -- persons and events of a source matched by codes, with
** concept descendants where there is ancestry (see inspect_codes.h).
*/
#include "sim/cli/inspect_codes.h"

#include <stdlib.h>
#include <string.h>

#include "learn/codematch.h"
#include "sim/hash.h"
#include "sim/jsonw.h"
#include "sim/strbuf.h"

#define MATCHED_SHOWN 5

typedef struct query {
  char *system, *code;
  int64_t persons, events, last_seq;
} query;

typedef struct matched {        /* one data code a query matched, by key "QUERY\0SYSTEM\0CODE" */
  size_t query;
  const char *system, *code;    /* into the map's key */
  int64_t events;
} matched;

static int cmp_matched(const void *pa, const void *pb) {
  const matched *a = pa, *b = pb;
  if (a->query != b->query) return a->query < b->query ? -1 : 1;
  if (a->events != b->events) return a->events > b->events ? -1 : 1;
  int c = strcmp(a->system, b->system);
  return c ? c : strcmp(a->code, b->code);
}

/* Split "SYSTEM:CODE" into q.  0, or -1 with err. */
static int parse_code(const char *s, query *q, char *err, size_t errlen) {
  const char *colon = strrchr(s, ':');
  if (!colon || colon == s || !colon[1]) {
    snprintf(err, errlen, "--code '%s': expected SYSTEM:CODE (e.g. SNOMED:195967001)", s);
    return -1;
  }
  q->system = vt_xprintf("%.*s", (int)(colon - s), s);
  q->code = vt_xstrdup(colon + 1);
  q->last_seq = -1;
  return 0;
}

/* Count one event matched by query k as (system, code).  0, or -1 when out
** of memory. */
static int count_match(query *qs, size_t k, const vt_person *p, const vt_event *e, vt_strmap *seen) {
  query *q = &qs[k];
  q->events++;
  if (q->last_seq != p->seq) { q->persons++; q->last_seq = p->seq; }
  char key[512];
  int len = snprintf(key, sizeof key, "%zu%c%s%c%s", k, 0, e->system ? e->system : "", 0, e->code ? e->code : "");
  if (len < 0 || (size_t)len >= sizeof key) return 0;   /* an absurdly long code: counted, not listed */
  int added;
  long i = vt_strmap_add(seen, key, (size_t)len, &added);
  if (i < 0) return -1;
  (*vt_strmap_value(seen, (size_t)i))++;
  return 0;
}

/* The matched data codes, sorted by query then events. */
static matched *list_matched(const vt_strmap *seen, size_t *n) {
  *n = vt_strmap_count(seen);
  matched *ms = vt_xcalloc(*n ? *n : 1, sizeof *ms);
  for (size_t i = 0; i < *n; i++) {
    size_t len;
    const char *k = vt_strmap_key(seen, i, &len);
    ms[i].query = (size_t)strtoull(k, NULL, 10);
    ms[i].system = k + strlen(k) + 1;
    ms[i].code = ms[i].system + strlen(ms[i].system) + 1;
    ms[i].events = (int64_t)*vt_strmap_value((vt_strmap *)seen, i);
  }
  qsort(ms, *n, sizeof *ms, cmp_matched);
  return ms;
}

static void print_text(FILE *f, const query *qs, size_t n, const matched *ms, size_t nm, const char *how) {
  fprintf(f, "Codes matched (%s):\n", how);
  fprintf(f, "  %-28s %10s %10s  matched as\n", "code", "persons", "events");
  size_t j = 0;
  for (size_t k = 0; k < n; k++) {
    char name[300];
    snprintf(name, sizeof name, "%s %s", qs[k].system, qs[k].code);
    fprintf(f, "  %-28s %10lld %10lld  ", name, (long long)qs[k].persons, (long long)qs[k].events);
    int shown = 0;
    for (; j < nm && ms[j].query == k; j++, shown++)
      if (shown < MATCHED_SHOWN)
        fprintf(f, "%s%s %s (%lld)", shown ? ", " : "", ms[j].system, ms[j].code, (long long)ms[j].events);
    if (shown > MATCHED_SHOWN) fprintf(f, ", and %d more", shown - MATCHED_SHOWN);
    fputc('\n', f);
  }
}

static void print_json(FILE *f, const query *qs, size_t n, const matched *ms, size_t nm, const char *ancestry) {
  vt_jsonw w;
  vt_jw_init(&w, f);
  vt_jw_obj(&w, 0);
  vt_jw_kstr(&w, "ancestry", ancestry);
  vt_jw_key(&w, "codes");
  vt_jw_arr(&w, 0);
  size_t j = 0;
  for (size_t k = 0; k < n; k++) {
    vt_jw_obj(&w, 0);
    vt_jw_kstr(&w, "system", qs[k].system);
    vt_jw_kstr(&w, "code", qs[k].code);
    vt_jw_kint(&w, "persons", qs[k].persons);
    vt_jw_kint(&w, "events", qs[k].events);
    vt_jw_key(&w, "matched");
    vt_jw_arr(&w, 0);
    for (; j < nm && ms[j].query == k; j++) {
      vt_jw_obj(&w, 1);
      vt_jw_kstr(&w, "system", ms[j].system);
      vt_jw_kstr(&w, "code", ms[j].code);
      vt_jw_kint(&w, "events", ms[j].events);
      vt_jw_end(&w);
    }
    vt_jw_end(&w);
    vt_jw_end(&w);
  }
  vt_jw_end(&w);
  vt_jw_end(&w);
}

/* Load the ancestry into m: from vocab_dir, else the source's.  Sets *how
** (text) and *ancestry (JSON: "vocabulary", "source", "none").  0, or -1
** with err. */
static int load_ancestry(vt_codematch *m, vt_ehr *r, const char *vocab_dir, char *how, size_t howlen,
                         const char **ancestry, char *err, size_t errlen) {
  int rc;
  if (vocab_dir) {
    if (vt_codematch_load_vocab(m, vocab_dir, err, errlen) < 0) return -1;
    rc = vt_codematch_has_ancestry(m);
    snprintf(how, howlen, rc ? "with descendants, by the concept ancestry of %s" : "exact codes: %s has no CONCEPT_ANCESTOR.csv",
             vocab_dir);
    *ancestry = rc ? "vocabulary" : "none";
    return 0;
  }
  if ((rc = vt_ehr_ancestry(r, m, err, errlen)) < 0) return -1;
  snprintf(how, howlen, "%s", rc ? "with descendants, by the source's concept ancestry"
                                 : "exact codes: the source has no concept ancestry (--vocab DIR gives one)");
  *ancestry = rc ? "source" : "none";
  return 0;
}

int vt_inspect_codes(FILE *f, vt_ehr *r, const char *const *codes, size_t n, const char *vocab_dir, int json,
                     char *err, size_t errlen) {
  query *qs = vt_xcalloc(n, sizeof *qs);
  const char **sys = vt_xcalloc(n, sizeof *sys), **code = vt_xcalloc(n, sizeof *code);
  vt_codematch *m = NULL;
  vt_strmap seen = { 0 };
  int status = 1;
  for (size_t k = 0; k < n; k++) {
    if (parse_code(codes[k], &qs[k], err, errlen) < 0) goto done;
    sys[k] = qs[k].system;
    code[k] = qs[k].code;
  }
  status = -1;
  if (!(m = vt_codematch_new(sys, code, n))) { snprintf(err, errlen, "out of memory"); goto done; }
  char how[600];
  const char *ancestry;
  if (load_ancestry(m, r, vocab_dir, how, sizeof how, &ancestry, err, errlen) < 0) goto done;
  const vt_person *p;
  int rc;
  while ((rc = vt_ehr_next(r, &p, err, errlen)) == 1)
    for (size_t e = 0; e < p->nevents; e++) {
      const vt_event *ev = &p->events[e];
      long k = vt_codematch_find(m, ev->concept_id, ev->system, ev->code);
      if (k >= 0 && count_match(qs, (size_t)k, p, ev, &seen) < 0) { snprintf(err, errlen, "out of memory"); goto done; }
    }
  if (rc < 0) goto done;
  size_t nm;
  matched *ms = list_matched(&seen, &nm);
  if (json) print_json(f, qs, n, ms, nm, ancestry);
  else print_text(f, qs, n, ms, nm, how);
  free(ms);
  status = 0;
done:
  for (size_t k = 0; k < n; k++) { free(qs[k].system); free(qs[k].code); }
  free(qs);
  free(sys);
  free(code);
  vt_strmap_free(&seen);
  vt_codematch_free(m);
  return status;
}
